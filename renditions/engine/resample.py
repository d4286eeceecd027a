"""Lanczos resampling through libvips (pyvips) where it gives Pillow's result.

``rendering.resize`` asks ``lanczos`` first and falls back to Pillow's
``Image.resize`` when it answers None: libvips missing, a mode other than RGB
(Pillow premultiplies alpha; libvips' resize does not), a box that does not
fall on whole pixels (Pillow places a fractional box exactly; a crop cannot),
an upscale, or an output size libvips would round differently. One path for
every caller (worker, frames, CLI, preview, bench); only the resampler
underneath differs.

Why: libvips' ``resize`` (lanczos3, vectorised) is about 4x Pillow's Lanczos
on one core: the 12 MP photo's 1080x1920 story from a 1687x3000 box in 23 ms
against 89 ms, 54.0 dB PSNR between the two (``bench/fidelity.py`` reports
every default rendition against the previous output).

Memory: each source image is packed for libvips once (3 bytes a px) and
shared by every rendition cut from it (a crop is a view), for as long as the
image lives: the renditions of one decode (``pyramid.Pyramid``) pay for one
copy of each level they read, not one per rendition. That copy is what a
huge photo cannot afford (7 renditions of a 100 MP JPEG peaked at 199 MB with
it, against 170 without and libvips' 189-198), so ``rendering.resize`` uses
this module only for originals under ``PACKED_BELOW`` px, as
``pipeline.TRIM_FROM`` marks where a worker's peak is made.
"""
from __future__ import annotations

import functools
import threading
import weakref
from typing import Sequence

from PIL import Image

#: Original px (W x H) from which renders stay with Pillow (see the docstring).
PACKED_BELOW = 40_000_000

_packed: dict[int, object] = {}  # id(image) -> its packed libvips image, while it lives
_lock = threading.Lock()


def lanczos(img: Image.Image, box: Sequence[float], size: tuple[int, int]
            ) -> Image.Image | None:
    """``box`` (px of ``img``) resampled to ``size`` px with lanczos3, or None
    where Pillow must do it (see the module docstring)."""
    vips = _pyvips()
    if vips is None or img.mode != "RGB" or any(v != int(v) for v in box):
        return None
    x0, y0, x1, y1 = (int(v) for v in box)
    w, h = x1 - x0, y1 - y0
    if w <= 0 or h <= 0 or size[0] > w or size[1] > h:  # upscales stay with Pillow
        return None
    out = _packed_image(vips, img).crop(x0, y0, w, h).resize(
        size[0] / w, vscale=size[1] / h, kernel="lanczos3")
    if (out.width, out.height) != tuple(size):
        return None
    result = Image.frombytes("RGB", tuple(size), out.write_to_memory())
    result.info = dict(img.info)
    return result


def _packed_image(vips, img: Image.Image):
    """``img`` as a libvips image over one packed copy of its pixels, made once."""
    with _lock:
        packed = _packed.get(id(img))
        if packed is None:
            packed = _packed[id(img)] = vips.Image.new_from_memory(
                img.tobytes(), img.width, img.height, 3, "uchar")
            weakref.finalize(img, _packed.pop, id(img), None)
        return packed


@functools.cache
def _pyvips():
    """The pyvips module with its operation cache off, or None if not installed."""
    try:
        import pyvips
    except (ImportError, OSError):
        return None
    pyvips.cache_set_max(0)
    return pyvips
