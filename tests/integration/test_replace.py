"""Replacing an asset's file keeps its URLs; its previous originals are versions that
can be restored (renditions.replacing, renditions/api/versions.py)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dam import services as dam_services
from dam import usages
from dam.models import Asset, AssetVersion, Collection, CollectionGrant
from renditions import delivery, describing, editing, services
from renditions.models import Analysis, CropDecision, EditEvent, Frame
from tests.conftest import make_photo
from webhooks.models import Delivery, Endpoint

from ._api import _client, no_queue  # noqa: F401 (fixture)
from .test_delivery import _path

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = make_photo(1200, 800)  # the processed fixture's bytes


def _photo(name: str, width: int, height: int, **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_photo(width, height, **kwargs),
                              content_type="image/jpeg")


def _replace(user, asset, upload):
    return _client(user).post(reverse("api-asset-file", args=[asset.uid]), {"file": upload},
                              format="multipart")


def _stable_urls(client, asset) -> list[str]:
    """Every public URL the asset's JSON hands out (each profile's stable URL, srcset
    widths, format variants), and a signed frame URL: paths with their queries."""
    body = client.get(reverse("asset-json", args=[asset.uid])).json()
    urls = set()
    for rendition in body["renditions"].values():
        urls.add(rendition["url"])
        for srcset in [rendition["srcset"], *rendition["sources"].values()]:
            urls.update(entry.split(" ")[0] for entry in srcset.split(", ") if entry)
    urls.add(delivery.signed_url(asset.uid, 320, 180, fmt="jpeg", absolute=False))
    return sorted(_path(u) for u in urls)


def _bytes(client, urls) -> dict[str, bytes]:
    fetched = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        fetched[url] = b"".join(response.streaming_content) if response.streaming else \
            response.content
    return fetched


def _stored() -> set[str]:
    """Every file in both storages (relative to each root)."""
    roots = [Path(settings.MEDIA_ROOT), Path(settings.STORAGES["private"]["OPTIONS"]["location"])]
    return {f"{root.name}/{p.relative_to(root)}" for root in roots if root.exists()
            for p in root.rglob("*") if p.is_file()}


# --- URLs, bytes, what carries over ---------------------------------------------------

def test_every_url_stays_and_serves_the_new_pixels(processed, editor, client):
    parent = Collection.root()
    sport = Collection.objects.add_child(parent, {"name": "Sport"})
    describing.metadata_set(asset=processed, user=editor, collection=sport.pk,
                            changes={"caption": "Editors' caption", "keywords": ["harbour"]})
    usages.usage_record(asset=processed, url="https://news.example/a", site="news.example")
    urls = _stable_urls(client, processed)
    assert len(urls) > 20  # 7 profiles, their widths and formats, a frame
    before = _bytes(client, urls)
    first_sha = processed.sha256

    # the same size (a larger one would add srcset widths), other pixels
    response = _replace(editor, processed, _photo("second.jpg", 1200, 800,
                                                  subject=(0.3, 0.6)))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["id"] == str(processed.uid) and body["version"]["number"] == 1
    assert body["version"]["sha256"] == first_sha and body["aspect_kept"] is True
    services.asset_process(asset_id=processed.pk)

    asset = Asset.objects.get(pk=processed.pk)
    assert asset.uid == processed.uid
    assert asset.sha256 != first_sha and asset.original_filename == "second.jpg"
    assert asset.status == Asset.Status.READY
    assert _stable_urls(client, asset) == urls
    after = _bytes(client, urls)
    assert [u for u in urls if after[u] == before[u]] == []
    assert asset.caption == "Editors' caption" and list(asset.tags.names()) == ["harbour"]
    assert asset.collection == sport and asset.usages.count() == 1
    assert asset.renditions.count() == 7  # the old ones were dropped


def test_until_processing_ends_the_urls_serve_the_previous_renditions(processed, editor,
                                                                     client):
    urls = _stable_urls(client, processed)
    _replace(editor, processed, _photo("smaller.jpg", 600, 600, subject=(0.2, 0.2)))
    assert set(_bytes(client, urls)) == set(urls)  # each 200, none made from a stale plan


def test_the_perceptual_hash_and_resemblances_follow_the_new_file(processed, editor):
    from dam import hamming
    from dam.models import Resemblance

    second = make_photo(900, 900, subject=(0.2, 0.8))
    twin = dam_services.asset_create(file=SimpleUploadedFile("twin.jpg", FIRST))
    assert Resemblance.objects.filter(asset=processed, other=twin).exists()
    _replace(editor, processed, SimpleUploadedFile("second.jpg", second))
    asset = Asset.objects.get(pk=processed.pk)
    expected = dam_services.image_hasher(SimpleUploadedFile("x.jpg", second), max_pixels=None)
    assert asset.image_hash == hamming.to_signed(expected)
    assert not Resemblance.objects.filter(asset=processed, other=twin).exists()
    assert not Resemblance.objects.filter(asset=twin, other=processed).exists()


def test_empty_fields_are_filled_from_the_new_file_and_said(processed, editor, monkeypatch):
    class Found:  # what a photo's IPTC says
        headline, caption, creator, credit, copyright = "Pier", "From the file", "A. N.", "", ""
        usage_terms = source = instructions = date_created = city = country = ""
        object_name, alt_text, keywords, raw, private, problems = "", "", ["sea"], {}, {}, []
    describing.metadata_set(asset=processed, user=editor, changes={"creator": "Staff"})
    monkeypatch.setattr(dam_services, "metadata_reader", lambda file: Found)
    body = _replace(editor, processed, _photo("second.jpg", 1200, 800, subject=(0.2, 0.2)))
    assert sorted(body.json()["filled"]) == ["caption", "headline", "keywords"]
    asset = Asset.objects.get(pk=processed.pk)
    assert (asset.caption, asset.creator, asset.headline) == ("From the file", "Staff", "Pier")
    assert list(asset.tags.names()) == ["sea"]


# --- Editor decisions ------------------------------------------------------------------

def _decide(asset, editor):
    editing.focal_set(asset=asset, point=(0.6, 0.3), user=editor)
    editing.crop_set(asset=asset, profile=_profile("hero"), box=[0.1, 0.1, 0.9, 0.55],
                     user=editor)
    editing.review_set(asset=asset, profile=_profile("square"), review="approved",
                       user=editor)


def _profile(slug):
    from renditions.models import RenditionProfile
    return RenditionProfile.objects.get(slug=slug)


def test_decisions_that_fit_are_kept_and_approvals_reopened(processed, editor):
    _decide(processed, editor)
    services.asset_process(asset_id=processed.pk)
    old = processed.renditions.get(profile__slug="hero").crop_box
    approved = CropDecision.objects.get(asset=processed, profile__slug="square").approved_box
    body = _replace(editor, processed, _photo("bigger.jpg", 1800, 1200)).json()
    assert (body["focal"], body["crops"]) == ("kept", {"hero": "kept", "square": "kept"})
    assert body["reviews_reopened"] == ["square"]
    analysis = Analysis.objects.get(asset=processed)
    assert (analysis.focal_x, analysis.focal_y, analysis.focal_origin) == (0.6, 0.3, "editor")
    hero = CropDecision.objects.get(asset=processed, profile__slug="hero")
    square = CropDecision.objects.get(asset=processed, profile__slug="square")
    assert hero.box == [0.1, 0.1, 0.9, 0.55]
    assert (square.box, square.review, square.approved_box) == (approved, "pending", None)
    services.asset_process(asset_id=processed.pk)
    new = processed.renditions.get(profile__slug="hero").crop_box
    # the same crop, in the new px (to a pixel's rounding)
    assert max(abs(v * 1.5 - w) for v, w in zip(old, new)) <= 1


def test_decisions_that_do_not_fit_are_reset_and_said(processed, editor):
    _decide(processed, editor)
    body = _replace(editor, processed, _photo("square.jpg", 900, 900)).json()
    assert body["aspect_kept"] is False and body["focal"] == "reset"
    assert body["crops"] == {"hero": "reset", "square": "reset"}
    assert Analysis.objects.get(asset=processed).focal_origin == "auto"
    assert not CropDecision.objects.filter(asset=processed, box__isnull=False).exists()
    event = EditEvent.objects.filter(asset=processed).first()
    assert event.kind == "file" and event.after["crops"] == body["crops"]
    assert event.before["version"] == 1 and event.after["width"] == 900
    services.asset_process(asset_id=processed.pk)
    processed.refresh_from_db()
    assert processed.status == Asset.Status.READY
    assert Analysis.objects.get(asset=processed).focal_origin == "auto"


def test_the_aspect_rule_allows_one_percent():
    from renditions.replacing import aspect_fits
    assert aspect_fits((1200, 800), (1800, 1200)) and aspect_fits((1200, 800), (1500, 1010))
    assert not aspect_fits((1200, 800), (1500, 1020)) and not aspect_fits((1200, 800), (800, 800))


# --- History, versions, restore --------------------------------------------------------

def test_restore_brings_back_the_old_bytes_and_decisions(processed, editor, client):
    first_sha = processed.sha256
    hero_url = reverse("deliver", args=[processed.uid, "hero"])
    _decide(processed, editor)
    services.asset_process(asset_id=processed.pk)
    decided_hero = processed.renditions.get(profile__slug="hero").key
    first_hero = _bytes(client, [hero_url])[hero_url]
    _replace(editor, processed, _photo("square.jpg", 900, 900))
    services.asset_process(asset_id=processed.pk)
    assert _bytes(client, [hero_url])[hero_url] != first_hero

    listed = _client(editor).get(reverse("api-asset-versions", args=[processed.uid])).json()
    assert listed["count"] == 1 and listed["results"][0]["number"] == 1
    download = _client(editor).get(listed["results"][0]["download"])
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == first_sha

    response = _client(editor).post(reverse("api-asset-version-restore",
                                            args=[processed.uid, 1]))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["restored_from"] == 1 and body["version"]["number"] == 2
    assert body["focal"] == "restored" and body["crops"]["hero"] == "restored"
    services.asset_process(asset_id=processed.pk)
    asset = Asset.objects.get(pk=processed.pk)
    assert asset.sha256 == first_sha and (asset.width, asset.height) == (1200, 800)
    assert asset.renditions.get(profile__slug="hero").key == decided_hero
    assert _bytes(client, [hero_url])[hero_url] == first_hero  # made again, the same
    assert [v.number for v in asset.versions.all()] == [2, 1]
    kinds = list(EditEvent.objects.filter(asset=asset, kind="file").values_list(
        "after__restored_from", flat=True))
    assert kinds == [1, None]


def test_the_history_shows_the_replacement_and_reverting_it_restores(processed, editor):
    first_sha = processed.sha256
    _replace(editor, processed, _photo("second.jpg", 1200, 800, subject=(0.2, 0.2)))
    page = _client(editor).get(reverse("asset", args=[processed.uid])).content.decode()
    assert "File replaced" in page and "second.jpg" in page and 'id="versions"' in page
    event = EditEvent.objects.get(asset=processed, kind="file")
    response = _client(editor).post(reverse("api-asset-revert", args=[processed.uid, event.pk]))
    assert response.status_code == 200, response.content
    assert Asset.objects.get(pk=processed.pk).sha256 == first_sha


def test_the_superseded_files_go_and_versions_live_under_their_prefix(processed, editor,
                                                                     client):
    client.get(reverse("deliver", args=[processed.uid, "hero"]) + "?w=600")
    assert Frame.objects.filter(asset=processed).exists()
    old_original = processed.file.name
    old_files = {f for f in _stored() if "/renditions/" in f or "/saliency/" in f}
    _replace(editor, processed, _photo("second.jpg", 1200, 800, subject=(0.2, 0.2)))
    services.asset_process(asset_id=processed.pk)
    now = _stored()
    assert not old_files & now  # renditions, variants, the old saliency map
    assert not any(f.endswith(old_original) for f in now)
    version = AssetVersion.objects.get(asset=processed)
    assert version.file.name == f"versions/{processed.uid}/{version.sha256}.jpg"
    assert version.file.storage.exists(version.file.name)


def test_a_withheld_asset_keeps_no_copy_of_its_old_pixels(processed, editor, client):
    from datetime import timedelta

    from django.utils import timezone

    from renditions import rights

    Asset.objects.filter(pk=processed.pk).update(
        embargo_until=timezone.now() + timedelta(days=1))
    rights.rights_apply(asset_ids=[processed.pk])
    old = {f for f in _stored() if f.startswith("private/withheld/")}
    assert len(old) == 7
    _replace(editor, processed, _photo("second.jpg", 1200, 800, subject=(0.2, 0.2)))
    services.asset_process(asset_id=processed.pk)
    now = {f for f in _stored() if f.startswith("private/withheld/")}
    assert len(now) == 7 and not now & old
    assert not any(f.startswith("media/renditions/") for f in _stored())
    assert client.get(reverse("deliver", args=[processed.uid, "hero"])).status_code == 410


def test_a_replacement_sends_asset_replaced(processed, editor):
    Endpoint.objects.create(url="https://hooks.example/x", events=["asset.replaced"])
    _replace(editor, processed, _photo("second.jpg", 1200, 800, subject=(0.2, 0.2)))
    [sent] = Delivery.objects.all()
    assert sent.event == "asset.replaced"
    assert sent.payload["version"] == 1 and sent.payload["restored_from"] is None


# --- Refusals ---------------------------------------------------------------------------

@pytest.mark.parametrize("upload, says", [
    (SimpleUploadedFile("notes.txt", b"not a photo at all" * 10), "notes.txt"),
    (SimpleUploadedFile("cut.jpg", make_photo(1200, 800)[:300]), "cut.jpg"),
    (SimpleUploadedFile("empty.jpg", b""), "empty"),
    (SimpleUploadedFile("same.jpg", FIRST), "same.jpg: identical to the asset's current"),
])
def test_a_bad_file_is_refused_and_changes_nothing(processed, editor, upload, says):
    before, files = Asset.objects.get(pk=processed.pk), _stored()
    response = _replace(editor, processed, upload)
    assert response.status_code == 400, response.content
    assert says in response.json()["error"]
    after = Asset.objects.get(pk=processed.pk)
    assert (after.sha256, after.file.name, after.updated_at) == (
        before.sha256, before.file.name, before.updated_at)
    assert _stored() == files and not AssetVersion.objects.exists()
    assert not EditEvent.objects.filter(kind="file").exists()


def test_a_failure_after_storing_removes_what_it_wrote(processed, editor, monkeypatch):
    from dam import versions

    files = _stored()

    def broken(**kwargs):
        raise RuntimeError("disk gone")
    monkeypatch.setattr(versions, "asset_file_set", broken)
    with pytest.raises(RuntimeError):
        from renditions import replacing
        replacing.asset_replace(asset=processed, user=editor,
                                file=_photo("second.jpg", 1200, 800, subject=(0.2, 0.2)))
    assert _stored() == files and not AssetVersion.objects.exists()
    assert Asset.objects.get(pk=processed.pk).sha256 == processed.sha256


def test_a_replacement_of_a_file_replaced_meanwhile_is_refused(processed, editor):
    from renditions import replacing

    dam_services.asset_create(file=SimpleUploadedFile("twin.jpg", FIRST))  # keeps FIRST
    stale = Asset.objects.get(pk=processed.pk)
    replacing.asset_replace(asset=processed, user=editor,
                            file=_photo("second.jpg", 1200, 800, subject=(0.2, 0.2)))
    files = _stored()
    with pytest.raises(replacing.Conflict):
        replacing.asset_replace(asset=stale, user=editor,
                                file=_photo("third.jpg", 1200, 800, subject=(0.8, 0.8)))
    assert _stored() == files and AssetVersion.objects.count() == 1


def test_who_may_replace_restore_and_download(processed, users, django_user_model):
    upload = lambda: _photo("second.jpg", 1200, 800, subject=(0.2, 0.2))  # noqa: E731
    assert _replace(None, processed, upload()).status_code == 401
    assert _replace(users["viewer"], processed, upload()).status_code == 403
    assert _replace(users["reviewer"], processed, upload()).status_code == 403
    elsewhere = Collection.objects.add_child(Collection.root(), {"name": "Elsewhere"})
    group = Group.objects.create(name="Elsewhere editors")
    CollectionGrant.objects.create(group=group, collection=elsewhere, level="edit")
    outsider = django_user_model.objects.create_user("out", password="pw-for-tests")
    outsider.groups.add(group)
    assert _replace(outsider, processed, upload()).status_code == 404
    assert not AssetVersion.objects.exists()
    assert _replace(users["editor"], processed, upload()).status_code == 202
    restore = reverse("api-asset-version-restore", args=[processed.uid, 1])
    download = reverse("api-asset-version-file", args=[processed.uid, 1])
    versions = reverse("api-asset-versions", args=[processed.uid])
    assert _client(users["viewer"]).post(restore).status_code == 403
    assert _client(users["viewer"]).get(download).status_code == 403
    assert _client(users["viewer"]).get(versions).status_code == 200
    for url in (versions, download):
        assert _client(outsider).get(url).status_code == 404
        assert _client().get(url).status_code == 401
    assert _client(users["editor"]).post(
        reverse("api-asset-version-restore", args=[processed.uid, 7])).status_code == 404


def test_restoring_the_current_file_is_refused(processed, editor):
    second = make_photo(1200, 800, subject=(0.2, 0.2))
    _replace(editor, processed, SimpleUploadedFile("second.jpg", second))
    restore = lambda n: _client(editor).post(  # noqa: E731
        reverse("api-asset-version-restore", args=[processed.uid, n]))
    assert restore(1).status_code == 202  # now version 2 holds second.jpg
    _replace(editor, processed, SimpleUploadedFile("second-again.jpg", second))  # version 3
    body = restore(2).json()
    assert body["error"] == ("Version 2 (second.jpg): identical to the asset's current "
                             "original; there is nothing to replace.")
