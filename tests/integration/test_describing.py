"""Describing one asset (issue 23, editing): PATCH /api/assets/<id>/ for every field,
its validation, who may, the history row and its revert, new files for a new credit
(read back by exiftool) and none for a new city, keyword suggestions, webhooks."""
from __future__ import annotations

import io
import json
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from dam import services as dam_services
from dam.models import Asset
from renditions import enqueue, services
from renditions.models import EditEvent, Rendition
from tests.integration._api import (  # noqa: F401  (fixtures: no_queue, asset)
    _asset, _client, _error, _upload, asset, no_queue)
from tests.integration.test_metadata import _tagged_photo
from tests.unit._metadata import exiftool_json, needs_exiftool
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)

#: A value for each field an editor may change, and what the API gives back.
VALUES = {
    "title": "Pier at dusk", "alt_text": "A wooden pier, lamps lit", "headline": "Calm",
    "caption": "Line one\nLine two", "creator": "Anna Ölund", "credit": "Agence Été",
    "copyright": "© 2026 Agence Été", "usage_terms": "Web only\nNo resale",
    "source": "Staff", "instructions": "Embargo until noon", "date_created": "2021-10",
    "city": "Zürich", "country": "Switzerland",
}


@pytest.fixture
def queued(processed, monkeypatch):
    """The assets queued after ``processed`` was made (whose fixture queues nothing)."""
    ids = []
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: ids.append(asset.pk))
    return ids


def _patch(user, uid, body, **kwargs):
    return _client(user, **kwargs).patch(reverse("asset-json", args=[uid]), json.dumps(body),
                                         content_type="application/json")


@pytest.mark.parametrize("field", [*VALUES, "keywords"])
def test_an_editor_patches_each_field_and_gets_the_asset_back(users, asset, field):
    value = ["dusk", "Harbour"] if field == "keywords" else VALUES[field]
    response = _patch(users["editor"], asset.uid, {field: value})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body[field] == value and body["id"] == str(asset.uid)
    assert "renditions" in body and "progress" in body  # the full description
    event = EditEvent.objects.get(asset=asset)
    assert event.kind == "metadata" and event.user == users["editor"]
    assert event.after == {field: value} and list(event.before) == [field]


def test_values_are_stripped_and_newlines_kept_only_where_they_belong(users, asset):
    body = _patch(users["editor"], asset.uid, {"title": "  Pier \t", "caption": "a\r\nb\rc ",
                                               "keywords": [" dusk ", "Dusk", "DUSK", "pier"]})
    assert body.status_code == 200, body.content
    data = body.json()
    assert (data["title"], data["caption"], data["keywords"]) == (
        "Pier", "a\nb\nc", ["dusk", "pier"])


# (body, the field the 400 names)
REFUSED = [
    ({"title": "x" * 256}, "title"),
    ({"credit": "x" * 256}, "credit"),
    ({"date_created": "x" * 41}, "date_created"),
    ({"caption": "c" * 2001}, "caption"),
    ({"title": "nul\x00byte"}, "title"),
    ({"caption": "bell\x07"}, "caption"),
    ({"title": "two\nlines"}, "title"),
    ({"city": "esc\x1b[31m"}, "city"),
    ({"date_created": "yesterday"}, "date_created"),
    ({"date_created": "2021-13"}, "date_created"),
    ({"date_created": "2021-02-30"}, "date_created"),
    ({"date_created": "2021-10-20T25:00"}, "date_created"),
    ({"date_created": "21-10-20"}, "date_created"),
    ({"title": 42}, "title"),
    ({"title": None}, "title"),
    ({"keywords": "one, two"}, "keywords"),
    ({"keywords": ["ok", ""]}, "keywords"),
    ({"keywords": ["k" * 101]}, "keywords"),
    ({"keywords": ["tab\there"]}, "keywords"),
    ({"keywords": [f"k{i}" for i in range(201)]}, "keywords"),
    ({"colour": "red"}, "colour"),
    ({"width": 10}, "width"),
    ({"id": "00000000-0000-0000-0000-000000000000"}, "id"),
    ({"status": "ready"}, "status"),
]


@pytest.mark.parametrize("body, field", REFUSED, ids=[f"{f}-{i}" for i, (_, f) in
                                                        enumerate(REFUSED)])
def test_bad_values_are_refused_naming_the_field_and_nothing_changes(users, asset, body, field):
    error = _error(_patch(users["editor"], asset.uid, {"city": "Kept?", **body}), 400)
    assert field in error["fields"], error
    assert Asset.objects.get(pk=asset.pk).city == ""
    assert not EditEvent.objects.exists()


def test_read_only_and_unknown_fields_are_told_apart(users, asset):
    fields = _error(_patch(users["editor"], asset.uid, {"width": 1, "colour": "red"}),
                    400)["fields"]
    assert fields == {"width": ["Read-only."], "colour": ["Unknown field."]}


def test_accepted_dates_and_keyword_limits(users, asset):
    for value in ("2021", "2021-10-20", "2021-10-20T21:01", "2021-10-20T21:01:01+02:00",
                  "2021-10-20T21:01:01Z", ""):
        response = _patch(users["editor"], asset.uid, {"date_created": value})
        assert response.status_code == 200, (value, response.content)
    forty = [f"Keyword {i}" for i in range(40)]
    assert sorted(_patch(users["editor"], asset.uid, {"keywords": forty}).json()["keywords"]
                  ) == sorted(forty)
    two_hundred = [f"k{i}" for i in range(200)]
    assert len(_patch(users["editor"], asset.uid, {"keywords": two_hundred}).json()[
        "keywords"]) == 200


def test_only_editors_may_patch(users, asset):
    for role, status in (("anonymous", 401), ("no_role", 403), ("viewer", 403),
                         ("reviewer", 403)):
        body = _error(_patch(users[role], asset.uid, {"title": "Mine"}), status)
        if status == 403:
            assert body["error"] == "Only editors can change a photo's description."
    assert Asset.objects.get(pk=asset.pk).title == "pier"
    assert _patch(users["editor"], asset.uid, {"title": "Mine"}).status_code == 200
    missing = "00000000-0000-0000-0000-000000000000"
    assert _error(_patch(users["editor"], missing, {"title": "x"}), 404)


def test_a_patch_without_a_csrf_token_is_refused(users, asset):
    assert _patch(users["editor"], asset.uid, {"title": "x"},
                  enforce_csrf_checks=True).status_code == 403


def test_history_holds_only_what_changed_and_a_revert_puts_it_back(users, asset):
    editor = users["editor"]
    _patch(editor, asset.uid, {"credit": "First", "keywords": ["b", "A"]})
    _patch(editor, asset.uid, {"credit": "Second", "city": "", "title": "pier",
                               "keywords": ["a", "c"]})
    latest = EditEvent.objects.filter(asset=asset).first()
    assert latest.before == {"credit": "First", "keywords": ["A", "b"]}
    assert latest.after == {"credit": "Second", "keywords": ["A", "c"]}  # "a" is "A"
    assert _patch(editor, asset.uid, {"credit": "Second"}).status_code == 200
    assert EditEvent.objects.filter(asset=asset).count() == 2  # no change, no row
    revert = reverse("api-asset-revert", args=[asset.uid, latest.pk])
    assert _client(users["viewer"]).post(revert).status_code == 403
    assert _client(editor).post(revert).status_code == 200
    data = _client(editor).get(reverse("asset-json", args=[asset.uid])).json()
    assert (data["credit"], data["keywords"]) == ("First", ["A", "b"])
    undo = EditEvent.objects.filter(asset=asset).first()
    assert (undo.before, undo.after, undo.user) == (latest.after, latest.before, editor)


def test_a_carried_field_queues_new_files_that_carry_it(users, processed, queued):
    needs_exiftool()
    before = set(Rendition.objects.filter(asset=processed).values_list("key", flat=True))
    response = _patch(users["editor"], processed.uid, {"credit": "Reuters <Pool>"})
    assert response.status_code == 200
    assert queued == [processed.pk]
    services.asset_process(asset_id=processed.pk)  # what the worker does next
    fresh = Rendition.objects.filter(asset=processed).exclude(key__in=before)
    assert fresh.count() == len(before)
    for rendition in fresh:
        found = exiftool_json(Path(rendition.file.path), "-XMP-photoshop:Credit")
        assert found["Credit"] == "Reuters <Pool>", rendition.profile.slug


@pytest.mark.parametrize("change", [{"city": "Oslo"}, {"instructions": "Hold"},
                                    {"title": "New"}, {"keywords": ["sea"]}])
def test_other_fields_queue_nothing_and_keep_every_key(users, processed, queued, change):
    before = sorted(Rendition.objects.filter(asset=processed).values_list("key", flat=True))
    assert _patch(users["editor"], processed.uid, change).status_code == 200
    assert queued == []
    assert Asset.objects.get(pk=processed.pk).status == Asset.Status.READY
    services.asset_process(asset_id=processed.pk)
    assert sorted(Rendition.objects.filter(asset=processed).values_list(
        "key", flat=True)) == before


def test_keyword_suggestions_start_with_q_most_used_first(users, editor, default_profiles):
    for i, words in enumerate((["Berlin", "bridge", "Élan"], ["berlin", "Bern"],
                               ["BERLIN", "sea", "Öl"])):
        asset = _asset(editor, f"p{i}.jpg", subject=(0.2 + 0.2 * i, 0.5))
        _patch(editor, asset.uid, {"keywords": words})
    url, viewer = reverse("api-keywords"), _client(users["viewer"])
    assert viewer.get(url, {"q": "BE"}).json() == {"results": [
        {"name": "Berlin", "count": 3}, {"name": "Bern", "count": 1}]}
    assert viewer.get(url, {"q": "ber", "limit": 1}).json()["results"] == [
        {"name": "Berlin", "count": 3}]
    assert [r["name"] for r in viewer.get(url).json()["results"]][0] == "Berlin"
    assert viewer.get(url, {"q": "zzz"}).json() == {"results": []}
    for q, found in (("el", "Élan"), ("ÉL", "Élan"), ("ö", "Öl"), ("OL", "Öl")):
        assert viewer.get(url, {"q": q}).json()["results"] == [{"name": found, "count": 1}], q
    assert viewer.get(url, {"q": "%"}).json()["results"] == []  # a pattern is only text
    assert _error(viewer.get(url, {"limit": 0}), 400)
    assert _error(_client(None).get(url), 401) and _error(_client(users["no_role"]).get(url),
                                                          403)


def test_a_public_change_is_announced_by_webhook_and_a_private_one_is_not(users, asset):
    Endpoint.objects.create(url="https://site.test/hook", events=["asset.updated"])
    with mock.patch.object(enqueue, "send_task"):
        _patch(users["editor"], asset.uid, {"instructions": "Hold"})
        assert not Delivery.objects.exists()
        _patch(users["editor"], asset.uid, {"city": "Oslo", "instructions": "Go",
                                            "keywords": ["sea"]})
    delivery, = Delivery.objects.all()
    assert delivery.event == "asset.updated"
    assert delivery.payload["fields"] == ["city", "keywords"]
    assert delivery.payload["asset"]["city"] == "Oslo"
    assert "instructions" not in delivery.payload["asset"]


def test_a_new_credit_is_announced_then_its_new_files(users, processed, queued,
                                                      default_profiles):
    Endpoint.objects.create(url="https://site.test/hook")
    with mock.patch.object(enqueue, "send_task"):
        _patch(users["editor"], processed.uid, {"credit": "Pool"})
        services.asset_process(asset_id=processed.pk)  # what the worker does next
    updated, changed = Delivery.objects.order_by("created_at")
    assert (updated.event, updated.payload["fields"]) == ("asset.updated", ["credit"])
    assert changed.event == "renditions.changed"
    assert set(changed.payload["profiles"]) == {p.slug for p in default_profiles}
    assert changed.payload["asset"]["credit"] == "Pool"


def test_a_patch_takes_the_queries_of_one_field_for_every_field_and_40_keywords(
        users, editor, default_profiles):
    one, every = _asset(editor, "one.jpg"), _asset(editor, "every.jpg", subject=(0.3, 0.3))
    words = [f"Keyword {i}" for i in range(40)]
    for word in words:
        Tag.objects.create(name=word)  # new keywords cost one insert each, as in taggit

    def count(asset, body) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert _patch(editor, asset.uid, body).status_code == 200
        return len(queries)
    assert count(one, {"city": "Oslo", "keywords": words[:1]}) == count(
        every, {**VALUES, "keywords": words})


def test_reading_the_photo_again_keeps_what_editors_changed(users):
    made = _client(users["editor"]).post(reverse("api-assets"), {
        "files": [_upload("lake.jpg", _tagged_photo())]}).json()["created"][0]
    _patch(users["editor"], made["id"], {"credit": "Mine", "keywords": ["edited"]})
    Asset.objects.filter(uid=made["id"]).update(caption="stale", city="stale")
    call_command("read_metadata", made["id"], stdout=io.StringIO(), stderr=io.StringIO())
    data = _client(users["viewer"]).get(reverse("asset-json", args=[made["id"]])).json()
    assert (data["credit"], data["keywords"]) == ("Mine", ["edited"])  # the editor's
    assert (data["caption"], data["city"]) == ("Clouds over Zürich", "Zürich")  # the file's
