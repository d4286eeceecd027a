"""Editor and reviewer actions: focal point, crop override, review, history, revert."""
from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dam import services as dam_services
from dam.models import Asset
from dam.roles import ensure_roles
from renditions import services
from renditions.models import CropDecision, EditEvent, Rendition
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def asset(editor, default_profiles, monkeypatch):
    """A 1600x800 asset whose subject sits on the right, processed synchronously."""
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    created = dam_services.asset_create(
        file=SimpleUploadedFile("pier.jpg", make_photo(1600, 800, subject=(0.8, 0.5))),
        uploaded_by=editor)
    services.asset_process(asset_id=created.pk)
    created.refresh_from_db()
    assert created.status == Asset.Status.READY, created.error_message
    return created


@pytest.fixture
def process(monkeypatch):
    """Make every enqueue run the pipeline at once (the worker path has its own tests)."""
    from renditions import editing

    def run(asset):
        services.asset_process(asset_id=asset.pk)
    monkeypatch.setattr(editing, "asset_enqueue", run)


@pytest.fixture
def reviewer(django_user_model):
    user = django_user_model.objects.create_user("rev", password="x")
    user.groups.add(ensure_roles()["Reviewers"])
    return user


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _boxes(asset):
    return {r.profile.slug: r.crop_box for r in Rendition.objects.filter(asset=asset)}


def test_plans_follow_a_dragged_focal_point_without_rendering(client, editor, asset):
    client.force_login(editor)
    files_before = sorted(Rendition.objects.values_list("file", flat=True))
    auto = client.get(reverse("api-asset-plans", args=[asset.uid])).json()["plans"]
    left = client.get(reverse("api-asset-plans", args=[asset.uid]), {"x": 0.05, "y": 0.5}).json()
    square = left["plans"]["square"]["box"]
    assert square[0] <= 0.05 < square[2]
    assert square[0] < auto["square"]["box"][0]
    assert sorted(Rendition.objects.values_list("file", flat=True)) == files_before
    bad = client.get(reverse("api-asset-plans", args=[asset.uid]), {"x": 7, "y": 0.5})
    assert bad.status_code == 400


def test_saving_the_focal_point_regenerates_and_keeps_history(client, editor, asset, process):
    client.force_login(editor)
    before = _boxes(asset)
    response = _post(client, reverse("api-asset-focal", args=[asset.uid]), {"x": 0.1, "y": 0.5})
    assert response.status_code == 200, response.content
    after = _boxes(asset)
    assert after["square"] != before["square"] and after["square"][0] <= 160
    event = EditEvent.objects.get(asset=asset)
    assert event.kind == "focal" and event.user == editor
    assert event.before["origin"] == "auto" and event.after == {"x": 0.1, "y": 0.5,
                                                                "origin": "editor"}
    revert = reverse("api-asset-revert", args=[event.asset.uid, event.pk])
    assert _post(client, revert, {}).status_code == 200
    assert _boxes(asset) == before
    asset.analysis.refresh_from_db()
    assert asset.analysis.focal_origin == "auto"


def test_crop_override_changes_only_that_profile_and_resets(client, editor, asset, process):
    client.force_login(editor)
    before = _boxes(asset)
    response = _post(client, reverse("api-asset-crop", args=[asset.uid, "square"]),
                     {"box": [0.0, 0.0, 0.5, 1.0]})
    assert response.status_code == 200, response.content
    after = _boxes(asset)
    assert after["square"] == (0, 0, 800, 800)
    assert {k: v for k, v in after.items() if k != "square"} == \
        {k: v for k, v in before.items() if k != "square"}
    _post(client, reverse("api-asset-crop", args=[asset.uid, "square"]), {"reset": True})
    assert _boxes(asset) == before
    bad = _post(client, reverse("api-asset-crop", args=[asset.uid, "square"]), {"box": [1, 0, 0, 1]})
    assert bad.status_code == 400 and "x0 < x1" in bad.json()["error"]


def test_approved_crop_survives_a_later_focal_change(client, editor, reviewer, asset, process):
    client.force_login(reviewer)
    before = _boxes(asset)
    response = _post(client, reverse("api-asset-review", args=[asset.uid, "hero"]),
                     {"review": "approved"})
    assert response.status_code == 200
    client.force_login(editor)
    _post(client, reverse("api-asset-focal", args=[asset.uid]), {"x": 0.02, "y": 0.02})
    after = _boxes(asset)
    assert after["hero"] == before["hero"]
    assert after["square"] != before["square"]
    decision = CropDecision.objects.get(asset=asset, profile__slug="hero")
    assert decision.reviewed_by == reviewer


def test_approving_pins_the_stored_crop_and_progress_counts_it(client, reviewer, asset,
                                                                monkeypatch):
    from renditions import editing

    queued = []
    monkeypatch.setattr(editing, "asset_enqueue", lambda asset: queued.append(asset.pk))
    client.force_login(reviewer)
    url, review = reverse("asset-json", args=[asset.uid]), reverse("api-asset-review",
                                                                    args=[asset.uid, "hero"])
    delivered = asset.renditions.get(profile__slug="hero")
    _post(client, review, {"review": "approved"})
    pinned = asset.renditions.get(profile__slug="hero")
    assert (pinned.pk, pinned.file.name) == (delivered.pk, delivered.file.name)
    assert pinned.key != delivered.key  # the approved box is the key's input now
    assert client.get(url).json()["progress"]["renditions"] == 7 and queued == []
    services.asset_process(asset_id=asset.pk)  # nothing to render: the pinned file stays
    assert asset.renditions.get(profile__slug="hero").file.name == delivered.file.name
    _post(client, review, {"review": "pending"})
    assert queued == [asset.pk]  # the automatic crop may differ now: rendered again


def test_permissions_split_editing_and_reviewing(client, editor, reviewer, asset):
    client.force_login(reviewer)
    assert _post(client, reverse("api-asset-focal", args=[asset.uid]),
                 {"x": 0.5, "y": 0.5}).status_code == 403
    client.force_login(editor)
    assert _post(client, reverse("api-asset-review", args=[asset.uid, "hero"]),
                 {"review": "approved"}).status_code == 403
    client.logout()
    assert client.get(reverse("api-asset-plans", args=[asset.uid])).status_code == 401


def test_review_queue_lists_least_confident_first_and_filters(client, reviewer, asset):
    client.force_login(reviewer)
    page = client.get(reverse("review-queue"), {"review": "pending"})
    listed = [r.confidence for r in page.context["page"].object_list]
    assert listed == sorted(listed) and len(listed) == 7
    only = client.get(reverse("review-queue"), {"profile": "hero", "review": "pending"})
    assert [r.profile.slug for r in only.context["page"].object_list] == ["hero"]
    _post(client, reverse("api-asset-review", args=[asset.uid, "hero"]), {"review": "approved"})
    approved = client.get(reverse("review-queue"), {"review": "approved"})
    assert [r.profile.slug for r in approved.context["page"].object_list] == ["hero"]


def test_only_reviewers_can_undo_a_review(client, editor, reviewer, asset):
    client.force_login(reviewer)
    _post(client, reverse("api-asset-review", args=[asset.uid, "hero"]), {"review": "approved"})
    event = EditEvent.objects.get(kind="review")
    client.force_login(editor)
    revert = reverse("api-asset-revert", args=[event.asset.uid, event.pk])
    assert _post(client, revert, {}).status_code == 403
    assert CropDecision.objects.get(asset=asset, profile__slug="hero").review == "approved"


def test_actions_on_an_unanalysed_asset_say_so(client, editor, default_profiles, monkeypatch):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    queued = dam_services.asset_create(file=SimpleUploadedFile("q.jpg", make_photo(400, 300)),
                                       uploaded_by=editor)
    client.force_login(editor)
    for response in (client.get(reverse("api-asset-plans", args=[queued.uid])),
                     _post(client, reverse("api-asset-focal", args=[queued.uid]),
                           {"x": 0.5, "y": 0.5})):
        assert response.status_code == 409 and "not been analysed" in response.json()["error"]
    assert client.get(reverse("asset-heatmap", args=[queued.uid])).status_code == 404


def test_json_shows_the_newest_file_and_counts_only_fresh_ones(client, editor, asset):
    from renditions.models import RenditionProfile, Analysis

    url = reverse("asset-json", args=[asset.uid])
    assert client.get(url).json()["progress"]["renditions"] == 7
    old = asset.renditions.get(profile__slug="square")
    newer = Rendition.objects.get(pk=old.pk)
    newer.pk, newer.key = None, "f" * 64
    newer.save()
    assert client.get(url).json()["renditions"]["square"]["key"] == "f" * 64
    Analysis.objects.filter(asset=asset).update(focal_x=0.05, focal_origin="editor")
    assert client.get(url).json()["progress"]["renditions"] == 0
    analysis = Analysis.objects.get(asset=asset)
    services.renditions_ensure(asset=asset, analysis=analysis,
                               profiles=RenditionProfile.objects.filter(slug="square"))
    assert client.get(url).json()["progress"]["renditions"] == 1


def test_an_approved_crop_refuses_an_editors_change_until_reopened(client, editor, reviewer,
                                                                   asset, process):
    client.force_login(reviewer)
    _post(client, reverse("api-asset-review", args=[asset.uid, "hero"]), {"review": "approved"})
    delivered = asset.renditions.get(profile__slug="hero")
    client.force_login(editor)
    url = reverse("api-asset-crop", args=[asset.uid, "hero"])
    refused = _post(client, url, {"box": [0.0, 0.0, 0.5, 0.28125]})
    assert refused.status_code == 409 and "reviewer approved" in refused.json()["error"]
    assert _post(client, url, {"reset": True}).status_code == 409
    assert asset.renditions.get(profile__slug="hero").key == delivered.key  # file untouched
    client.force_login(reviewer)
    _post(client, reverse("api-asset-review", args=[asset.uid, "hero"]), {"review": "pending"})
    client.force_login(editor)
    assert _post(client, url, {"box": [0.0, 0.0, 0.5, 0.28125]}).status_code == 200


def test_a_reviewer_undoes_a_review_and_not_a_focal_change(client, editor, reviewer, asset,
                                                           process):
    client.force_login(editor)
    _post(client, reverse("api-asset-focal", args=[asset.uid]), {"x": 0.3, "y": 0.5})
    client.force_login(reviewer)
    _post(client, reverse("api-asset-review", args=[asset.uid, "hero"]), {"review": "approved"})
    review = EditEvent.objects.get(kind="review")
    focal = EditEvent.objects.get(kind="focal")
    assert _post(client, reverse("api-asset-revert", args=[asset.uid, focal.pk]), {}).status_code == 403
    assert _post(client, reverse("api-asset-revert", args=[asset.uid, review.pk]), {}).status_code == 200
    assert CropDecision.objects.get(asset=asset, profile__slug="hero").review == "pending"
