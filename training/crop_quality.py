"""Crop retention on the held-out photos, shown in the training log.

The product's question about a map is where its crops fall: the engine's
planner (``pipeline.Planner``) places the largest box of each of the benchmark's aspects on the
model's map (no faces), and the score is the share of the photo's human
fixations inside, beside the oracle's share, exactly as ``make bench``
counts them (``bench.crop_quality``).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from bench import ASPECTS
from bench.crop_quality import Sample, fraction_inside, oracle_boxes, osie_samples
from renditions.engine import pipeline
from training import data


class CropCheck:
    """One photo's fixations and the oracle's mean share over the aspects."""

    def __init__(self, sample: Sample):
        self.sample = sample
        self.best = self._share(oracle_boxes(sample, ASPECTS).values())

    @classmethod
    def osie(cls, image_id: int) -> "CropCheck":
        return cls(_samples()[image_id])

    def kept(self, saliency_map: np.ndarray) -> float:
        """Mean share of fixations that the planner's boxes on the map keep."""
        planner = pipeline.Planner(pipeline.ImageAnalysis.of_map(saliency_map, self.sample.size))
        return self._share(planner.plan(pipeline.RenditionSpec(aspect=a)).box for a in ASPECTS)

    def _share(self, boxes) -> float:
        return float(np.mean([fraction_inside(self.sample.points, box) for box in boxes]))


@lru_cache(maxsize=1)
def _samples() -> dict[int, Sample]:
    return {int(s.name): s for s in osie_samples(data.SHARED, all_images=True)}
