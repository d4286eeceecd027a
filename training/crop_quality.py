"""Crop retention on held-out photos, for checkpoint selection.

The product's question about a map is where its crops fall: the engine's
planner places the largest box of each of the benchmark's aspects on the
model's map (no faces), and the score is the share of the photo's human
fixations inside, beside the oracle's share (``bench.crop_quality``).
"""
from __future__ import annotations

import numpy as np

from bench import ASPECTS
from bench.crop_quality import fraction_inside, largest_box, oracle_box
from renditions.engine import planning
from training import data


class Holder:
    """One OSIE photo's fixations and the oracle's share for each aspect."""

    def __init__(self, image_id: int):
        pts, self.size = data.fixations()[image_id]
        points = np.round(pts).astype(np.int64)
        self.points = points[(points >= 0).all(1) & (points < np.array(self.size)).all(1)]
        self.best = float(np.mean([
            fraction_inside(self.points, oracle_box(self.points, self.size,
                                                    largest_box(a, self.size)))
            for a in ASPECTS]))

    def kept(self, prob: np.ndarray) -> tuple[float, float]:
        """(mean share of fixations the planner's boxes on ``prob`` keep, oracle's)."""
        shares = [fraction_inside(self.points, planning.plan_crop(prob, self.size, aspect=a).box)
                  for a in ASPECTS]
        return float(np.mean(shares)), self.best
