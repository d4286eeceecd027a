"""IPTC Image Regions through the product's doors: the asset JSON lists them (crops for
everyone, the subject for viewers), the original an editor downloads carries them in
its XMP (read back by exiftool), and the regions of an uploaded photo (written by
exiftool) become the crops and focal point "from the file", which editors override
and which a re-read never takes back."""
from __future__ import annotations

import io
import json
import re
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from dam.models import Asset
from renditions import editing, services
from renditions.engine.geometry import PxBox
from renditions.models import Analysis, CropDecision, EditEvent, RenditionProfile
from tests.conftest import make_photo
from tests.integration._api import _client, _upload, no_queue  # noqa: F401  (fixture)
from tests.unit._metadata import EXIFTOOL, METADATA, exiftool_json, needs_exiftool, needs_shared

pytestmark = pytest.mark.django_db(transaction=True)

ROLE = "http://cv.iptc.org/newscodes/imageregionrole/"
#: 1200 x 800 px: 720 x 540 px is 4:3 (the card profile); 600 x 400 px, 3:2, no profile's.
CARD = (0.1, 0.1, 0.6, 0.675)
NO_PROFILE = (0.2, 0.2, 0.5, 0.5)
SUBJECT = (0.6, 0.2, 0.2, 0.4)  # centre (0.7, 0.4)


def _rect(box, role, unit="relative", **extra) -> dict:
    x, y, w, h = box
    return {"RegionBoundary": {"RbShape": "rectangle", "RbUnit": unit, "RbX": x, "RbY": y,
                               "RbW": w, "RbH": h},
            "RRole": [{"Identifier": [ROLE + role]}], **extra}


def _photo_with_regions(tmp_path, regions: list[dict], fmt="JPEG", *args: str) -> bytes:
    needs_exiftool()
    path = tmp_path / f"regions.{fmt.lower()}"
    path.write_bytes(make_photo(1200, 800, fmt=fmt))
    spec = tmp_path / "regions.json"
    spec.write_text(json.dumps([{"SourceFile": str(path), "ImageRegion": regions}]))
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", f"-j={spec}", *args, str(path)],
                   check=True)
    return path.read_bytes()


def _uploaded(users, data: bytes, name="regions.jpg") -> Asset:
    response = _client(users["editor"]).post(reverse("api-assets"),
                                             {"files": [_upload(name, data)]})
    assert response.status_code == 201, response.content
    asset = Asset.objects.get(uid=response.json()["created"][0]["id"])
    services.asset_process(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == Asset.Status.READY, asset.error_message
    return asset


@pytest.fixture
def with_regions(users, default_profiles, tmp_path) -> Asset:
    data = _photo_with_regions(tmp_path, [
        _rect(CARD, "cropping", RId="c43"), _rect(NO_PROFILE, "cropping"),
        _rect(SUBJECT, "mainSubjectArea")])
    return _uploaded(users, data)


def _box(x, y, w, h) -> list[float]:
    return [x, y, x + w, y + h]


def _close(a, b, tol=1e-4) -> bool:
    return len(a) == len(b) and all(abs(p - q) <= tol for p, q in zip(a, b))


# -- in -------------------------------------------------------------------------------------

def test_an_uploads_regions_become_the_card_crop_and_the_focal_point(with_regions):
    asset = with_regions
    decisions = {d.profile.slug: d.box for d in CropDecision.objects.filter(asset=asset)}
    assert list(decisions) == ["card"]  # 3:2 is no profile's aspect; 16:9 etc. untouched
    assert _close(decisions["card"], _box(*CARD))
    analysis = Analysis.objects.get(asset=asset)
    assert analysis.focal_origin == "file"
    assert _close((analysis.focal_x, analysis.focal_y), (0.7, 0.4))
    events = EditEvent.objects.filter(asset=asset).order_by("id")
    assert [(e.kind, e.origin, e.user, e.profile and e.profile.slug) for e in events] == [
        ("focal", "file", None, None), ("crop", "file", None, "card")]
    card = asset.renditions.get(profile__slug="card")
    assert _close(PxBox(*card.crop_box).to_norm((1200, 800)), _box(*CARD), tol=2e-3)
    assert card.plan_origin == "editor"


@needs_shared
def test_the_frameright_photo_gives_its_4_3_crop_to_the_card(users, default_profiles):
    asset = _uploaded(users, (METADATA / "frameright.jpg").read_bytes(), name="fr.jpg")
    decisions = {d.profile.slug: d.box for d in CropDecision.objects.filter(asset=asset)}
    assert list(decisions) == ["card"]
    assert _close(decisions["card"], [0.0375, 0.0, 0.9265625, 1.0], tol=1e-5)
    assert Analysis.objects.get(asset=asset).focal_origin == "auto"  # no subject region


def test_the_history_shows_the_file_as_the_origin(with_regions, users):
    page = _client(users["editor"]).get(reverse("asset", args=[with_regions.uid]))
    assert page.status_code == 200
    assert "From the file" in page.content.decode()
    cards = dict(re.findall(r'data-slug="([\w-]+)"[^>]*?data-override="(\w*)"',
                            page.content.decode()))
    assert cards["card"] == "file"  # the card says where its crop came from
    editing.crop_set(asset=with_regions, profile=RenditionProfile.objects.get(slug="card"),
                     box=(0.1, 0.1, 0.7, 0.55), user=users["editor"])
    page = _client(users["editor"]).get(reverse("asset", args=[with_regions.uid]))
    cards = dict(re.findall(r'data-slug="([\w-]+)"[^>]*?data-override="(\w*)"',
                            page.content.decode()))
    assert cards["card"] == "editor" and set(cards.values()) == {"editor", ""}


def test_an_editor_overrides_and_a_reread_keeps_the_editors_word(with_regions, editor):
    asset = with_regions
    card = RenditionProfile.objects.get(slug="card")
    editing.crop_set(asset=asset, profile=card, box=None, user=editor)  # back to automatic
    editing.focal_set(asset=asset, point=(0.2, 0.3), user=editor)
    before = EditEvent.objects.count()
    call_command("read_metadata", str(asset.uid), stdout=io.StringIO(), stderr=io.StringIO())
    assert CropDecision.objects.get(asset=asset, profile=card).box is None
    analysis = Analysis.objects.get(asset=asset)
    assert (analysis.focal_origin, analysis.focal_x, analysis.focal_y) == ("editor", 0.2, 0.3)
    assert EditEvent.objects.count() == before


def test_reverting_the_files_crop_is_an_editors_decision(with_regions, editor):
    event = EditEvent.objects.get(asset=with_regions, kind="crop", origin="file")
    editing.edit_revert(event=event, user=editor)
    assert CropDecision.objects.get(asset=with_regions, profile__slug="card").box is None
    call_command("read_metadata", str(with_regions.uid), stdout=io.StringIO(),
                 stderr=io.StringIO())
    assert CropDecision.objects.get(asset=with_regions, profile__slug="card").box is None


def test_read_metadata_applies_regions_to_an_asset_analysed_before(users, default_profiles,
                                                                   tmp_path, no_queue):
    data = _photo_with_regions(tmp_path, [_rect(CARD, "cropping")])
    asset = _uploaded(users, data)
    CropDecision.objects.filter(asset=asset).delete()
    EditEvent.objects.filter(asset=asset).delete()
    Asset.objects.filter(pk=asset.pk).update(metadata_raw={})  # as read before regions
    no_queue.clear()
    call_command("read_metadata", str(asset.uid), stdout=io.StringIO(), stderr=io.StringIO())
    assert _close(CropDecision.objects.get(asset=asset, profile__slug="card").box, _box(*CARD))
    assert no_queue == [asset.pk]  # its renditions follow
    call_command("read_metadata", str(asset.uid), stdout=io.StringIO(), stderr=io.StringIO())
    assert EditEvent.objects.filter(asset=asset).count() == 1  # idempotent


def test_pixel_units_on_a_turned_photo(users, default_profiles, tmp_path):
    """Stored 1200 x 800 turned a quarter clockwise (shown 800 x 1200): a 4:5 crop
    of the shown picture is 5:4 in the stored grid, where the file measures it."""
    region = _rect((0, 0, 1000, 800), "cropping", unit="pixel")  # stored px
    asset = _uploaded(users, _photo_with_regions(tmp_path, [region], "JPEG",
                                                 "-Orientation#=6"))
    assert (asset.width, asset.height) == (800, 1200)
    box = CropDecision.objects.get(asset=asset, profile__slug="portrait").box
    assert _close(box, [0.0, 0.0, 1.0, 1000 / 1200])


def test_garbage_regions_are_problems_not_failures(users, default_profiles, tmp_path):
    data = _photo_with_regions(tmp_path, [_rect((0.5, 0.5, 0, 0.2), "cropping"),
                                          _rect((2, 2, 1, 1), "mainSubjectArea")])
    asset = _uploaded(users, data)
    assert any("no area" in p for p in asset.metadata_problems)
    assert any("outside the image" in p for p in asset.metadata_problems)
    assert not CropDecision.objects.filter(asset=asset).exists()
    assert Analysis.objects.get(asset=asset).focal_origin == "auto"


# -- out ------------------------------------------------------------------------------------

def _crops(regions: list[dict]) -> dict[str, list[float]]:
    out = {}
    for r in regions:
        if r["rRole"][0]["identifiers"] == [ROLE + "cropping"]:
            b = r["regionBoundary"]
            out[r["name"]["x-default"]] = _box(b["regionBoundaryX"], b["regionBoundaryY"],
                                               b["regionBoundaryW"], b["regionBoundaryH"])
    return out


def test_the_asset_json_lists_each_profiles_crop_and_for_viewers_the_subject(processed, users):
    url = reverse("asset-json", args=[processed.uid])
    public = APIClient().get(url).json()["image_regions"]
    viewer = _client(users["viewer"]).get(url).json()["image_regions"]
    crops = _crops(public)
    assert crops.keys() == {p.name for p in RenditionProfile.objects.all()}
    for rendition in processed.renditions.select_related("profile"):
        assert _close(crops[rendition.profile.name], PxBox(*rendition.crop_box).to_norm(
            (processed.width, processed.height)), tol=1e-6)
    assert {r["rRole"][0]["name"]["x-default"] for r in public} == {"cropping"}
    subject = [r for r in viewer if r["rRole"][0]["name"]["x-default"] == "mainSubjectArea"]
    assert len(subject) == 1 and subject[0]["regionBoundary"]["regionBoundaryUnit"] == "relative"
    assert _crops(viewer) == crops


def test_the_downloaded_original_carries_the_regions(processed, users, tmp_path):
    needs_exiftool()
    response = _client(users["editor"]).get(processed.file.url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "original.jpg"
    path.write_bytes(b"".join(response.streaming_content))
    found = exiftool_json(path, "-struct", "-XMP-iptcExt:ImageRegion")["ImageRegion"]
    roles = [r["RRole"][0]["Identifier"][0].rsplit("/", 1)[1] for r in found]
    assert roles.count("cropping") == RenditionProfile.objects.count()
    assert "mainSubjectArea" in roles
    hero = next(r for r in found if r.get("RId") == "crop-hero")["RegionBoundary"]
    rendition = processed.renditions.get(profile__slug="hero")
    assert _close(_box(hero["RbX"], hero["RbY"], hero["RbW"], hero["RbH"]),
                  PxBox(*rendition.crop_box).to_norm((1200, 800)), tol=1e-5)
    with processed.file.open("rb") as fp:
        assert Image.open(path).tobytes() == Image.open(fp).tobytes()


def test_as_stored_gives_the_original_byte_for_byte(processed, users):
    response = _client(users["editor"]).get(processed.file.url + "?as=stored")
    with processed.file.open("rb") as fp:
        assert b"".join(response.streaming_content) == fp.read()


def test_a_viewer_cannot_download_the_original(processed, users):
    assert _client(users["viewer"]).get(processed.file.url).status_code in (302, 403)
    assert APIClient().get(processed.file.url).status_code in (302, 403)


def test_a_png_original_gets_them_in_an_itxt_chunk(users, default_profiles, tmp_path):
    asset = _uploaded(users, _photo_with_regions(tmp_path, [_rect(CARD, "cropping")], "PNG"),
                      name="regions.png")
    response = _client(users["editor"]).get(asset.file.url)
    path = tmp_path / "original.png"
    path.write_bytes(b"".join(response.streaming_content))
    found = exiftool_json(path, "-struct", "-XMP-iptcExt:ImageRegion")["ImageRegion"]
    card = next(r for r in found if r.get("RId") == "crop-card")["RegionBoundary"]
    assert _close(_box(card["RbX"], card["RbY"], card["RbW"], card["RbH"]), _box(*CARD),
                  tol=2e-3)


def test_the_download_reads_the_regions_in_a_fixed_number_of_queries(processed, users,
                                                                      django_assert_num_queries):
    """Session, user, groups, the asset, then the asset with its analysis and its
    renditions with their profiles (one query, however many profiles)."""
    client = _client(users["editor"])
    with django_assert_num_queries(7):
        b"".join(client.get(processed.file.url).streaming_content)
