"""The stable URL's lean path (``renditions.wsgi``, issue 26): a warm hit answered in
front of Django gets the very answer Django's whole stack gives (status, every header,
the middleware's included, and body), and everything it cannot answer goes to Django."""
from __future__ import annotations

import os
from datetime import timedelta
from wsgiref.util import FileWrapper

import pytest
from django.core.cache import caches
from django.core.checks import run_checks
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from dam import wsgi as dam_wsgi
from renditions import editing, services
from renditions.wsgi import StableURLs, unknown_middleware
from tests.integration.test_rights import T0, Clock

pytestmark = pytest.mark.django_db(transaction=True)
REDIS = os.environ.get("SALIENT_CACHE_URL", "")


@pytest.fixture(params=["files", "locmem"] + ["redis"] * REDIS.startswith("redis"))
def origin_cache(request, settings, tmp_path):
    """Each kind of cache the lookup may live in."""
    backend = {"files": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                         "LOCATION": str(tmp_path / "origin")},
               "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "LOCATION": f"lean-{tmp_path.name}"},
               "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                         "LOCATION": REDIS, "KEY_PREFIX": f"lean-{tmp_path.name}"}}
    settings.CACHES = {**settings.CACHES, "origin": backend[request.param]}
    yield caches["origin"]
    caches["origin"].clear()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """A fixed clock: ``Expires`` and the rights moments alike on both paths."""
    c = Clock(T0)
    monkeypatch.setattr(timezone, "now", c)
    return c


class Counted:
    """Django's application, counting the requests that reach it."""

    def __init__(self):
        self.django, self.calls = get_wsgi_application(), 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


def _apps():
    """The lean path and Django's application behind it, made with today's settings
    (middleware reads some of them once, when made)."""
    inner = Counted()
    return StableURLs(inner), inner


@pytest.fixture
def apps(origin_cache, clock):
    return _apps()


def _call(app, url, method="GET", sendfile=True, secure=False, **headers):
    """(status, sorted headers, body) of ``app``'s answer to one request."""
    environ = RequestFactory().generic(method, url, secure=secure, headers=headers).environ
    if sendfile:
        environ["wsgi.file_wrapper"] = FileWrapper
    got = {}

    def start_response(status, headers, exc_info=None):
        got.update(status=status, headers=sorted(headers))

    body = app(environ, start_response)
    try:
        data = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    return got["status"], got["headers"], data


def _both(apps, url, *, lean: bool, **request):
    """The lean path's answer, checked equal to Django's for the same request; ``lean``:
    whether the lean path must have answered it alone (with no query)."""
    outer, inner = apps
    before = inner.calls
    with CaptureQueriesContext(connection) as queries:
        answer = _call(outer, url, **request)
    assert (inner.calls == before) == lean
    if lean:
        assert len(queries) == 0
    assert answer == _call(inner, url, **request)
    return answer


def _stable(asset, query=""):
    return reverse("deliver", args=[asset.uid, "hero"]) + query


def _header(answer, name):
    return {key.lower(): value for key, value in answer[1]}.get(name.lower())


@pytest.mark.parametrize("query, headers", [
    ("", {}),
    ("?w=600", {}),
    ("?fm=webp", {}),
    ("", {"Accept": "image/avif,image/webp,*/*"}),
    ("?w=600", {"Accept": "image/webp"}),
])
@pytest.mark.parametrize("sendfile", [True, False])
def test_a_warm_hit_is_answered_as_django_answers_it(processed, apps, query, headers,
                                                     sendfile):
    url = _stable(processed, query)
    cold = _both(apps, url, lean=False, sendfile=sendfile, **headers)  # warms the lookup
    warm = _both(apps, url, lean=True, sendfile=sendfile, **headers)
    assert warm == cold and warm[0] == "200 OK" and len(warm[2]) > 1000
    names = {name.lower() for name, _ in warm[1]}
    assert {"content-security-policy", "x-frame-options", "x-content-type-options",
            "referrer-policy", "cross-origin-opener-policy", "surrogate-key", "cache-tag",
            "etag", "last-modified", "cache-control", "vary"} <= names
    assert ("Accept" in _header(warm, "Vary")) == ("fm=" not in query)


def test_head_and_conditional_requests(processed, apps):
    url = _stable(processed)
    full = _both(apps, url, lean=False)
    etag, modified = _header(full, "ETag"), _header(full, "Last-Modified")
    head = _both(apps, url, lean=True, method="HEAD")
    assert head[0] == "200 OK" and head[2] == b""
    assert _header(head, "Content-Length") == str(len(full[2]))
    for method in ("GET", "HEAD"):
        by_tag = _both(apps, url, lean=True, method=method, **{"If-None-Match": etag})
        by_date = _both(apps, url, lean=True, method=method,
                        **{"If-Modified-Since": modified})
        assert by_tag[0] == by_date[0] == "304 Not Modified"
        assert by_tag[2] == b"" and _header(by_tag, "ETag") == etag
        assert _header(by_tag, "Cache-Control") == "public, max-age=60"
    stale = _both(apps, url, lean=True, **{"If-None-Match": '"other"'})
    assert stale[0] == "200 OK"
    older = _both(apps, url, lean=True, **{"If-Modified-Since": http_date(0)})
    assert older[0] == "200 OK"


def test_cors_and_hsts_are_the_middleware_s_own(processed, origin_cache, clock, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example"]
    settings.SECURE_HSTS_SECONDS = 3600
    apps = _apps()
    url = _stable(processed)
    _both(apps, url, lean=False)
    allowed = _both(apps, url, lean=True, secure=True, Origin="https://shop.example")
    assert _header(allowed, "Access-Control-Allow-Origin") == "https://shop.example"
    assert _header(allowed, "Strict-Transport-Security") == "max-age=3600"
    other = _both(apps, url, lean=True, Origin="https://elsewhere.example")
    assert _header(other, "Access-Control-Allow-Origin") is None
    assert "origin" in _header(other, "Vary").lower()


def test_an_expiry_reached_is_410_from_the_warm_entry(processed, apps, clock):
    processed.expires_at = T0 + timedelta(seconds=55)
    processed.save(update_fields=["expires_at"])
    url = _stable(processed)
    _both(apps, url, lean=False)
    served = _both(apps, url, lean=True)
    assert _header(served, "Cache-Control") == "public, max-age=55"
    clock.at(T0 + timedelta(seconds=55))
    gone = _both(apps, url, lean=True)
    assert gone[0] == "410 Gone" and gone[2] == b"This image's licence has ended.\n"
    assert _header(gone, "Cache-Control") == "no-store"


def test_an_embargo_is_410_from_the_warm_entry(processed, apps, clock):
    processed.embargo_until = T0 + timedelta(seconds=10)
    processed.save(update_fields=["embargo_until"])
    url = _stable(processed)
    clock.at(T0 + timedelta(seconds=20))
    _both(apps, url, lean=False)
    clock.at(T0)  # the entry holds the window: checked against the clock on every hit
    gone = _both(apps, url, lean=True)
    assert gone[0] == "410 Gone"


def test_a_trashed_asset_and_a_new_rendition_go_to_django_then_lean_again(processed, apps,
                                                                         editor):
    url = _stable(processed)
    _both(apps, url, lean=False)
    before = _both(apps, url, lean=True)
    editing.focal_set(asset=processed, point=(0.1, 0.5), user=editor)
    services.asset_process(asset_id=processed.pk)
    changed = _both(apps, url, lean=False)  # the generation renewed: a miss
    assert _header(changed, "ETag") != _header(before, "ETag") and changed[2] != before[2]
    assert _both(apps, url, lean=True) == changed
    processed.refresh_from_db()
    processed.deleted_at = timezone.now()
    processed.save(update_fields=["deleted_at"])
    gone = _both(apps, url, lean=False)
    assert gone[0] == "410 Gone"


@pytest.mark.parametrize("url, request_", [
    ("{stable}?w=601", {}),  # not a srcset width: 403 by the view
    ("/d/{uid}/nosuch", {}),  # no such profile: 404
    ("/d/{uid}/hero/", {}),  # not the stable URL's shape
    ("/d/{UID}/hero", {}),
    ("{stable}", {"method": "POST"}),
    ("{stable}", {"method": "OPTIONS", "Origin": "https://a.example"}),
])
def test_what_the_lean_path_does_not_know_goes_to_django(processed, apps, url, request_):
    _both(apps, _stable(processed), lean=False)
    url = url.format(stable=_stable(processed), uid=processed.uid,
                     UID=str(processed.uid).upper())
    _both(apps, url, lean=False, **request_)


def test_a_redirect_to_https_or_a_bad_host_is_django_s(processed, apps, settings):
    url = _stable(processed)
    _both(apps, url, lean=False)
    assert _both(apps, url, lean=False, Host="evil.example")[0].startswith("400")
    settings.SECURE_SSL_REDIRECT = True
    assert _both(_apps(), url, lean=False)[0].startswith("301")


def test_a_file_gone_since_is_django_s(processed, apps):
    url = _stable(processed)
    _both(apps, url, lean=False)
    hero = processed.renditions.get(profile__slug="hero")
    hero.file.storage.delete(hero.file.name)
    _both(apps, url, lean=False)


def test_an_unknown_middleware_turns_the_lean_path_off(processed, settings, origin_cache):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.integration.test_lean_path.Unknown"]
    assert unknown_middleware() == ["tests.integration.test_lean_path.Unknown"]
    inner = Counted()
    lean = StableURLs(inner)
    url = _stable(processed)
    _call(lean, url)
    _call(lean, url)
    assert inner.calls == 2
    assert [m.id for m in run_checks() if m.id == "renditions.W012"] == ["renditions.W012"]


def test_the_deployed_application_has_the_lean_path():
    assert isinstance(dam_wsgi.application, StableURLs)
    assert unknown_middleware() == []
    assert "renditions.W012" not in {m.id for m in run_checks()}


def test_it_can_be_turned_off(settings):
    settings.WSGI_MIDDLEWARE = []
    inner = object()
    assert dam_wsgi.wrapped(inner) is inner


class Unknown:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
