"""One decode of an image, shared by every rendition of it and by its analysis.

A ``Pyramid`` holds the decoded image (``loading.open_full``, oriented sRGB) and
its reductions by 2, 4 and 8 (``Image.reduce``, a box filter: about 12 ms for a
12 MP photo's half, 3 ms for the next level), made on first use and kept, so
that seven renditions and the analysis copy pay for one reduction each, not one
each. A rendition is resampled (Lanczos) from the smallest level that still
leaves it a ``LEVEL_GAP`` shrink: a 12 MP photo's 1600 px hero comes from the
2000 px level in about a third of the time, 49 dB PSNR against a resample of
the whole decode (``bench/speed.py`` reports the PSNR of every default profile).

Boxes are (x0, y0, x1, y1) in px of the decoded image unless said otherwise;
a level's px are the decoded px divided by its factor.
"""
from __future__ import annotations

import math
import threading
from typing import Sequence

from PIL import Image

from .loading import analysis_image, analysis_size, decode_full

#: The least shrink each level must leave to the final Lanczos resample. The
#: half may leave 1.1x (a 2.5x hero resamples 1.25x from it); the deeper levels
#: (box filters of box filters, or of a DCT-scaled decode) soften more and must
#: leave 2x, as Pillow's own reduce step (``reducing_gap=2.0``) does.
LEVEL_GAPS = {2: 1.1, 4: 2.0, 8: 2.0}
#: The deepest level (1/8): below it the resample's own reduce step takes over.
MAX_LEVEL = 8


def level_factor(shrink: float, reduced: int = 1) -> int:
    """The level (1, 2, 4 or 8) a box is resampled from when it shrinks ``shrink``
    times from the decode (decoded px per output px) and the decoder already
    reduced the original ``reduced`` times: the deepest that leaves its
    ``LEVEL_GAPS`` shrink (``Pyramid.choose``'s rule, askable before a decode)."""
    factor = 1
    while (factor < MAX_LEVEL
           and shrink / (factor * 2) >= LEVEL_GAPS[min(8, factor * 2 * reduced)]):
        factor *= 2
    return factor


class Pyramid:
    """A decoded image and its reductions by 2, 4, 8, made once on demand.

    Thread-safe: renditions rendered side by side share the levels; the one
    that first needs a level makes it while the others wait only for that one.
    """

    def __init__(self, image: Image.Image, *, reduced: int = 1,
                 source_size: tuple[int, int] | None = None):
        """``reduced``: the JPEG decoder's DCT scaling already applied (1, 2, 4
        or 8), which counts as levels taken when a level's gap is chosen;
        ``source_size``: the original's oriented (W, H) px (default: the image's)."""
        image.load()
        self.image = image
        self.reduced = reduced
        self.source_size = tuple(source_size or image.size)
        self._levels = {1: image}
        self._regions: dict[int, tuple[int, int, int, int]] = {}
        self._lock = threading.RLock()

    @classmethod
    def open(cls, fp, *, max_pixels: int | None, reduce: int = 1) -> Pyramid:
        """Decode ``fp`` once (``loading.decode_full``; a JPEG at 1/``reduce``
        through DCT scaling). Raises ``loading.ImageError``."""
        image, size = decode_full(fp, max_pixels=max_pixels, reduce=reduce)
        return cls(image, reduced=max(1, round(size[0] / image.width)), source_size=size)

    @property
    def size(self) -> tuple[int, int]:
        """(W, H) px of the decoded image (level 1)."""
        return self.image.size

    def level(self, factor: int) -> Image.Image:
        """The decoded image reduced by ``factor`` (1, 2, 4 or 8), each level
        made from the one above it."""
        with self._lock:
            if factor not in self._levels:
                self._levels[factor] = self.level(factor // 2).reduce(2)
            return self._levels[factor]

    def choose(self, box: Sequence[float], size: tuple[int, int], *, whole: bool = False) -> int:
        """The level factor to resample ``box`` (decoded px) to ``size`` px from;
        ``whole``: for a resampler that cannot place a box between px, the
        deepest of those levels where ``box`` falls on whole px, unless that
        is the decode itself (which it would copy whole for one box: a banner
        whose box ends between px of the 1/2 level); then the level chosen."""
        shrink = min((box[2] - box[0]) / size[0], (box[3] - box[1]) / size[1])
        factor = chosen = level_factor(shrink, self.reduced)
        while whole and factor > 1 and any(v % factor for v in box):
            factor //= 2
        return chosen if factor == 1 else factor

    def expect(self, jobs: Sequence[tuple[Sequence[float], tuple[int, int]]]) -> None:
        """Note the (box, size) pairs (decoded px, output px) about to be
        resampled: each level's ``region`` is then the part of it they read."""
        regions: dict[int, tuple[int, int, int, int]] = {}
        for box, size in jobs:
            factor = self.choose(box, size, whole=True)  # the libvips path's level
            x0, y0, x1, y1 = (v / factor for v in box)
            part = (math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1))
            have = regions.get(factor, part)
            regions[factor] = (min(have[0], part[0]), min(have[1], part[1]),
                               max(have[2], part[2]), max(have[3], part[3]))
        with self._lock:
            self._regions = regions

    def region(self, factor: int) -> tuple[int, int, int, int] | None:
        """The int px box of level ``factor`` that the expected jobs read
        (``expect``), or None (all of it): what a resampler copies of it."""
        return self._regions.get(factor)

    def source_for(self, box: Sequence[float], size: tuple[int, int]
                   ) -> tuple[Image.Image, tuple[float, ...]]:
        """The level to resample from and ``box`` in its px (fractional: the
        resample's filter positions stay those of the decoded image)."""
        factor = self.choose(box, size)
        if factor == 1:
            return self.image, tuple(box)
        return self.level(factor), tuple(v / factor for v in box)

    def analysis_image(self, longest: int, floor: int | None = None) -> Image.Image:
        """The analysis copy, ``loading.analysis_size(source_size, longest, floor)``
        px as ``loading.open_for_analysis`` makes it, from the smallest level that
        still covers it."""
        target = analysis_size(self.source_size, longest, floor)
        factor = 1
        while factor < MAX_LEVEL and max(self.size) / (factor * 2) >= max(target):
            factor *= 2
        return analysis_image(self.level(factor), longest, target=target)
