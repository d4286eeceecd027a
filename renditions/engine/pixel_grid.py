"""A frame's crop box moved onto the pixel grid its render reads.

A frame made on first request is decoded at 1/r (JPEG DCT scaling,
``rendering.decode_reduction``) and resampled from the pyramid level 1/f of
that decode (``pyramid.level_factor``). libvips (``resample.lanczos``, about
3x Pillow's Lanczos) resamples only a box on whole px of that level: edges on
multiples of g = r*f px of the original. ``on_grid`` moves each edge to the
nearest such multiple inside the image, at most g/2 px of the original (an
edge nearer a line beyond the image's border: to the last line inside, under g
px): less than half a px of the output, since r and f are only taken where the
box shrinks 1.05 g times or more. The plan is made on the grid, so the box
stored, reported and rendered is one box (a box snapped at render time alone
would be half a decoded px off the stored one). An original that is not a JPEG
decodes whole, and the level it is then read from divides g: on whole px too.

Boxes are (x0, y0, x1, y1) in int px of the oriented original, x1/y1 exclusive.
"""
from __future__ import annotations

from typing import Sequence

from . import resample
from .geometry import PxBox, Size
from .pyramid import level_factor
from .rendering import FAST_SHRINK, Job, decode_reduction


def on_grid(box: Sequence[int], size: Size, source_size: Size, *,
            content: Sequence[int] | None = None, min_shrink: float = FAST_SHRINK) -> PxBox:
    """``box`` with each edge on the nearest multiple of g = r*f px (``reading``),
    for a render at ``size`` (w, h) px of an original of ``source_size`` (W, H)
    px with ``min_shrink`` (``rendering.render_file``'s); ``content``: a padded
    frame's place of the box (output px), the size it is resampled to.

    An edge nearer a line beyond the image's border (the border itself, off the
    grid) moves in to the last line inside (under g px). The box is returned as
    it is where it is read at full scale (r = f = 1: any int box is whole), where
    ``reading`` is None (an original libvips is not used for, or one whose W or
    H is not a multiple of r), where an edge would collapse, or where the moved
    box would be decoded or resampled otherwise.
    """
    found = reading(box, size, source_size, content=content, min_shrink=min_shrink)
    if found is None or found == (1, 1):
        return PxBox(*box)
    step = found[0] * found[1]
    (width, height), (x0, y0, x1, y1) = source_size, box
    moved = PxBox(_snap(x0, step, width), _snap(y0, step, height),
                  _snap(x1, step, width), _snap(y1, step, height))
    if moved.x0 >= moved.x1 or moved.y0 >= moved.y1:
        return PxBox(*box)
    if reading(moved, size, source_size, content=content, min_shrink=min_shrink) != found:
        return PxBox(*box)
    return moved


def reading(box: Sequence[int], size: Size, source_size: Size, *,
            content: Sequence[int] | None = None,
            min_shrink: float = FAST_SHRINK) -> tuple[int, int] | None:
    """(r, f): the decode reduction and the pyramid level that ``box`` (px of
    the original) is rendered from at ``size`` px (``content`` as in
    ``on_grid``); None where the original is not resampled by libvips
    (``resample.PACKED_BELOW`` px and up) or its W or H is not a multiple of r
    (the decoded px are then not exactly r original px)."""
    width, height = source_size
    if width * height >= resample.PACKED_BELOW:
        return None
    reduce = decode_reduction([Job(box, tuple(size), "", 0)], min_shrink)
    if width % reduce or height % reduce:
        return None
    x0, y0, x1, y1 = content or (0, 0, *size)
    shrink = min((box[2] - box[0]) / (x1 - x0), (box[3] - box[1]) / (y1 - y0))
    return reduce, level_factor(shrink / reduce, reduce)


def _snap(value: int, step: int, side: int) -> int:
    """``value`` to the nearest multiple of ``step`` (a half up), at most the
    last multiple inside ``side``."""
    return min((value + step // 2) // step * step, side - side % step)
