"""IPTC Image Regions in the engine: read from files exiftool wrote (and the shared
Frameright photo), written into JPEG and PNG XMP without touching the pixels, read
back by exiftool; orientation, units, shapes and garbage."""
from __future__ import annotations

import io
import json
import subprocess

import pytest
from PIL import Image, ImageOps

from renditions.engine import metadata
from renditions.engine.geometry import NormBox
from renditions.engine.regions import (AREA_OF_INTEREST, CROPPING, MAIN_SUBJECT, Region,
                                       aspect_matches, focus, from_iptc, from_xmp,
                                       to_oriented, to_stored)
from renditions.engine.regions_embed import with_regions, xmp_with_regions
from tests.unit._metadata import (EXIFTOOL, METADATA, exiftool_json, needs_exiftool,
                                  needs_shared)

ROLE = "http://cv.iptc.org/newscodes/imageregionrole/"


def _photo(path, size=(400, 300), fmt="JPEG"):
    Image.new("RGB", size, (200, 40, 40)).save(path, fmt)
    return path


def _with_exiftool(path, regions: list[dict], *args: str):
    """Write ``regions`` (exiftool's struct form) into ``path`` with exiftool."""
    needs_exiftool()
    spec = path.with_suffix(".json")
    spec.write_text(json.dumps([{"SourceFile": str(path), "ImageRegion": regions}]))
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", f"-j={spec}", *args, str(path)],
                   check=True)
    return path


def _rect(x, y, w, h, role, unit="relative", **extra):
    return {"RegionBoundary": {"RbShape": "rectangle", "RbUnit": unit, "RbX": x, "RbY": y,
                               "RbW": w, "RbH": h},
            "RRole": [{"Identifier": [ROLE + role]}], **extra}


def _close(box, expected, tol=1e-4):
    return all(abs(a - b) <= tol for a, b in zip(box, expected))


# -- reading -------------------------------------------------------------------------------

@needs_shared
def test_frameright_photo_has_its_cropping_region():
    found = metadata.read(METADATA / "frameright.jpg")
    (region,) = found.regions
    assert region.roles == (CROPPING,)
    assert _close(region.box, (0.0375, 0.0, 0.9265625, 1.0))
    assert aspect_matches(region.box, (640, 427), (4, 3))
    assert found.raw["regions"][0]["rRole"][0]["identifiers"] == [ROLE + "cropping"]


@needs_shared
def test_the_iptc_reference_photo_gives_its_three_shapes():
    """A rectangle, a circle (its radius counts the width: 2000 x 1000 px) and a
    polygon, with roles of no vocabulary we know: read, but no role."""
    rect, circle, polygon = metadata.read(
        METADATA / "IPTC-PhotometadataRef-Std2021.1.jpg").regions
    assert _close(rect.box, (0.31, 0.18, 0.437, 0.565))
    assert _close(circle.box, (0.522, 0.29, 0.658, 0.562))
    assert _close(polygon.box, (0.05, 0.041, 0.375, 0.863))
    assert (rect.name, rect.roles) == ("Listener 1", ())
    assert focus([rect, circle, polygon]) is None


def test_exiftool_written_cropping_and_main_subject(tmp_path):
    path = _with_exiftool(_photo(tmp_path / "a.jpg"), [
        _rect(0.1, 0.2, 0.5, 0.6, "cropping", RId="c1", Name="Wide"),
        _rect(0.4, 0.4, 0.2, 0.1, "mainSubjectArea")])
    found = metadata.read(path)
    assert not found.problems
    crop, subject = found.regions
    assert crop.roles == (CROPPING,) and crop.rid == "c1" and crop.name == "Wide"
    assert _close(crop.box, (0.1, 0.2, 0.6, 0.8))
    assert subject.roles == (MAIN_SUBJECT,) and _close(subject.box, (0.4, 0.4, 0.6, 0.5))
    assert focus(list(found.regions)) is subject


def test_pixel_units_circle_and_polygon(tmp_path):
    circle = {"RegionBoundary": {"RbShape": "circle", "RbUnit": "pixel", "RbX": 200,
                                 "RbY": 150, "RbRx": 40},
              "RRole": [{"Identifier": [ROLE + "areaOfInterest"]}]}
    polygon = {"RegionBoundary": {"RbShape": "polygon", "RbUnit": "relative", "RbVertices": [
        {"RbX": 0.2, "RbY": 0.1}, {"RbX": 0.7, "RbY": 0.3}, {"RbX": 0.4, "RbY": 0.9}]},
        "RRole": [{"Identifier": [ROLE + "areaOfInterest"]}]}
    path = _with_exiftool(_photo(tmp_path / "a.jpg"), [
        _rect(40, 30, 200, 150, "cropping", unit="pixel"), circle, polygon])
    crop, round_, poly = metadata.read(path).regions
    assert _close(crop.box, (0.1, 0.1, 0.6, 0.6))
    assert _close(round_.box, (160 / 400, 110 / 300, 240 / 400, 190 / 300))
    assert _close(poly.box, (0.2, 0.1, 0.7, 0.9))
    assert focus([crop, round_, poly]) is poly  # the largest area of interest


def test_regions_are_turned_by_the_exif_orientation(tmp_path):
    """Stored 400x300 turned 90 degrees clockwise (6): shown 300x400."""
    path = _with_exiftool(_photo(tmp_path / "a.jpg"), [_rect(0.0, 0.0, 0.5, 0.25, "cropping")],
                          "-Orientation#=6")
    (region,) = metadata.read(path).regions
    assert _close(region.box, (0.75, 0.0, 1.0, 0.5))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_maps_match_pillow(orientation):
    """A marked block of the stored pixels lands where ``to_oriented`` says, once
    Pillow applies the orientation; ``to_stored`` brings it back."""
    im = Image.new("L", (40, 20), 0)
    im.paste(255, (4, 2, 12, 8))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "PNG", exif=exif)
    shown = ImageOps.exif_transpose(Image.open(buf))
    x0, y0, x1, y1 = shown.getbbox()
    w, h = shown.size
    stored = NormBox(4 / 40, 2 / 20, 12 / 40, 8 / 20)
    assert _close(to_oriented(stored, orientation), (x0 / w, y0 / h, x1 / w, y1 / h))
    assert _close(to_stored(to_oriented(stored, orientation), orientation), stored)


@pytest.mark.parametrize("boundary, problem", [
    ({"Iptc4xmpExt:rbShape": "rectangle", "Iptc4xmpExt:rbX": "abc", "Iptc4xmpExt:rbY": "0",
      "Iptc4xmpExt:rbW": "1", "Iptc4xmpExt:rbH": "1"}, "could not convert"),
    ({"Iptc4xmpExt:rbX": "nan", "Iptc4xmpExt:rbY": "0", "Iptc4xmpExt:rbW": "1",
      "Iptc4xmpExt:rbH": "1"}, "rbX is nan"),
    ({"Iptc4xmpExt:rbX": "3", "Iptc4xmpExt:rbY": "0", "Iptc4xmpExt:rbW": "1",
      "Iptc4xmpExt:rbH": "1"}, "outside the image"),
    ({"Iptc4xmpExt:rbX": "0.5", "Iptc4xmpExt:rbY": "0", "Iptc4xmpExt:rbW": "0",
      "Iptc4xmpExt:rbH": "1"}, "no area"),
    ({"Iptc4xmpExt:rbShape": "star", "Iptc4xmpExt:rbX": "0"}, "shape 'star'"),
    ("a string", "no boundary"),
])
def test_garbage_is_ignored_and_said(boundary, problem):
    problems: list[str] = []
    value = [{"Iptc4xmpExt:RegionBoundary": boundary, "Iptc4xmpExt:rRole": ROLE + "cropping"}]
    assert from_xmp(value, (400, 300), 1, problems) == []
    assert any(problem in p for p in problems), problems


def test_a_region_a_little_past_the_edge_is_clamped_and_said():
    problems: list[str] = []
    value = {"Iptc4xmpExt:RegionBoundary": {"Iptc4xmpExt:rbX": "-0.01", "Iptc4xmpExt:rbY": "0",
                                            "Iptc4xmpExt:rbW": "1.02",
                                            "Iptc4xmpExt:rbH": "0.5"}}
    (region,) = from_xmp(value, (400, 300), 1, problems)
    assert region.box == NormBox(0.0, 0.0, 1.0, 0.5) and "clamped" in problems[0]


def test_a_broken_region_never_breaks_the_read(tmp_path):
    path = _with_exiftool(_photo(tmp_path / "a.jpg"), [
        _rect(0.1, 0.1, 0.0, 0.5, "cropping"), _rect(0.2, 0.2, 0.5, 0.5, "cropping")],
        "-XMP-dc:Title=Still read")
    found = metadata.read(path)
    assert found.title() == "Still read" and len(found.regions) == 1
    assert any("no area" in p for p in found.problems)


def test_aspect_match_is_within_one_percent():
    box = NormBox(0, 0, 0.8, 0.9)  # 320 x 270 px of 400 x 300: 1.185
    assert aspect_matches(box, (400, 300), (32, 27))
    assert aspect_matches(box, (400, 300), (6, 5), tolerance=0.02)
    assert not aspect_matches(box, (400, 300), (6, 5))  # 1.2: 1.25 % off
    assert not aspect_matches(box, (400, 300), (16, 9))


def test_iptc_json_form_round_trips():
    region = Region(box=NormBox(0.1, 0.2, 0.6, 0.7), roles=(CROPPING,), name="hero",
                    rid="crop-hero")
    data = region.iptc()
    assert data["regionBoundary"] == {
        "regionBoundaryShape": "rectangle", "regionBoundaryUnit": "relative",
        "regionBoundaryX": 0.1, "regionBoundaryY": 0.2, "regionBoundaryW": 0.5,
        "regionBoundaryH": 0.5}
    assert data["rRole"] == [{"identifiers": [ROLE + "cropping"],
                              "name": {"x-default": "cropping"}}]
    assert from_iptc(json.loads(json.dumps(data))) == Region(
        box=NormBox(0.1, 0.2, 0.6, 0.7), roles=(CROPPING,), name="hero", rid="crop-hero")


# -- writing --------------------------------------------------------------------------------

REGIONS = [Region(box=NormBox(0.1, 0.2, 0.5, 0.6), roles=(CROPPING,), name="hero",
                  rid="crop-hero"),
           Region(box=NormBox(0.3, 0.3, 0.4, 0.5), roles=(AREA_OF_INTEREST,), name="Face",
                  rid="face-1")]


def _written(path, regions=REGIONS) -> bytes:
    with open(path, "rb") as fp:
        out = with_regions(fp, regions)
        assert out is not None
        return b"".join(out)


def _exiftool_regions(path) -> list[dict]:
    needs_exiftool()
    return exiftool_json(path, "-struct", "-XMP-iptcExt:ImageRegion").get("ImageRegion", [])


def test_jpeg_gets_the_regions_and_keeps_everything_else(tmp_path):
    source = _with_exiftool(_photo(tmp_path / "a.jpg"), [_rect(0, 0, 1, 1, "cropping",
                                                               RId="old")],
                            "-XMP-dc:Title=Kept", "-EXIF:Artist=Ann")
    data = _written(source)
    out = tmp_path / "b.jpg"
    out.write_bytes(data)
    found = _exiftool_regions(out)
    assert [r["RId"] for r in found] == ["crop-hero", "face-1"]  # the old bag replaced
    hero = found[0]["RegionBoundary"]
    assert (hero["RbX"], hero["RbY"], hero["RbW"], hero["RbH"]) == (0.1, 0.2, 0.4, 0.4)
    assert found[0]["RRole"][0]["Identifier"] == [ROLE + "cropping"]
    assert exiftool_json(out, "-XMP-dc:Title", "-EXIF:Artist") | {"SourceFile": ""} == {
        "SourceFile": "", "Title": "Kept", "Artist": "Ann"}
    original = source.read_bytes()
    sos = original.index(b"\xff\xda")
    assert data.endswith(original[sos:])  # the entropy-coded data, byte for byte
    assert Image.open(out).tobytes() == Image.open(source).tobytes()
    back = metadata.read(out).regions
    assert [(r.roles, r.name, r.rid) for r in back] == [(r.roles, r.name, r.rid) for r in REGIONS]
    assert all(_close(a.box, b.box) for a, b in zip(back, REGIONS))


def test_jpeg_without_xmp_gets_a_segment_after_exif(tmp_path):
    source = _photo(tmp_path / "a.jpg")
    out = tmp_path / "b.jpg"
    out.write_bytes(_written(source))
    assert [r["RId"] for r in _exiftool_regions(out)] == ["crop-hero", "face-1"]


def test_rotated_jpeg_gets_regions_in_its_stored_grid(tmp_path):
    source = _with_exiftool(_photo(tmp_path / "a.jpg"), [], "-Orientation#=6")
    out = tmp_path / "b.jpg"
    out.write_bytes(_written(source))
    hero = _exiftool_regions(out)[0]["RegionBoundary"]
    # shown (0.1, 0.2)-(0.5, 0.6) of a 90-degree clockwise turn: stored x = y', y = 1 - x'
    assert (hero["RbX"], hero["RbY"], hero["RbW"], hero["RbH"]) == (0.2, 0.5, 0.4, 0.4)
    assert _close(metadata.read(out).regions[0].box, REGIONS[0].box)


def test_png_gets_the_regions_in_an_itxt_chunk(tmp_path):
    source = _with_exiftool(_photo(tmp_path / "a.png", fmt="PNG"),
                            [_rect(0, 0, 1, 1, "cropping", RId="old")], "-XMP-dc:Title=Kept")
    out = tmp_path / "b.png"
    out.write_bytes(_written(source))
    assert [r["RId"] for r in _exiftool_regions(out)] == ["crop-hero", "face-1"]
    assert exiftool_json(out, "-XMP-dc:Title")["Title"] == "Kept"
    assert Image.open(out).tobytes() == Image.open(source).tobytes()
    assert len(metadata.read(out).regions) == 2


def test_other_formats_and_unparsable_xmp_are_left_alone(tmp_path):
    webp = tmp_path / "a.webp"
    Image.new("RGB", (40, 30)).save(webp, "WEBP")
    with open(webp, "rb") as fp:
        assert with_regions(fp, REGIONS) is None
    assert xmp_with_regions(b"<x:xmpmeta><rdf:RDF", REGIONS) is None
    packet = xmp_with_regions(None, REGIONS)
    problems: list[str] = []
    assert len(from_xmp(metadata.xmp.parse(packet, problems)["raw"][
        "Iptc4xmpExt:ImageRegion"], (10, 10), 1, problems)) == 2 and not problems


def test_a_truncated_jpeg_is_left_alone(tmp_path):
    data = _photo(tmp_path / "a.jpg").read_bytes()
    sos = data.index(b"\xff\xda")
    for cut in (data[:sos - 3], data[:4] + b"\xff\xff" + data[6:sos]):
        with pytest.raises(Exception):
            Image.open(io.BytesIO(cut)).load()
        assert with_regions(io.BytesIO(cut), REGIONS) is None
