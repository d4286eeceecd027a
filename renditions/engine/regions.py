"""IPTC Image Regions: read from an XMP struct, written as the IPTC JSON form.

A ``Region``'s box is normalised 0-1 of the *oriented* original (the engine's space).
In the file, regions are in the stored pixel grid, before EXIF Orientation: the IPTC
standard measures a region on the image "as stored" (its pixel unit counts stored
pixels), so reading turns them with the file's orientation and writing turns them
back (``to_oriented`` / ``to_stored``). Circles and polygons are read as their
bounding box. A value that is not a number, or a region of no area, is left out with
a line in ``problems``; one a little outside the image is clamped (said so too).
Pure: the standard library only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .geometry import NormBox

ROLE_URI = "http://cv.iptc.org/newscodes/imageregionrole/"
CROPPING, MAIN_SUBJECT, AREA_OF_INTEREST = "cropping", "mainSubjectArea", "areaOfInterest"
#: Regions read from one file at most (a file may list thousands; the rest are ignored).
MAX_REGIONS = 64
#: How far outside 0-1 (relative) a boundary may reach and still be clamped, not refused.
SLACK = 0.05


@dataclass(frozen=True)
class Region:
    """One image region: ``box`` normalised 0-1 of the oriented original, ``roles``
    as the codes of the IPTC image region role vocabulary ("cropping")."""

    box: NormBox
    roles: tuple[str, ...] = ()
    name: str = ""
    rid: str = ""

    def iptc(self) -> dict:
        """The region in the IPTC Photo Metadata JSON form (``imageRegion`` entries)."""
        x0, y0, x1, y1 = self.box
        out = {"regionBoundary": {
            "regionBoundaryShape": "rectangle", "regionBoundaryUnit": "relative",
            "regionBoundaryX": _r(x0), "regionBoundaryY": _r(y0),
            "regionBoundaryW": _r(x1 - x0), "regionBoundaryH": _r(y1 - y0)}}
        if self.rid:
            out["rId"] = self.rid
        if self.name:
            out["name"] = {"x-default": self.name}
        out["rRole"] = [{"identifiers": [ROLE_URI + role], "name": {"x-default": role}}
                        for role in self.roles]
        return out


def _r(value: float) -> float:
    return round(value, 6)


def from_iptc(entry: dict) -> Region:
    """A region back from ``Region.iptc()`` (relative rectangles only), e.g. one kept
    in a JSON column."""
    b = entry["regionBoundary"]
    x, y = float(b["regionBoundaryX"]), float(b["regionBoundaryY"])
    box = NormBox(x, y, x + float(b["regionBoundaryW"]), y + float(b["regionBoundaryH"]))
    roles = tuple(i.rsplit("/", 1)[-1] for r in entry.get("rRole", ())
                  for i in r.get("identifiers", ()))
    name = entry.get("name") or {}
    return Region(box=box, roles=roles, name=next(iter(name.values()), "") if isinstance(
        name, dict) else str(name), rid=entry.get("rId", ""))


# -- reading: the XMP struct as ``metadata_xmp`` parses it ---------------------------

def from_xmp(value, stored_size: tuple[int, int], orientation: int,
             problems: list[str]) -> list[Region]:
    """The regions of an ``Iptc4xmpExt:ImageRegion`` value (a list of structs, keys
    "Iptc4xmpExt:rbX" and the like); ``stored_size`` is (W, H) px as stored."""
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_REGIONS:
        problems.append(f"image regions: {len(items):,} of them, the first {MAX_REGIONS} read.")
    regions = []
    for number, item in enumerate(items[:MAX_REGIONS], 1):
        region = _region(item, stored_size, orientation, problems, number)
        if region is not None:
            regions.append(region)
    return regions


def _region(item, stored_size, orientation, problems, number) -> Region | None:
    if not isinstance(item, dict):
        problems.append(f"image region {number}: not a structure; ignored.")
        return None
    box = _boundary(_get(item, "RegionBoundary"), stored_size, problems, number)
    if box is None:
        return None
    return Region(box=to_oriented(box, orientation), roles=_roles(_get(item, "rRole")),
                  name=_text(_get(item, "Name"))[:255], rid=_text(_get(item, "rId"))[:255])


def _boundary(b, stored_size, problems, number) -> NormBox | None:
    """The boundary's bounding box, normalised 0-1 of the stored grid, or None."""
    if not isinstance(b, dict):
        problems.append(f"image region {number}: no boundary; ignored.")
        return None
    shape = _text(_get(b, "rbShape")).lower() or "rectangle"
    pixel = _text(_get(b, "rbUnit")).lower() == "pixel"
    sx, sy = (1 / stored_size[0], 1 / stored_size[1]) if pixel else (1.0, 1.0)
    try:
        if shape == "rectangle":
            x, y = _num(b, "rbX") * sx, _num(b, "rbY") * sy
            box = (x, y, x + _num(b, "rbW") * sx, y + _num(b, "rbH") * sy)
        elif shape == "circle":
            x, y, rx = _num(b, "rbX") * sx, _num(b, "rbY") * sy, _num(b, "rbRx") * sx
            ry = rx * stored_size[0] / stored_size[1]  # relative radii count the width
            box = (x - rx, y - ry, x + rx, y + ry)
        elif shape == "polygon":
            points = [(_num(v, "rbX") * sx, _num(v, "rbY") * sy)
                      for v in _list(_get(b, "rbVertices"))]
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            box = (min(xs), min(ys), max(xs), max(ys))
        else:
            raise ValueError(f"shape {shape[:20]!r}")
    except (ValueError, TypeError) as exc:
        problems.append(f"image region {number}: {str(exc)[:80]}; ignored.")
        return None
    return _clamped(box, problems, number)


def _clamped(box, problems, number) -> NormBox | None:
    if any(v < -SLACK or v > 1 + SLACK for v in box):
        problems.append(f"image region {number}: outside the image; ignored.")
        return None
    clamped = NormBox(*(min(max(v, 0.0), 1.0) for v in box))
    if clamped.x1 - clamped.x0 < 1e-4 or clamped.y1 - clamped.y0 < 1e-4:
        problems.append(f"image region {number}: no area; ignored.")
        return None
    if clamped != NormBox(*box):
        problems.append(f"image region {number}: reached past the image; clamped.")
    return clamped


def _num(struct, local: str) -> float:
    text = _text(_get(struct, local)) if isinstance(struct, dict) else ""
    value = float(text)  # ValueError for '' and words
    if not math.isfinite(value):
        raise ValueError(f"{local} is {text[:20]}")
    return value


def _get(struct, local: str):
    """A struct's field by local name, whatever the prefix (tools differ on it)."""
    if not isinstance(struct, dict):
        return None
    return next((v for k, v in struct.items() if k.rpartition(":")[2] == local), None)


def _list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _text(value) -> str:
    if isinstance(value, dict):  # a LangAlt: x-default, else the first
        value = value.get("x-default", next(iter(value.values()), ""))
    if isinstance(value, list):
        value = value[0] if value else ""
    return value.strip() if isinstance(value, str) else ""


def _roles(value) -> tuple[str, ...]:
    """The role codes under an ``rRole`` value, however nested (the vocabulary's URIs)."""
    found: list[str] = []

    def walk(v, depth=0):
        if depth > 6:
            return
        if isinstance(v, dict):
            for item in v.values():
                walk(item, depth + 1)
        elif isinstance(v, list):
            for item in v:
                walk(item, depth + 1)
        elif isinstance(v, str) and v.strip().startswith(ROLE_URI):
            code = v.strip()[len(ROLE_URI):].strip("/")
            if code and code not in found:
                found.append(code)
    walk(value)
    return tuple(found)


# -- orientation -----------------------------------------------------------------------

#: EXIF orientation -> where a stored point (x, y), normalised, is shown (x', y').
_SHOWN = {
    1: lambda x, y: (x, y), 2: lambda x, y: (1 - x, y), 3: lambda x, y: (1 - x, 1 - y),
    4: lambda x, y: (x, 1 - y), 5: lambda x, y: (y, x), 6: lambda x, y: (1 - y, x),
    7: lambda x, y: (1 - y, 1 - x), 8: lambda x, y: (y, 1 - x),
}
#: ... and back: the inverse of each (5 and 7 are their own, 6 and 8 each other's).
_STORED = {**_SHOWN, 6: _SHOWN[8], 8: _SHOWN[6]}


def to_oriented(box: NormBox, orientation: int) -> NormBox:
    """A box of the stored grid (normalised) as shown after EXIF ``orientation``."""
    return _turn(box, _SHOWN.get(orientation, _SHOWN[1]))


def to_stored(box: NormBox, orientation: int) -> NormBox:
    """The inverse of ``to_oriented``."""
    return _turn(box, _STORED.get(orientation, _SHOWN[1]))


def _turn(box: NormBox, move) -> NormBox:
    (ax, ay), (bx, by) = move(box.x0, box.y0), move(box.x1, box.y1)
    return NormBox(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))


# -- choosing ----------------------------------------------------------------------------

def aspect_matches(box: NormBox, size: tuple[int, int], aspect: tuple[int, int],
                   tolerance: float = 0.01) -> bool:
    """Whether ``box`` (normalised of an oriented original of ``size`` px) has the
    aspect ``aspect`` (w, h) in pixels, within ``tolerance`` (relative)."""
    w, h = (box.x1 - box.x0) * size[0], (box.y1 - box.y0) * size[1]
    if h <= 0 or aspect[1] <= 0:
        return False
    return abs((w / h) / (aspect[0] / aspect[1]) - 1) <= tolerance


def focus(regions: list[Region]) -> Region | None:
    """The region that gives the focal point: the largest main subject area, else
    the largest area of interest; None when there is neither."""
    for role in (MAIN_SUBJECT, AREA_OF_INTEREST):
        found = [r for r in regions if role in r.roles]
        if found:
            return max(found, key=lambda r: (r.box.x1 - r.box.x0) * (r.box.y1 - r.box.y0))
    return None
