"""Photo metadata in (issue 23): the shared photos real tools wrote, files exiftool writes,
and a table of bad metadata that must be trimmed or refused with a message, never crash."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from renditions.engine import metadata
from renditions.engine.metadata_iim import decode_guess
from tests.unit._metadata import (METADATA, alt, bag, exiftool_json, iim, jpeg, needs_exiftool,
                                  needs_shared, png, write_with_exiftool, xmp)

# --- The shared photos (IPTC's reference, Photoshop, Photo Mechanic, Frameright) ----------

REFERENCE = {
    "headline": "The Headline (ref2021.1)",
    "caption": "The description aka caption (ref2021.1)",
    "alt_text": "This is the Alt Text description to support accessibility in 2021.1",
    "creator": "Creator1 (ref2021.1)",
    "credit": "Credit Line (ref2021.1)",
    "copyright": "Copyright (Notice) 2021.1 IPTC - www.iptc.org  (ref2021.1)",
    "usage_terms": "Rights Usage Terms (ref2021.1)",
    "source": "Source (ref2021.1)",
    "instructions": "An Instruction (ref2021.1)",
    "date_created": "2021-10-20T21:01:01+00:00",
    "city": "City (Core) (ref2021.1)",
    "country": "Country (Core) (ref2021.1)",
    "object_name": "The Title (ref2021.1)",
}


@needs_shared
def test_the_iptc_reference_photo_gives_every_field():
    found = metadata.read(METADATA / "IPTC-PhotometadataRef-Std2021.1.jpg")
    assert {name: getattr(found, name) for name in REFERENCE} == REFERENCE
    assert found.keywords == ("Keyword1ref2021.1", "Keyword2ref2021.1", "Keyword3ref2021.1")
    assert found.title() == "The Headline (ref2021.1)"
    assert found.problems == ()
    assert set(found.raw) == {"xmp", "iim", "exif", "regions"}  # regions: test_regions
    assert found.raw["iim"]["2:120"] == ["The description aka caption (ref2021.1)"]


@needs_shared
@pytest.mark.parametrize("name, expected", [
    ("metaphotoshop.jpg", {"headline": "Headline"}),
    ("metapm.png", {"headline": "Headline", "caption": "Caption",
                    "date_created": "2014-12-09T15:11:04+00:00"}),
    ("frameright.jpg", {}),
])
def test_photoshop_photo_mechanic_and_frameright_files(name, expected):
    found = metadata.read(METADATA / name)
    read = {k: getattr(found, k) for k in metadata.TEXT_FIELDS if getattr(found, k)}
    assert read == expected and found.problems == ()
    assert found.keywords == (("Keywords",) if name == "metapm.png" else ())


@needs_shared
def test_frameright_keeps_its_image_region_in_the_raw_record():
    raw = metadata.read(METADATA / "frameright.jpg").raw["xmp"]
    assert "4:3 Horizontal" in str(raw["Iptc4xmpExt:ImageRegion"])


# --- Written by hand: precedence, LangAlt, charsets ------------------------------------

def test_xmp_wins_over_iim_and_iim_over_exif():
    exif = Image.Exif()
    exif[0x013B], exif[0x8298], exif[0x010E] = "Exif Artist", "Exif Copyright", "Exif caption"
    block = iim((2, 120, b"IIM caption"), (2, 80, b"IIM Byline"), (2, 110, b"IIM credit"))
    found = metadata.read(jpeg(xmp_packet=xmp("<dc:description>" + alt(("x-default", "XMP caption"))
                                              + "</dc:description>"),
                               iim_block=block, exif=exif))
    assert (found.caption, found.creator, found.credit, found.copyright) == (
        "XMP caption", "IIM Byline", "IIM credit", "Exif Copyright")


@pytest.mark.parametrize("pairs, expected", [
    ((("fr", "Légende"), ("x-default", "Caption")), "Caption"),
    ((("de", "Bildunterschrift"), ("fr", "Légende")), "Bildunterschrift"),
])
def test_langalt_picks_x_default_else_the_first(pairs, expected):
    found = metadata.read(jpeg(xmp_packet=xmp(f"<dc:description>{alt(*pairs)}</dc:description>")))
    assert found.caption == expected


@pytest.mark.parametrize("raw, charset, expected", [
    ("Zürich, café".encode("utf-8"), b"\x1b%G", "Zürich, café"),
    ("Zürich, café".encode("utf-8"), b"", "Zürich, café"),
    ("Zürich, café, Émile".encode("latin-1"), b"", "Zürich, café, Émile"),
    ("Zürich, café, Émile".encode("mac_roman"), b"", "Zürich, café, Émile"),
    ("ZÜRICH À PÂQUES".encode("mac_roman"), b"", "ZÜRICH À PÂQUES"),
    ("don’t “quote” – Straße".encode("cp1252"), b"", "don’t “quote” – Straße"),
    ("Łódź".encode("utf-8"), b"\x1b%G", "Łódź"),
    ("São Paulo".encode("latin-1"), b"\x1b-A", "São Paulo"),
])
def test_iim_text_by_declared_charset_or_a_sane_guess(raw, charset, expected):
    block = iim(*([(1, 90, charset)] if charset else []), (2, 90, raw))
    assert metadata.read(jpeg(iim_block=block)).city == expected


def test_iim_dates_may_be_partial():
    read = lambda *d: metadata.read(jpeg(iim_block=iim(*d))).date_created  # noqa: E731
    assert read((2, 55, b"20211020"), (2, 60, b"210101+0200")) == "2021-10-20T21:01:01+02:00"
    assert read((2, 55, b"20211000")) == "2021-10"
    assert read((2, 55, b"20210000")) == "2021"


def test_gps_and_serial_numbers_are_private_only():
    exif = Image.Exif()
    exif[0x013B] = "Artist"
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)  # GPSLatitude
    exif.get_ifd(0x8769)[0xA431] = "SN-12345"  # BodySerialNumber
    body = '<exif:GPSLatitude>48,51.4N</exif:GPSLatitude><aux:SerialNumber>SN-9</aux:SerialNumber>'
    found = metadata.read(jpeg(exif=exif, xmp_packet=xmp(body)))
    assert found.private["BodySerialNumber"] == "SN-12345" and "gps" in found.private
    assert found.private["exif:GPSLatitude"] == "48,51.4N"
    assert found.private["aux:SerialNumber"] == "SN-9"
    raw = str(found.raw)
    assert "SN-" not in raw and "GPS" not in raw and "48" not in raw


# --- Bad metadata: trimmed or refused with a message, never a crash --------------------

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
                    for i in range(1, 10))
          + ']>')
HUGE = "x" * 1_000_000


def _bad_cases():
    headline = "<photoshop:Headline>XMP headline</photoshop:Headline>"
    return {
        "broken XML": (jpeg(xmp_packet=xmp(headline)[:-60], iim_block=iim((2, 105, b"IIM head"))),
                       {"headline": "IIM head"}, "XMP unreadable"),
        "billion laughs": (png(xmp_packet=xmp("<photoshop:Headline>&lol9;</photoshop:Headline>",
                                              prolog=LAUGHS)),
                           {"headline": ""}, "XMP refused"),
        "1 MB XMP caption": (png(xmp_packet=xmp(f"<dc:description>{alt(('x-default', HUGE))}"
                                                "</dc:description>")),
                             {"caption": "x" * metadata.LONG}, "caption: 1,000,000 characters"),
        "60 KB IIM caption": (jpeg(iim_block=iim((2, 120, b"y" * 60_000))),
                              {"caption": "y" * metadata.LONG}, "caption: 60,000 characters"),
        "NULs in IIM": (jpeg(iim_block=iim((2, 105, b"Head\x00line\x00"))),
                        {"headline": "Headline"}, "control characters"),
        "NULs in XMP": (jpeg(xmp_packet=xmp(headline).replace(b"XMP ", b"XMP\x00 ")),
                        {"headline": "XMP headline"}, None),
        "Latin-1 IIM beside UTF-8 XMP": (
            jpeg(xmp_packet=xmp("<dc:description>" + alt(("x-default", "Café à Zürich"))
                                + "</dc:description>"),
                 iim_block=iim((2, 120, "Café à Zürich".encode("latin-1")),
                               (2, 90, "Genève".encode("latin-1")))),
            {"caption": "Café à Zürich", "city": "Genève"}, None),
        "Mac Roman IIM": (jpeg(iim_block=iim((2, 120, "Crédit: Zoë Müller".encode("mac_roman"))),
                          ), {"caption": "Crédit: Zoë Müller"}, None),
        "truncated IIM": (jpeg(iim_block=iim((2, 105, b"Head"), (2, 120, b"Caption"))[:-6]),
                          {"headline": "Head", "caption": "C"}, "IIM: the block is damaged"),
        "100 keywords": (jpeg(xmp_packet=xmp("<dc:subject>" + bag(*(f"k{i}" for i in range(100)))
                                             + "</dc:subject>")),
                         {"keywords": tuple(f"k{i}" for i in range(64))}, "keywords: 100"),
        "bad date": (jpeg(xmp_packet=xmp("<photoshop:DateCreated>yesterday"
                                         "</photoshop:DateCreated>")),
                     {"date_created": ""}, "date_created: 'yesterday'"),
        "20 MB XMP zipped to 20 KB": (
            png(xmp_packet=xmp(f"<dc:description>{alt(('x-default', 'z' * 20_000_000))}"
                               "</dc:description>"), compressed=True),
            {"caption": ""}, "inflates past 16,777,216 bytes"),
        "not an image": (io.BytesIO(b"GIF89a nonsense" * 10), {"caption": ""},
                         "could not be read"),
    }


BAD = _bad_cases()


@pytest.mark.parametrize("case", list(BAD))
def test_bad_metadata_is_trimmed_or_refused_with_a_message(case):
    file, expected, problem = BAD[case]
    found = metadata.read(file)
    assert {k: getattr(found, k) for k in expected} == expected
    if problem is None:
        assert found.problems == ()
    else:
        assert any(problem in p for p in found.problems), found.problems
    assert file.tell() == 0


def test_the_wordiness_guess_keeps_windows_1252_when_in_doubt():
    assert decode_guess("naïve déjà".encode("cp1252")) == "naïve déjà"
    assert decode_guess(b"plain ascii") == "plain ascii"


# --- Written by exiftool (an independent writer and reader) ----------------------------

FIELDS_BY_EXIFTOOL = {
    "headline": "-XMP-photoshop:Headline=Der Zürcher Föhn",
    "caption": "-XMP-dc:Description=Légende « française » ✓",
    "alt_text": "-XMP-iptcCore:AltTextAccessibility=A lake under föhn clouds",
    "creator": "-XMP-dc:Creator=José Ñúñez",
    "credit": "-XMP-photoshop:Credit=Agence Été",
    "copyright": "-XMP-dc:Rights=© 2024 Agence Été",
    "usage_terms": "-XMP-xmpRights:UsageTerms=Editorial use only",
    "source": "-XMP-photoshop:Source=Wire",
    "instructions": "-XMP-photoshop:Instructions=Embargo until noon",
    "city": "-XMP-photoshop:City=Zürich",
    "country": "-XMP-photoshop:Country=Schweiz",
}


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_xmp_written_by_exiftool_in_every_format(tmp_path, fmt):
    needs_exiftool()
    path = tmp_path / f"photo.{fmt.lower()}"
    Image.new("RGB", (32, 24), (10, 20, 30)).save(path, fmt)
    write_with_exiftool(path, *FIELDS_BY_EXIFTOOL.values(), "-XMP-dc:Subject=Föhn",
                        "-XMP-dc:Subject=See",
                        "-XMP-photoshop:DateCreated=2024:03:01 08:15:00+01:00")
    found = metadata.read(path)
    assert {k: getattr(found, k) for k in FIELDS_BY_EXIFTOOL} == {
        k: v.split("=", 1)[1] for k, v in FIELDS_BY_EXIFTOOL.items()}
    assert found.keywords == ("Föhn", "See")
    assert found.date_created == "2024-03-01T08:15:00+01:00"
    assert exiftool_json(path, "-XMP-photoshop:Headline")["Headline"] == found.headline


@pytest.mark.parametrize("charset, declared", [("UTF8", True), ("Latin", False)])
def test_iim_written_by_exiftool_in_a_charset(tmp_path, charset, declared):
    needs_exiftool()
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 24)).save(path)
    args = ["-charset", f"iptc={charset}", "-IPTC:Caption-Abstract=Bürgermeister à Genève",
            "-IPTC:By-line=Zoë", "-IPTC:By-line=Jürgen", "-IPTC:Keywords=Öl",
            "-IPTC:ObjectName=Rathaus", "-IPTC:DateCreated=2023:07:14",
            "-IPTC:TimeCreated=09:30:00+02:00"]
    if declared:
        args.append("-IPTC:CodedCharacterSet=UTF8")
    write_with_exiftool(path, *args)
    found = metadata.read(path)
    assert found.caption == "Bürgermeister à Genève"
    assert found.creator == "Zoë; Jürgen" and found.keywords == ("Öl",)
    assert found.title() == "Rathaus" and found.date_created == "2023-07-14T09:30:00+02:00"
    assert ("1:090" in found.raw["iim"]) == declared
    assert found.problems == ()


def test_gps_and_serials_written_by_exiftool_stay_private(tmp_path):
    needs_exiftool()
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 24)).save(path)
    write_with_exiftool(path, "-GPSLatitude=48.8584", "-GPSLatitudeRef=N",
                        "-ExifIFD:SerialNumber=CAM-777", "-EXIF:Artist=Ann",
                        "-XMP-aux:SerialNumber=CAM-777")
    found = metadata.read(path)
    assert found.creator == "Ann"
    assert "CAM-777" not in str(found.raw) and "gps" in found.private
    assert found.private["BodySerialNumber"] == "CAM-777"


def test_a_huge_photo_s_header_is_read_without_a_bomb_warning():
    """Only metadata is read: a 12,000 x 9,000 header (over Pillow's 89 MP warning) gives
    its fields and no DecompressionBombWarning; the pixel limit is the upload probe's."""
    import warnings

    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = (9000).to_bytes(2, "big") + (12000).to_bytes(2, "big")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        found = metadata.read(io.BytesIO(bytes(data)))
    assert found.problems == ()


def test_utf8_in_exif_ascii_tags_is_read_as_utf8(tmp_path):
    """exiftool (like most cameras' firmware and tools) writes UTF-8 bytes into EXIF's
    ASCII tags; Pillow hands them over decoded as Latin-1."""
    needs_exiftool()
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 24)).save(path)
    write_with_exiftool(path, "-EXIF:Artist=José Müller", "-EXIF:Copyright=© Zoë Ltd")
    found = metadata.read(path)
    assert found.creator == "José Müller" and found.raw["exif"]["creator"] == "José Müller"
    assert found.copyright == "© Zoë Ltd"
    # Latin-1 bytes that are not UTF-8 stay as they are
    write_with_exiftool(path, "-charset", "exif=Latin", "-EXIF:Artist=Ann Ørsted")
    assert metadata.read(path).creator == "Ann Ørsted"


def test_a_jpegs_extended_xmp_is_joined_and_a_cut_one_is_a_problem(tmp_path):
    """XMP over 64 KB goes on in 'extended XMP' APP1 chunks (exiftool and Photoshop
    write them); what lives only there is read too."""
    needs_exiftool()
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 24)).save(path)
    long_caption = "Harbour storm. " * 6000  # 90 KB: exiftool moves it to the extension
    (tmp_path / "caption.txt").write_text(long_caption)
    write_with_exiftool(path, f"-XMP-dc:Description<={tmp_path / 'caption.txt'}",
                        "-XMP-photoshop:Headline=Storm", "-XMP-dc:Creator=Ann")
    data = path.read_bytes()
    assert data.count(b"http://ns.adobe.com/xmp/extension/\x00") >= 2
    found = metadata.read(path)
    assert found.headline == "Storm" and found.creator == "Ann"
    assert found.caption.startswith("Harbour storm. Harbour storm.")
    # the last chunk cut out: the main packet still counts, the rest is a problem
    last = data.rindex(b"\xff\xe1")
    length = int.from_bytes(data[last + 2:last + 4], "big")
    cut = metadata.read(io.BytesIO(data[:last] + data[last + 2 + length:]))
    assert cut.headline == "Storm" and cut.caption == ""
    assert any("Extended XMP" in p for p in cut.problems)
