"""Crop retention on the held-out photos, shown in the training log.

The product's question about a map is where its crops fall: the engine's
planner places the largest box of each of the benchmark's aspects on the
model's map (no faces), and the score is the share of the photo's human
fixations inside, beside the oracle's share, exactly as ``make bench``
counts them (``bench.crop_quality``).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from bench import ASPECTS
from bench.crop_quality import Sample, fraction_inside, largest_box, oracle_box, osie_samples
from renditions.engine import planning
from training import data


class CropCheck:
    """One OSIE photo's fixations and the oracle's mean share over the aspects."""

    def __init__(self, image_id: int):
        self.sample = _samples()[image_id]
        points, size = self.sample.points, self.sample.size
        self.best = float(np.mean([fraction_inside(points, oracle_box(points, size,
                                                                      largest_box(a, size)))
                                   for a in ASPECTS]))

    def kept(self, prob: np.ndarray) -> tuple[float, float]:
        """(mean share of fixations the planner's boxes on ``prob`` keep, the oracle's)."""
        shares = [fraction_inside(self.sample.points,
                                  planning.plan_crop(prob, self.sample.size, aspect=a).box)
                  for a in ASPECTS]
        return float(np.mean(shares)), self.best


@lru_cache(maxsize=1)
def _samples() -> dict[int, Sample]:
    return {int(s.name): s for s in osie_samples(data.SHARED, all_images=True)}
