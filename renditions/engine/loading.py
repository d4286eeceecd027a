"""Open uploaded images safely: validate, orient, convert to sRGB.

Every size returned here is in pixels of the *oriented* image (EXIF
orientation applied), which is the source space of the whole engine.

``fp`` is a path or a binary file object (e.g. a Django ``File``); file
objects are rewound before reading and never closed here.

Colour: images come back in sRGB. When the source carried an ICC profile it
is converted with LittleCMS and the returned image's ``info['icc_profile']``
holds an sRGB profile, so renditions stay tagged; untagged sources are assumed
sRGB and stay untagged (browsers treat untagged as sRGB). ``info['exif']``
keeps the source EXIF (minus orientation); rendering strips it down to the
copyright fields.
"""
from __future__ import annotations

import contextlib
import functools
import os
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from . import colour, structure
from .geometry import fit_longest

try:  # HEIC/HEIF uploads from phones, when the optional plugin is installed
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - optional dependency
    register_heif_opener = None
else:
    register_heif_opener()

#: Default pixel limit (width x height of the source) when the caller has none.
DEFAULT_MAX_PIXELS = 100_000_000

#: Formats we decode. Others Pillow knows (EPS via Ghostscript, PSD, ICO...)
#: are refused: they are not photo formats and widen the attack surface.
FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "AVIF", "TIFF", "GIF", "BMP", "HEIF")

_ORIENTATION = 0x0112
_SWAPS_AXES = {5, 6, 7, 8}
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError,
                  TypeError, Image.DecompressionBombError)


class ImageError(ValueError):
    """A file that cannot be used as an image; ``str()`` is one sentence."""


@dataclass(frozen=True)
class ImageInfo:
    """What ``probe`` learnt: oriented size in pixels, Pillow format and mode."""

    width: int
    height: int
    format: str
    mode: str


def probe(fp, *, max_pixels: int | None = None) -> ImageInfo:
    """Check ``fp`` from its headers and structure, without decoding pixels.

    Reads what Pillow's ``Image.open`` reads (format, mode, size, EXIF
    orientation), applies ``max_pixels`` and walks the file's structure to
    refuse the common broken files: a JPEG with no end-of-image marker after
    its image data, a PNG whose chunks stop before IEND, a GIF whose first
    frame stops short, TIFF strips, BMP pixels or AVIF/HEIF boxes that run past
    the end of the file (a cut WebP fails to open). Memory stays at a few MB
    whatever the pixel count; the file is read in 1 MB blocks at most.
    Damage inside the compressed data is found only when the worker decodes
    (``open_for_analysis``, ``open_full``), which raises ``ImageError`` too.
    Returns the oriented size in px. Raises ``ImageError``.
    """
    with _binary(fp) as f:
        im = _open_image(f, max_pixels)
        size = _file_size(f)
        _check_complete(im, f, size)
        width, height = _oriented(im.size, _probe_orientation(im, f, size))
        return ImageInfo(width, height, im.format, im.mode)


def open_for_analysis(fp, *, longest: int = 640, floor: int | None = None,
                      max_pixels: int | None = None) -> tuple[Image.Image, tuple[int, int]]:
    """Return a small oriented sRGB RGB image and the full oriented (W, H) px.

    The small image is ``analysis_size`` px: it fits inside ``longest`` x
    ``longest`` px (never upscaled), and with ``floor`` it may be smaller, down
    to ``floor`` px on its longest side, where a coarser JPEG DCT scale gets
    there without a resize (a 12 MP photo decodes at 1/8, 500 px, instead of at
    1/4 and a resize to 640: about 9 ms of 41 saved). Alpha is flattened on white.
    """
    with _opened(fp, max_pixels=max_pixels) as im:
        size = im.size
        if im.format in ("JPEG", "MPO"):
            im.draft("RGB", _draft_request(size, analysis_size(size, longest, floor)))
        _load(im)
        full = _loaded_size(im, size)
        small = _normalise(im)
    return analysis_image(small, longest, target=analysis_size(full, longest, floor)), full


def analysis_size(size: tuple[int, int], longest: int, floor: int | None = None
                  ) -> tuple[int, int]:
    """The (w, h) px of the analysis copy of an image of ``size`` px.

    ``size`` is halved (rounding up, as JPEG DCT scaling does) at most three
    times while its longest side stays at or above ``floor`` (None: ``longest``),
    then fitted inside ``longest`` px; never upscaled.
    """
    floor = min(longest if floor is None else floor, longest)
    factor = 1
    while factor < 8 and max(size) / (factor * 2) >= floor:
        factor *= 2
    reduced = (-(-size[0] // factor), -(-size[1] // factor))
    return fit_longest(reduced, longest) if max(reduced) > longest else reduced


def open_full(fp, *, max_pixels: int | None = None, reduce: int = 1) -> Image.Image:
    """Decode at full resolution, oriented and in sRGB, mode RGB or RGBA.

    CMYK, 16-bit, palette, grey and grey+alpha sources are converted; only
    the first frame of animations is used. See the module docstring for what
    ``info`` keeps. ``reduce`` (1, 2, 4 or 8) lets a JPEG decode at that
    fraction of its size through DCT scaling (about 1/reduce² of the memory);
    other formats ignore it, so callers scale by the returned image's size.
    """
    return decode_full(fp, max_pixels=max_pixels, reduce=reduce)[0]


def decode_full(fp, *, max_pixels: int | None = None, reduce: int = 1
                ) -> tuple[Image.Image, tuple[int, int]]:
    """``open_full``'s image and the original's oriented (W, H) px."""
    with _opened(fp, max_pixels=max_pixels) as im:
        size = im.size
        if reduce > 1 and im.format in ("JPEG", "MPO"):
            im.draft(im.mode, (max(1, im.width // reduce), max(1, im.height // reduce)))
        _load(im)
        return _normalise(im), _loaded_size(im, size)


def _loaded_size(im: Image.Image, size: tuple[int, int]) -> tuple[int, int]:
    """The oriented (W, H) of a source of ``size`` px, read once ``im`` is decoded:
    a PNG's ``getexif`` before then decodes the pixels and hides a decode error."""
    return _oriented(size, _orientation(im.getexif))


def analysis_image(img: Image.Image, longest: int = 640, *,
                   target: tuple[int, int] | None = None) -> Image.Image:
    """The analysis copy made from an already decoded one (e.g. ``open_full``).

    Same contract as ``open_for_analysis``'s image: RGB, ``target`` (w, h) px
    when given (``analysis_size``), else fitted inside ``longest`` px; saves a
    second decode when the full image is needed anyway.
    """
    small = colour.flatten(img)
    if target is None:
        target = fit_longest(small.size, longest) if max(small.size) > longest else small.size
    if small.size != tuple(target):
        small = small.resize(tuple(target), Image.Resampling.BOX, reducing_gap=2.0)
    return small


def oriented_size(im: Image.Image) -> tuple[int, int]:
    """Return (W, H) in px after the EXIF orientation of ``im`` is applied."""
    return _oriented(im.size, _orientation(im.getexif))


def _oriented(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in _SWAPS_AXES else size


def _orientation(getexif) -> int:
    try:
        return int(getexif().get(_ORIENTATION, 1))
    except Exception:  # a broken EXIF block must not hide a good image
        return 1


@contextlib.contextmanager
def _opened(fp, *, max_pixels: int | None):
    """Open ``fp`` with Pillow, check the pixel limit, map errors to ImageError."""
    with _binary(fp) as f:
        yield _open_image(f, max_pixels)


def _open_image(f, max_pixels: int | None) -> Image.Image:
    """``Image.open`` (headers only) with the pixel limit (None: DEFAULT_MAX_PIXELS);
    errors as ImageError."""
    max_pixels = max_pixels or DEFAULT_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(f, formats=_formats())
    except Image.UnidentifiedImageError:
        raise ImageError(
            "not an image in a supported format "
            f"({', '.join(_formats())})") from None
    except Image.DecompressionBombError as exc:  # Pillow's own guard, before ours
        limit = min(max_pixels, 2 * (Image.MAX_IMAGE_PIXELS or 0) or max_pixels)
        size = re.search(r"\((\d+) pixels\)", str(exc))
        count = f" ({int(size.group(1)):,} pixels)" if size else ""
        raise ImageError(f"the image{count} is over the limit of {limit:,} pixels") from None
    except _DECODE_ERRORS as exc:
        raise ImageError(f"the image header is unreadable ({exc})") from None
    _check_pixels(im, max_pixels)
    return im


@functools.cache
def _formats() -> tuple[str, ...]:
    """``FORMATS`` that this Pillow build can open (plugins registered)."""
    Image.init()
    return tuple(f for f in FORMATS if f in Image.OPEN)


@contextlib.contextmanager
def _binary(fp):
    """Yield a readable binary file at offset 0; close it only if we opened it."""
    if not isinstance(fp, (str, os.PathLike)):
        fp.seek(0)
        yield fp
        return
    try:
        f = open(fp, "rb")
    except OSError as exc:
        raise ImageError(f"cannot read the file ({exc.strerror})") from None
    with f:
        yield f


def _check_pixels(im: Image.Image, max_pixels: int) -> None:
    pixels = im.width * im.height
    if pixels > max_pixels:
        raise ImageError(
            f"the image is {im.width}x{im.height} pixels ({pixels:,}), "
            f"over the limit of {max_pixels:,} pixels")


def _load(im: Image.Image) -> None:
    """Decode the pixels of the current frame; raise ImageError if that fails."""
    try:
        im.load()
    except _DECODE_ERRORS as exc:
        raise ImageError(
            f"the {im.format} file is truncated or corrupt ({exc})") from None


def _draft_request(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    """The draft size that makes Pillow's JPEG DCT scaling pick the coarsest scale
    (1/8 at most) whose decode, rounded up, still covers ``target`` px."""
    factor = 8
    while factor > 1 and any(-(-s // factor) < t for s, t in zip(size, target)):
        factor //= 2
    return max(1, size[0] // factor), max(1, size[1] // factor)


def _normalise(im: Image.Image) -> Image.Image:
    """Orient, convert the mode and the colours: return sRGB RGB or RGBA."""
    icc = im.info.get("icc_profile")
    exif = _exif_bytes(im)
    eight = colour.eight_bit(_orient(im))
    if eight is None:
        raise ImageError(f"the colour mode {im.mode} is not supported")
    out, tagged = colour.to_srgb(eight, icc)
    out.info = {"exif": exif} if exif else {}
    if tagged:
        out.info["icc_profile"] = colour.srgb_profile()
    return out


def _orient(im: Image.Image) -> Image.Image:
    """Apply the EXIF orientation (no copy when there is nothing to do)."""
    if _orientation(im.getexif) in (2, 3, 4, 5, 6, 7, 8):
        try:
            return ImageOps.exif_transpose(im)
        except Exception:  # a broken EXIF block must not hide a good image
            pass
    return im


def _exif_bytes(im: Image.Image) -> bytes | None:
    """A copy of the EXIF block without its orientation (the pixels get rotated)."""
    try:
        exif = im.getexif()
        if not exif:
            return None
        copy = Image.Exif()
        copy.load(exif.tobytes())
        copy.pop(_ORIENTATION, None)
        return copy.tobytes()
    except Exception:
        return None


# -- structure: is the file whole? (renditions.engine.structure) ---------------------

_MAX_PNG_EXIF = 1 << 20


def _file_size(f) -> int:
    f.seek(0, os.SEEK_END)
    return f.tell()


def _check_complete(im: Image.Image, f, size: int) -> None:
    """Raise ImageError when the file visibly stops before its image data ends."""
    problem = structure.problem(im, f, size)
    if problem:
        raise ImageError(f"the {im.format} file is truncated or corrupt ({problem})")


def _probe_orientation(im: Image.Image, f, size: int) -> int:
    """EXIF orientation from the headers; for PNG also an eXIf chunk after the pixels."""
    if im.format != "PNG":
        return _orientation(im.getexif)
    if "exif" not in im.info:
        exif = [c for c in structure.png_chunks(f, size) if c[0] == b"eXIf"]
        if exif and exif[0][2] > _MAX_PNG_EXIF:
            raise ImageError(f"the PNG file's EXIF block is over {_MAX_PNG_EXIF // 2**20} MB")
        if exif:
            f.seek(exif[0][1])
            im.info["exif"] = b"Exif\x00\x00" + f.read(exif[0][2])
    # the base class's getexif: PngImageFile's decodes the pixels to look for eXIf
    return _orientation(lambda: Image.Image.getexif(im))
