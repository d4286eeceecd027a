"""Boxes and points that say their space, and every conversion between spaces.

``PxBox`` and ``PxPoint`` are in pixels of the oriented original (x1/y1
exclusive); ``NormBox`` and ``NormPoint`` are fractions 0-1 of its width and
height, as the database and the API store them. They are NamedTuples, so they
unpack, compare equal to plain tuples and serialise to JSON as lists. The
roundings live here and nowhere else: nearest pixel for a stored box or a crop
moved into a reduced decode, outward for a detection that must not lose its
edge, and ``fit_longest`` for every "fit inside a longest side".
"""
from __future__ import annotations

import math
from typing import NamedTuple

Size = tuple[int, int]  # (W, H) px


class PxPoint(NamedTuple):
    """A point in px of the original (floats: a focal point may sit between pixels)."""

    x: float
    y: float

    def to_norm(self, size: Size) -> NormPoint:
        """As fractions of ``size`` (W, H) px, exact (no rounding)."""
        return NormPoint(self.x / size[0], self.y / size[1])


class NormPoint(NamedTuple):
    """A point as fractions 0-1 of the original's width and height."""

    x: float
    y: float

    def to_px(self, size: Size) -> PxPoint:
        """In px of ``size`` (W, H), exact floats (no rounding)."""
        return PxPoint(self.x * size[0], self.y * size[1])


class PxBox(NamedTuple):
    """A box in integer px of the original, x1/y1 exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def size(self) -> Size:
        return self.width, self.height

    def to_norm(self, size: Size) -> NormBox:
        """Exact fractions of ``size`` (W, H) px."""
        w, h = size
        return NormBox(self.x0 / w, self.y0 / h, self.x1 / w, self.y1 / h)


class NormBox(NamedTuple):
    """A box as fractions 0-1 of the original's width and height."""

    x0: float
    y0: float
    x1: float
    y1: float

    def to_px(self, size: Size, *, outward: bool = False) -> PxBox:
        """In px of ``size`` (W, H): nearest pixel, or ``outward`` (floor the
        start, ceil the end); clipped to the image either way."""
        w, h = size
        box = (self.x0 * w, self.y0 * h, self.x1 * w, self.y1 * h)
        return outward_box(box, size) if outward else _clip(*map(round, box), size)


def outward_box(box, size: Size) -> PxBox:
    """A float box ``(x0, y0, x1, y1)`` in px of an image of ``size`` (W, H) as
    integer px: start floored, end ceiled, clipped to the image.

    Float noise below ``_NOISE`` px is ignored, so 400.00000000000006 (64 px of
    a 640 px copy at 4000 px) stays 400 instead of growing a pixel.
    """
    x0, y0, x1, y1 = box
    return _clip(math.floor(x0 + _NOISE), math.floor(y0 + _NOISE),
                 math.ceil(x1 - _NOISE), math.ceil(y1 - _NOISE), size)


def scale_box(box, from_size: Size, to_size: Size, *, outward: bool = True) -> PxBox:
    """A box in px of an image of ``from_size`` in px of the same image at
    ``to_size``, clipped.

    ``outward`` (the default: a detection in the analysis copy must not lose its
    edge in the original): floor the start, ceil the end. Otherwise the nearest
    pixel, keeping at least 1 px per side (a crop moved into a reduced decode).
    """
    (fw, fh), (tw, th) = from_size, to_size
    x0, y0, x1, y1 = box
    # multiply first: an integer result is then exact, with no float noise
    scaled = (x0 * tw / fw, y0 * th / fh, x1 * tw / fw, y1 * th / fh)
    if outward:
        return outward_box(scaled, to_size)
    x0, y0, x1, y1 = map(round, scaled)
    return _clip(x0, y0, max(x0 + 1, x1), max(y0 + 1, y1), to_size)


def fit_longest(size: tuple[float, float], longest: int, *, floor: bool = False) -> Size:
    """(w, h) of ``size`` scaled so its longest side is ``longest`` (up or down),
    the aspect kept to the nearest unit (``floor``: rounded down), each side at
    least 1."""
    width, height = size
    scale = longest / max(width, height)
    rounding = math.floor if floor else round
    return max(1, rounding(width * scale)), max(1, rounding(height * scale))


_NOISE = 1e-6  # px


def _clip(x0: int, y0: int, x1: int, y1: int, size: Size) -> PxBox:
    w, h = size
    return PxBox(min(max(0, x0), w), min(max(0, y0), h), min(max(0, x1), w),
                 min(max(0, y1), h))
