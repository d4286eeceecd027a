"""Print frames: /d/<id>/<W>x<H>mm?dpi=..., JPEG or TIFF, CMYK through an
uploaded output ICC profile, print rendition profiles, the command and the API."""
from __future__ import annotations

import io
import math
import shutil
import subprocess

import pytest
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image, ImageCms
from rest_framework.test import APIClient

from dam.roles import ensure_roles
from renditions import delivery, print_frames, services
from renditions.engine import pixel_grid
from renditions.icc import IccProfile
from renditions.models import Frame, RenditionProfile
from tests._icc import cmyk_profile
from tests.integration.test_delivery import _image, _path

pytestmark = pytest.mark.django_db(transaction=True)


def _url(asset, w, h, dpi, **kw) -> str:
    compose = kw.pop("compose", delivery.Composition())
    return print_frames.signed_print_url(asset.uid, print_frames.PrintRequest.of(w, h, dpi, **kw),
                                         compose=compose, absolute=False)


@pytest.fixture
def press(transactional_db):
    """The test press's output profile, uploaded as the admin's form would (full_clean)."""
    profile = IccProfile(name="Test press", slug="test-press",
                         file=SimpleUploadedFile("press.icc", cmyk_profile()))
    profile.full_clean()
    profile.save()
    return profile


@pytest.mark.parametrize("w, h, dpi, size", [
    ("90", "60", 300, (1063, 709)),
    ("90.5", "60", 300, (1069, 709)),
    ("50.8", "25.4", 72, (144, 72)),
    ("100", "50.25", 150, (591, 297)),
    ("210", "297", 300, (2480, 3508)),   # A4: upscaled from the 1200x800 photo's crop
])
def test_a_print_frame_has_its_exact_size_and_records_its_resolution(processed, client,
                                                                     w, h, dpi, size):
    response = client.get(_url(processed, w, h, dpi))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    image = _image(response)
    assert image.size == size and image.mode == "RGB"
    assert tuple(round(v) for v in image.info["dpi"]) == (dpi, dpi)
    frame = Frame.objects.get(asset=processed)
    assert (frame.width, frame.height) == size
    assert frame.spec == f"{w}x{h}mm-{dpi}dpi.jpeg"


def test_a_print_frame_url_shows_mm_and_dpi(processed):
    url = _url(processed, "90.50", "60", 300)
    assert url.startswith(f"/d/{processed.uid}/90.5x60mm?dpi=300&s=")


def test_the_same_crop_rules_as_any_frame(processed, client):
    """A 4:3 print has the crop a 4:3 pixel frame gets (same plan, same editor rules),
    which the pixel frame puts on its decode's grid (an upscaled print is left as planned)."""
    client.get(_url(processed, "101.6", "76.2", 300))   # 1200x900 px
    client.get(delivery.signed_url(processed.uid, 400, 300, fmt="jpeg", absolute=False))
    printed, pixels = Frame.objects.order_by("width")[1], Frame.objects.order_by("width")[0]
    assert (printed.width, printed.height) == (1200, 900)
    source = (processed.width, processed.height)
    assert pixel_grid.on_grid(printed.crop_box, (400, 300), source) == pixels.crop_box


def test_a_tiff_print_frame_is_lzw_with_its_resolution(processed, client):
    response = client.get(_url(processed, "90", "60", 300, fmt="tiff"))
    assert response["Content-Type"] == "image/tiff"
    image = _image(response)
    assert image.format == "TIFF" and image.size == (1063, 709)
    assert image.info["compression"] == "tiff_lzw"
    assert tuple(round(v) for v in image.info["dpi"]) == (300, 300)


@pytest.mark.parametrize("fmt", ["jpeg", "tiff"])
def test_cmyk_through_the_uploaded_profile(processed, client, press, fmt):
    response = client.get(_url(processed, "90", "60", 300, icc="test-press", fmt=fmt))
    image = _image(response)
    assert image.mode == "CMYK" and image.size == (1063, 709)
    assert image.info["icc_profile"] == cmyk_profile()
    frame = Frame.objects.get()
    assert frame.spec == f"90x60mm-300dpi-test-press-perceptual.{fmt}"


def _colour_asset(editor, monkeypatch, colours):
    """An asset of vertical stripes of ``colours`` (sRGB), analysed."""
    from dam import services as dam_services

    img = Image.new("RGB", (100 * len(colours), 100))
    for i, colour in enumerate(colours):
        img.paste(colour, (i * 100, 0, i * 100 + 100, 100))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(file=SimpleUploadedFile("stripes.png", buf.getvalue()),
                                      uploaded_by=editor)
    services.asset_process(asset_id=asset.pk)
    return asset


def test_known_colours_separate_plausibly(editor, default_profiles, monkeypatch, client,
                                          press):
    """White paper takes no ink, black is heavy K, red is magenta and yellow."""
    asset = _colour_asset(editor, monkeypatch, [(255, 255, 255), (0, 0, 0), (255, 0, 0)])
    # 300x100 px at 254 dpi is 30x10 mm: the whole photo, unscaled.
    image = _image(client.get(_url(asset, "30", "10", 254, icc="test-press",
                                   intent="relative")))
    assert image.size == (300, 100)
    white, black, red = (image.getpixel((x, 50)) for x in (50, 150, 250))
    assert max(white) <= 3
    assert black[3] >= 240 and max(black[:3]) <= 20
    assert red[0] <= 20 and min(red[1:3]) >= 200 and red[3] <= 20


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool not installed")
@pytest.mark.parametrize("fmt", ["jpeg", "tiff"])
def test_exiftool_reads_the_resolution_and_the_profile(processed, client, press, tmp_path,
                                                       fmt):
    response = client.get(_url(processed, "90", "60", 300, icc="test-press", fmt=fmt))
    path = tmp_path / f"print.{fmt}"
    path.write_bytes(b"".join(response.streaming_content))
    out = subprocess.run(["exiftool", "-s", "-s", "-s", "-XResolution", "-YResolution",
                          "-ICC_Profile:ProfileClass", "-ICC_Profile:ColorSpaceData",
                          "-ICC_Profile:ProfileDescription", str(path)],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:5] == ["300", "300", "Output Device Profile", "CMYK",
                       "Salient test press (CMYK)"]


@pytest.mark.parametrize("tamper", [
    lambda url: url.replace("90x60mm", "91x60mm"),
    lambda url: url.replace("90x60mm", "90x60.5mm"),
    lambda url: url.replace("dpi=300", "dpi=600"),
    lambda url: url.replace("icc=test-press", "icc=other"),
    lambda url: url.replace("intent=relative", "intent=perceptual"),
    lambda url: url.replace("intent=relative", "intent=saturation"),
    lambda url: url.replace("fm=tiff", "fm=jpeg"),
    lambda url: url + "&z=0.5",
    lambda url: url.split("&s=")[0],
    lambda url: url[:-1] + ("A" if url[-1] != "A" else "B"),
])
def test_a_tampered_print_url_is_refused(processed, client, press, tamper):
    url = _url(processed, "90", "60", 300, icc="test-press", intent="relative", fmt="tiff")
    assert tamper(url) != url
    response = client.get(tamper(url))
    assert response.status_code == 403 and response.content.decode().count("\n") == 1
    assert not Frame.objects.exists()


@pytest.mark.parametrize("query, reason", [
    ("", "A print frame needs dpi, a whole number from 72 to 1200."),
    ("dpi=71", "dpi is a whole number from 72 to 1200; '71' is not."),
    ("dpi=1201", "dpi is a whole number from 72 to 1200; '1201' is not."),
    ("dpi=3x", "dpi is a whole number from 72 to 1200; '3x' is not."),
    ("dpi=300&fm=webp", "fm is jpeg or tiff for a print frame."),
    ("dpi=300&intent=relative", "intent needs icc: it says how colours go to a press's CMYK."),
    ("dpi=300&icc=a%26intent%3Dx", "icc is the slug of an ICC output profile (letters, digits, "
                                   "- _)."),
    ("dpi=300&icc=x&intent=vivid", "intent is one of perceptual, relative, saturation, "
                                   "absolute; 'vivid' is not."),
    ("dpi=1200&s=x", "90x60mm at 1200 dpi is 4252x2835 px; a frame is at most 4096 px on "
                     "each side."),
])
def test_bad_values_are_400_with_the_reason(processed, client, query, reason):
    response = client.get(f"/d/{processed.uid}/90x60mm?{query}")
    assert response.status_code == 400
    assert response.content.decode() == reason + "\n"


def test_a_bad_length_is_400_and_a_zero_one_too(processed, client):
    for size in ("0x60", "90.001x60"):
        response = client.get(f"/d/{processed.uid}/{size}mm?dpi=300")
        assert response.status_code == 400, size
        assert "mm" in response.content.decode()


def test_out_of_bounds_sizes_are_refused_when_signing(processed):
    with pytest.raises(ValueError, match="at most 4096 px"):
        _url(processed, "400", "60", 300)
    with pytest.raises(ValueError, match="dpi"):
        _url(processed, "90", "60", 2400)


def test_an_unsigned_print_frame_is_403(processed, client):
    response = client.get(f"/d/{processed.uid}/90x60mm?dpi=300")
    assert response.status_code == 403
    assert "needs a signed URL" in response.content.decode()


def test_an_unknown_profile_in_a_signed_url_is_404(processed, client):
    assert client.get(_url(processed, "90", "60", 300, icc="nope")).status_code == 404


def test_a_stored_print_frame_is_served_again_and_a_new_profile_makes_a_new_one(
        processed, client, press):
    url = _url(processed, "90", "60", 300, icc="test-press")
    first = client.get(url)["ETag"]
    assert client.get(url)["ETag"] == first and Frame.objects.count() == 1
    press.file = SimpleUploadedFile("press2.icc", cmyk_profile("Another test press"))
    press.full_clean()
    press.save()
    assert client.get(url)["ETag"] != first and Frame.objects.count() == 1


# --- Output ICC profiles: upload and validation --------------------------------------

def test_the_admin_takes_a_cmyk_output_profile_and_refuses_others(admin_client):
    add = reverse("admin:renditions_iccprofile_add")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for data, reason in ((b"nonsense", "not an ICC profile"), (srgb, "not an output")):
        response = admin_client.post(add, {"name": "Bad", "slug": "bad",
                                           "file": SimpleUploadedFile("bad.icc", data)})
        assert response.status_code == 200 and reason in response.content.decode()
    assert not IccProfile.objects.exists()
    response = admin_client.post(add, {"name": "Press", "slug": "press",
                                       "file": SimpleUploadedFile("press.icc", cmyk_profile())})
    assert response.status_code == 302
    stored = IccProfile.objects.get()
    assert stored.description == "Salient test press (CMYK)" and len(stored.sha256) == 64
    assert stored.read() == cmyk_profile()


# --- Print rendition profiles ----------------------------------------------------------

def _print_profile(**fields) -> RenditionProfile:
    profile = RenditionProfile(**{"slug": "print-card", "name": "Print card", "width_mm": "90",
                                  "height_mm": "60", "dpi": 300, **fields})
    profile.full_clean()
    profile.save()
    return profile


def test_a_print_profile_serves_its_print_file_at_its_stable_url(processed, client, press):
    profile = _print_profile(icc_profile=press, format="tiff")
    assert (profile.width, profile.height) == (1063, 709)
    services.asset_process(asset_id=processed.pk)
    response = client.get(reverse("deliver", args=[processed.uid, "print-card"]),
                          HTTP_ACCEPT="image/avif,image/webp,*/*")
    assert response.status_code == 200 and response["Content-Type"] == "image/tiff"
    assert "accept" not in response.get("Vary", "").lower()  # no AVIF for the press
    image = _image(response)
    assert image.mode == "CMYK" and image.size == (1063, 709)
    assert image.info["icc_profile"] == cmyk_profile()
    assert tuple(round(v) for v in image.info["dpi"]) == (300, 300)
    other = client.get(reverse("deliver", args=[processed.uid, "print-card"]) + "?w=500")
    assert other.status_code == 403  # one size: its mm at its dpi


def test_a_print_profile_is_upscaled_to_its_size(processed, client):
    _print_profile(slug="a4", width_mm="210", height_mm="297")
    services.asset_process(asset_id=processed.pk)
    image = _image(client.get(reverse("deliver", args=[processed.uid, "a4"])))
    assert image.size == (2480, 3508) and image.mode == "RGB"


#: A print profile's bad values and the reason each is refused (the admin and the API alike).
BAD_PRINT_PROFILES = [
    ({"dpi": None}, "gives its width and height in mm and a dpi"),
    ({"height_mm": None}, "gives its width and height in mm and a dpi"),
    ({"dpi": 50}, "dpi is a whole number from 72 to 1200"),
    ({"format": "webp"}, "A print profile is JPEG or TIFF."),
    ({"slug": "90x60mm"}, "names a frame size"),
    ({"width_mm": "-90"}, "more than 0 and at most 10000 mm"),
]


@pytest.mark.parametrize("fields, reason", BAD_PRINT_PROFILES)
def test_a_print_profile_refuses_bad_values(transactional_db, fields, reason):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=reason):
        _print_profile(**fields)


def test_a_print_profile_saved_without_clean_fails_the_check(transactional_db):
    def errors():
        return [m.id for m in run_checks(databases=["default"]) if m.id == "renditions.E022"]

    profile = _print_profile()
    assert errors() == []
    RenditionProfile.objects.filter(pk=profile.pk).update(dpi=600)
    assert errors() == ["renditions.E022"]


def test_the_print_settings_are_checked(settings):
    settings.DAM = {"PRINT_INTENT": "vivid", "PRINT_BLACK_POINT_COMPENSATION": "yes"}
    ids = sorted(m.id for m in run_checks() if m.id.startswith("renditions.E02"))
    assert ids == ["renditions.E020", "renditions.E021"]


# --- The command and the API ------------------------------------------------------------

def test_the_signed_url_command_prints_print_urls(processed, client, capsys, settings, press):
    settings.SALIENT_PUBLIC_URL = "https://dam.example.org"
    call_command("signed_url", str(processed.uid), "90x60mm", "--dpi", "300")
    url = capsys.readouterr().out.strip()
    assert url.startswith(f"https://dam.example.org/d/{processed.uid}/90x60mm?dpi=300&s=")
    assert _image(client.get(_path(url))).size == (1063, 709)
    call_command("signed_url", str(processed.uid), "90.5x60mm", "--dpi", "600", "--icc",
                 "test-press", "--intent", "relative", "--format", "tiff")
    url = capsys.readouterr().out.strip()
    assert "/90.5x60mm?dpi=600&icc=test-press&intent=relative&fm=tiff&s=" in url
    image = _image(client.get(_path(url)))
    assert image.size == (2138, 1417) and image.mode == "CMYK"
    for bad in (["90x60mm", "--dpi", "50"], ["90x60mm", "--icc", "nope"],
                ["800x450", "--dpi", "300"], ["90x60mm", "--format", "png"]):
        with pytest.raises(CommandError):
            call_command("signed_url", str(processed.uid), *bad)


def test_the_api_signs_print_frame_urls(processed, django_user_model, press):
    url = reverse("api-asset-frame-url", args=[processed.uid])
    viewer = django_user_model.objects.create_user("vi", password="pw")
    viewer.groups.add(ensure_roles()["Viewers"])
    client = APIClient()
    client.force_login(viewer)
    body = client.get(url, {"size": "90.5x60mm", "dpi": 300, "icc": "test-press",
                            "fm": "tiff"}).json()
    assert (body["width"], body["height"], body["dpi"]) == (1069, 709, 300)
    assert f"/d/{processed.uid}/90.5x60mm?dpi=300&icc=test-press&fm=tiff&s=" in body["url"]
    image = _image(client.get(_path(body["url"])))
    assert image.size == (1069, 709) and image.mode == "CMYK" and image.format == "TIFF"
    assert (body["effective_dpi"], body["enlarged"]) == (300, False)  # 1200 px for 1069
    # A4 from the 1200x800 photo: its 2:3 crop is enlarged, and the answer says by how much
    a4 = client.get(url, {"size": "210x297mm", "dpi": 300}).json()
    assert a4["enlarged"] is True and _image(client.get(_path(a4["url"]))).size == (2480, 3508)
    frame = Frame.objects.get(asset=processed, spec__startswith="210x297mm")
    crop_height = frame.crop_box[3] - frame.crop_box[1]
    assert a4["effective_dpi"] == math.floor(300 * crop_height / 3508) < 300
    for bad in ({"size": "90x60mm", "dpi": 20}, {"size": "90x60mm", "icc": "nope"},
                {"size": "800x450", "dpi": 300}, {"size": "900x600mm", "dpi": 300},
                {"size": "90x60mm", "intent": "relative"}):
        response = client.get(url, bad)
        assert response.status_code == 400 and response.json()["error"], bad


def test_an_icc_profile_is_no_orphan_and_a_replaced_one_leaves_no_file(press,
                                                                        django_user_model):
    storage, first = press.file.storage, press.file.name
    call_command("files_orphaned", "--delete", "--grace", "0", stdout=io.StringIO())
    assert storage.exists(first)  # a row names it: kept
    client = APIClient()
    client.force_login(django_user_model.objects.create_superuser("root", password="pw"))
    url = reverse("admin:renditions_iccprofile_change", args=[press.pk])
    replaced = client.post(url, {"name": "Test press", "slug": "test-press",
                                 "file": SimpleUploadedFile("press-2.icc", cmyk_profile())},
                           format="multipart")
    assert replaced.status_code == 302
    press.refresh_from_db()
    assert press.file.name != first and storage.exists(press.file.name)
    assert not storage.exists(first)
    deleted = client.post(reverse("admin:renditions_iccprofile_delete", args=[press.pk]),
                          {"post": "yes"})
    assert deleted.status_code == 302 and not storage.exists(press.file.name)
