"""Photo metadata out (issue 23): every rendition, variant and frame that processing and
delivery store carries the asset's current credit fields, read back by exiftool (the
independent oracle); GPS never; a new credit makes new files."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dam import services as dam_services
from dam.models import Asset
from renditions import frames, services
from renditions.models import Frame, Rendition, RenditionProfile
from tests.conftest import make_photo
from tests.unit._metadata import alt, exiftool_json, needs_exiftool, xmp

pytestmark = pytest.mark.django_db(transaction=True)

ORACLE = ("-XMP-photoshop:Credit", "-XMP-dc:Creator", "-XMP-dc:Rights", "-EXIF:Artist",
          "-EXIF:Copyright", "-GPS:all", "-SerialNumber", "-XMP-photoshop:Instructions")
FORMATS = {"square": "webp", "card": "png", "portrait": "avif"}  # the rest: JPEG, thumb WebP


def _photo_with_gps() -> bytes:
    """make_photo's pixels with XMP credit fields, GPS and a camera serial number."""
    exif = Image.Exif()
    exif[0x013B] = "Camera Owner"
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)
    exif.get_ifd(0x8769)[0xA431] = "SN-4242"
    body = ("<photoshop:Credit>Agence Été &amp; Fils</photoshop:Credit>"
            "<photoshop:Instructions>Embargo until noon</photoshop:Instructions>"
            '<dc:creator><rdf:Seq><rdf:li>Anna "Nan" Ölund</rdf:li></rdf:Seq></dc:creator>'
            f"<dc:rights>{alt(('x-default', '© 2026 Agence Été'))}</dc:rights>")
    buf = io.BytesIO()
    Image.open(io.BytesIO(make_photo(640, 480))).save(buf, "JPEG", quality=90, exif=exif,
                                                      xmp=xmp(body))
    return buf.getvalue()


@pytest.fixture
def tagged(editor, default_profiles, monkeypatch):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    for slug, fmt in FORMATS.items():
        RenditionProfile.objects.filter(slug=slug).update(format=fmt)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("harbour.jpg", _photo_with_gps()), uploaded_by=editor)
    assert asset.credit == "Agence Été & Fils" and asset.creator == 'Anna "Nan" Ölund'
    services.asset_process(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == Asset.Status.READY, asset.error_message
    return asset


def _oracle(field_file) -> dict:
    return exiftool_json(Path(field_file.path), *ORACLE)


def _assert_carries(found: dict, credit: str) -> None:
    assert found["Credit"] == credit
    assert found["Creator"] == 'Anna "Nan" Ölund' == found["Artist"]
    assert found["Rights"] == "© 2026 Agence Été" == found["Copyright"]
    assert not any(k.startswith("GPS") for k in found), found
    assert "SerialNumber" not in found and "Instructions" not in found


def test_every_rendition_carries_the_credit_fields_and_no_gps(tagged):
    needs_exiftool()
    renditions = list(Rendition.objects.filter(asset=tagged).select_related("profile"))
    assert {r.profile.format for r in renditions} == {"jpeg", "webp", "png", "avif"}
    assert len(renditions) == 7
    for rendition in renditions:
        _assert_carries(_oracle(rendition.file), "Agence Été & Fils")


def test_variants_and_frames_carry_them_too(tagged):
    needs_exiftool()
    hero = Rendition.objects.get(asset=tagged, profile__slug="hero")
    variants = [frames.variant_ensure(rendition=hero, width=600, fmt=fmt)
                for fmt in ("avif", "webp", "png", "jpeg")]
    frame = frames.frame_ensure(asset=tagged, width=300, height=300, fmt="webp")
    for made in [*variants, frame]:
        _assert_carries(_oracle(made.file), "Agence Été & Fils")


def test_a_new_credit_makes_new_files_that_carry_it(tagged, editor):
    needs_exiftool()
    hero = Rendition.objects.get(asset=tagged, profile__slug="hero")
    variant = frames.variant_ensure(rendition=hero, width=600, fmt="avif")
    frame = frames.frame_ensure(asset=tagged, width=300, height=300, fmt="jpeg")
    before = dict(Rendition.objects.filter(asset=tagged).values_list("profile__slug", "key"))
    Asset.objects.filter(pk=tagged.pk).update(credit="Reuters <Pool>")
    services.asset_process(asset_id=tagged.pk)
    after = dict(Rendition.objects.filter(asset=tagged).values_list("profile__slug", "key"))
    assert after.keys() == before.keys() and not set(after.values()) & set(before.values())
    for rendition in Rendition.objects.filter(asset=tagged):
        _assert_carries(_oracle(rendition.file), "Reuters <Pool>")
    asset = Asset.objects.get(pk=tagged.pk)
    hero = Rendition.objects.get(asset=asset, profile__slug="hero")
    for made in (frames.variant_ensure(rendition=hero, width=600, fmt="avif"),
                 frames.frame_ensure(asset=asset, width=300, height=300, fmt="jpeg")):
        assert made.key not in (variant.key, frame.key)
        _assert_carries(_oracle(made.file), "Reuters <Pool>")
    assert not Frame.objects.filter(pk__in=[frame.pk]).exists()


def test_an_asset_without_public_metadata_gets_no_packet(editor, default_profiles, monkeypatch):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("plain.jpg", make_photo(320, 240)), uploaded_by=editor)
    services.asset_process(asset_id=asset.pk)
    rendition = Rendition.objects.filter(asset=asset).first()
    assert "xmp" not in Image.open(io.BytesIO(rendition.file.read())).info
