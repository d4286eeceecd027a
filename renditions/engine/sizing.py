"""Sizes in pixels: boxes of an exact aspect and renditions' output sizes.

All sizes are (w, h) in px; aspects are (a, b) integers meaning a:b.
"""
from __future__ import annotations

import math


def output_size(box_size: tuple[int, int], *, width: int | None, height: int | None,
                max_width: int | None, allow_upscale: bool,
                aspect: tuple[int, int] | None = None) -> tuple[int, int]:
    """The rendition's size in px for a crop of ``box_size`` (w, h) px.

    Width and height given: exactly that, or scaled down keeping its aspect when
    the crop is smaller and upscaling is not allowed. One of them: the other
    follows the crop's aspect. Neither: the crop's size. ``max_width`` caps the
    width in every case (it never upscales). With ``aspect`` (a, b) and no exact
    size, the height is the width's exact a:b partner rather than the crop's
    rounding (a 1687x3000 crop of 9:16 at 1080 wide gives 1920, not 1921).
    """
    bw, bh = box_size
    if aspect and not (width and height):
        w, _ = output_size(box_size, width=width, height=height, max_width=max_width,
                           allow_upscale=allow_upscale)
        return w, max(1, round(w * aspect[1] / aspect[0]))
    if width and height:
        scale = min(bw / width, bh / height)
        if scale < 1 and not allow_upscale:
            width, height = _round_size(width * scale, height * scale)
        return _cap(width, height, max_width)
    if width or height:
        scale = width / bw if width else height / bh
        scale = scale if allow_upscale else min(scale, 1.0)
        return _cap(*_round_size(bw * scale, bh * scale), max_width)
    return _cap(bw, bh, max_width)


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
