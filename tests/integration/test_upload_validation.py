"""Bad input gets a clear message and leaves nothing behind."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from dam.models import Asset
from dam.storage import private_storage
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db(transaction=True)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge size: a decompression bomb's calling card."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\0" * 64)
    body += struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    return b"\x89PNG\r\n\x1a\n" + body


BAD_FILES = {
    "truncated.jpg": (make_photo(800, 600)[:500], "truncated.jpg"),
    "notes.jpg": (b"this is not an image at all\n" * 20, "notes.jpg"),
    "bomb.png": (_png_header_only(40000, 40000), "bomb.png"),
    "empty.jpg": (b"", "empty.jpg"),
}


def _stored_files(folder: str = "originals") -> list[str]:
    """Every file under ``folder`` in the private storage (originals), recursively."""
    try:
        dirs, files = private_storage.listdir(folder)
    except FileNotFoundError:
        return []
    nested = [f for d in dirs for f in _stored_files(f"{folder}/{d}")]
    return [f"{folder}/{f}" for f in files] + nested


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_upload_is_refused_with_a_message_and_nothing_stored(client, editor, name):
    client.force_login(editor)
    data, filename = BAD_FILES[name]
    response = client.post(reverse("api-assets"),
                           {"files": [SimpleUploadedFile(filename, data, "image/jpeg")]})
    assert response.status_code == 400
    text = response.json()["error"]
    assert filename in text or "empty" in text.lower()
    assert not Asset.objects.exists()
    assert _stored_files() == []


def test_good_files_are_kept_when_one_in_the_batch_is_bad(client, editor):
    client.force_login(editor)
    good = SimpleUploadedFile("good.jpg", make_photo(640, 480), "image/jpeg")
    bad = SimpleUploadedFile("bad.jpg", b"garbage" * 50, "image/jpeg")
    response = client.post(reverse("api-assets"), {"files": [good, bad]})
    assert response.status_code == 201
    assert [(e["file"], "bad.jpg" in e["error"]) for e in response.json()["errors"]] \
        == [("bad.jpg", True)]
    assert list(Asset.objects.values_list("original_filename", flat=True)) == ["good.jpg"]


@override_settings(DAM={"MAX_UPLOAD_BYTES": 1000})
def test_upload_over_the_size_limit_names_the_limit(client, editor):
    client.force_login(editor)
    big = SimpleUploadedFile("big.jpg", make_photo(640, 480), "image/jpeg")
    response = client.post(reverse("api-assets"), {"files": [big]})
    assert "over the" in response.json()["error"] and "big.jpg" in response.json()["error"]
    assert not Asset.objects.exists()


def test_failed_database_write_removes_the_stored_file(editor, monkeypatch):
    from dam import services

    def broken_save(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Asset, "save", broken_save)
    with pytest.raises(RuntimeError):
        services.asset_create(file=SimpleUploadedFile("a.jpg", make_photo(640, 480)),
                              uploaded_by=editor)
    assert _stored_files() == []


def test_same_bytes_twice_share_one_stored_original(editor):
    from dam import services

    data = make_photo(640, 480)
    first = services.asset_create(file=SimpleUploadedFile("a.jpg", data), uploaded_by=editor)
    second = services.asset_create(file=SimpleUploadedFile("b.jpg", data), uploaded_by=editor)
    assert first.file.name == second.file.name
    assert len(_stored_files()) == 1
    assert io.BytesIO(data).getvalue() == private_storage.open(first.file.name).read()
