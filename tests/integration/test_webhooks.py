"""Webhooks: signed POSTs to a real HTTP server on loopback, per event, with retries."""
from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from dam import services as dam_services
from dam.models import Asset
from renditions import editing, enqueue, services, signals
from renditions.models import RenditionProfile
from tests.conftest import make_photo
from tests.integration.conftest import wait_for
from tests.integration.test_editing import asset  # noqa: F401 - a processed asset (fixture)
from webhooks import backoff, services as hooks, signing
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = "https://dam.example.com"


class Receiver:
    """A loopback HTTP server that records each request and answers from a script."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, str]] = []  # (status, body), then 200 "ok"
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "body": body})
                time.sleep(receiver.delay)
                status, text = receiver.answers.pop(0) if receiver.answers else (200, "ok")
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", str(len(text.encode())))
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture
def receiver():
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def sent():
    """The tasks sent to the broker, captured instead (no worker in these tests)."""
    calls = []
    with mock.patch.object(enqueue, "send_task", side_effect=lambda name, *a: calls.append(
            (name, *a))):
        yield calls


@pytest.fixture
def public_url(settings):
    settings.SALIENT_PUBLIC_URL = PUBLIC + "/"


def _ping(receiver, **endpoint) -> Delivery:
    return hooks.endpoint_ping(endpoint=Endpoint.objects.create(url=receiver.url, **endpoint))


def _send(delivery: Delivery) -> Delivery:
    hooks.delivery_send(delivery_id=str(delivery.pk))
    delivery.refresh_from_db()
    return delivery


# --- signing ------------------------------------------------------------------------

def test_a_delivery_is_signed_over_the_exact_body(receiver, sent):
    delivery = _send(_ping(receiver))
    assert delivery.status == "succeeded" and delivery.attempts == 1
    request, = receiver.requests
    headers, body = request["headers"], request["body"]
    secret = delivery.endpoint.secret
    expected = hmac.new(secret.encode(), headers["X-Salient-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Salient-Signature"] == f"sha256={expected}"
    assert abs(int(headers["X-Salient-Timestamp"]) - time.time()) < 30
    assert headers["X-Salient-Event"] == "ping"
    assert headers["X-Salient-Delivery"] == str(delivery.pk) == json.loads(body)["id"]
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == delivery.payload
    assert sent == [(enqueue.WEBHOOK_DELIVER, str(delivery.pk))]


def test_verify_refuses_a_changed_body_another_secret_and_an_old_timestamp():
    body, now = b'{"id":"x"}', 1_700_000_000
    signed = signing.signature(secret="s3cret", timestamp=now, body=body)
    ok = dict(secret="s3cret", body=body, timestamp=str(now), signed=signed, now=now + 10)
    assert signing.verify(**ok)
    assert not signing.verify(**{**ok, "body": b'{"id":"y"}'})
    assert not signing.verify(**{**ok, "secret": "other"})
    assert not signing.verify(**{**ok, "now": now + signing.TOLERANCE + 1})
    assert not signing.verify(**{**ok, "timestamp": "soon"})


def test_each_endpoint_gets_its_own_secret():
    a, b = Endpoint.objects.create(url="https://a.test/"), Endpoint.objects.create(
        url="https://b.test/")
    assert len(a.secret) >= 40 and a.secret != b.secret


# --- payloads and receivers ---------------------------------------------------------

def test_payload_per_event(asset, receiver, sent, public_url):
    Endpoint.objects.create(url=receiver.url)
    signals.renditions_updated.send(sender=None, asset_id=asset.pk, profiles=[], first=True)
    signals.renditions_updated.send(sender=None, asset_id=asset.pk, profiles=["square"],
                                    first=False)
    signals.renditions_updated.send(sender=None, asset_id=asset.pk, profiles=[], first=False)
    signals.crop_reviewed.send(sender=None, asset_id=asset.pk, profile="square",
                               review="approved")
    signals.processing_failed.send(sender=None, asset_id=asset.pk, error="Truncated file.")
    payloads = {d.event: d.payload for d in Delivery.objects.all()}
    assert Delivery.objects.count() == len(payloads) == 4  # nothing changed: no event
    common = {"id", "event", "created_at", "asset"}  # a set: PostgreSQL's jsonb orders keys
    assert set(payloads["renditions.ready"]) == common
    assert set(payloads["renditions.changed"]) == common | {"profiles"}
    assert payloads["renditions.changed"]["profiles"] == ["square"]
    assert {k: payloads["rendition.reviewed"][k] for k in ("profile", "review")} == {
        "profile": "square", "review": "approved"}
    assert payloads["asset.failed"]["error"] == "Truncated file."
    body = payloads["renditions.ready"]
    assert body["event"] == "renditions.ready" and body["id"] == str(
        Delivery.objects.get(event="renditions.ready").pk)
    assert body["created_at"].endswith("+00:00")
    described = body["asset"]
    assert described["id"] == str(asset.uid) and described["status"] == "ready"
    assert "sha256" not in described and "filename" not in described  # the public JSON
    square = described["renditions"]["square"]
    assert square["url"] == f"{PUBLIC}/d/{asset.uid}/square"
    assert square["file_url"].startswith(f"{PUBLIC}/media/") and square["width"] == 600
    assert len(sent) == 4


def test_endpoints_get_only_the_events_they_chose(asset, sent):
    every = Endpoint.objects.create(url="https://every.test/")
    failures = Endpoint.objects.create(url="https://failures.test/", events=["asset.failed"])
    Endpoint.objects.create(url="https://off.test/", is_active=False)
    ready = hooks.deliveries_create(event="renditions.ready", asset_id=asset.pk)
    failed = hooks.deliveries_create(event="asset.failed", asset_id=asset.pk,
                                     extra={"error": "x"})
    assert [d.endpoint for d in ready] == [every]
    assert {d.endpoint for d in failed} == {every, failures}
    assert hooks.deliveries_create(event="asset.failed", asset_id=10 ** 9) == []


def test_processing_fires_ready_then_changed_after_commit(editor, default_profiles, receiver,
                                                          sent, monkeypatch):
    endpoint = Endpoint.objects.create(url=receiver.url)
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    monkeypatch.setattr(editing, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("pier.jpg", make_photo(1600, 800)), uploaded_by=editor)
    services.asset_process(asset_id=asset.pk)
    ready, = Delivery.objects.all()
    assert (ready.event, ready.endpoint) == ("renditions.ready", endpoint)
    assert set(ready.payload["asset"]["renditions"]) == {p.slug for p in default_profiles}
    assert sent == [(enqueue.WEBHOOK_DELIVER, str(ready.pk))]

    editing.focal_set(asset=asset, point=[0.05, 0.5], user=editor)
    services.asset_process(asset_id=asset.pk)
    changed = Delivery.objects.get(event="renditions.changed")
    assert "square" in changed.payload["profiles"]
    services.asset_process(asset_id=asset.pk)  # nothing new: nothing sent
    assert Delivery.objects.count() == 2

    square = RenditionProfile.objects.get(slug="square")
    with transaction.atomic():
        editing.review_set(asset=asset, profile=square, review="approved", user=editor)
        assert not Delivery.objects.filter(event="rendition.reviewed").exists()  # not yet
    reviewed = Delivery.objects.get(event="rendition.reviewed")
    assert (reviewed.payload["profile"], reviewed.payload["review"]) == ("square", "approved")
    assert sent[-1] == (enqueue.WEBHOOK_DELIVER, str(reviewed.pk))


def test_a_failed_processing_sends_asset_failed(editor, default_profiles, sent, monkeypatch):
    Endpoint.objects.create(url="https://site.test/hook", events=["asset.failed"])
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("pier.jpg", make_photo(800, 600)), uploaded_by=editor)
    Asset.objects.filter(pk=asset.pk).update(attempts=services.MAX_ATTEMPTS)
    services.asset_process(asset_id=asset.pk)
    failed, = Delivery.objects.all()
    assert failed.event == "asset.failed" and "attempts" in failed.payload["error"]
    assert failed.payload["asset"]["status"] == "failed"


def test_a_webhook_error_never_reaches_processing(asset, caplog):
    Endpoint.objects.create(url="https://site.test/hook")
    with mock.patch.object(hooks, "deliveries_create", side_effect=RuntimeError("boom")):
        with caplog.at_level("ERROR", logger="webhooks.receivers"):
            signals.processing_failed.send(sender=None, asset_id=asset.pk, error="x")
    assert "could not create the asset.failed webhook deliveries" in caplog.text


# --- sending: retries, refusals, idempotency -----------------------------------------

def test_a_500_is_retried_with_backoff_then_succeeds(receiver, sent):
    receiver.answers = [(500, "database down")]
    delivery = _ping(receiver)
    with pytest.raises(hooks.RetryLater) as retry:
        hooks.delivery_send(delivery_id=str(delivery.pk))
    assert 15 <= retry.value.countdown <= 30  # first wait: BACKOFF_BASE, upper half jittered
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert delivery.response_body == "database down" and delivery.delivered_at is None
    delivery = _send(delivery)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 2,
                                                                              200)
    assert delivery.delivered_at is not None
    first, second = receiver.requests
    assert first["headers"]["X-Salient-Delivery"] == second["headers"]["X-Salient-Delivery"]
    assert first["body"] == second["body"]


def test_a_succeeded_delivery_is_not_sent_again(receiver, sent):
    delivery = _send(_ping(receiver))
    assert _send(delivery).attempts == 1
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [400, 404, 410, 302])
def test_a_refusal_fails_at_once(receiver, sent, status):
    receiver.answers = [(status, "x" * 5000)]
    delivery = _send(_ping(receiver))
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, status)
    assert delivery.response_body == "x" * 1000
    assert len(receiver.requests) == 1  # a redirect is not followed
    assert ("not followed" in delivery.error) == (status == 302)
    assert _send(delivery).attempts == 1


def test_429_and_5xx_retry_until_max_attempts_then_fail(receiver, sent, settings):
    settings.WEBHOOKS = {"MAX_ATTEMPTS": 3}
    receiver.answers = [(429, "slow down"), (503, ""), (502, "")]
    delivery = _ping(receiver)
    for _ in range(2):
        with pytest.raises(hooks.RetryLater):
            hooks.delivery_send(delivery_id=str(delivery.pk))
    delivery = _send(delivery)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 3, 502)
    assert len(receiver.requests) == 3


def test_timeouts_and_refused_connections_are_retried(receiver, sent, settings):
    settings.WEBHOOKS = {"TIMEOUT": 0.2}
    receiver.delay = 1.0
    slow = _ping(receiver)
    with pytest.raises(hooks.RetryLater):
        hooks.delivery_send(delivery_id=str(slow.pk))
    slow.refresh_from_db()
    assert slow.status == "pending" and slow.attempts == 1 and "Timed out" in slow.error
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens once the socket closes
    refused = hooks.endpoint_ping(endpoint=Endpoint.objects.create(
        url=f"http://127.0.0.1:{closed}/hook"))
    with pytest.raises(hooks.RetryLater):
        hooks.delivery_send(delivery_id=str(refused.pk))
    refused.refresh_from_db()
    assert refused.response_status is None and "Could not connect" in refused.error


def test_an_inactive_endpoint_is_not_sent_to(receiver, sent):
    delivery = _ping(receiver)
    Endpoint.objects.update(is_active=False)
    delivery = _send(delivery)
    assert delivery.status == "failed" and "inactive" in delivery.error
    assert receiver.requests == []


def test_redeliver_sends_the_same_payload_under_a_new_id(asset, receiver, sent):
    Endpoint.objects.create(url=receiver.url)
    first, = hooks.deliveries_create(event="renditions.ready", asset_id=asset.pk)
    again = hooks.delivery_redeliver(delivery=_send(first))
    assert again.pk != first.pk and again.payload["id"] == str(again.pk)
    assert {k: v for k, v in again.payload.items() if k != "id"} == {
        k: v for k, v in first.payload.items() if k != "id"}
    assert _send(again).status == "succeeded" and len(receiver.requests) == 2


@pytest.mark.parametrize("attempt", range(1, 12))
def test_backoff_doubles_with_jitter_inside_its_bounds(attempt):
    ceiling = min(600, 10 * 2 ** (attempt - 1))
    waits = [backoff.backoff(attempt, base=10, cap=600) for _ in range(200)]
    assert all(ceiling / 2 <= w <= ceiling for w in waits)
    assert len(set(waits)) > 1  # jittered


# --- admin --------------------------------------------------------------------------

def test_admin_creates_endpoints_pings_and_redelivers(admin_client, receiver, sent):
    response = admin_client.post(reverse("admin:webhooks_endpoint_add"), {
        "url": receiver.url, "description": "Site", "events": ["asset.failed",
                                                               "rendition.reviewed"],
        "is_active": "on"})
    assert response.status_code == 302, response.content[:2000]
    endpoint = Endpoint.objects.get()
    assert sorted(endpoint.events) == ["asset.failed", "rendition.reviewed"]
    page = admin_client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]))
    assert endpoint.secret in page.content.decode() and b'name="secret"' not in page.content
    admin_client.post(reverse("admin:webhooks_endpoint_changelist"),
                      {"action": "send_ping", "_selected_action": [endpoint.pk]})
    ping = Delivery.objects.get(event="ping")
    log = admin_client.get(reverse("admin:webhooks_delivery_changelist"))
    assert log.status_code == 200 and b"ping" in log.content
    admin_client.post(reverse("admin:webhooks_delivery_changelist"),
                      {"action": "redeliver", "_selected_action": [str(ping.pk)]})
    assert Delivery.objects.filter(event="ping").count() == 2
    assert admin_client.get(reverse("admin:webhooks_delivery_change",
                                    args=[ping.pk])).status_code == 200


# --- through a live worker -----------------------------------------------------------

def test_a_live_worker_delivers_and_retries(receiver, settings, live_worker):
    settings.WEBHOOKS = {"BACKOFF_BASE": 0.2, "BACKOFF_MAX": 0.5}
    receiver.answers = [(503, "")]
    delivery = _ping(receiver)
    done = wait_for(lambda: Delivery.objects.filter(pk=delivery.pk, status="succeeded").first(),
                    timeout=60)
    assert done.attempts == 2 and len(receiver.requests) == 2
    request = receiver.requests[-1]
    expected = signing.signature(secret=done.endpoint.secret,
                                 timestamp=int(request["headers"]["X-Salient-Timestamp"]),
                                 body=request["body"])
    assert request["headers"]["X-Salient-Signature"] == expected


# --- the sweep: deliveries whose task was lost ------------------------------------------

def test_a_delivery_lost_with_the_broker_is_swept_up_and_sent(receiver, caplog):
    from datetime import timedelta

    from django.utils import timezone

    with mock.patch.object(enqueue, "send_task", side_effect=ConnectionError("broker down")):
        delivery = _ping(receiver)  # logged, stays pending
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"
    later = timezone.now() + timedelta(seconds=301)
    sent = []
    with mock.patch.object(enqueue, "send_task", side_effect=lambda n, *a: sent.append(a[0])):
        assert hooks.deliveries_sweep(now=timezone.now()) == []  # not overdue yet
        assert hooks.deliveries_sweep(now=later) == [str(delivery.pk)]
        assert hooks.deliveries_sweep(now=later) == []  # claimed: queued once
    assert sent == [str(delivery.pk)]
    assert "never sent; queued again" in caplog.text
    hooks.delivery_send(delivery_id=sent[0])
    assert Delivery.objects.get(pk=delivery.pk).status == "succeeded"
    assert len(receiver.requests) == 1


def test_a_delivery_waiting_for_its_retry_is_not_swept(receiver, sent, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.WEBHOOKS = {"BACKOFF_BASE": 1000, "BACKOFF_MAX": 1000}
    receiver.answers = [(503, "")]
    delivery = _ping(receiver)
    with pytest.raises(hooks.RetryLater) as retry:
        hooks.delivery_send(delivery_id=str(delivery.pk))
    due = Delivery.objects.get(pk=delivery.pk).next_attempt_at
    assert due > timezone.now() + timedelta(seconds=retry.value.countdown - 5)
    assert hooks.deliveries_sweep(now=timezone.now() + timedelta(seconds=600)) == []
    finished = _send(Delivery.objects.get(pk=delivery.pk))
    assert finished.status == "succeeded" and finished.next_attempt_at is None
    assert hooks.deliveries_sweep(now=timezone.now() + timedelta(days=1)) == []
