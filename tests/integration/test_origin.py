"""An origin a CDN can lean on (issue 26, must-have 2): the stable URLs' cached lookup
and its invalidation (a new focal point, a rights edit, a deletion), the rights moment
kept with a warm cache, X-Accel-Redirect, surrogate keys on every delivery answer,
Cache-Control for CDNs, and the purge hook (once per change, on commit only)."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dam.models import Asset
from renditions import cdn, delivery, editing, origin, responses, services
from renditions.models import Frame, RenditionProfile
from tests.integration._api import no_queue  # noqa: F401  (fixture)
from tests.integration.conftest import wait_for
from tests.integration.test_rights import T0, Clock, _patch
from tests.integration.test_webhooks import sent  # noqa: F401  (tasks captured: fixture)
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)

PURGES: list[cdn.Purge] = []


def record(purged: cdn.Purge) -> None:
    """The test purger (DAM["PURGER"] = "tests.integration.test_origin.record")."""
    PURGES.append(purged)


class Deferred:
    """A purger that does network I/O: called from the Celery task."""

    deferred = True

    def __call__(self, purged: cdn.Purge) -> None:
        PURGES.append(purged)


@pytest.fixture
def recorded(settings, processed):
    settings.DAM = {**settings.DAM, "PURGER": "tests.integration.test_origin.record"}
    PURGES.clear()
    yield PURGES
    PURGES.clear()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock(T0)
    monkeypatch.setattr(timezone, "now", c)
    return c


def _stable(asset, profile="hero", query="") -> str:
    return reverse("deliver", args=[asset.uid, profile]) + query


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _warm_get(client, url, **headers):
    """The answer to ``url`` once the lookup is warm, and the queries it took."""
    client.get(url, **headers)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


# --- The cached lookup ------------------------------------------------------------

@pytest.mark.parametrize("query, headers, fmt", [
    ("", {}, "JPEG"),
    ("?w=600", {}, "JPEG"),
    ("?fm=webp", {}, "WEBP"),
    ("", {"HTTP_ACCEPT": "image/avif,image/webp,*/*"}, "AVIF"),
])
def test_a_warm_stable_url_answers_without_the_database(processed, client, query, headers,
                                                        fmt):
    url = _stable(processed, query=query)
    cold = client.get(url, **headers)
    warm, queries = _warm_get(client, url, **headers)
    assert queries == 0
    assert warm.status_code == cold.status_code == 200
    body = _body(warm)
    assert body == _body(cold) and warm["ETag"] == cold["ETag"]
    assert Image.open(io.BytesIO(body)).format == fmt
    assert ("Accept" in warm.get("Vary", "")) == ("fm=" not in query)  # fm fixes it
    assert warm["Surrogate-Key"] == f"asset-{processed.uid} asset-{processed.uid}-hero"


def test_the_accept_header_keys_the_lookup(processed, client):
    client.get(_stable(processed), HTTP_ACCEPT="image/webp")
    plain, _ = _warm_get(client, _stable(processed), HTTP_ACCEPT="image/jpeg")
    assert plain["Content-Type"] == "image/jpeg"
    assert client.get(_stable(processed), HTTP_ACCEPT="image/webp")["Content-Type"] == \
        "image/webp"


def test_refusals_are_not_cached(processed, client):
    assert client.get(_stable(processed, query="?w=601")).status_code == 403
    assert client.get(_stable(processed, query="?w=601")).status_code == 403
    assert client.get(_stable(processed, "nosuch")).status_code == 404


def test_a_new_focal_point_serves_new_bytes_at_the_same_url_at_once(processed, client,
                                                                    editor, recorded):
    url = _stable(processed)
    before, _ = _warm_get(client, url)
    editing.focal_set(asset=processed, point=(0.1, 0.5), user=editor)
    services.asset_process(asset_id=processed.pk)
    after = client.get(url)
    assert after["ETag"] != before["ETag"] and _body(after) != _body(before)
    hero = processed.renditions.get(profile__slug="hero")
    assert after["ETag"] == f'"{hero.key}"'
    assert [(p.reason, p.keys) for p in recorded] == [("renditions",
                                                        [f"asset-{processed.uid}"])]


def test_a_new_crop_serves_new_bytes_at_the_same_url_at_once(processed, client, editor,
                                                             recorded):
    url = _stable(processed)
    before, _ = _warm_get(client, url)
    editing.crop_set(asset=processed, profile=RenditionProfile.objects.get(slug="hero"),
                     box=[0.0, 0.0, 0.5, 0.5], user=editor)
    services.asset_process(asset_id=processed.pk)
    after = client.get(url)
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert _body(after) != _body(before)
    assert len(recorded) == 1


def test_a_profile_change_is_seen_at_once(processed, client):
    warm, _ = _warm_get(client, _stable(processed), HTTP_ACCEPT="image/webp")
    assert warm["Content-Type"] == "image/webp"
    profile = RenditionProfile.objects.get(slug="hero")
    profile.negotiate = False
    profile.save()
    assert client.get(_stable(processed), HTTP_ACCEPT="image/webp")["Content-Type"] == \
        "image/jpeg"


# --- Rights with a warm cache -------------------------------------------------------

def test_a_rights_edit_is_410_at_once_though_cached_and_200_after(processed, client, editor,
                                                                  recorded, sent):
    url = _stable(processed)
    _warm_get(client, url)
    moment = (timezone.now() + timedelta(days=1)).isoformat()
    assert _patch(editor, processed.uid, {"embargo_until": moment}).status_code == 200
    gone = client.get(url)
    assert gone.status_code == 410 and gone["Cache-Control"] == "no-store"
    assert gone["Surrogate-Key"].startswith(f"asset-{processed.uid}")
    assert [p.reason for p in recorded] == ["rights"]
    assert _patch(editor, processed.uid, {"embargo_until": None}).status_code == 200
    assert client.get(url).status_code == 200
    assert [p.reason for p in recorded] == ["rights", "rights"]


def test_an_embargo_lifts_and_a_licence_ends_at_their_moment_with_a_warm_cache(
        processed, client, clock):
    processed.embargo_until, processed.expires_at = T0 + timedelta(seconds=10), T0 + \
        timedelta(seconds=55)
    processed.save(update_fields=["embargo_until", "expires_at"])
    url = _stable(processed)
    gone, queries = _warm_get(client, url)
    assert gone.status_code == 410  # a refusal is not stored: the database said so
    clock.at(T0 + timedelta(seconds=10))
    served, queries = _warm_get(client, url)
    assert (served.status_code, queries) == (200, 0)
    assert served["Cache-Control"] == "public, max-age=45"
    clock.at(T0 + timedelta(seconds=55))
    with CaptureQueriesContext(connection) as seen:
        ended = client.get(url)
    assert (ended.status_code, len(seen)) == (410, 0)
    assert ended.content == b"This image's licence has ended.\n"


def test_a_rights_change_by_save_forgets_the_cached_lookup(processed, client):
    _warm_get(client, _stable(processed))
    processed.embargo_until = timezone.now() + timedelta(hours=1)
    processed.save(update_fields=["embargo_until"])  # the admin's form
    assert client.get(_stable(processed)).status_code == 410


# --- Headers for CDNs -----------------------------------------------------------------

def test_every_delivery_answer_carries_surrogate_keys(processed, client):
    uid = processed.uid
    hero = processed.renditions.get(profile__slug="hero")
    frame_url = delivery.signed_url(uid, 400, 300, absolute=False)
    answers = {"stable": (client.get(_stable(processed)), "hero"),
               "width": (client.get(_stable(processed, query="?w=600")), "hero"),
               "format": (client.get(_stable(processed, query="?fm=webp")), "hero"),
               "frame": (client.get(frame_url), "frames"),
               "rendition file": (client.get(reverse("rendition-file", args=[hero.file.name])),
                                  "hero")}
    variant = Frame.objects.get(asset=processed, spec="hero@600.jpeg")
    made = Frame.objects.get(asset=processed, spec="400x300.jpeg")
    answers["variant file"] = (client.get(reverse("rendition-file", args=[variant.file.name])),
                               "hero")
    answers["frame file"] = (client.get(reverse("rendition-file", args=[made.file.name])),
                             "frames")
    for kind, (response, profile) in answers.items():
        assert response.status_code == 200, kind
        assert response["Surrogate-Key"] == f"asset-{uid} asset-{uid}-{profile}", kind
        assert response["Cache-Tag"] == f"asset-{uid},asset-{uid}-{profile}", kind
    described = client.get(reverse("asset-json", args=[uid]))
    assert described.status_code == 200 and described["Surrogate-Key"] == f"asset-{uid}"


def test_cdns_may_keep_stable_urls_long_and_the_expiry_still_caps(processed, client,
                                                                  settings, clock):
    settings.DAM = {**settings.DAM, "STABLE_S_MAXAGE": 86400, "STALE_WHILE_REVALIDATE": 60}
    hero = processed.renditions.get(profile__slug="hero")
    frame_url = delivery.signed_url(processed.uid, 400, 300, absolute=False)
    for url in (_stable(processed), _stable(processed, query="?w=600"), frame_url):
        assert client.get(url)["Cache-Control"] == \
            "public, max-age=60, s-maxage=86400, stale-while-revalidate=60", url
    file_url = reverse("rendition-file", args=[hero.file.name])
    assert client.get(file_url)["Cache-Control"] == "public, max-age=31536000, immutable"
    processed.expires_at = T0 + timedelta(seconds=45)
    processed.save(update_fields=["expires_at"])
    for url in (_stable(processed), frame_url, file_url):
        capped = client.get(url)
        assert capped["Cache-Control"] in ("public, max-age=45, s-maxage=45",
                                           "public, max-age=45"), url
    assert client.get(_stable(processed))["Cache-Control"] == "public, max-age=45, s-maxage=45"


def test_behind_nginx_the_bytes_go_by_x_accel_redirect(processed, client, settings):
    settings.DAM = {**settings.DAM, "ACCEL_REDIRECT": "/_protected/"}
    hero = processed.renditions.get(profile__slug="hero")
    for answer in (client.get(_stable(processed)), _warm_get(client, _stable(processed))[0],
                   client.get(reverse("rendition-file", args=[hero.file.name]))):
        assert answer.status_code == 200 and not answer.streaming and answer.content == b""
        assert answer["X-Accel-Redirect"] == f"/_protected/{hero.file.name}"
        assert answer["Content-Type"] == "image/jpeg" and answer["ETag"] == f'"{hero.key}"'
        assert answer["Surrogate-Key"].startswith(f"asset-{processed.uid}")
    webp = client.get(_stable(processed, query="?fm=webp"))
    variant = Frame.objects.get(asset=processed, spec="hero@1200.webp")
    assert webp["X-Accel-Redirect"] == f"/_protected/{variant.file.name}"
    assert webp["Content-Type"] == "image/webp"
    revalidated = client.get(_stable(processed), HTTP_IF_NONE_MATCH=f'"{hero.key}"')
    assert revalidated.status_code == 304
    # a CDN revalidating keeps the keys its purge reaches
    assert revalidated["Surrogate-Key"] == f"asset-{processed.uid} asset-{processed.uid}-hero"
    assert revalidated["Cache-Tag"] == f"asset-{processed.uid},asset-{processed.uid}-hero"
    by_name = client.head(reverse("rendition-file", args=[hero.file.name]),
                          HTTP_IF_NONE_MATCH=f'"{hero.key}"')
    assert by_name.status_code == 304
    assert by_name["Surrogate-Key"] == f"asset-{processed.uid} asset-{processed.uid}-hero"


def test_without_accel_redirect_no_such_header(processed, client):
    assert "X-Accel-Redirect" not in client.get(_stable(processed))


# --- The purge hook ------------------------------------------------------------------------

def test_the_purge_names_the_asset_key_and_its_urls(processed, recorded, settings):
    settings.SALIENT_PUBLIC_URL = "https://dam.example.com"
    with transaction.atomic():
        made = cdn.asset_purge(asset_id=processed.pk, reason="rights")
        assert recorded == []  # on commit only
    assert recorded == [made]
    assert made.keys == [f"asset-{processed.uid}"] and made.asset == str(processed.uid)
    stable = {f"https://dam.example.com/d/{processed.uid}/{slug}"
              for slug in processed.renditions.values_list("profile__slug", flat=True)}
    assert stable <= set(made.urls)
    hero = processed.renditions.get(profile__slug="hero")
    assert f"https://dam.example.com/media/{hero.file.name}" in made.urls


def test_a_rolled_back_change_purges_nothing(processed, recorded):
    with pytest.raises(RuntimeError), transaction.atomic():
        cdn.asset_purge(asset_id=processed.pk, reason="renditions")
        raise RuntimeError("rolled back")
    assert recorded == []


def test_a_deletion_purges_once_and_the_stable_url_is_gone(processed, client, recorded):
    url = _stable(processed)
    _warm_get(client, url)
    uid = processed.uid
    Asset.objects.get(pk=processed.pk).delete()
    assert [(p.reason, p.asset) for p in recorded] == [("deleted", str(uid))]
    assert any(u.endswith(f"/d/{uid}/hero") for u in recorded[0].urls)
    assert client.get(url).status_code == 404


def test_the_rights_beat_purges_each_change(processed, recorded, clock, sent):
    from renditions import rights as rights_service

    Asset.objects.filter(pk=processed.pk).update(expires_at=T0 + timedelta(seconds=30))
    assert rights_service.rights_apply() == []
    clock.at(T0 + timedelta(seconds=30))
    rights_service.rights_apply()
    rights_service.rights_apply()
    assert [p.reason for p in recorded] == ["rights"]


def test_a_deferred_purger_runs_in_a_task(processed, settings, sent):
    settings.DAM = {**settings.DAM, "PURGER": "tests.integration.test_origin.Deferred"}
    PURGES.clear()
    made = cdn.asset_purge(asset_id=processed.pk, reason="renditions")
    assert PURGES == []
    [(name, payload)] = [call for call in sent if call[0] == "renditions.tasks.purge_cdn"]
    json.dumps(payload)  # what the broker carries
    cdn.purge_send(payload)
    assert PURGES == [made]
    PURGES.clear()


def test_a_deferred_purger_runs_on_a_live_worker(processed, settings, live_worker):
    settings.DAM = {**settings.DAM, "PURGER": "tests.integration.test_origin.Deferred"}
    PURGES.clear()
    made = cdn.asset_purge(asset_id=processed.pk, reason="deleted")
    assert wait_for(lambda: PURGES, timeout=60) == [made]
    PURGES.clear()


def test_the_default_purger_is_an_opt_in_webhook_event(processed, sent):
    wants = Endpoint.objects.create(url="https://cdn.test/purge", events=["cdn.purge"])
    Endpoint.objects.create(url="https://site.test/hook")  # every event but the opt-in ones
    made = cdn.asset_purge(asset_id=processed.pk, reason="rights")
    [delivered] = Delivery.objects.filter(event="cdn.purge")
    assert delivered.endpoint == wants
    assert delivered.payload["purge"] == {"asset": made.asset, "keys": made.keys,
                                          "urls": made.urls, "reason": "rights"}


def test_the_logging_purger_logs(processed, settings, caplog):
    settings.DAM = {**settings.DAM, "PURGER": "renditions.cdn.logging_purger"}
    with caplog.at_level("INFO", logger="renditions.cdn"):
        cdn.asset_purge(asset_id=processed.pk, reason="renditions")
    assert f"asset-{processed.uid}" in caplog.text


def test_an_unknown_reason_is_refused(processed):
    with pytest.raises(ValueError):
        cdn.asset_purge(asset_id=processed.pk, reason="whim")


# --- Settings --------------------------------------------------------------------------------

@pytest.mark.parametrize("dam, error", [
    ({"ACCEL_REDIRECT": "_protected"}, "renditions.E006"),
    ({"STABLE_S_MAXAGE": -1}, "renditions.E005"),
    ({"ORIGIN_CACHE": "nosuch"}, "renditions.E007"),
    ({"PURGER": "nosuch.module.purger"}, "renditions.E008"),
])
def test_bad_origin_settings_are_caught_at_start(settings, dam, error):
    settings.DAM = {**settings.DAM, **dam}
    assert error in {e.id for e in run_checks()}


def test_the_entry_carries_what_a_hit_needs(processed):
    hero = processed.renditions.get(profile__slug="hero")
    entry = responses.entry_of(hero, processed)
    assert (entry.name, entry.key, entry.format) == (hero.file.name, hero.key, "jpeg")
    assert entry.keys == origin.Entry(**{**entry.__dict__}).keys


def test_a_per_process_origin_cache_is_warned_of(settings):
    settings.CACHES = {**settings.CACHES, "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.DAM = {**settings.DAM, "ORIGIN_CACHE": "local"}
    assert "renditions.W009" in {e.id for e in run_checks()}


def test_an_unreadable_entry_is_a_miss_and_replaced(processed, client, settings):
    from django.core.cache import caches

    url = _stable(processed)
    key = origin.request_key(processed.uid, "hero", width="", fmt="", accepted="")
    client.get(url)
    origin._local.items.clear()
    caches["origin"].set(key, 42)  # not an entry of this version
    assert client.get(url).status_code == 200
    origin._local.items.clear()
    assert origin.entry_get(processed.uid, key).entry is not None  # stored again
