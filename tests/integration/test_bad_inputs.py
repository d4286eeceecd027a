"""A bad-input corpus, made on the fly (no binaries committed).

Every file goes through the real upload view (as the upload page's script
sends it: one multipart POST, Accept: application/json) and, when accepted,
through ``renditions.services.asset_process`` synchronously. Each one ends in
one of three ways, and the test says which:

- refused at upload, with a message naming the file and the problem, and
  nothing stored (no Asset row, no file in any storage);
- ready, with renditions that prove what matters (orientation applied, first
  frame used, colours converted, the polyglot's archive gone);
- failed, with a one-sentence message.

Memory is bounded by measurement: peak RSS of a fresh subprocess, not time.
"""
from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
import uuid
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from PIL import Image

from dam import services as dam_services
from dam.middleware import ENVELOPE_BYTES
from dam.models import Asset
from dam.storage import private_storage
from renditions import services
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)
MB = 2 ** 20

#: Peak RSS the upload check may add to a process, for a 98 MP PNG of 280 KB.
#: Measured: +2 MB (75 -> 77 MB); the old full decode added 377 MB.
CHECK_EXTRA_MB = 60
#: Peak RSS of a worker process making every default rendition of a 99.9 MP
#: JPEG (12240x8160): saliency model, face detector and all; the PNG bomb
#: (98 MP) is held to the same bound. Measured 625 MB (JPEG) and 658 MB (PNG),
#: of which the decoded image is 381 MB (Pillow keeps RGB at 4 bytes a pixel);
#: the issue measured 671 MB for a 99.96 MP photo.
WORKER_PEAK_MB = 900
JPEG_WORKER_PEAK_MB = 400


# -- making the files ------------------------------------------------------------------

def encoded(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **params)
    return buf.getvalue()


def noise(width=240, height=160, seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8))


def truncated_jpeg() -> bytes:
    data = encoded(noise(seed=1), "JPEG", quality=90)
    return data[: len(data) // 2]  # the middle of the entropy-coded data


def truncated_png() -> bytes:
    data = encoded(noise(seed=2), "PNG")
    assert data.index(b"IDAT") < len(data) // 4
    return data[: len(data) // 2]  # the middle of the IDAT chunk


def damaged_png() -> bytes:
    """Whole chunks, zeros in the middle of the compressed pixels: only a decode sees it."""
    data = bytearray(encoded(noise(seed=3), "PNG"))
    middle = data.index(b"IDAT") + (len(data) - data.index(b"IDAT")) // 2
    data[middle:middle + 64] = bytes(64)
    return bytes(data)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height px, with a token IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(bytes(64))) + png_chunk(b"IEND", b""))


def flat_png(width: int, height: int) -> bytes:
    """A black RGB PNG, compressed row by row: never width x height px in memory."""
    packer = zlib.compressobj(6)
    row = bytes(1 + 3 * width)  # filter byte 0, then black pixels
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" '
       b'height="100"><script>alert(document.cookie)</script><rect width="100" '
       b'height="100" fill="red"/></svg>')
HTML = b"<!doctype html><html><body><script>alert(1)</script><p>not a photo</p></body></html>"
ZIP_MARKER = b"salient-polyglot-archive-member"


def polyglot() -> bytes:
    """A valid JPEG with a ZIP archive appended (both readers accept it)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.html", ZIP_MARKER * 40)
    return make_photo(480, 320, subject=(0.3, 0.6)) + archive.getvalue()


def tiff_16_bit() -> bytes:
    """A 16-bit grey TIFF: a horizontal ramp over the whole 0-65535 range."""
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (96, 1))
    img = Image.fromarray(ramp)
    assert img.mode == "I;16"
    return encoded(img, "TIFF")


def cmyk_jpeg() -> bytes:
    return encoded(Image.new("CMYK", (320, 180), (0, 255, 255, 0)), "JPEG", quality=95)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (160, 90), colour).convert("P") for colour in (RED, BLUE, GREEN)]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def upright() -> Image.Image:
    """300x200 as it must look: red, green over blue, white quadrants."""
    img = Image.new("RGB", (300, 200), WHITE)
    for colour, box in ((RED, (0, 0, 150, 100)), (GREEN, (150, 0, 300, 100)),
                        (BLUE, (0, 100, 150, 200))):
        img.paste(colour, box)
    return img


#: The stored pixels for orientation n: the inverse of what the tag asks a reader to do.
_INVERSE = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_270}


def oriented_jpeg(orientation: int) -> bytes:
    stored = upright()
    if _INVERSE[orientation] is not None:
        stored = stored.transpose(_INVERSE[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(stored, "JPEG", quality=95, exif=exif)


COMMENT = b"ASCII\x00\x00\x00" + b"tall tale " * 6000  # 60 KB of EXIF UserComment


def huge_exif_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x8298] = "(c) Salient tests"
    exif.get_ifd(0x8769)[0x9286] = COMMENT
    data = encoded(noise(seed=4), "JPEG", quality=90, exif=exif)
    assert len(exif.tobytes()) > 60_000 and COMMENT[8:2008] in data
    return data


def big_jpeg(path: Path) -> int:
    """A flat 12240x8160 (99.9 MP) JPEG at ``path``; returns its pixel count."""
    Image.new("RGB", (12240, 8160), (120, 140, 160)).save(path, "JPEG", quality=80)
    return 12240 * 8160


# -- uploading ---------------------------------------------------------------------------

def multipart(files, fields=()) -> tuple[bytes, str]:
    """A multipart body with the file names exactly as given (the test client's
    own encoder keeps only their base names)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for filename, data in files:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n')
        parts.append(head.encode("utf-8", "surrogateescape") + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload(client, files):
    """What the upload page's script sends: a multipart POST to the API."""
    body, content_type = multipart(files, [("title", "")])
    return client.post(reverse("api-assets"), body, content_type=content_type)


def refusals(response) -> list[str]:
    return [e["error"] for e in response.json()["errors"]]


def stored(storage=None, folder="") -> list[str]:
    """Every file in the private and the public storage (or in ``storage``), recursively."""
    if storage is None:
        return stored(private_storage) + stored(default_storage)
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    prefix = f"{folder}/" if folder else ""
    return [prefix + f for f in files] + [f for d in dirs for f in stored(storage, prefix + d)]


def rendition_image(asset: Asset, slug: str) -> Image.Image:
    rendition = asset.renditions.get(profile__slug=slug)
    with rendition.file.open("rb") as fp:
        img = Image.open(io.BytesIO(fp.read()))
        img.load()
    return img


def close(pixel, expected, tol=40) -> bool:
    return all(abs(int(a) - int(b)) <= tol for a, b in zip(pixel, expected))


def assert_clean_failure(asset: Asset) -> None:
    assert asset.status == Asset.Status.FAILED
    message = asset.error_message
    assert message and "\n" not in message and "Traceback" not in message


@pytest.fixture
def uploader(client, editor, default_profiles, monkeypatch):
    """An editor's client; processing is run by the test itself, synchronously."""
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    client.force_login(editor)
    return client


def accepted(client, name: str, data: bytes) -> Asset:
    """Upload one file, expect it stored, process it here; return it refreshed."""
    response = upload(client, [(name, data)])
    assert response.status_code == 201, response.json()
    asset = Asset.objects.get(uid=response.json()["created"][0]["id"])
    assert_stored_under_checksum(asset)
    services.asset_process(asset_id=asset.pk)
    asset.refresh_from_db()
    return asset


def assert_stored_under_checksum(asset: Asset) -> None:
    """Originals are stored as originals/<sha[:2]>/<sha>.<ext>, whatever the user called them."""
    sha = asset.sha256
    assert re.fullmatch(rf"originals/{sha[:2]}/{sha}\.[a-z]+", asset.file.name), asset.file.name
    assert asset.file.name in stored(private_storage)


# -- refused at upload -------------------------------------------------------------------

REFUSED = {  # label: (file name sent, bytes, problem the message must name)
    "truncated JPEG": ("cut.jpg", truncated_jpeg, r"truncated"),
    "truncated PNG": ("cut.png", truncated_png, r"truncated"),
    "zero bytes": ("nothing.jpg", lambda: b"", r"the file is empty"),
    "text named .jpg": ("notes.jpg", lambda: b"shopping list: eggs, milk\n" * 40,
                        r"not an image in a supported format"),
    "SVG with a script": ("drawing.svg", lambda: SVG, r"not an image in a supported format"),
    "HTML named .png": ("page.png", lambda: HTML, r"not an image in a supported format"),
    "PNG header claiming 50000x50000": ("claims.png", lambda: png_claiming(50_000, 50_000),
                                        r"2,500,000,000 pixels.*over the limit"),
}


@pytest.mark.parametrize("label", list(REFUSED))
def test_refused_at_upload_naming_the_file_with_nothing_stored(uploader, label):
    name, make, problem = REFUSED[label]
    response = upload(uploader, [(name, make())])
    assert response.status_code == 400
    errors = refusals(response)
    assert len(errors) == 1 and errors[0].startswith(f"{name}: "), errors
    assert re.search(problem, errors[0]), errors[0]
    assert "\n" not in errors[0]
    assert not Asset.objects.exists()
    assert stored() == []


@pytest.mark.parametrize("label", ["SVG with a script", "HTML named .png"])
def test_markup_is_never_stored_even_beside_a_good_file(uploader, label):
    name, make, _ = REFUSED[label]
    response = upload(uploader, [("fine.jpg", make_photo(320, 240)), (name, make())])
    assert response.status_code == 201
    assert [a.original_filename for a in Asset.objects.all()] == ["fine.jpg"]
    for path in stored():
        storage = private_storage if path in stored(private_storage) else default_storage
        with storage.open(path) as fp:
            assert b"<script" not in fp.read()


def test_an_empty_file_is_refused_by_name_and_the_rest_of_the_batch_is_stored(uploader):
    response = upload(uploader, [("first.jpg", make_photo(320, 240, subject=(0.2, 0.3))),
                                 ("empty.jpg", b""),
                                 ("second.jpg", make_photo(320, 240, subject=(0.8, 0.7)))])
    assert response.status_code == 201
    body = response.json()
    assert refusals(response) == ["empty.jpg: the file is empty."]
    assert sorted(a.original_filename for a in Asset.objects.all()) == ["first.jpg", "second.jpg"]


# -- accepted, and what the renditions prove ---------------------------------------------

def test_damage_inside_the_compressed_pixels_fails_in_the_worker_in_one_sentence(uploader):
    asset = accepted(uploader, "scratched.png", damaged_png())
    assert_clean_failure(asset)
    assert asset.error_message.startswith("the PNG file is truncated or corrupt")
    assert not asset.renditions.exists()


def test_jpeg_zip_polyglot_is_re_encoded_without_the_archive(uploader):
    data = polyglot()
    assert ZIP_MARKER in data and zipfile.is_zipfile(io.BytesIO(data))
    asset = accepted(uploader, "holiday.jpg", data)
    assert asset.status == Asset.Status.READY, asset.error_message
    assert asset.renditions.count() == 7
    for rendition in asset.renditions.all():
        with rendition.file.open("rb") as fp:
            body = fp.read()
        assert b"PK\x03\x04" not in body and b"PK\x05\x06" not in body
        assert ZIP_MARKER not in body and not zipfile.is_zipfile(io.BytesIO(body))


def test_16_bit_tiff_keeps_its_tones(uploader):
    asset = accepted(uploader, "scan.tif", tiff_16_bit())
    assert asset.status == Asset.Status.READY, asset.error_message
    assert (asset.format, asset.width, asset.height) == ("tif", 256, 96)
    grey = np.asarray(rendition_image(asset, "banner").convert("L"))
    assert grey.min() < 20 and grey.max() > 235  # the ramp survives, scaled to 8 bits


def test_cmyk_jpeg_becomes_srgb(uploader):
    asset = accepted(uploader, "print.jpg", cmyk_jpeg())
    assert asset.status == Asset.Status.READY, asset.error_message
    img = rendition_image(asset, "hero")
    assert img.mode == "RGB" and close(img.getpixel((img.width // 2, img.height // 2)), RED)


def test_animated_gif_renders_its_first_frame(uploader):
    asset = accepted(uploader, "loop.gif", animated_gif())
    assert asset.status == Asset.Status.READY, asset.error_message
    img = rendition_image(asset, "hero").convert("RGB")
    assert close(img.getpixel((img.width // 2, img.height // 2)), RED, tol=10)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(uploader, orientation):
    asset = accepted(uploader, f"turned-{orientation}.jpg", oriented_jpeg(orientation))
    assert asset.status == Asset.Status.READY, asset.error_message
    assert (asset.width, asset.height) == (300, 200)  # the upload check read the tag
    hero = rendition_image(asset, "hero")  # 16:9 of a 3:2 image: the full width
    assert hero.size == (300, 169)
    corners = [hero.getpixel(xy) for xy in ((20, 10), (280, 10), (20, 159), (280, 159))]
    assert all(close(p, c) for p, c in zip(corners, (RED, GREEN, BLUE, WHITE))), corners


def test_huge_exif_is_accepted_and_not_published(uploader):
    asset = accepted(uploader, "chatty.jpg", huge_exif_jpeg())
    assert asset.status == Asset.Status.READY, asset.error_message
    for rendition in asset.renditions.all():
        with rendition.file.open("rb") as fp:
            body = fp.read()
        assert b"tall tale" not in body
    assert rendition_image(asset, "hero").getexif()[0x8298] == "(c) Salient tests"


def test_a_10000x10_strip_is_never_upscaled(uploader):
    data = encoded(noise(10_000, 10, seed=5), "PNG")
    asset = accepted(uploader, "strip.png", data)
    assert asset.status == Asset.Status.READY, asset.error_message
    for r in asset.renditions.select_related("profile"):
        crop = (r.crop_x1 - r.crop_x0, r.crop_y1 - r.crop_y0)
        assert r.width <= crop[0] and r.height <= crop[1], (r.profile.slug, crop, r.width, r.height)
        assert rendition_image(asset, r.profile.slug).size == (r.width, r.height)
    story = asset.renditions.get(profile__slug="story")
    assert (story.width, story.height) == (6, 10)  # the 9:16 crop at its own size, not 6x11


# -- names ----------------------------------------------------------------------------------

NAMES = [  # sent, kept as original_filename
    ("../../etc/passwd.jpg", "passwd.jpg"),
    ("/etc/cron.d/evil.jpg", "evil.jpg"),
    ("C:\\Users\\ada\\Pictures\\..\\beach.jpg", "beach.jpg"),
    ("nul\x00byte.jpg", "nulbyte.jpg"),
    ("a" * 300 + ".jpg", "a" * 251 + ".jpg"),
    ("photo." + "j" * 300, None),  # a 301-character extension: cut to 255 characters
]


@pytest.mark.parametrize("sent, kept", NAMES)
def test_user_file_names_never_become_paths(uploader, tmp_path, sent, kept):
    data = make_photo(320, 240, subject=(0.1 + 0.1 * NAMES.index((sent, kept)), 0.5))
    asset = accepted(uploader, sent, data)
    assert asset.status == Asset.Status.READY, asset.error_message
    assert len(asset.original_filename) <= 255
    assert "/" not in asset.original_filename and "\\" not in asset.original_filename
    assert "\x00" not in asset.original_filename
    if kept:
        assert asset.original_filename == kept
    everything = [p for p in Path(tmp_path).rglob("*") if p.is_file()]
    assert all(p.name.endswith((".jpg", ".webp", ".npy")) for p in everything), everything
    assert not any(p.name in {"passwd.jpg", "evil.jpg", "beach.jpg"} for p in everything)


@pytest.mark.parametrize("sent, kept", [("b" * 300 + ".jpg", "b" * 251 + ".jpg"),
                                        ("photo." + "j" * 300, "." + "j" * 254)])
def test_a_long_name_over_the_in_memory_limit_is_stored_too(uploader, settings, sent, kept):
    """Files over FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file first,
    whose name Django makes from the upload's extension (HTTP 500 when that is long)."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    asset = accepted(uploader, sent, make_photo(320, 240, subject=(0.4, 0.4)))
    assert asset.status == Asset.Status.READY, asset.error_message
    assert asset.original_filename == kept


@pytest.mark.parametrize("sent", ["..", ".", "../"])
def test_a_name_that_is_only_a_path_is_refused(uploader, sent):
    response = upload(uploader, [(sent, make_photo(320, 240))])
    assert response.status_code == 400
    assert response.json()["error"].startswith("files: "), response.json()
    assert not Asset.objects.exists() and stored() == []


# -- memory, measured in fresh processes ---------------------------------------------------

def run_child(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python with the test settings; return its JSON line.

    The child reuses this test's database and storage folders.
    """
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "SALIENT_TEST_CHILD": json.dumps({
               "db": connection.settings_dict["NAME"],
               "media": str(django_settings.MEDIA_ROOT),
               "storages": django_settings.STORAGES,
           })}
    prelude = textwrap.dedent("""
        import json, os, resource, sys
        from django.conf import settings
        cfg = json.loads(os.environ["SALIENT_TEST_CHILD"])
        settings.DATABASES["default"]["NAME"] = cfg["db"]
        settings.MEDIA_ROOT = cfg["media"]
        settings.STORAGES = cfg["storages"]
        import django
        django.setup()

        def peak_mb():
            # VmHWM starts afresh at exec; ru_maxrss keeps the forked parent's peak
            try:
                with open("/proc/self/status") as status:
                    line = next(x for x in status if x.startswith("VmHWM:"))
                return int(line.split()[1]) / 1024
            except OSError:
                return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    """)
    done = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


CHECK = """
    from django.core.files import File
    from dam import services
    with open(sys.argv[1], "rb") as fp:
        upload = File(fp, name="bomb.png")
        bare = peak_mb()
        info = services.asset_check(file=upload)
    print(json.dumps({"bare": bare, "peak": peak_mb(), "size": [info.width, info.height]}))
"""

PROCESS = """
    from dam.models import Asset
    from renditions import services
    bare = peak_mb()
    services.asset_process(asset_id=int(sys.argv[1]))
    print(json.dumps({"bare": bare, "peak": peak_mb()}))
"""


def test_under_limit_bomb_is_checked_in_bounded_memory(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(flat_png(9900, 9900))
    assert path.stat().st_size < 400_000  # 98 MP (under the 100 MP limit) in ~280 KB
    result = run_child(CHECK, str(path))
    assert result["size"] == [9900, 9900]
    assert result["peak"] - result["bare"] < CHECK_EXTRA_MB, result


def test_under_limit_bomb_is_processed_in_bounded_memory(uploader):
    response = upload(uploader, [("bomb.png", flat_png(9900, 9900))])
    assert response.status_code == 201, response.json()
    asset = Asset.objects.get()
    result = run_child(PROCESS, str(asset.pk))
    asset.refresh_from_db()
    assert asset.status == Asset.Status.READY, asset.error_message
    assert result["peak"] < WORKER_PEAK_MB, result


def test_100_megapixel_jpeg_is_processed_in_bounded_memory(uploader, tmp_path):
    path = tmp_path / "big.jpg"
    pixels = big_jpeg(path)
    assert 99_000_000 < pixels <= 100_000_000  # just under the default limit
    response = upload(uploader, [("big.jpg", path.read_bytes())])
    path.unlink()
    assert response.status_code == 201, response.json()
    asset = Asset.objects.get()
    assert (asset.width, asset.height) == (12240, 8160)
    result = run_child(PROCESS, str(asset.pk))
    asset.refresh_from_db()
    assert asset.status == Asset.Status.READY, asset.error_message
    # A JPEG this large decodes at 1/2 (every rendition still shrinks 2x): 290 MB measured.
    assert result["peak"] < JPEG_WORKER_PEAK_MB, result
    hero = asset.renditions.get(profile__slug="hero")
    assert (hero.width, hero.height) == (1600, 900)


# -- an over-limit body is refused before it is read -------------------------------------------

class UnreadableBody:
    """A WSGI input that records any read: the body must never be touched."""

    def __init__(self):
        self.reads = 0

    def read(self, *args):
        self.reads += 1
        raise AssertionError("the request body was read")

    readline = read


def post_declaring(client, length: int, path="/api/assets/", **headers):
    body = UnreadableBody()
    response = client.generic("POST", path, b"",
                              content_type="multipart/form-data; boundary=x",
                              **{"CONTENT_LENGTH": str(length), "wsgi.input": body, **headers})
    return response, body


@pytest.mark.parametrize("path", ["/upload/", "/api/assets/"])
def test_an_over_limit_body_gets_413_before_it_is_read(uploader, path, settings):
    settings.DAM = {"MAX_UPLOAD_BYTES": 10 * MB}
    response, body = post_declaring(uploader, 10 * MB + ENVELOPE_BYTES + 1, path,
                                    HTTP_ACCEPT="text/html")
    assert response.status_code == 413 and body.reads == 0
    if path.startswith("/api/"):  # the API's error shape, whatever the Accept header
        message = response.json()["error"]
        assert response.json() == {"error": message}
    else:
        assert response["Content-Type"].startswith("text/html")
        message = response.content.decode()
    assert "over the limit of 10 MB" in message
    assert not Asset.objects.exists() and stored() == []


def test_the_default_limit_is_named_and_anonymous_posts_are_refused_too(client):
    response, body = post_declaring(client, 250 * MB)
    assert response.status_code == 413 and body.reads == 0
    assert "250.0 MB, over the limit of 200 MB" in response.content.decode()


def test_a_body_within_the_limit_and_its_envelope_is_read_as_usual(uploader, settings):
    data = make_photo(320, 240)
    settings.DAM = {"MAX_UPLOAD_BYTES": len(data)}
    response = upload(uploader, [("exact.jpg", data)])
    assert response.status_code == 201, response.json()


def test_the_limit_runs_before_anything_that_reads_the_body(client):
    order = django_settings.MIDDLEWARE
    mine = order.index("dam.middleware.UploadLimitMiddleware")
    assert order.index("django.middleware.csrf.CsrfViewMiddleware") > mine  # reads POST
    for header_adder in ("dam.csp.CSPMiddleware",
                         "django.middleware.clickjacking.XFrameOptionsMiddleware"):
        assert order.index(header_adder) < mine
    response, _ = post_declaring(client, 250 * MB)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
