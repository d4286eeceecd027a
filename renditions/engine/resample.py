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
copy of each level they read, not one per rendition, and only of the
``region`` they read (the story's 1687x3000 px of a 4000x3000 decode: 25 ms
of packing instead of 55). That copy is what a
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

import numpy as np
from PIL import Image

#: Original px (W x H) from which renders stay with Pillow (see the docstring).
PACKED_BELOW = 40_000_000

#: id(image) -> (its packed libvips image, the region of it packed), while it lives
_packed: dict[int, tuple] = {}
_locks: dict[int, threading.Lock] = {}
_lock = threading.Lock()


def lanczos(img: Image.Image, box: Sequence[float], size: tuple[int, int], *,
            region: Sequence[int] | None = None) -> Image.Image | None:
    """``box`` (px of ``img``) resampled to ``size`` px with lanczos3, or None
    where Pillow must do it (see the module docstring). ``region`` (int px of
    ``img``, default all of it): what the shared packed copy holds when this
    call makes it, the part that every box read from ``img`` falls in; a box
    outside the copy is packed on its own."""
    vips = _pyvips()
    if vips is None or img.mode != "RGB" or any(v != int(v) for v in box):
        return None
    x0, y0, x1, y1 = (int(v) for v in box)
    w, h = x1 - x0, y1 - y0
    if w <= 0 or h <= 0 or size[0] > w or size[1] > h:  # upscales stay with Pillow
        return None
    packed, (left, top) = _packed_image(vips, img, (x0, y0, x1, y1), region)
    out = packed.crop(x0 - left, y0 - top, w, h).resize(
        size[0] / w, vscale=size[1] / h, kernel="lanczos3")
    if (out.width, out.height) != tuple(size):
        return None
    result = Image.frombytes("RGB", tuple(size), out.write_to_memory())
    result.info = dict(img.info)
    return result


def _packed_image(vips, img: Image.Image, box: tuple[int, int, int, int],
                  region: Sequence[int] | None):
    """A libvips image over a packed copy of ``img``'s px that holds ``box``,
    and where that copy starts in ``img`` (x, y): the shared one (``region``,
    made once), or one of ``box`` alone when the shared one lacks it."""
    with _lock:
        lock = _locks.setdefault(id(img), threading.Lock())
    with lock:  # one thread packs an image; others pack theirs meanwhile
        shared = _packed.get(id(img))
        if shared is None:
            shared = _packed[id(img)] = _pack(vips, img, tuple(region or (0, 0, *img.size)))
            weakref.finalize(img, _forget, id(img))
    packed, (left, top, right, bottom) = shared
    if left <= box[0] and top <= box[1] and box[2] <= right and box[3] <= bottom:
        return packed, (left, top)
    return _pack(vips, img, box)[0], box[:2]


def _pack(vips, img: Image.Image, region: tuple[int, int, int, int]):
    part = img if region == (0, 0, *img.size) else img.crop(region)
    return (vips.Image.new_from_memory(part.tobytes(), part.width, part.height, 3, "uchar"),
            region)


def _forget(key: int) -> None:
    _packed.pop(key, None)
    _locks.pop(key, None)


@functools.cache
def _pyvips():
    """The pyvips module with its operation cache off, or None if not installed."""
    try:
        import pyvips
    except (ImportError, OSError):
        return None
    pyvips.cache_set_max(0)
    return pyvips


def unsharp(img: Image.Image, radius: float, percent: int, threshold: int
            ) -> Image.Image | None:
    """Pillow's ``ImageFilter.UnsharpMask(radius, percent, threshold)`` of an
    RGB ``img``, its blur made by libvips, or None where Pillow must do it.

    Pillow's Gaussian (three box-blur passes each way) costs 20 ms on an
    800x600 rendition; the same kernel through libvips' ``convsep`` and the
    mask in numpy take 10 ms of CPU, 52 dB PSNR from Pillow's own result (the
    blur rounds once instead of six times)."""
    vips = _pyvips()
    if vips is None or img.mode != "RGB":
        return None
    weights = _box_gaussian(radius)
    kernel = vips.Image.new_from_array([list(weights)], scale=sum(weights))
    packed = vips.Image.new_from_memory(img.tobytes(), img.width, img.height, 3, "uchar")
    shape = (img.height, img.width, 3)
    blurred = np.ndarray(shape, np.uint8, packed.convsep(kernel, precision="integer")
                         .write_to_memory()).astype(np.int16)
    source = np.asarray(img, np.int16)
    diff = source - blurred
    lifted = np.clip(source + np.sign(diff) * (np.abs(diff) * percent // 100), 0, 255)
    out = Image.fromarray(np.where(np.abs(diff) >= threshold, lifted, source).astype(np.uint8))
    out.info = dict(img.info)
    return out


#: The blur kernel's weights are integers summing to about this.
KERNEL_SCALE = 256


@functools.cache
def _box_gaussian(radius: float, passes: int = 3) -> tuple[int, ...]:
    """The 1-D kernel of Pillow's ``GaussianBlur(radius)``: ``passes`` box
    blurs whose fractional radius (``_gaussian_blur_radius`` in Pillow's
    BoxBlur.c) gives the Gaussian's variance, convolved into one, in
    ``KERNEL_SCALE``ths, the zero weights at its ends dropped."""
    sigma2 = radius * radius / passes
    whole = int((np.sqrt(12 * sigma2 + 1) - 1) // 2)
    part = ((2 * whole + 1) * (whole * (whole + 1) - 3 * sigma2)
            / (6 * (sigma2 - (whole + 1) ** 2)))
    box = np.array([part] + [1.0] * (2 * whole + 1) + [part])
    kernel = np.array([1.0])
    for _ in range(passes):
        kernel = np.convolve(kernel, box / box.sum())
    weights = [int(round(w * KERNEL_SCALE)) for w in kernel]
    while len(weights) > 1 and weights[0] == weights[-1] == 0:
        weights = weights[1:-1]
    return tuple(weights)
