"""Photo metadata out (issue 23): the XMP packet writer and what the encoders embed, read
back by the project's reader and by exiftool, the independent oracle."""
from __future__ import annotations

import io
from xml.etree import ElementTree as ET

import pytest
from PIL import Image

from renditions.engine import colour, encoding, loading, metadata, rendering
from renditions.engine.metadata_out import PublicMetadata, xmp_packet
from tests.unit._images import exif_block, quadrants
from tests.unit._metadata import exiftool_json, needs_exiftool

HOSTILE = PublicMetadata(
    creator="Ann <O'Neil> & Co; Zoë \"Z\" Kowalska", credit="Agence Été & <Fils>",
    copyright="© 2026 \"Ann\" & 'Zoë'", usage_terms="No <b>web</b> use & no resale",
    caption="Föhn über dem See — 東京 & <script>alert(1)</script>",
    alt_text="A lake, \"calm\" & grey", headline="Ça <va> & 'bien'")


def _read(data: bytes) -> metadata.PhotoMetadata:
    return metadata.read(io.BytesIO(data))


def test_packet_round_trips_through_our_reader():
    found = _read(_jpeg_with(xmp_packet(HOSTILE.fields())))
    assert not found.problems
    assert {f: getattr(found, f) for f in HOSTILE.fields()} == HOSTILE.fields()


def test_packet_is_well_formed_xml_with_escaped_values():
    packet = xmp_packet(HOSTILE.fields())
    body = packet[packet.index(b"<x:xmpmeta"):packet.rindex(b"<?xpacket")]
    ET.fromstring(body)  # raises on anything unescaped
    assert b"<script>" not in packet and b"&lt;script&gt;" in packet
    assert "東京".encode() in packet  # UTF-8, not character references


def test_creator_is_an_ordered_list_and_the_rest_langalt_x_default():
    packet = xmp_packet({"creator": "Ann; Bob", "copyright": "(c) A", "credit": "AP"})
    root = ET.fromstring(packet[packet.index(b"<x:xmpmeta"):packet.rindex(b"<?xpacket")])
    rdf, dc = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}", "{http://purl.org/dc/elements/1.1/}"
    assert [li.text for li in root.iterfind(f".//{dc}creator/{rdf}Seq/{rdf}li")] == ["Ann", "Bob"]
    alt = root.find(f".//{dc}rights/{rdf}Alt/{rdf}li")
    assert alt.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default"


def test_characters_xml_cannot_carry_are_dropped():
    found = _read(_jpeg_with(xmp_packet({"caption": "a\x00b\x07c\x1bd"})))
    assert found.caption == "abcd" and not found.problems


def test_only_the_public_fields_are_written():
    packet = xmp_packet({"credit": "AP", "instructions": "secret", "gps": "48N"})
    assert b"AP" in packet and b"secret" not in packet and b"48N" not in packet


def test_nothing_to_say_means_no_packet_no_exif_and_no_digest():
    empty = PublicMetadata()
    assert empty.xmp() is None and empty.exif() is None and empty.digest() == ""


def test_the_digest_follows_the_fields():
    assert PublicMetadata(credit="AP").digest() != PublicMetadata(credit="Reuters").digest()
    assert PublicMetadata(credit="AP").digest() == PublicMetadata(credit="AP").digest()


def _photo_with_gps() -> Image.Image:
    exif = exif_block(copyright="(c) old", artist="Old", make="Babbage & Co",
                      gps=(51.0, 30.0, 0.0))
    data = io.BytesIO()
    quadrants(64).save(data, "JPEG", exif=exif, icc_profile=colour.srgb_profile())
    return loading.open_full(data, max_pixels=10**6)


@pytest.mark.parametrize("fmt", encoding.FORMATS)
def test_every_format_carries_the_fields_and_no_gps(fmt):
    data = rendering.render(_photo_with_gps(), (0, 0, 64, 64), (32, 32), fmt=fmt, quality=80,
                            metadata=HOSTILE)
    found = _read(data)
    assert {f: getattr(found, f) for f in HOSTILE.fields()} == HOSTILE.fields()
    out = Image.open(io.BytesIO(data))
    exif = out.getexif()
    assert 0x8825 not in exif and 0x010F not in exif  # no GPS, no camera make
    assert exif[0x013B].encode("latin-1").decode() == HOSTILE.creator  # the asset's, not "Old"
    assert out.info.get("icc_profile") == colour.srgb_profile()


@pytest.mark.parametrize("fmt", encoding.FORMATS)
def test_exiftool_reads_what_every_format_carries(fmt, tmp_path):
    needs_exiftool()
    path = tmp_path / f"out.{encoding.EXTENSIONS[fmt]}"
    path.write_bytes(rendering.render(_photo_with_gps(), (0, 0, 64, 64), (32, 32), fmt=fmt,
                                      quality=80, metadata=HOSTILE))
    found = exiftool_json(path, "-XMP-photoshop:Credit", "-XMP-dc:Creator", "-XMP-dc:Rights",
                          "-XMP-dc:Description", "-XMP-xmpRights:UsageTerms",
                          "-XMP-iptcCore:AltTextAccessibility", "-XMP-photoshop:Headline",
                          "-EXIF:Artist", "-EXIF:Copyright", "-GPS:all")
    assert found["Credit"] == HOSTILE.credit and found["Headline"] == HOSTILE.headline
    assert found["Creator"] == ["Ann <O'Neil> & Co", 'Zoë "Z" Kowalska']
    assert found["Rights"] == found["Copyright"] == HOSTILE.copyright
    assert found["Description"] == HOSTILE.caption
    assert found["UsageTerms"] == HOSTILE.usage_terms
    assert found["AltTextAccessibility"] == HOSTILE.alt_text
    assert found["Artist"] == HOSTILE.creator
    assert not any(k.startswith("GPS") for k in found)


def test_without_metadata_the_source_exif_is_filtered_as_before():
    out = Image.open(io.BytesIO(rendering.render(_photo_with_gps(), (0, 0, 64, 64), (32, 32),
                                                 fmt="jpeg", quality=80)))
    assert out.getexif().get(0x013B) == "Old" and "xmp" not in out.info


def _jpeg_with(packet: bytes) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", xmp=packet)
    return buf.getvalue()
