"""Boxes and points that say their space, and every conversion between spaces.

``PxBox`` and ``PxPoint`` are in pixels of the oriented original (x1/y1
exclusive); ``NormBox`` and ``NormPoint`` are fractions 0-1 of its width and
height, as the database and the API store them. They are NamedTuples, so they
unpack, compare equal to plain tuples and serialise to JSON as lists. The
roundings live here and nowhere else: nearest pixel for a stored box, outward
for a detection that must not lose its edge.
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
        return NormPoint(self.x / size[0], self.y / size[1])


class NormPoint(NamedTuple):
    """A point as fractions 0-1 of the original's width and height."""

    x: float
    y: float

    def to_px(self, size: Size) -> PxPoint:
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
        x0, y0, x1, y1 = self.x0 * w, self.y0 * h, self.x1 * w, self.y1 * h
        low, high = (math.floor, math.ceil) if outward else (round, round)
        return _clip(low(x0), low(y0), high(x1), high(y1), size)


def scale_box(box, from_size: Size, to_size: Size) -> PxBox:
    """A box in px of an image of ``from_size`` (e.g. the analysis copy) in px of
    the same image at ``to_size``, rounded outward and clipped."""
    x0, y0, x1, y1 = box
    return NormBox(x0 / from_size[0], y0 / from_size[1],
                   x1 / from_size[0], y1 / from_size[1]).to_px(to_size, outward=True)


def fit_longest(size: tuple[float, float], longest: int) -> Size:
    """(w, h) of ``size`` scaled so its longest side is ``longest`` (up or down),
    the aspect kept to the nearest unit, each side at least 1."""
    width, height = size
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _clip(x0: int, y0: int, x1: int, y1: int, size: Size) -> PxBox:
    w, h = size
    return PxBox(min(max(0, x0), w), min(max(0, y0), h), min(max(0, x1), w),
                 min(max(0, y1), h))
