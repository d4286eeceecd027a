"""The trash in bulk: POST /api/assets/bulk with ``trash`` moves the selected assets
there (ids or the list's search; the right to delete in each one's collection), 409
naming those that pages use and moving nothing unless ``force``; ``restore`` brings
them back from the Trash page's selection. Each asset gets its history row and one
webhook, and leaves (then rejoins) the list and the search."""
from __future__ import annotations

import pytest
from django.urls import reverse

from dam import usages
from dam.models import Asset
from renditions.models import EditEvent
from tests.integration._api import _asset, _client, _error  # noqa: F401
from tests.integration.test_collections import desk, tree  # noqa: F401 (fixtures)
from tests.integration.test_webhooks import sent  # noqa: F401 (fixture)
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)
PAGE = "https://www.example.com/news/harbour"


@pytest.fixture
def three(editor, default_profiles):
    return [_asset(editor, name, subject=(0.2 + 0.3 * i, 0.5))
            for i, name in enumerate(("pier.jpg", "dune.jpg", "cliff.jpg"))]


def _bulk(user, body):
    return _client(user).post(reverse("api-assets-bulk"), body, format="json")


def _ok(user, body) -> dict:
    response = _bulk(user, body)
    assert response.status_code == 200, response.content
    return response.json()


def _ids(assets) -> list[str]:
    return [str(a.uid) for a in assets]


def _trashed() -> set[str]:
    return {str(uid) for uid in Asset.objects.filter(deleted_at__isnull=False)
            .values_list("uid", flat=True)}


def _listed(user, **query) -> set[str]:
    return {a["id"] for a in _client(user).get(reverse("api-assets"), query).json()["results"]}


def test_trash_by_ids_records_each_sends_one_webhook_each_and_restore_brings_them_back(
        users, three, sent):
    Endpoint.objects.create(url="https://hooks.example.com/in")
    editor, chosen = users["editor"], three[:2]
    body = _ok(editor, {"ids": _ids(chosen), "trash": True})
    assert (body["matched"], body["updated"]) == (2, 2) and set(body["ids"]) == set(_ids(chosen))
    assert _trashed() == set(_ids(chosen))
    assert Asset.objects.get(pk=chosen[0].pk).deleted_by == editor
    assert _listed(editor) == {str(three[2].uid)}
    assert _listed(editor, q="pier") == set()
    trash_page = _client(editor).get(reverse("api-trash")).json()["results"]
    assert {a["id"] for a in trash_page} == set(_ids(chosen))
    # Again: already in the trash, so not selected (the selection leaves the trash out).
    assert _ok(editor, {"ids": _ids(chosen), "trash": True})["matched"] == 0

    back = _ok(editor, {"ids": _ids(three), "restore": True})  # the third is not in the trash
    assert (back["matched"], back["updated"]) == (2, 2)
    assert _trashed() == set() and _listed(editor) == set(_ids(three))
    history = EditEvent.objects.filter(kind="trash").order_by("id")
    assert sorted((e.asset_id, e.before, e.after, e.user) for e in history) == sorted(
        [(a.pk, False, True, editor) for a in chosen] + [(a.pk, True, False, editor)
                                                         for a in chosen])
    hooks = sorted((d.event, d.payload["asset"]["id"])
                   for d in Delivery.objects.filter(event__startswith="asset."))
    assert hooks == sorted([("asset.deleted", str(a.uid)) for a in chosen]
                           + [("asset.restored", str(a.uid)) for a in chosen])


def test_trash_by_the_lists_search(users, three, sent):
    assert _listed(users["editor"], q="dune") == {str(three[1].uid)}
    body = _ok(users["editor"], {"query": {"q": "dune"}, "trash": True})
    assert (body["matched"], body["updated"]) == (1, 1)
    assert _trashed() == {str(three[1].uid)} and _listed(users["editor"], q="dune") == set()


def test_assets_in_use_are_named_and_nothing_moves_until_force(users, three, sent):
    usages.usage_record(asset=three[0], url=PAGE, rendition="hero")
    refused = _bulk(users["editor"], {"ids": _ids(three), "trash": True})
    body = _error(refused, 409)
    assert body["in_use"] == [{"id": str(three[0].uid), "title": str(three[0]),
                               "pages": [PAGE]}]
    assert "1 of these photos is used" in body["error"]
    assert _trashed() == set() and not EditEvent.objects.filter(kind="trash").exists()
    forced = _ok(users["editor"], {"ids": _ids(three), "trash": True, "force": True})
    assert forced["updated"] == 3 and _trashed() == set(_ids(three))


def test_who_may_trash_and_restore_in_bulk(users, three, sent):
    ids = _ids(three)
    _error(_bulk(None, {"ids": ids, "trash": True}), 401)
    for who in ("no_role", "viewer", "reviewer"):
        _error(_bulk(users[who], {"ids": ids, "trash": True}), 403)
        _error(_bulk(users[who], {"ids": ids, "restore": True}), 403)
    assert _trashed() == set()
    _ok(users["editor"], {"ids": ids, "trash": True})
    _error(_bulk(users["viewer"], {"ids": ids, "restore": True}), 403)
    assert _trashed() == set(ids)


def test_collection_grants_hold_for_the_bulk_trash(tree, desk, sent):
    _, assets = tree
    everything = _ids(assets.values())
    _error(_bulk(desk["news_viewer"], {"ids": everything, "trash": True}), 403)
    body = _ok(desk["sport_editor"], {"ids": everything, "trash": True})
    assert body["matched"] == 1 and _trashed() == {str(assets["sport"].uid)}
    _ok(desk["editor"], {"ids": [str(assets["news"].uid)], "trash": True})
    back = _ok(desk["sport_editor"], {"ids": everything, "restore": True})
    assert back["ids"] == [str(assets["sport"].uid)]
    assert _trashed() == {str(assets["news"].uid)}  # not theirs to restore


@pytest.mark.parametrize("body, field", [
    ({"trash": True, "restore": True}, "non_field_errors"),
    ({"trash": True, "set": {"title": "x"}}, "non_field_errors"),
    ({"restore": True, "add_keywords": ["sea"]}, "non_field_errors"),
    ({"force": True, "set": {"title": "x"}}, "force"),
    ({"trash": "maybe"}, "trash"),
])
def test_trash_and_restore_go_alone(users, three, body, field):
    refused = _error(_bulk(users["editor"], {"ids": _ids(three), **body}), 400)
    assert field in refused["fields"], refused
    assert _trashed() == set() and Asset.objects.filter(title="x").count() == 0


def test_restore_takes_ids_not_a_search(users, three, sent):
    _ok(users["editor"], {"ids": _ids(three), "trash": True})
    refused = _error(_bulk(users["editor"], {"query": {"q": "pier"}, "restore": True}), 400)
    assert "query" in refused["fields"]
    assert _trashed() == set(_ids(three))
