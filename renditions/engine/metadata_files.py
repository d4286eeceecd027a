"""Where each format keeps its metadata: the XMP packet, the IIM block and EXIF as bytes.

JPEG: XMP in APP1, IIM in APP13's Photoshop resource 0x0404, EXIF in APP1. PNG: XMP in
the ``XML:com.adobe.xmp`` iTXt chunk, IIM in ImageMagick's ``Raw profile type iptc``
text, EXIF in eXIf; PNG chunks are walked here (Pillow reads text after the pixels only
by decoding them). WebP, TIFF, HEIF: what Pillow exposes (``xmp``, tags 700 and 33723).
Nothing here decodes pixels.
"""
from __future__ import annotations

import re
import struct
import warnings
import zlib
from dataclasses import dataclass

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_TEXT = 16 * 2**20  # bytes of one inflated PNG text chunk
_XMP_JPEG = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXT = b"http://ns.adobe.com/xmp/extension/\x00"
_EXT_HEAD = len(_XMP_EXT) + 32 + 8  # GUID, full length, offset
_EXT_GUID = re.compile(rb"HasExtendedXMP(?:=[\"']|>)\s*([0-9A-Fa-f]{32})")


@dataclass
class Blobs:
    xmp: bytes | None = None
    xmp_extended: bytes | None = None  # a JPEG's extended XMP, joined
    iim: bytes | None = None
    exif: Image.Exif | None = None


def blobs_of(file, problems: list[str]) -> Blobs:
    """The metadata of ``file`` (a path or a binary file object at its start)."""
    if not hasattr(file, "read"):
        with open(file, "rb") as fp:
            return blobs_of(fp, problems)
    start = file.tell()
    if file.read(len(PNG_SIGNATURE)) == PNG_SIGNATURE:
        return _png(file, problems)
    file.seek(start)
    with warnings.catch_warnings():
        # Only the header and its metadata segments are read, never the pixels: a photo's
        # size is the upload probe's to judge (MAX_PIXELS), not a bomb warning's here.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        im = Image.open(file)
    with im:
        blobs = Blobs(xmp=_pillow_xmp(im), iim=_pillow_iim(im))
        blobs.xmp_extended = extended_xmp(im, blobs.xmp, problems)
        try:
            blobs.exif = im.getexif()
        except Exception:
            problems.append("EXIF unreadable, ignored.")
        return blobs


def _pillow_xmp(im: Image.Image) -> bytes | None:
    xmp = im.info.get("xmp")
    if not xmp and im.format == "JPEG":
        xmp = next((data[len(_XMP_JPEG):] for marker, data in getattr(im, "applist", [])
                    if marker == "APP1" and data.startswith(_XMP_JPEG)), None)
    if not xmp and hasattr(im, "tag_v2"):
        xmp = im.tag_v2.get(700)
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", errors="replace")
    return bytes(xmp) if xmp else None


def extended_xmp(im: Image.Image, xmp: bytes | None, problems: list[str]) -> bytes | None:
    """A JPEG's extended XMP (XMP Specification Part 3, 1.1.3.1): what did not fit in
    the 64 KB of the main packet, in APP1 chunks of ``_XMP_EXT`` + the GUID the main
    packet names in ``xmpNote:HasExtendedXMP`` + the full length + the chunk's offset.
    The chunks of that GUID joined, or None (none, or incomplete: a problem). The GUID
    should be the MD5 of the whole; not every writer makes it so, and it is not checked."""
    guid = xmp and _EXT_GUID.search(xmp)
    if not guid or im.format != "JPEG":
        return None
    guid = guid.group(1).upper()
    chunks, total = {}, None
    for marker, data in getattr(im, "applist", []):
        if marker != "APP1" or not data.startswith(_XMP_EXT) or len(data) < _EXT_HEAD:
            continue
        body = data[len(_XMP_EXT):]
        if body[:32].upper() != guid:
            continue
        total, offset = struct.unpack(">II", body[32:40])
        chunks[offset] = body[40:]
    joined = b"".join(chunks[offset] for offset in sorted(chunks))
    if total is None or total > MAX_TEXT or len(joined) != total or min(chunks) != 0:
        problems.append("Extended XMP missing or incomplete, ignored.")
        return None
    return joined


def _pillow_iim(im: Image.Image) -> bytes | None:
    photoshop = im.info.get("photoshop")
    if isinstance(photoshop, dict) and photoshop.get(0x0404):
        return bytes(photoshop[0x0404])
    if hasattr(im, "tag_v2"):
        data = im.tag_v2.get(33723)
        if isinstance(data, bytes):
            return data
        if isinstance(data, tuple) and all(isinstance(b, int) and 0 <= b < 256 for b in data):
            return bytes(data)
    return None


def _png(fp, problems: list[str]) -> Blobs:
    """Walk the chunks after the signature, skipping pixel data by seeking."""
    blobs = Blobs()
    while True:
        head = fp.read(8)
        if len(head) < 8:
            return blobs
        length, kind = struct.unpack(">I4s", head)
        if kind in (b"iTXt", b"tEXt", b"zTXt", b"eXIf"):
            _png_chunk(blobs, kind, fp.read(length), problems)
            fp.seek(4, 1)
        elif kind == b"IEND":
            return blobs
        else:
            fp.seek(length + 4, 1)


def _png_chunk(blobs: Blobs, kind: bytes, data: bytes, problems: list[str]) -> None:
    if kind == b"eXIf":
        exif = Image.Exif()
        try:
            exif.load(data)
            blobs.exif = exif
        except Exception:
            problems.append("EXIF unreadable, ignored.")
        return
    keyword, _, rest = data.partition(b"\x00")
    try:
        text = _png_text(kind, rest)
    except (zlib.error, ValueError) as exc:
        problems.append(f"PNG {kind.decode()} {keyword[:40]!r}: {exc}; ignored.")
        return
    if keyword == b"XML:com.adobe.xmp" and blobs.xmp is None:
        blobs.xmp = text
    elif keyword == b"Raw profile type iptc" and blobs.iim is None:
        blobs.iim = _imagemagick_profile(text)


def _png_text(kind: bytes, rest: bytes) -> bytes:
    if kind == b"tEXt":
        return rest
    if kind == b"zTXt":
        return _inflate(rest[1:])
    compressed = rest[:1] == b"\x01"
    _lang, _, rest = rest[2:].partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    return _inflate(text) if compressed else text


def _inflate(data: bytes) -> bytes:
    """zlib with a ceiling: a small chunk that inflates to gigabytes is refused."""
    d = zlib.decompressobj()
    out = d.decompress(data, MAX_TEXT)
    if d.unconsumed_tail:
        raise ValueError(f"inflates past {MAX_TEXT:,} bytes")
    return out


def _imagemagick_profile(text: bytes) -> bytes | None:
    """ImageMagick's '\\niptc\\n  LENGTH\\nHEX...' text -> the IIM bytes."""
    parts = text.split(None, 2)
    if len(parts) < 3:
        return None
    try:
        return bytes.fromhex(parts[2].decode("ascii", errors="ignore").replace("\n", ""))
    except ValueError:
        return None
