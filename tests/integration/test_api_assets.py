"""The REST API's endpoints one by one: the asset list, upload, focal point, crop,
review, regenerate and profiles."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from dam.models import Asset
from dam.services import asset_search_refresh
from renditions import enqueue
from renditions.models import CropDecision, RenditionProfile
from tests.integration._api import (  # noqa: F401  (fixtures: no_queue, asset)
    PRIVATE_FIELDS, PUBLIC_FIELDS, _asset, _client, _error, _upload, _urls, asset, no_queue)

pytestmark = pytest.mark.django_db(transaction=True)


# --- The list ---------------------------------------------------------------------

def test_the_list_pages_by_the_dam_page_size(editor, users, settings):
    settings.DAM = {"PAGE_SIZE": 2}
    for i in range(5):
        _asset(editor, f"pier-{i}.jpg", subject=(0.2 + 0.1 * i, 0.5))
    viewer, url = _client(users["viewer"]), reverse("api-assets")
    first = viewer.get(url).json()
    assert first["count"] == 5 and first["previous"] is None
    assert [a["title"] for a in first["results"]] == ["pier-4", "pier-3"]
    assert "page=2" in first["next"]
    assert PUBLIC_FIELDS | PRIVATE_FIELDS == first["results"][0].keys()
    last = viewer.get(url, {"page": 3}).json()
    assert [a["title"] for a in last["results"]] == ["pier-0"] and last["next"] is None
    assert len(viewer.get(url, {"page_size": 10}).json()["results"]) == 5
    assert len(viewer.get(url, {"page_size": 1000}).json()["results"]) == 5  # capped at 100
    assert _error(viewer.get(url, {"page": 9}), 404)["error"] == "Invalid page."


def test_the_list_searches_title_and_file_name_and_filters_status(editor, users):
    pier, dune = _asset(editor, "pier.jpg"), _asset(editor, "dune.jpg", subject=(0.3, 0.3))
    Asset.objects.filter(pk=dune.pk).update(title="Desert", status=Asset.Status.READY)
    asset_search_refresh(asset=Asset.objects.get(pk=dune.pk))  # .update() bypasses services
    viewer, url = _client(users["viewer"]), reverse("api-assets")

    def ids(**query):
        return [a["id"] for a in viewer.get(url, query).json()["results"]]
    assert ids(q="desert") == [str(dune.uid)]  # title
    assert ids(q="DUNE.jp") == [str(dune.uid)]  # file name
    assert ids(q="pier") == [str(pier.uid)]
    assert ids(status="ready") == [str(dune.uid)]
    assert ids(status="queued", q="desert") == []
    assert ids() == [str(dune.uid), str(pier.uid)]
    body = _error(viewer.get(url, {"status": "lost"}), 400)
    assert "status" in body["fields"] and body["error"].startswith("status:")


def test_updated_since_gives_sync_jobs_what_changed(editor, users):
    old, new = _asset(editor, "old.jpg"), _asset(editor, "new.jpg", subject=(0.3, 0.3))
    now = timezone.now()
    Asset.objects.filter(pk=old.pk).update(updated_at=now - timedelta(days=2))
    viewer, url = _client(users["viewer"]), reverse("api-assets")

    def ids(since):
        return [a["id"] for a in viewer.get(url, {"updated_since": since}).json()["results"]]
    day_ago = now - timedelta(days=1)
    assert ids(day_ago.isoformat()) == [str(new.uid)]
    assert ids(day_ago.strftime("%Y-%m-%dT%H:%M:%SZ")) == [str(new.uid)]
    assert ids(day_ago.strftime("%Y-%m-%dT%H:%M:%S")) == [str(new.uid)]  # naive: UTC
    # An unescaped "+" of the offset arrives as a space:
    plain = viewer.get(f"{url}?updated_since={day_ago.strftime('%Y-%m-%dT%H:%M:%S')}+00:00")
    assert [a["id"] for a in plain.json()["results"]] == [str(new.uid)]
    assert len(ids((now - timedelta(days=3)).isoformat())) == 2
    assert ids((now + timedelta(minutes=1)).isoformat()) == []
    body = _error(viewer.get(url, {"updated_since": "yesterday"}), 400)
    assert "updated_since" in body["fields"] and "format" in body["error"]


# --- Upload -----------------------------------------------------------------------

def test_upload_one_file(users):
    response = _client(users["editor"]).post(reverse("api-assets"), {
        "files": [_upload("harbour.jpg")], "title": "Harbour", "alt_text": "Boats at dusk"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["errors"] == [] and len(body["created"]) == 1
    created = body["created"][0]
    assert created["title"] == "Harbour" and created["alt_text"] == "Boats at dusk"
    assert created["status"] == "queued" and created["filename"] == "harbour.jpg"
    asset = Asset.objects.get(uid=created["id"])
    assert asset.uploaded_by == users["editor"] and (asset.width, asset.height) == (320, 240)


def test_upload_several_files_keeps_the_good_ones_and_names_the_bad(editor, users):
    existing = _asset(editor, "pier.jpg")
    files = [_upload("a.jpg", subject=(0.2, 0.2)), _upload("notes.jpg", b"not an image"),
             _upload("b.jpg", subject=(0.8, 0.8)), _upload("again.jpg")]  # again = pier's bytes
    response = _client(users["editor"]).post(reverse("api-assets"), {"files": files})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [a["filename"] for a in body["created"]] == ["a.jpg", "b.jpg"]
    refused = {e["file"]: e for e in body["errors"]}
    assert refused.keys() == {"notes.jpg", "again.jpg"}
    assert refused["notes.jpg"]["error"].startswith("notes.jpg: ")
    assert refused["notes.jpg"]["existing"] is None
    assert refused["again.jpg"]["existing"] == str(existing.uid)
    assert Asset.objects.count() == 3


def test_an_upload_with_nothing_stored_is_a_400(users):
    editor, url = _client(users["editor"]), reverse("api-assets")
    body = _error(editor.post(url, {"files": [_upload("empty.jpg", b"")]}), 400)
    assert body["error"] == "empty.jpg: the file is empty." and body["created"] == []
    assert body["errors"][0]["file"] == "empty.jpg"
    body = _error(editor.post(url, {"title": "no files"}), 400)
    assert "files" in body["fields"]
    assert Asset.objects.count() == 0


# --- Focal point, crop, review, regenerate ---------------------------------------------

def test_focal_point_set_reset_and_refused(processed, users, no_queue):
    url, editor = reverse("api-asset-focal", args=[processed.uid]), _client(users["editor"])
    no_queue.clear()
    response = editor.post(url, {"x": 0.25, "y": 0.75}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"focal": [0.25, 0.75], "focal_origin": "editor"}
    assert no_queue == [processed.pk]  # the renditions follow
    processed.analysis.refresh_from_db()
    assert processed.analysis.focal_origin == "editor"
    reset = editor.post(url, {"reset": True}, format="json").json()
    assert reset["focal_origin"] == "auto" and reset["focal"] != [0.25, 0.75]
    assert "x" in _error(editor.post(url, {"x": 1.5, "y": 0.5}, format="json"), 400)["fields"]
    assert _error(editor.post(url, {"x": 0.5}, format="json"),
                  400)["error"] == "Give x and y, or reset: true."


def test_focal_point_of_an_asset_not_analysed_is_a_409(asset, users):
    url = reverse("api-asset-focal", args=[asset.uid])
    body = _error(_client(users["editor"]).post(url, {"x": 0.5, "y": 0.5}, format="json"), 409)
    assert "not been analysed" in body["error"]


def test_crop_override_set_clear_and_locked_by_approval(asset, users):
    url = reverse("api-asset-crop", args=[asset.uid, "hero"])
    editor, reviewer = _client(users["editor"]), _client(users["reviewer"])
    response = editor.post(url, {"box": [0.1, 0.2, 0.9, 0.8]}, format="json")
    assert response.status_code == 200 and response.json() == {"box": [0.1, 0.2, 0.9, 0.8]}
    assert CropDecision.objects.get(asset=asset).box == [0.1, 0.2, 0.9, 0.8]
    assert editor.post(url, {"reset": True}, format="json").json() == {"box": None}
    assert "x0 < x1" in _error(editor.post(url, {"box": [0.9, 0.1, 0.1, 0.9]}, format="json"),
                               400)["error"]
    assert "box" in _error(editor.post(url, {"box": [0.1, 0.1, 0.9]}, format="json"),
                           400)["fields"]
    assert _error(editor.post(url, {}, format="json"), 400)["error"] == \
        "Give a box, or reset: true."
    review = reverse("api-asset-review", args=[asset.uid, "hero"])
    assert reviewer.post(review, {"review": "approved"}, format="json").json() == \
        {"review": "approved"}
    assert "reviewer approved" in _error(editor.post(url, {"reset": True}, format="json"),
                                         409)["error"]


def test_review_states(asset, users):
    url = reverse("api-asset-review", args=[asset.uid, "hero"])
    reviewer = _client(users["reviewer"])
    for state in ("needs_work", "approved", "pending"):
        assert reviewer.post(url, {"review": state}, format="json").json() == {"review": state}
    decision = CropDecision.objects.get(asset=asset)
    assert decision.review == "pending" and decision.reviewed_by == users["reviewer"]
    body = _error(reviewer.post(url, {"review": "maybe"}, format="json"), 400)
    assert "review" in body["fields"]


def test_regenerate_queues_the_asset(asset, users, no_queue):
    no_queue.clear()
    response = _client(users["editor"]).post(reverse("api-asset-regenerate", args=[asset.uid]))
    assert response.status_code == 202
    assert response.json() == {"id": str(asset.uid), "status": "queued"}
    assert no_queue == [asset.pk]


# --- Profiles -------------------------------------------------------------------

@pytest.fixture
def profile_admin(users):
    user = users["editor"]
    user.user_permissions.add(Permission.objects.get(
        content_type__app_label="renditions", codename="add_renditionprofile"))
    return _client(type(user).objects.get(pk=user.pk))  # a fresh permission cache


def test_profiles_list(default_profiles, users):
    body = _client(users["viewer"]).get(reverse("api-profiles")).json()
    assert [p["slug"] for p in body] == sorted(p.slug for p in default_profiles)
    assert {"slug", "name", "aspect_width", "format", "quality", "is_active"} <= body[0].keys()


def test_creating_an_active_profile_queues_every_asset(asset, editor, profile_admin,
                                                       monkeypatch):
    failed = _asset(editor, "broken.jpg", subject=(0.3, 0.3))
    Asset.objects.filter(pk=failed.pk).update(status=Asset.Status.FAILED)
    sent = []
    monkeypatch.setattr(enqueue, "processing", lambda asset_id, ids=None: sent.append(
        (asset_id, ids)))
    response = profile_admin.post(reverse("api-profiles"), {
        "slug": "wide", "name": "Wide", "aspect_width": 21, "aspect_height": 9,
        "max_width": 1600, "format": "webp"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    profile = RenditionProfile.objects.get(slug="wide")
    assert body["queued"] == 1 and body["format"] == "webp" and body["is_active"] is True
    assert sent == [(asset.pk, [profile.pk])]  # as the admin does; failed assets wait
    inactive = profile_admin.post(reverse("api-profiles"), {
        "slug": "draft", "name": "Draft", "width": 300, "height": 200, "is_active": False},
        format="json")
    assert inactive.status_code == 201 and inactive.json()["queued"] == 0
    assert len(sent) == 1


def test_a_profile_is_checked_by_the_models_clean(default_profiles, profile_admin):
    url = reverse("api-profiles")
    body = _error(profile_admin.post(url, {"slug": "x", "name": "X"}, format="json"), 400)
    assert body["error"] == "Give an aspect ratio or an exact width and height."
    body = _error(profile_admin.post(url, {"slug": "y", "name": "Y", "width": 100},
                                     format="json"), 400)
    assert "exact width and height" in body["error"]
    body = _error(profile_admin.post(url, {"slug": "hero", "name": "Again", "aspect_width": 1,
                                           "aspect_height": 1}, format="json"), 400)
    assert "slug" in body["fields"]
    body = _error(profile_admin.post(url, {"slug": "z", "name": "Z", "aspect_width": 1,
                                           "aspect_height": 1, "zoom": 2}, format="json"), 400)
    assert body["error"] == "Zoom is between 0 and 1."
