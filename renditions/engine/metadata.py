"""Photo metadata in: IPTC IIM, XMP and EXIF read from an image file into one record.

``read(file) -> PhotoMetadata`` never raises for what the metadata holds: broken XML,
entity bombs, NULs, huge values and undecodable text become a line in ``problems``
and the field is trimmed or left out. Where a field exists in several places, XMP wins
over IIM and IIM over EXIF (the IPTC's guidance). GPS and camera serial numbers go to
``private`` and nowhere else. Pure: the standard library, Pillow and defusedxml.

Text limits (characters, after NULs and control characters are removed): ``LONG`` for
caption, alt text, copyright, usage terms and instructions; ``SHORT`` for the rest;
at most ``MAX_KEYWORDS`` keywords of ``MAX_KEYWORD`` characters each.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace

from PIL import Image

from . import metadata_iim as iim
from . import metadata_xmp as xmp
from . import regions as image_regions
from .metadata_files import blobs_of

LONG = 2000
SHORT = 255
MAX_KEYWORDS = 64
MAX_KEYWORD = 64
RAW_VALUE = 4000  # characters kept per value in ``raw``

TEXT_FIELDS = ("headline", "caption", "alt_text", "creator", "credit", "copyright",
               "usage_terms", "source", "instructions", "date_created", "city", "country",
               "object_name")
_LONG_FIELDS = {"caption", "alt_text", "copyright", "usage_terms", "instructions"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: EXIF tags read (IFD0 and the Exif IFD); serials go to ``private``.
_EXIF_IFD, _GPS_IFD, _ORIENTATION = 0x8769, 0x8825, 0x0112
_EXIF_TEXT = {0x013B: "creator", 0x8298: "copyright", 0x010E: "caption"}
_EXIF_SERIALS = {0xA431: "BodySerialNumber", 0xC62F: "CameraSerialNumber",
                 0xA435: "LensSerialNumber"}


@dataclass(frozen=True)
class PhotoMetadata:
    """What a photo says about itself. Empty strings where it says nothing.

    ``date_created`` is ISO 8601 text, possibly partial ("2021", "2021-10",
    "2021-10-20T21:01:01+00:00"): IIM and XMP allow a date without a day or a time.
    ``raw`` holds every value read, by source ("xmp", "iim", "exif"), for the record;
    ``private`` the GPS block and serial numbers (never public). ``regions``: the
    IPTC Image Regions (``regions.Region``, normalised 0-1 of the oriented original),
    also in ``raw["regions"]`` in the IPTC JSON form.
    """
    headline: str = ""
    caption: str = ""
    alt_text: str = ""
    creator: str = ""
    credit: str = ""
    copyright: str = ""
    usage_terms: str = ""
    source: str = ""
    instructions: str = ""
    date_created: str = ""
    city: str = ""
    country: str = ""
    object_name: str = ""
    keywords: tuple[str, ...] = ()
    raw: dict = field(default_factory=dict)
    private: dict = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    regions: tuple = ()

    def title(self) -> str:
        """The headline, else the object name (IIM 2:05, dc:title), else ''."""
        return self.headline or self.object_name


def read(file) -> PhotoMetadata:
    """Read the metadata of ``file`` (a path or a binary file object, rewound after)."""
    problems: list[str] = []
    start = file.tell() if hasattr(file, "tell") else None
    try:
        blobs = blobs_of(file, problems)
    except Exception as exc:  # a file Pillow cannot open at all: no metadata, said so
        problems.append(f"metadata: the file could not be read ({type(exc).__name__}).")
        return PhotoMetadata(problems=tuple(problems))
    finally:
        if start is not None:
            file.seek(start)
    sources = {"xmp": _xmp(blobs, problems),
               "iim": iim.parse(blobs.iim, problems) if blobs.iim else {},
               "exif": _exif(blobs.exif)}
    private = {**sources["xmp"].pop("private", {}), **sources["exif"].pop("private", {})}
    found = _merge(sources, private, problems)
    region_value = sources["xmp"].get("raw", {}).get("Iptc4xmpExt:ImageRegion")
    if not region_value:
        return found
    regions = _regions(file, start, region_value, blobs.exif, problems)
    raw = {**found.raw, "regions": [r.iptc() for r in regions]} if regions else found.raw
    return replace(found, regions=tuple(regions), raw=raw, problems=tuple(problems))


def _regions(file, start, value, exif, problems: list[str]) -> list:
    """The file's IPTC Image Regions, read on its stored size (a header read) and
    turned by its EXIF orientation."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file) as im:
                size = im.size
        orientation = int(exif.get(_ORIENTATION, 1)) if exif is not None else 1
    except Exception as exc:
        problems.append(f"image regions: the image size could not be read "
                        f"({type(exc).__name__}); ignored.")
        return []
    finally:
        if start is not None:
            file.seek(start)
    return image_regions.from_xmp(value, size, orientation, problems)


def _merge(sources: dict, private: dict, problems: list[str]) -> PhotoMetadata:
    values: dict = {}
    for name in TEXT_FIELDS:
        found = next((s[name] for s in (sources["xmp"], sources["iim"], sources["exif"])
                      if s.get(name)), "")
        values[name] = _clean(name, found, LONG if name in _LONG_FIELDS else SHORT, problems)
    values["date_created"] = _date(values["date_created"], problems)
    words = sources["xmp"].get("keywords") or sources["iim"].get("keywords") or []
    raw = {k: _raw(v) for k, v in ((k, s.get("raw", {})) for k, s in sources.items()) if v}
    return PhotoMetadata(**values, keywords=_keywords(words, problems), raw=raw,
                         private=_raw(private), problems=tuple(problems))


def _clean(name: str, value, limit: int, problems: list[str]) -> str:
    """One field's text: NULs and control characters out, spaces trimmed, cut to ``limit``."""
    if isinstance(value, (list, tuple)):
        value = "; ".join(v for v in value if v)
    text = str(value)
    stripped = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if stripped != text.replace("\r\n", "\n").replace("\r", "\n"):
        problems.append(f"{name}: control characters (NUL and the like) removed.")
    text = stripped.strip()
    if len(text) > limit:
        problems.append(f"{name}: {len(text):,} characters, trimmed to {limit:,}.")
        text = text[:limit].rstrip()
    return text


def _keywords(words, problems: list[str]) -> tuple[str, ...]:
    kept: list[str] = []
    seen: set[str] = set()
    for word in words:
        word = _clean("keyword", word, MAX_KEYWORD, problems)
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            kept.append(word)
    if len(kept) > MAX_KEYWORDS:
        problems.append(f"keywords: {len(kept):,} of them, the first {MAX_KEYWORDS} kept.")
    return tuple(kept[:MAX_KEYWORDS])


_ISO = re.compile(r"(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?"
                  r"(Z|[+-]\d\d:?\d\d)?)?)?)?$")


def _date(text: str, problems: list[str]) -> str:
    """An ISO 8601 date or date-time (partial allowed), checked; '' when it is not one."""
    if not text:
        return ""
    m = _ISO.match(text)
    ok = m is not None and (not m[2] or 1 <= int(m[2]) <= 12) and (
        not m[3] or 1 <= int(m[3]) <= 31) and (not m[4] or int(m[4]) < 24)
    if not ok:
        problems.append(f"date_created: {text[:40]!r} is not an ISO 8601 date; left out.")
        return ""
    return text


def _raw(value, depth: int = 0):
    """A JSON-able copy with long values cut, for the record."""
    if isinstance(value, dict):
        return {str(k)[:200]: _raw(v, depth + 1) for k, v in list(value.items())[:500]}
    if isinstance(value, (list, tuple)):
        return [_raw(v, depth + 1) for v in list(value)[:500]]
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return _CONTROL.sub("", str(value))[:RAW_VALUE]


def _xmp(blobs, problems: list[str]) -> dict:
    """The XMP packet's fields, with what its extended part (a JPEG's) adds: a property
    lives in one part only, the main packet's value wins if a writer put it in both."""
    main = xmp.parse(blobs.xmp, problems) if blobs.xmp else {}
    if not blobs.xmp_extended:
        return main
    extra = xmp.parse(blobs.xmp_extended, problems)
    merged = {**extra, **main}
    for part in ("raw", "private"):
        merged[part] = {**extra.get(part, {}), **main.get(part, {})}
    return merged


def _exif(exif: Image.Exif | None) -> dict:
    """Artist, Copyright, ImageDescription, DateTimeOriginal; GPS and serials private."""
    if exif is None:
        return {}
    out: dict = {"raw": {}, "private": {}}
    try:
        sub = exif.get_ifd(_EXIF_IFD)
        gps = exif.get_ifd(_GPS_IFD)
    except Exception:  # a broken IFD offset: what IFD0 says still counts
        sub, gps = {}, {}
    for tag, name in _EXIF_TEXT.items():
        text = _exif_text(exif.get(tag))
        if text:
            out[name] = out["raw"][name] = text
    taken = _exif_text(sub.get(0x9003))  # DateTimeOriginal "YYYY:MM:DD HH:MM:SS"
    if re.fullmatch(r"\d{4}:\d\d:\d\d \d\d:\d\d:\d\d", taken):
        offset = _exif_text(sub.get(0x9011))  # OffsetTimeOriginal "+02:00"
        out["date_created"] = (taken[:10].replace(":", "-") + "T" + taken[11:]
                               + (offset if re.fullmatch(r"[+-]\d\d:\d\d", offset) else ""))
        out["raw"]["DateTimeOriginal"] = taken
    for tag, name in _EXIF_SERIALS.items():
        serial = _exif_text(sub.get(tag) or exif.get(tag))
        if serial:
            out["private"][name] = serial
    if gps:
        out["private"]["gps"] = {str(k): _raw(v) for k, v in gps.items()}
    return out


def _exif_text(value) -> str:
    """An EXIF text value. Pillow decodes ASCII tags as Latin-1, but cameras and
    tools write UTF-8 there ("José" read as "JosÃ©"): text that is valid UTF-8
    once back in bytes is read as UTF-8."""
    if isinstance(value, bytes):
        value = iim.decode_guess(value)
    elif isinstance(value, str) and not value.isascii():
        try:
            value = value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass  # Latin-1 after all (or already text)
    return value.strip("\x00 ") if isinstance(value, str) else ""

