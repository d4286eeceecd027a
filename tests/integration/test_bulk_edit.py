"""Describing many assets at once (issue 23, bulk edit): POST /api/assets/bulk by ids or
by a search, set, append, add and remove keywords, one history row per changed asset,
the others untouched; and an upload's metadata template, with and without overwrite."""
from __future__ import annotations

import json
import threading
from unittest import mock

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dam.models import Asset
from renditions import describing, enqueue
from renditions.models import EditEvent
from tests.integration.conftest import wait_for
from tests.integration._api import (  # noqa: F401  (fixture: no_queue)
    _asset, _client, _error, _upload, no_queue)
from tests.unit._metadata import METADATA, needs_shared
from webhooks import services as hooks
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def three(editor, default_profiles):
    """Three assets: "pier" and "pier-2" (caption "Old") and "dune" (keyword "sand")."""
    made = [_asset(editor, name, subject=(0.2 + 0.3 * i, 0.5))
            for i, name in enumerate(("pier.jpg", "pier-2.jpg", "dune.jpg"))]
    Asset.objects.filter(pk__in=[a.pk for a in made[:2]]).update(caption="Old")
    made[2].tags.set(["sand"])
    return made


def _bulk(user, body, **kwargs):
    return _client(user, **kwargs).post(reverse("api-assets-bulk"), json.dumps(body),
                                        content_type="application/json")


def _ok(user, body) -> dict:
    response = _bulk(user, body)
    assert response.status_code == 200, response.content
    return response.json()


def test_set_by_ids_changes_each_records_each_and_queues_carried(users, three, no_queue):
    no_queue.clear()
    pier, pier2, dune = three
    Asset.objects.filter(pk=pier.pk).update(credit="Agence")
    body = _ok(users["editor"], {"ids": [str(a.uid) for a in three],
                                 "set": {"credit": "Agence", "city": "Oslo"}})
    assert (body["matched"], body["updated"]) == (3, 3)
    events = {e.asset_id: e for e in EditEvent.objects.all()}
    assert events[pier.pk].before == {"city": ""} and events[pier.pk].after == {"city": "Oslo"}
    assert events[dune.pk].after == {"credit": "Agence", "city": "Oslo"}
    assert {e.user for e in events.values()} == {users["editor"]}
    assert sorted(no_queue) == sorted([pier2.pk, dune.pk])  # pier's credit did not change
    stamps = dict(Asset.objects.values_list("pk", "updated_at"))
    again = _ok(users["editor"], {"ids": [str(a.uid) for a in three], "set": {"city": "Oslo"}})
    assert (again["matched"], again["updated"], again["ids"]) == (3, 0, [])
    assert EditEvent.objects.count() == 3
    assert dict(Asset.objects.values_list("pk", "updated_at")) == stamps  # not written


def test_append_adds_after_a_space_or_a_newline_once(users, three):
    pier, pier2, dune = three
    ids = [str(a.uid) for a in three]
    body = _ok(users["editor"], {"ids": ids, "append": {"caption": "Pool photo",
                                                        "title": "(archive)"}})
    assert body["updated"] == 3
    captions = dict(Asset.objects.values_list("pk", "caption"))
    assert captions == {pier.pk: "Old\nPool photo", pier2.pk: "Old\nPool photo",
                        dune.pk: "Pool photo"}
    assert Asset.objects.get(pk=dune.pk).title == "dune (archive)"
    assert _ok(users["editor"], {"ids": ids, "append": {"caption": "Pool photo"}})[
        "updated"] == 0  # a retried request changes nothing twice


def test_add_and_remove_keywords_by_a_search(users, three):
    pier, pier2, dune = three
    body = _ok(users["editor"], {"query": {"q": "pier"}, "add_keywords": ["Sea", "sea", "dock"],
                                 "remove_keywords": ["SAND"]})
    assert body["matched"] == 2 and set(body["ids"]) == {str(pier.uid), str(pier2.uid)}
    assert sorted((t.name for t in pier.tags.all()), key=str.casefold) == ["dock", "Sea"]
    assert [t.name for t in dune.tags.all()] == ["sand"]  # not in the search: untouched
    assert EditEvent.objects.get(asset=pier).after == {"keywords": ["dock", "Sea"]}
    removed = _ok(users["editor"], {"query": {"q": ""}, "remove_keywords": ["sand", "DOCK"]})
    assert set(removed["ids"]) == {str(a.uid) for a in three}
    assert [t.name for t in pier.tags.all()] == ["Sea"] and not dune.tags.exists()
    event = EditEvent.objects.filter(asset=dune).first()
    assert (event.before, event.after) == ({"keywords": ["sand"]}, {"keywords": []})


def test_a_search_by_status_selects_what_the_list_would(users, three):
    Asset.objects.filter(pk=three[2].pk).update(status=Asset.Status.READY)
    body = _ok(users["editor"], {"query": {"status": "ready"}, "set": {"source": "Staff"}})
    assert body["ids"] == [str(three[2].uid)]
    listed = _client(users["viewer"]).get(reverse("api-assets"), {"status": "ready"}).json()
    assert [a["id"] for a in listed["results"]] == body["ids"]


def test_a_revert_of_one_asset_leaves_the_others(users, three):
    _ok(users["editor"], {"ids": [str(a.uid) for a in three], "set": {"country": "Norway"}})
    event = EditEvent.objects.get(asset=three[0])
    revert = reverse("api-asset-revert", args=[three[0].uid, event.pk])
    assert _client(users["editor"]).post(revert).status_code == 200
    assert dict(Asset.objects.values_list("pk", "country")) == {
        three[0].pk: "", three[1].pk: "Norway", three[2].pk: "Norway"}


BAD = [
    ({"set": {"city": "x"}}, "non_field_errors"),  # no selection
    ({"ids": [], "set": {"city": "x"}}, "ids"),
    ({"ids": ["00000000-0000-0000-0000-000000000000"] * 1001, "set": {"city": "x"}}, "ids"),
    ({"ids": ["not-a-uuid"], "set": {"city": "x"}}, "ids"),
    ({"ids": [], "query": {}, "set": {"city": "x"}}, "ids"),
    ({"query": {"status": "lost"}, "set": {"city": "x"}}, "query"),
    ({"query": {}}, "non_field_errors"),  # no change
    ({"query": {}, "set": {"keywords": ["x"]}}, "set"),
    ({"query": {}, "set": {"title": "x" * 256}}, "set"),
    ({"query": {}, "set": {"title": "a\x00b"}}, "set"),
    ({"query": {}, "set": {"width": 3}}, "set"),
    ({"query": {}, "set": {"city": "x"}, "append": {"city": "y"}}, "append"),
    ({"query": {}, "append": {"date_created": "2021"}}, "append"),
    ({"query": {}, "add_keywords": ["x"], "remove_keywords": ["X"]}, "remove_keywords"),
    ({"query": {}, "add_keywords": [""]}, "add_keywords"),
    ({"query": {}, "collection": "news"}, "collection"),
    ({"query": {"qq": "typo"}, "set": {"city": "x"}}, "query"),
]


@pytest.mark.parametrize("body, field", BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_bad_bulk_bodies_are_refused_and_change_nothing(users, three, body, field):
    error = _error(_bulk(users["editor"], body), 400)
    assert field in error["fields"], error
    assert not EditEvent.objects.exists()


def test_an_append_that_overflows_one_asset_changes_none(users, three):
    Asset.objects.filter(pk=three[0].pk).update(title="t" * 250)
    error = _error(_bulk(users["editor"], {"query": {}, "append": {"title": "longer"}}), 400)
    assert str(three[0].uid) in error["error"]
    assert not EditEvent.objects.exists()


def test_only_editors_bulk_edit_with_a_csrf_token(users, three):
    body = {"query": {}, "set": {"city": "x"}}
    for role, status in (("anonymous", 401), ("viewer", 403), ("reviewer", 403)):
        assert _error(_bulk(users[role], body), status)
    assert _bulk(users["editor"], body, enforce_csrf_checks=True).status_code == 403
    assert not EditEvent.objects.exists()


def test_the_writes_do_not_grow_with_the_fields_or_keywords(users, editor, default_profiles):
    made = [_asset(editor, f"p{i}.jpg", subject=(0.1 + 0.05 * i, 0.5)) for i in range(9)]
    changes = {"set": {"city": "Oslo", "country": "Norway", "source": "Staff"},
               "append": {"title": "x"}, "add_keywords": ["a", "b", "c"]}

    def count(assets, suffix):
        body = {"ids": [str(a.uid) for a in assets], **changes,
                "set": {k: v + suffix for k, v in changes["set"].items()}}
        with CaptureQueriesContext(connection) as queries:
            assert _ok(editor, body)["updated"] == len(assets)
        return len(queries)
    count(made[:1], "0")  # makes the keywords: later calls find them
    # 2 vs 6 assets: the same queries (the history rows go in one bulk insert).
    assert count(made[1:3], "1") == count(made[3:], "2")


@needs_shared
def test_an_upload_template_fills_only_what_the_file_left_empty(users):
    data = (METADATA / "IPTC-PhotometadataRef-Std2021.1.jpg").read_bytes()
    headline_only = (METADATA / "metaphotoshop.jpg").read_bytes()  # Photoshop: no credit
    template = {"credit": "Our Agency", "creator": "Desk", "usage_terms": "Web only",
                "copyright": "© Us", "keywords": ["Batch, Summer", "keyword1ref2021.1"]}
    response = _client(users["editor"]).post(reverse("api-assets"), {
        "files": [_upload("ref.jpg", data), _upload("plain.jpg", headline_only)], **template})
    assert response.status_code == 201, response.content
    ref, plain = response.json()["created"]
    assert ref["credit"] == "Credit Line (ref2021.1)"  # the file's own wins
    assert ref["keywords"] == ["Batch", "Keyword1ref2021.1", "Keyword2ref2021.1",
                               "Keyword3ref2021.1", "Summer"]
    assert (plain["credit"], plain["creator"], plain["usage_terms"], plain["copyright"]) == (
        "Our Agency", "Desk", "Web only", "© Us")
    # One keyword whatever its case: the spelling stored first (ref's own) is kept.
    assert plain["keywords"] == ["Batch", "Keyword1ref2021.1", "Summer"]
    assert not EditEvent.objects.exists()  # the initial state, not a change


@needs_shared
def test_an_upload_template_with_overwrite_wins(users):
    data = (METADATA / "IPTC-PhotometadataRef-Std2021.1.jpg").read_bytes()
    response = _client(users["editor"]).post(reverse("api-assets"), {
        "files": [_upload("ref.jpg", data)], "credit": "Our Agency", "keywords": "Batch",
        "overwrite": "true"})
    assert response.status_code == 201, response.content
    ref = response.json()["created"][0]
    assert (ref["credit"], ref["keywords"]) == ("Our Agency", ["Batch"])
    assert ref["creator"] != ""  # not in the template: the file's own stays


def test_a_bad_template_refuses_the_upload(users):
    response = _client(users["editor"]).post(reverse("api-assets"), {
        "files": [_upload("plain.jpg")], "credit": "bad\x07credit"})
    assert _error(response, 400)["fields"].keys() == {"credit"}
    assert not Asset.objects.exists()


def test_a_bulk_edit_announces_each_changed_asset(users, three):
    Endpoint.objects.create(url="https://site.test/hook", events=["asset.updated"])
    three[0].tags.set(["sea"])
    with mock.patch.object(enqueue, "send_task"):
        body = _ok(users["editor"], {"query": {}, "add_keywords": ["sea"]})
    assert body["updated"] == 2
    deliveries = Delivery.objects.all()
    assert sorted(d.payload["asset"]["id"] for d in deliveries) == sorted(
        str(a.uid) for a in three[1:])
    assert {tuple(d.payload["fields"]) for d in deliveries} == {("keywords",)}


def test_announcing_many_assets_takes_the_queries_of_one(three):
    Endpoint.objects.create(url="https://site.test/hook")

    def count(assets) -> int:
        extras = {a.pk: {"fields": ["city"]} for a in assets}
        with CaptureQueriesContext(connection) as queries:
            hooks.deliveries_create_each(event="asset.updated", extras=extras)
        return len(queries)
    with mock.patch.object(enqueue, "send_task"):
        assert count(three[:1]) == count(three)
    assert Delivery.objects.count() == 4
    assert {d.payload["asset"]["id"] for d in Delivery.objects.all()} == {
        str(a.uid) for a in three}


def test_two_appends_at_once_keep_both(users, three):
    """PostgreSQL: the second edit waits for the first one's row lock and appends to
    what it committed (without select_for_update it would write over it)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: nothing to race")
    pier = three[0]
    edit_of = describing.bulk_edit_clean
    second = threading.Thread(target=lambda: (describing.metadata_bulk(
        asset_ids=[pier.pk], edit=edit_of(set={}, append={"caption": "B"}, add_keywords=[],
                                          remove_keywords=[]), user=users["editor"]),
        connections.close_all()))
    with transaction.atomic():
        Asset.objects.select_for_update().get(pk=pier.pk)  # the first edit holds the row
        second.start()
        wait_for(_a_lock_waits, timeout=30, interval=0.05)
        describing.metadata_bulk(asset_ids=[pier.pk], user=users["editor"], edit=edit_of(
            set={}, append={"caption": "A"}, add_keywords=[], remove_keywords=[]))
    second.join(timeout=30)
    assert Asset.objects.get(pk=pier.pk).caption == "Old\nA\nB"
    assert [e.after for e in EditEvent.objects.order_by("pk")] == [
        {"caption": "Old\nA"}, {"caption": "Old\nA\nB"}]


def _a_lock_waits() -> bool:
    with connections["default"].cursor() as cursor:  # this thread's connection
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0
