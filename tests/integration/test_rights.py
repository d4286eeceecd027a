"""Rights (issue 24, must-haves 1 and 2): licence, embargo and expiry edited through the
API (one asset and bulk), with history and revert; the library's filter and facet; and
delivery under a controllable clock: every public URL answers 410 Gone while the rights
forbid it and 200 again after, caches capped at the expiry, the beat task withholding
and restoring files and sending each webhook once."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from dam import rights
from dam.models import Licence
from renditions import delivery
from renditions import rights as rights_service
from renditions.models import EditEvent, Frame
from tests.integration._api import (  # noqa: F401  (fixtures: no_queue, asset)
    _client, asset, no_queue)
from tests.integration.test_webhooks import sent  # noqa: F401  (tasks captured: fixture)
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=dt_timezone.utc)


class Clock:
    """``django.utils.timezone.now`` as the test sets it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> None:
        self.now = moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock(T0)
    monkeypatch.setattr(timezone, "now", c)
    return c


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _patch(user, uid, body):
    return _client(user).patch(reverse("asset-json", args=[uid]), json.dumps(body),
                               content_type="application/json")


# --- The rule -----------------------------------------------------------------------

class _Dates:
    def __init__(self, embargo_until=None, expires_at=None):
        self.embargo_until, self.expires_at = embargo_until, expires_at


H = timedelta(hours=1)


@pytest.mark.parametrize("embargo, expires, state", [
    (None, None, "ok"),
    (T0 + H, None, "embargoed"),
    (T0, None, "ok"),                       # the embargo lifts at its moment
    (T0 - H, T0 + H, "ok"),
    (None, T0, "expired"),                  # the licence ends at its moment
    (None, T0 - H, "expired"),
    (T0 + H, T0 - H, "expired"),            # an expiry wins over an embargo
])
def test_one_rule_says_the_state(embargo, expires, state):
    assert rights.rights_state(_Dates(embargo, expires), T0) == state


def test_cache_seconds_are_capped_at_the_expiry():
    assert rights.cache_seconds(_Dates(), T0, default=60) == 60
    assert rights.cache_seconds(_Dates(expires_at=T0 + timedelta(seconds=42.9)), T0,
                                default=60) == 42
    assert rights.cache_seconds(_Dates(expires_at=T0 + H), T0, default=31536000) == 3600
    assert rights.expiring(_Dates(expires_at=T0 + timedelta(days=6)), T0)
    assert not rights.expiring(_Dates(expires_at=T0 + timedelta(days=8)), T0)


# --- Editing: one asset, bulk, history, validation --------------------------------

def test_rights_are_patched_recorded_and_reverted(users, asset, clock, sent):
    editor = users["editor"]
    agency = Licence.objects.create(name="Agency", description="Until the contract ends")
    assert _client(users["viewer"]).get(reverse("api-licences")).json() == [
        {"id": agency.pk, "name": "Agency", "description": "Until the contract ends"}]
    body = {"licence": "agency", "licence_note": "Fee paid for web",
            "embargo_until": "2026-12-02T09:00:00+01:00", "expires_at": "2026-12-20T00:00:00Z"}
    response = _patch(editor, asset.uid, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["licence"] == "Agency" and data["licence_note"] == "Fee paid for web"
    assert data["embargo_until"] == "2026-12-02T08:00:00Z"  # stored in UTC
    assert data["expires_at"] == "2026-12-20T00:00:00Z" and data["rights"] == "embargoed"
    event = EditEvent.objects.filter(asset=asset).first()
    assert event.after == {"licence": agency.pk, "licence_note": "Fee paid for web",
                           "embargo_until": "2026-12-02T08:00:00+00:00",
                           "expires_at": "2026-12-20T00:00:00+00:00"}
    assert event.before == {"licence": None, "licence_note": "", "embargo_until": None,
                            "expires_at": None}
    assert ("renditions.tasks.apply_rights", [asset.pk]) in sent  # files withheld at once
    public = _client(None).get(reverse("asset-json", args=[asset.uid]))
    if public.status_code == 200:  # the note is private wherever the JSON is public
        assert "licence_note" not in public.json()
    page = _client(editor).get(reverse("asset", args=[asset.uid])).content.decode()
    assert "Embargo until (UTC)" in page and "‘Agency’" in page  # the history, readable
    assert 'data-utc="2026-12-02T08:00:00+00:00"' in page  # the form's local time, from UTC
    revert = reverse("api-asset-revert", args=[asset.uid, event.pk])
    assert _client(editor).post(revert).status_code == 200
    asset.refresh_from_db()
    assert (asset.licence, asset.embargo_until, asset.expires_at) == (None, None, None)


@pytest.mark.parametrize("body, field", [
    ({"embargo_until": "2026-12-02T09:00"}, "embargo_until"),        # no zone: refused
    ({"expires_at": "next week"}, "expires_at"),
    ({"licence": "Nope"}, "licence"),
    ({"licence": True}, "licence"),
    ({"embargo_until": "2026-12-05T00:00Z", "expires_at": "2026-12-04T00:00Z"}, "expires_at"),
])
def test_bad_rights_are_refused_naming_the_field(users, asset, body, field):
    response = _patch(users["editor"], asset.uid, body)
    assert response.status_code == 400 and field in response.json()["fields"]
    asset.refresh_from_db()
    assert asset.embargo_until is None and asset.expires_at is None


def test_one_date_edited_alone_is_checked_against_the_stored_other(users, asset):
    editor = users["editor"]
    assert _patch(editor, asset.uid, {"embargo_until": "2026-12-05T00:00Z"}).status_code == 200
    response = _patch(editor, asset.uid, {"expires_at": "2026-12-04T00:00Z"})
    assert response.status_code == 400 and "expires_at" in response.json()["fields"]
    url = reverse("api-assets-bulk")
    bulk = {"ids": [str(asset.uid)], "set": {"expires_at": "2026-12-05T00:00Z"}}
    response = _client(editor).post(url, json.dumps(bulk), content_type="application/json")
    assert response.status_code == 400 and "embargo lifts" in response.content.decode()
    asset.refresh_from_db()
    assert asset.expires_at is None
    # a later expiry, or moving the embargo back first, is fine
    assert _patch(editor, asset.uid, {"embargo_until": "2026-12-03T00:00Z"}).status_code == 200
    assert _patch(editor, asset.uid, {"expires_at": "2026-12-04T00:00Z"}).status_code == 200
    asset.refresh_from_db()
    assert asset.embargo_until < asset.expires_at


def test_bulk_sets_rights_and_refuses_appending_them(users, asset, clock, sent):
    Licence.objects.create(name="Staff")
    url = reverse("api-assets-bulk")
    body = {"ids": [str(asset.uid)], "set": {"licence": "Staff", "expires_at": _iso(T0 + H)}}
    response = _client(users["editor"]).post(url, json.dumps(body),
                                             content_type="application/json")
    assert response.status_code == 200, response.content
    asset.refresh_from_db()
    assert asset.licence.name == "Staff" and asset.expires_at == T0 + H
    bad = {"ids": [str(asset.uid)], "append": {"expires_at": _iso(T0)}}
    response = _client(users["editor"]).post(url, json.dumps(bad),
                                             content_type="application/json")
    assert response.status_code == 400


def test_the_library_filters_and_counts_by_rights(users, asset, clock):
    from dam.models import Asset
    viewer = _client(users["viewer"])
    listed = lambda state: [a["id"] for a in viewer.get(  # noqa: E731
        reverse("api-assets"), {"rights": state}).json()["results"]]
    assert listed("embargoed") == listed("expired") == listed("expiring") == []
    Asset.objects.filter(pk=asset.pk).update(embargo_until=T0 + H)
    assert listed("embargoed") == [str(asset.uid)] and listed("ok") == []
    Asset.objects.filter(pk=asset.pk).update(embargo_until=None,
                                             expires_at=T0 + timedelta(days=3))
    assert listed("expiring") == [str(asset.uid)] and listed("ok") == [str(asset.uid)]
    facets = viewer.get(reverse("api-assets"), {"facets": "true"}).json()["facets"]
    assert facets["rights"] == [{"value": "expiring", "count": 1}]
    clock.at(T0 + timedelta(days=3))
    assert listed("expired") == [str(asset.uid)] and listed("expiring") == []
    page = _client(users["viewer"]).get(reverse("library"), {"rights": "expired"})
    assert page.status_code == 200 and b"Expired" in page.content


# --- Delivery -----------------------------------------------------------------------

def _public_urls(asset) -> dict[str, str]:
    """Every public URL of the asset, by kind; each requested once so its file exists."""
    stable = reverse("deliver", args=[asset.uid, "hero"])
    urls = {"stable": stable, "srcset width": f"{stable}?w=600",
            "format variant": f"{stable}?fm=webp",
            "signed frame": delivery.signed_url(asset.uid, 400, 300, absolute=False)}
    client = _client(None)
    for url in urls.values():
        assert client.get(url).status_code == 200
    for kind, stored in (("rendition file", asset.renditions.get(profile__slug="hero")),
                         ("frame file", Frame.objects.filter(asset=asset).first())):
        urls[kind] = reverse("rendition-file", args=[stored.file.name])
    return urls


def _answers(asset, urls) -> dict[str, int]:
    client = _client(None)
    return {kind: client.get(url).status_code for kind, url in urls.items()}


def test_every_public_url_is_gone_during_an_embargo_and_back_after(processed, clock, sent):
    urls = _public_urls(processed)
    processed.embargo_until = T0 + H
    processed.save(update_fields=["embargo_until"])
    client = _client(None)
    for kind, url in urls.items():
        response = client.get(url)
        assert response.status_code == 410, kind
        assert response.content == b"This image is under embargo.\n"
        assert response["Cache-Control"] == "no-store"
        assert response["Content-Type"].startswith("text/plain")
    assert rights_service.rights_apply() == [(processed.pk, "ok", "embargoed")]
    assert set(_answers(processed, urls).values()) == {410}
    clock.at(T0 + H)  # the moment it lifts
    assert rights_service.rights_apply() == [(processed.pk, "embargoed", "ok")]
    assert set(_answers(processed, urls).values()) == {200}, _answers(processed, urls)
    file = client.get(urls["rendition file"])
    assert "immutable" not in file["Cache-Control"]  # a date is set: never immutable


def test_every_public_url_is_gone_after_the_expiry_and_caches_stop_there(
        processed, clock, sent):
    urls = _public_urls(processed)
    client = _client(None)
    untouched = client.get(urls["rendition file"])
    assert untouched["Cache-Control"] == "public, max-age=31536000, immutable"
    processed.expires_at = T0 + timedelta(seconds=45)
    processed.save(update_fields=["expires_at"])
    for kind, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, kind
        assert response["Cache-Control"] == "public, max-age=45", kind
        assert parse_http_date(response["Expires"]) <= (T0 + timedelta(seconds=45)).timestamp()
    clock.at(T0 + timedelta(seconds=45))
    for kind, url in urls.items():
        response = client.get(url)
        assert (response.status_code, response.content) == (
            410, b"This image's licence has ended.\n"), kind
    rights_service.rights_apply()
    processed.expires_at = None  # the licence renewed
    processed.save(update_fields=["expires_at"])
    assert rights_service.rights_apply() == [(processed.pk, "expired", "ok")]
    assert set(_answers(processed, urls).values()) == {200}


def test_withheld_files_leave_the_public_storage_and_come_back(processed, clock, sent):
    from django.core.files.storage import default_storage

    from dam.storage import private_storage
    _public_urls(processed)
    names = [f.name for f in rights_service.public_files(asset_id=processed.pk)]
    assert names and all(default_storage.exists(n) for n in names)
    processed.expires_at = T0 - H
    processed.save(update_fields=["expires_at"])
    rights_service.rights_apply()
    assert not any(default_storage.exists(n) for n in names)
    assert all(private_storage.exists(rights_service.withheld_name(n)) for n in names)
    assert rights_service.rights_apply() == []  # done once
    processed.expires_at = None
    processed.save(update_fields=["expires_at"])
    rights_service.rights_apply()
    assert all(default_storage.exists(n) for n in names)
    assert not any(private_storage.exists(rights_service.withheld_name(n)) for n in names)


def test_editors_still_see_a_withheld_asset_marked(users, processed, clock, sent):
    processed.embargo_until = T0 + H
    processed.save(update_fields=["embargo_until"])
    rights_service.rights_apply()  # its files moved out of the public storage
    rendition = reverse("asset-rendition", args=[processed.uid, "hero"])
    seen = _client(users["reviewer"]).get(rendition)
    assert seen.status_code == 200 and seen["Cache-Control"] == "private, no-store"
    assert seen.content == rights_service.file_read(processed.renditions.get(
        profile__slug="hero").file) and seen.content[:2] == b"\xff\xd8"
    assert _client(None).get(rendition).status_code in (302, 403)  # sign-in first
    page = _client(users["reviewer"]).get(reverse("asset", args=[processed.uid]))
    assert page.status_code == 200 and b"Under embargo" in page.content
    library = _client(users["viewer"]).get(reverse("library"))
    assert library.status_code == 200 and b"Under embargo" in library.content
    assert reverse("asset-preview", args=[processed.uid]).encode() in library.content
    assert rendition.encode() in page.content  # the page's rendition table
    assert _client(users["viewer"]).get(
        reverse("asset-preview", args=[processed.uid])).status_code == 200


# --- The beat task's webhooks -------------------------------------------------------

def test_webhooks_are_sent_once_when_an_embargo_lifts_and_a_licence_ends(
        processed, clock, sent):
    Endpoint.objects.create(url="https://site.test/hook")
    processed.embargo_until, processed.expires_at = T0 + H, T0 + 2 * H
    processed.save(update_fields=["embargo_until", "expires_at"])
    rights_service.rights_apply()  # ok -> embargoed: files withheld, nothing to tell
    assert not Delivery.objects.exists()
    clock.at(T0 + H + timedelta(seconds=1))
    rights_service.rights_apply()
    rights_service.rights_apply()  # twice, or late: once
    lifted = Delivery.objects.get(event="asset.embargo_lifted")
    assert lifted.payload["usages"] == [] and lifted.payload["asset"]["rights"] == "expiring"
    assert lifted.payload["asset"]["expires_at"] == "2026-12-01T14:00:00Z"
    clock.at(T0 + 3 * H)
    rights_service.rights_apply()
    rights_service.rights_apply()
    expired = Delivery.objects.get(event="asset.expired")
    assert expired.payload["rights"] == {"before": "ok", "after": "expired"}
    assert expired.payload["asset"]["rights"] == "expired"
    assert Delivery.objects.count() == 2


def test_the_beat_runs_the_rights_task_every_minute(settings):
    beat = settings.CELERY_BEAT_SCHEDULE["apply-rights"]
    assert beat["task"] == "renditions.tasks.apply_rights" and beat["schedule"] <= 60


def test_files_remade_while_withheld_are_withheld_and_tags_give_nothing(
        processed, editor, clock, sent, monkeypatch):
    from django.core.files.storage import default_storage
    from django.template import Context, Template

    from dam.storage import private_storage
    from renditions import editing, services
    monkeypatch.setattr(editing, "asset_enqueue", lambda asset: None)
    tag = Template('{% load salient %}{% salient_img asset "hero" %}')
    assert "<img" in tag.render(Context({"asset": processed}))
    processed.embargo_until = T0 + H
    processed.save(update_fields=["embargo_until"])
    rights_service.rights_apply()
    assert tag.render(Context({"asset": processed})) == ""
    old = {f.name for f in rights_service.public_files(asset_id=processed.pk)}
    editing.focal_set(asset=processed, point=(0.1, 0.5), user=editor)
    services.asset_process(asset_id=processed.pk)
    names = {f.name for f in rights_service.public_files(asset_id=processed.pk)}
    assert names - old and not any(default_storage.exists(n) for n in names)
    assert all(private_storage.exists(rights_service.withheld_name(n)) for n in names)
    gone = old - names  # superseded while withheld: no copy left anywhere
    assert gone and not any(private_storage.exists(rights_service.withheld_name(n))
                            or default_storage.exists(n) for n in gone)


def test_an_edit_of_the_dates_has_a_live_worker_withhold_the_files(
        processed, editor, clock, live_worker):
    """The edit queues the rights task after commit; a real worker runs it (no beat wait)."""
    from django.core.files.storage import default_storage

    from renditions import describing
    from tests.integration.conftest import wait_for
    Endpoint.objects.create(url="https://site.test/hook", events=["asset.expired"])
    names = [f.name for f in rights_service.public_files(asset_id=processed.pk)]
    describing.metadata_set(asset=processed, changes={"expires_at": _iso(T0 - H)}, user=editor)
    wait_for(lambda: Delivery.objects.filter(event="asset.expired").exists(), timeout=60)
    processed.refresh_from_db()
    assert processed.rights_applied == "expired"
    assert not any(default_storage.exists(n) for n in names)
