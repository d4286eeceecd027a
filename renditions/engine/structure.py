"""Is an image file whole? Cheap checks on its structure, without decoding pixels.

``problem(im, f, size)`` takes a file Pillow has opened (``im``, headers read),
the binary file ``f`` and its ``size`` in bytes, and returns why the file visibly
stops before its image data ends, or None. Offsets are bytes from the file's
start; the file is read in blocks of at most 1 MB, so memory does not grow with
the pixel count. Damage inside compressed data is left to the decoder.
"""
from __future__ import annotations

from PIL import Image

_BLOCK = 1 << 20


def problem(im: Image.Image, f, size: int) -> str | None:
    """Why ``im``'s file is cut short, or None when it looks whole (or we cannot tell)."""
    check = _COMPLETE.get(im.format)
    return check(im, f, size) if check else None


def _jpeg_problem(im, f, size) -> str | None:
    """EOI (FF D9) must follow the first scan: entropy-coded data cannot hold
    FF D9, and walking the segments skips an EXIF thumbnail's own EOI. Data
    after the EOI (a trailer, another MPO frame) is left alone."""
    start = _jpeg_scan_start(f, size)
    if start is None or _contains(f, start, b"\xff\xd9"):
        return None  # a layout Pillow tolerates and we cannot walk: the worker decides
    return "its image data has no end marker"


def _jpeg_scan_start(f, size: int) -> int | None:
    """Offset just after the first SOS segment's header, or None if unclear."""
    pos = 2  # after SOI
    while pos + 4 <= size:
        f.seek(pos)
        head = f.read(4)
        if head[0] != 0xFF:
            return None
        marker = head[1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD7:  # segments without a length
            pos += 2
        elif marker == 0xDA:
            return pos + 2 + int.from_bytes(head[2:], "big")
        else:
            pos += 2 + int.from_bytes(head[2:], "big")
    return None


def _contains(f, start: int, needle: bytes) -> bool:
    """Whether ``needle`` (2 bytes) occurs at or after ``start``, read in blocks."""
    f.seek(start)
    tail = b""
    while block := f.read(_BLOCK):
        if needle in tail + block[:1] or needle in block:
            return True
        tail = block[-1:]
    return False


def _png_problem(im, f, size) -> str | None:
    """The chunk chain must reach IEND (the spec requires it; a cut file breaks it)."""
    chunks = png_chunks(f, size)
    if chunks and chunks[-1][0] == b"IEND":
        return None
    return "its chunks stop before the end marker (IEND)"


def png_chunks(f, size: int) -> list[tuple[bytes, int, int]]:
    """(type, data offset, data length) of each chunk, up to IEND or the break."""
    pos, chunks = 8, []
    while pos + 8 <= size:
        f.seek(pos)
        head = f.read(8)
        kind, length = head[4:], int.from_bytes(head[:4], "big")
        chunks.append((kind, pos + 8, length))
        if kind == b"IEND":
            break
        pos += 12 + length
    return chunks


def _gif_problem(im, f, size) -> str | None:
    """The first frame's data sub-blocks (the only frame we use) must not run past
    the end. A chain cut exactly at a sub-block's end passes: Pillow decodes a
    frame whose LZW end code came before its missing terminator."""
    pos = im.tile[0].offset if im.tile else size
    while pos < size:
        f.seek(pos)
        length = f.read(1)[0]
        if length == 0:
            return None
        pos += 1 + length
    return "its first frame stops short" if pos > size else None


def _tiff_problem(im, f, size) -> str | None:
    """Every strip or tile of the first page must lie inside the file."""
    for offsets, counts in ((273, 279), (324, 325)):
        pairs = zip(_values(im.tag_v2.get(offsets)), _values(im.tag_v2.get(counts)))
        if any(o + c > size for o, c in pairs):
            return "its image data runs past the end of the file"
    return None


def _values(tag) -> tuple[int, ...]:
    if tag is None:
        return ()
    return tuple(tag) if isinstance(tag, (tuple, list)) else (tag,)


def _bmp_problem(im, f, size) -> str | None:
    """Uncompressed rows (stride x height bytes from the pixel offset) must fit."""
    tile = im.tile[0] if im.tile else None
    if tile is None or tile.codec_name != "raw" or not tile.args[1]:
        return None
    if tile.offset + tile.args[1] * (tile.extents[3] - tile.extents[1]) <= size:
        return None
    return "its pixel rows run past the end of the file"


def _isobmff_problem(im, f, size) -> str | None:
    """AVIF/HEIF: the top-level 'mdat' box (the coded pixels) must end in the file.

    The walk stops at anything that is not a box header (trailing data)."""
    pos = 0
    while pos + 8 <= size:
        f.seek(pos)
        head = f.read(16)
        length, kind = int.from_bytes(head[:4], "big"), head[4:8]
        if length == 1 and len(head) == 16:
            length = int.from_bytes(head[8:], "big")
        if length < 8 or not all(32 <= c < 127 for c in kind):
            return None  # size 0 runs to the end of the file by definition
        if kind == b"mdat" and pos + length > size:
            return "its image data runs past the end of the file"
        pos += length
    return None


_COMPLETE = {"JPEG": _jpeg_problem, "MPO": _jpeg_problem, "PNG": _png_problem,
             "GIF": _gif_problem, "TIFF": _tiff_problem, "BMP": _bmp_problem,
             "AVIF": _isobmff_problem, "HEIF": _isobmff_problem}
