"""Collections and their permissions: a group granted a level on a collection has it
there and in every sub-collection, and sees nothing of the others, anywhere.

The tree: Library > News > Politics, Library > Sport. Assets: one in each.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from dam import services as dam_services
from dam.models import Asset, Collection, CollectionGrant

from ._api import _client, _error, _upload, no_queue  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tree(editor, default_profiles):
    root = Collection.root()
    news = dam_services.collection_create(name="News", parent=root)
    politics = dam_services.collection_create(name="Politics", parent=news)
    sport = dam_services.collection_create(name="Sport", parent=root)
    places = {"root": root, "news": news, "politics": politics, "sport": sport}
    assets = {name: dam_services.asset_create(file=_upload(f"{name}.jpg", subject=(0.2 * i + 0.1,
                                                                            0.5)),
                                              uploaded_by=editor, collection=collection)
              for i, (name, collection) in enumerate(places.items())}
    return places, assets


def _granted(django_user_model, name: str, collection: Collection, level: str):
    group = Group.objects.create(name=f"{name} group")
    CollectionGrant.objects.create(group=group, collection=collection, level=level)
    user = django_user_model.objects.create_user(name, password="pw-for-tests")
    user.groups.add(group)
    return user


@pytest.fixture
def desk(tree, users, django_user_model):
    """Users whose only rights are collection grants, beside the role users."""
    places, _ = tree
    return {**users,
            "news_viewer": _granted(django_user_model, "nv", places["news"], "view"),
            "sport_editor": _granted(django_user_model, "se", places["sport"], "edit"),
            "news_reviewer": _granted(django_user_model, "nr", places["news"], "review")}


#: Who sees which assets: in the library, the API's list and the asset pages.
SEES = {
    "viewer": {"root", "news", "politics", "sport"},  # a role: every collection
    "editor": {"root", "news", "politics", "sport"},
    "news_viewer": {"news", "politics"},  # inherited by the sub-collection
    "news_reviewer": {"news", "politics"},
    "sport_editor": {"sport"},
}


@pytest.mark.parametrize("who", SEES)
def test_each_user_sees_and_finds_only_the_collections_granted(who, tree, desk):
    _, assets = tree
    names = {str(a.uid): n for n, a in assets.items()}
    client = _client(desk[who])
    listed = client.get(reverse("api-assets"), {"page_size": 100}).json()["results"]
    assert {names[a["id"]] for a in listed} == SEES[who]
    page = client.get(reverse("library"))
    assert {names[str(a.uid)] for a, _, _ in page.context["tiles"]} == SEES[who]
    for name, asset in assets.items():
        expected = 200 if name in SEES[who] else 404
        for url in (reverse("asset", args=[asset.uid]),
                    reverse("asset-preview", args=[asset.uid])):
            assert client.get(url).status_code == expected, (who, name, url)
        frame_url = client.get(reverse("api-asset-frame-url", args=[asset.uid]),
                               {"size": "100x100"})
        assert frame_url.status_code == expected, (who, name)


def test_no_role_and_anonymous_see_nothing(tree, desk):
    _, assets = tree
    assert _client(desk["no_role"]).get(reverse("api-assets")).status_code == 403
    assert _client().get(reverse("api-assets")).status_code == 401
    assert _client(desk["no_role"]).get(reverse("asset", args=[assets["news"].uid])
                                         ).status_code == 403
    assert _client(desk["no_role"]).get(reverse("api-collections")).status_code == 403


def test_the_delivery_json_stays_public_and_private_fields_follow_the_collection(tree, desk):
    _, assets = tree
    news, sport = (reverse("asset-json", args=[assets[n].uid]) for n in ("news", "sport"))
    client = _client(desk["news_viewer"])
    assert "sha256" in client.get(news).json()
    assert client.get(news).json()["collection"]["name"] == "News"
    outside = client.get(sport).json()  # as anyone with the id: no private field
    assert "sha256" not in outside and "collection" not in outside
    assert "sha256" not in _client().get(news).json()


def test_edit_and_review_rights_hold_only_where_granted(tree, desk):
    _, assets = tree
    body = {"box": [0.1, 0.1, 0.9, 0.9]}
    editor, viewer = _client(desk["sport_editor"]), _client(desk["news_viewer"])
    crop = lambda client, name: client.post(  # noqa: E731
        reverse("api-asset-crop", args=[assets[name].uid, "hero"]), body, format="json")
    assert crop(editor, "sport").status_code == 200
    _error(crop(editor, "news"), 404)  # not theirs to see
    _error(crop(viewer, "news"), 403)  # seen, not theirs to change
    reviewer = _client(desk["news_reviewer"])
    review = lambda name: reviewer.post(  # noqa: E731
        reverse("api-asset-review", args=[assets[name].uid, "hero"]),
        {"review": "needs_work"}, format="json")
    assert review("politics").status_code == 200
    _error(review("sport"), 404)
    regenerate = reverse("api-asset-regenerate", args=[assets["sport"].uid])
    assert editor.post(regenerate).status_code == 202


def test_history_and_its_revert_follow_the_collection(tree, desk):
    _, assets = tree
    editor = _client(desk["sport_editor"])
    editor.post(reverse("api-asset-crop", args=[assets["sport"].uid, "hero"]),
                {"box": [0.1, 0.1, 0.9, 0.9]}, format="json")
    event = assets["sport"].edits.get()
    revert = reverse("api-asset-revert", args=[assets["sport"].uid, event.pk])
    _error(_client(desk["news_viewer"]).post(revert), 404)
    page = _client(desk["news_viewer"]).get(reverse("asset", args=[assets["sport"].uid]))
    assert page.status_code == 404
    assert editor.post(revert).status_code == 200


def test_an_upload_goes_into_a_collection_the_uploader_may_edit(tree, desk):
    places, _ = tree
    editor = _client(desk["sport_editor"])
    url = reverse("api-assets")
    created = editor.post(url, {"files": [_upload("goal.jpg", subject=(0.2, 0.3))],
                                "collection": places["sport"].pk}, format="multipart")
    assert created.status_code == 201, created.content
    asset = Asset.objects.get(uid=created.json()["created"][0]["id"])
    assert asset.collection == places["sport"]
    for where in (places["news"].pk, None):  # another desk's, or the root by default
        data = {"files": [_upload("goal.jpg", subject=(0.3, 0.6))]}
        if where:
            data["collection"] = where
        refused = _error(editor.post(url, data, format="multipart"), 400)
        assert "collection" in refused["fields"]
    assert Asset.objects.filter(collection=places["sport"]).count() == 2


def test_originals_download_only_where_the_user_may_edit(tree, desk):
    _, assets = tree
    editor = _client(desk["sport_editor"])
    assert editor.get(assets["sport"].file.url).status_code == 200
    assert editor.get(assets["news"].file.url).status_code == 404


def test_the_review_queue_lists_only_visible_assets(processed, tree, desk):
    places, _ = tree
    Asset.objects.filter(pk=processed.pk).update(collection=places["politics"])
    shown = lambda who: {r.asset_id for r in _client(desk[who]).get(  # noqa: E731
        reverse("review-queue")).context["page"]}
    assert shown("news_reviewer") == {processed.pk}
    assert shown("sport_editor") == set()


def test_the_collections_endpoint_lists_the_tree_and_admins_grow_it(tree, desk, admin_user):
    places, _ = tree
    rows = _client(desk["news_viewer"]).get(reverse("api-collections")).json()
    assert [(r["label"], r["assets"]) for r in rows] == [("News", 1), ("News / Politics", 1)]
    everything = _client(desk["viewer"]).get(reverse("api-collections")).json()
    assert [r["label"] for r in everything] == ["Library", "News", "News / Politics", "Sport"]
    admin = _client(admin_user)
    url = reverse("api-collections")
    made = admin.post(url, {"name": "Football", "parent": places["sport"].pk}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["label"] == "Sport / Football"
    assert made.json()["parent"] == places["sport"].pk
    again = _error(admin.post(url, {"name": "football", "parent": places["sport"].pk},
                              format="json"), 400)
    assert "name" in again["fields"]
    _error(_client(desk["sport_editor"]).post(url, {"name": "Mine"}, format="json"), 403)
    # a grant on Sport now holds in its new sub-collection
    assert _client(desk["sport_editor"]).get(url).json()[-1][
        "label"] == "Sport / Football"


def test_describing_follows_the_collection(tree, desk):
    _, assets = tree
    editor = _client(desk["sport_editor"])
    patch = lambda client, name: client.patch(  # noqa: E731
        reverse("asset-json", args=[assets[name].uid]), {"credit": "Desk"}, format="json")
    assert patch(editor, "sport").status_code == 200
    _error(patch(editor, "news"), 404)
    _error(patch(_client(desk["news_viewer"]), "news"), 403)
    every = [str(a.uid) for a in assets.values()]
    bulk = reverse("api-assets-bulk")
    by_ids = editor.post(bulk, {"ids": every, "add_keywords": ["goal"]}, format="json").json()
    assert (by_ids["matched"], by_ids["ids"]) == (1, [str(assets["sport"].uid)])
    by_query = editor.post(bulk, {"query": {"q": ""}, "set": {"city": "Rome"}},
                           format="json").json()
    assert by_query["matched"] == 1
    assert set(Asset.objects.filter(city="Rome")) == {assets["sport"]}


def test_keyword_suggestions_count_only_what_the_user_may_view(tree, desk):
    _, assets = tree
    assets["sport"].tags.add("Goal", "Press")
    assets["news"].tags.add("Press")
    suggest = lambda who: {k["name"]: k["count"] for k in _client(desk[who]).get(  # noqa: E731
        reverse("api-keywords")).json()["results"]}
    assert suggest("news_viewer") == {"Press": 1}
    assert suggest("sport_editor") == {"Goal": 1, "Press": 1}
    assert suggest("viewer") == {"Goal": 1, "Press": 2}


def test_moving_assets_between_collections_is_recorded_and_revertible(tree, desk, editor):
    places, assets = tree
    client = _client(editor)
    bulk = reverse("api-assets-bulk")
    moved = client.post(bulk, {"ids": [str(assets["news"].uid), str(assets["root"].uid)],
                               "collection": places["sport"].pk}, format="json").json()
    assert moved["updated"] == 2
    assert set(Asset.objects.filter(collection=places["sport"])) == {
        assets["news"], assets["root"], assets["sport"]}
    event = assets["news"].edits.get()
    assert (event.before, event.after) == ({"collection": places["news"].pk},
                                           {"collection": places["sport"].pk})
    # the sport desk sees it now; the news desk no longer does
    assert _client(desk["sport_editor"]).get(reverse("asset", args=[assets["news"].uid])
                                             ).status_code == 200
    assert _client(desk["news_viewer"]).get(reverse("asset", args=[assets["news"].uid])
                                            ).status_code == 404
    revert = reverse("api-asset-revert", args=[assets["news"].uid, event.pk])
    # the sport desk may edit it where it is, not put it back where it may not edit
    refused = _error(_client(desk["sport_editor"]).post(revert), 400)
    assert "collection" in refused["fields"]
    assert client.post(revert).status_code == 200
    assert Asset.objects.get(pk=assets["news"].pk).collection == places["news"]


def test_a_move_needs_the_right_to_edit_where_it_goes(tree, desk):
    places, assets = tree
    editor = _client(desk["sport_editor"])
    url = reverse("asset-json", args=[assets["sport"].uid])
    refused = _error(editor.patch(url, {"collection": places["news"].pk}, format="json"), 400)
    assert "collection" in refused["fields"]
    refused = _error(editor.post(reverse("api-assets-bulk"), {
        "ids": [str(assets["sport"].uid)], "collection": places["root"].pk}, format="json"), 400)
    assert "collection" in refused["fields"]
    football = dam_services.collection_create(name="Football", parent=places["sport"])
    moved = editor.patch(url, {"collection": football.pk, "credit": "Desk"}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["collection"] == {"id": football.pk, "name": "Football"}
    assert Asset.objects.get(pk=assets["sport"].pk).credit == "Desk"


def test_search_and_its_facets_see_only_what_the_user_may_view(tree, desk):
    places, assets = tree
    for name, asset in assets.items():
        asset.caption = f"Harbour at dawn ({name})"
        asset.save()
    dam_services.assets_search_refresh(assets=list(assets.values()))
    url = reverse("api-assets")
    found = _client(desk["news_viewer"]).get(url, {"q": "harbours", "facets": "true"}).json()
    assert {a["id"] for a in found["results"]} == {str(assets["news"].uid),
                                                   str(assets["politics"].uid)}
    assert {(f["label"], f["count"]) for f in found["facets"]["collection"]} == {
        ("News", 1), ("News / Politics", 1)}
    viewer = _client(desk["viewer"])
    news = viewer.get(url, {"q": "harbour", "collection": places["news"].pk}).json()
    assert news["count"] == 2  # News and its sub-collection
    sport = viewer.get(url, {"collection": places["sport"].pk}).json()
    assert [a["id"] for a in sport["results"]] == [str(assets["sport"].uid)]
    page = viewer.get(reverse("library"), {"q": "dawn", "collection": places["news"].pk})
    assert {a.uid for a, _, _ in page.context["tiles"]} == {assets["news"].uid,
                                                           assets["politics"].uid}
    assert b"News / Politics" in page.content
