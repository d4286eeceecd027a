"""Throttles at their real limits: API writes per user (token or session) or address,
first requests of new frames per address, each answered 429 with Retry-After; reads
and frames already made are never counted."""
from __future__ import annotations

import logging

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from renditions import delivery
from renditions.api.throttling import WriteThrottle

pytestmark = pytest.mark.django_db(transaction=True)

RATE = 3


@pytest.fixture(autouse=True)
def low_rates(settings, request):
    """Three a minute, counted in a cache of this test's own."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": request.node.nodeid}}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "write": f"{RATE}/min", "new_frame": f"{RATE}/min"}}


def tokened(user) -> APIClient:
    key = Token.objects.create(user=user).key
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def write(client: APIClient):
    return client.post(reverse("api-assets"), {}, format="multipart")  # 400: no file


def assert_throttled(response) -> None:
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    assert response.json() == {"error": f"Too many requests; try again in {wait} s."}


def test_api_writes_are_throttled_per_user_and_reads_are_not(users, django_user_model):
    client = tokened(users["editor"])
    assert [write(client).status_code for _ in range(RATE)] == [400] * RATE
    assert_throttled(write(client))
    for _ in range(2 * RATE):
        assert client.get(reverse("api-assets")).status_code == 200
    session = APIClient()  # the same user through the editor's pages: the same count
    session.force_login(users["editor"])
    assert_throttled(write(session))
    colleague = django_user_model.objects.create_user("ed2")
    colleague.groups.set(users["editor"].groups.all())
    assert write(tokened(colleague)).status_code == 400  # a count of their own


def test_anonymous_writes_count_per_address():
    """(No endpoint takes an anonymous write today: they get 401 before any count.)"""
    factory, throttle = APIRequestFactory(), WriteThrottle()

    def allowed(method: str, address: str) -> bool:
        request = Request(getattr(factory, method)("/api/assets/", REMOTE_ADDR=address))
        return throttle.allow_request(request, None)
    assert [allowed("post", "198.51.100.1") for _ in range(RATE + 1)] == [True] * RATE + [False]
    assert allowed("get", "198.51.100.1")
    assert allowed("post", "198.51.100.2")


def test_a_cache_that_is_down_lets_writes_through(users, settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 1}}}
    client = tokened(users["editor"])
    with caplog.at_level(logging.WARNING, logger="renditions.api.throttling"):
        assert [write(client).status_code for _ in range(RATE + 2)] == [400] * (RATE + 2)
    assert "cache unavailable" in caplog.text


def frame(client, asset, width: int, address: str):
    url = delivery.signed_url(asset.uid, width, 200, fmt="jpeg", absolute=False)
    return client.get(url, REMOTE_ADDR=address)


def test_a_flood_of_new_frames_is_throttled_but_made_frames_are_served(processed, client):
    made = [frame(client, processed, 200 + i, "198.51.100.7") for i in range(RATE)]
    assert [r.status_code for r in made] == [200] * RATE
    flood = frame(client, processed, 400, "198.51.100.7")
    assert flood.status_code == 429 and 0 < int(flood["Retry-After"]) <= 60
    assert flood.content.decode().startswith("Too many new frames from this address")
    for _ in range(2 * RATE):  # made already: served, and not counted
        assert frame(client, processed, 200, "198.51.100.7").status_code == 200
    assert frame(client, processed, 400, "198.51.100.8").status_code == 200  # another address
