"""Sizes in pixels: boxes of an exact aspect and renditions' output sizes.

All sizes are (w, h) in px; aspects are (a, b) integers meaning a:b.
"""
from __future__ import annotations

import math


def output_size(box_size: tuple[int, int], *, width: int | None, height: int | None,
                max_width: int | None, allow_upscale: bool,
                aspect: tuple[int, int] | None = None) -> tuple[int, int]:
    """The rendition's size in px for a crop of ``box_size`` (w, h) px.

    Width and height given: exactly that. One of them: the other follows the
    crop's aspect. Neither: the crop's size. ``max_width`` caps the width in
    every case (it never upscales). With ``aspect`` (a, b) and no exact size,
    the height is the width's exact a:b partner rather than the crop's rounding
    (a 1687x3000 crop of 9:16 at 1080 wide gives 1920, not 1921).

    Without ``allow_upscale`` no side is ever longer than the crop's: when the
    crop is smaller than what the profile asks for (its exact size, or the a:b
    partner of the width, which overshoots a crop of a few px: a 6x10 crop of
    9:16 would become 6x11), the rendition is the crop at its own size, only
    ``max_width`` still shrinks it.
    """
    w, h = _cap(*_asked(box_size, width, height, allow_upscale), max_width)
    if aspect and not (width and height):
        h = max(1, round(w * aspect[1] / aspect[0]))
    if allow_upscale or not _short_of(box_size, (w, h), width, height):
        return w, h
    return _cap(*box_size, max_width)


def _asked(box_size, width: int | None, height: int | None,
           allow_upscale: bool) -> tuple[int, int]:
    """The (w, h) px asked of a crop of ``box_size`` px: the exact size, one side
    (never beyond the crop's unless ``allow_upscale``) with the other following
    the crop's aspect, or the crop's own size."""
    bw, bh = box_size
    if width and height:
        return width, height
    if width or height:
        scale = width / bw if width else height / bh
        scale = scale if allow_upscale else min(scale, 1.0)
        return _round_size(bw * scale, bh * scale)
    return bw, bh


def _short_of(box_size, size, width, height) -> bool:
    """Whether a crop of ``box_size`` px is smaller than ``size`` or the exact size."""
    bw, bh = box_size
    return size[0] > bw or size[1] > bh or bool(width and height and (bw < width or bh < height))


def profile_aspect(*, aspect: tuple[int, int] | None, width: int | None,
                   height: int | None) -> tuple[int, int] | None:
    """A profile's aspect: ``aspect`` if set, else width:height reduced, else None."""
    if aspect:
        return tuple(aspect)
    if width and height:
        g = math.gcd(width, height)
        return width // g, height // g
    return None


def box_size(ratio: tuple[int, int], width: int, height: int,
             scale: float = 1.0) -> tuple[int, int]:
    """Integer (w, h) px of ratio a:b, ``scale`` times the largest that fits.

    The limiting side gets ``round(scale * side)`` px; the other is the
    integer that makes w/h closest to a/b (so the aspect is exact to the
    pixel).
    """
    a, b = ratio
    if a * height >= b * width:  # wider than the image: width-limited
        w = min(width, max(1, round(width * scale)))
        return w, min(height, _closest(w, b / a, lambda h: abs(w / h - a / b)))
    h = min(height, max(1, round(height * scale)))
    return min(width, _closest(h, a / b, lambda w: abs(w / h - a / b))), h


def _closest(side: int, factor: float, error) -> int:
    """floor or ceil of side*factor (>= 1), whichever has the smaller ratio error."""
    exact = side * factor
    options = {max(1, math.floor(exact)), max(1, math.ceil(exact))}
    return min(sorted(options), key=error)


def _round_size(w: float, h: float) -> tuple[int, int]:
    return max(1, round(w)), max(1, round(h))


def _cap(width: int, height: int, max_width: int | None) -> tuple[int, int]:
    if max_width and width > max_width:
        return max_width, max(1, round(height * max_width / width))
    return width, height
