"""Photo metadata in (issue 23) through the product's doors: an upload through the API
fills the asset's fields and keywords, the JSON shows them (private ones to viewers
only; GPS and serials never), the asset page lists them, and manage.py read_metadata
reads existing assets again."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from dam.models import Asset
from tests.integration._api import (  # noqa: F401  (fixture: no_queue)
    DETAIL_FIELDS, METADATA_FIELDS, PRIVATE_FIELDS, PUBLIC_FIELDS, _client, _upload, no_queue)
from tests.unit._metadata import METADATA, alt, bag, iim, jpeg, needs_shared, xmp

pytestmark = pytest.mark.django_db(transaction=True)


def _tagged_photo() -> bytes:
    """A JPEG with XMP, a Latin-1 IIM copy, GPS and a camera serial number."""
    exif = Image.Exif()
    exif[0x013B] = "Anna"  # Artist (Pillow writes the sub-IFDs only beside an IFD0 tag)
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)
    exif.get_ifd(0x8769)[0xA431] = "SN-4242"
    body = ("<photoshop:Headline>Föhn over the lake</photoshop:Headline>"
            f"<dc:description>{alt(('x-default', 'Clouds over Zürich'))}</dc:description>"
            "<photoshop:Credit>Agence Été</photoshop:Credit>"
            "<photoshop:Instructions>Embargo until noon</photoshop:Instructions>"
            f"<dc:subject>{bag('Föhn', 'lake', 'Lake')}</dc:subject>")
    block = iim((2, 90, "Zürich".encode("latin-1")), (2, 101, b"Switzerland"))
    return jpeg(xmp_packet=xmp(body), iim_block=block, exif=exif).getvalue()


def _post(users, files, **data) -> dict:
    response = _client(users["editor"]).post(reverse("api-assets"), {"files": files, **data})
    assert response.status_code == 201, response.content
    return response.json()


def test_an_upload_fills_the_fields_title_and_keywords(users):
    created = _post(users, [_upload("lake.jpg", _tagged_photo())])["created"][0]
    assert created["title"] == "Föhn over the lake"
    assert {k: created[k] for k in ("caption", "credit", "city", "country", "instructions")} == {
        "caption": "Clouds over Zürich", "credit": "Agence Été", "city": "Zürich",
        "country": "Switzerland", "instructions": "Embargo until noon"}
    assert created["keywords"] == ["Föhn", "lake"]  # "Lake" is the same keyword
    asset = Asset.objects.get(uid=created["id"])
    assert asset.metadata_raw["private"]["BodySerialNumber"] == "SN-4242"
    assert "gps" in asset.metadata_raw["private"]


def test_anonymous_json_has_the_public_metadata_and_nothing_private(users):
    uid = _post(users, [_upload("lake.jpg", _tagged_photo())])["created"][0]["id"]
    url = reverse("asset-json", args=[uid])
    public, viewer = APIClient().get(url).json(), _client(users["viewer"]).get(url).json()
    detail = PUBLIC_FIELDS | DETAIL_FIELDS
    assert public.keys() == detail and viewer.keys() == detail | PRIVATE_FIELDS
    assert public["credit"] == "Agence Été" and public["keywords"] == ["Föhn", "lake"]
    for body in (public, viewer):
        text = str(body)
        assert "SN-4242" not in text and "gps" not in text.lower() and "metadata_raw" not in text


def test_an_explicit_title_and_alt_text_are_kept(users):
    created = _post(users, [_upload("lake.jpg", _tagged_photo())], title="Mine",
                    alt_text="Given")["created"][0]
    assert (created["title"], created["alt_text"], created["headline"]) == (
        "Mine", "Given", "Föhn over the lake")


def test_a_photo_without_metadata_keeps_its_file_name(users):
    created = _post(users, [_upload("harbour.jpg")])["created"][0]
    assert created["title"] == "harbour"
    assert all(created[k] in ("", []) for k in METADATA_FIELDS)


def test_hostile_metadata_is_trimmed_and_said_on_the_page(users):
    packet = xmp(f"<dc:description>{alt(('x-default', 'c' * 50_000))}</dc:description>")
    photo = jpeg(xmp_packet=packet)  # 50 KB: one APP1 segment holds it
    uid = _post(users, [_upload("bad.jpg", photo.getvalue())])["created"][0]["id"]
    asset = Asset.objects.get(uid=uid)
    assert len(asset.caption) == 2000
    assert asset.metadata_problems == ["caption: 50,000 characters, trimmed to 2,000."]
    page = _client(users["viewer"]).get(reverse("asset", args=[uid])).content.decode()
    assert "caption: 50,000 characters, trimmed to 2,000." in page


@needs_shared
def test_the_iptc_reference_photo_through_the_api_and_the_page(users):
    data = (METADATA / "IPTC-PhotometadataRef-Std2021.1.jpg").read_bytes()
    created = _post(users, [_upload("ref.jpg", data)])["created"][0]
    assert created["title"] == "The Headline (ref2021.1)"
    assert created["alt_text"].startswith("This is the Alt Text description")
    assert created["usage_terms"] == "Rights Usage Terms (ref2021.1)"
    assert created["date_created"] == "2021-10-20T21:01:01+00:00"
    assert created["keywords"] == ["Keyword1ref2021.1", "Keyword2ref2021.1", "Keyword3ref2021.1"]
    page = _client(users["viewer"]).get(reverse("asset", args=[created["id"]]))
    html = page.content.decode()
    assert 'id="metadata"' in html and "Credit Line (ref2021.1)" in html
    assert "Keyword2ref2021.1" in html


def test_read_metadata_reads_existing_assets_again(users, capsys):
    uid = _post(users, [_upload("lake.jpg", _tagged_photo())])["created"][0]["id"]
    kept = _post(users, [_upload("mine.jpg", _tagged_photo() + b"\x00")],
                 title="Kept")["created"][0]["id"]
    Asset.objects.update(title="lake", headline="", credit="", caption="")
    for asset in Asset.objects.all():
        asset.tags.clear()
    call_command("read_metadata", "--all")
    lake, mine = Asset.objects.get(uid=uid), Asset.objects.get(uid=kept)
    assert (lake.title, lake.credit) == ("Föhn over the lake", "Agence Été")
    assert sorted(t.name for t in lake.tags.all()) == ["Föhn", "lake"]
    assert mine.title == "lake"  # not its file name's stem: a title someone gave, kept
    assert "Read 2 asset(s); 0 failed." in capsys.readouterr().out
    call_command("read_metadata", str(lake.uid), str(mine.pk))


def test_read_metadata_lists_what_it_could_not_read(users, capsys):
    uid = _post(users, [_upload("lake.jpg", _tagged_photo())])["created"][0]["id"]
    asset = Asset.objects.get(uid=uid)
    asset.file.storage.delete(asset.file.name)
    with pytest.raises(CommandError, match="1 asset"):
        call_command("read_metadata", "--all")
    assert f"{uid} (lake.jpg): " in capsys.readouterr().err
    with pytest.raises(CommandError, match="neither"):
        call_command("read_metadata", "nonsense")
    with pytest.raises(CommandError, match="--all"):
        call_command("read_metadata")


def test_an_unreadable_metadata_block_never_fails_an_upload(users):
    photo = io.BytesIO(jpeg(xmp_packet=b"<x:xmpmeta><rdf:RDF", iim_block=b"\x1c\x02").getvalue())
    created = _post(users, [_upload("odd.jpg", photo.getvalue())])["created"][0]
    assert created["title"] == "odd" and created["metadata_problems"]
