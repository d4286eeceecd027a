"""How much a reviewer can trust an automatic crop: a 0-1 score to sort by.

Three signals, each 0-1, multiplied:

* **kept**: the share of saliency inside the box (low: the crop loses a lot);
* **focus**: 1 minus the map's normalised entropy, rescaled (low: the map is
  flat, the model saw nothing in particular);
* **rivals**: 1 minus the strength of the strongest peak *outside* the box
  relative to the strongest inside (low: several far-apart subjects compete).

The map is analysed on a coarse grid (longest side ``COARSE`` cells).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import grid

COARSE = 32
#: Normalised entropy at or above which the focus term is 0, and at or below 1.
FLAT_ENTROPY = 0.985
PEAKED_ENTROPY = 0.80
#: Kept share at and above which the kept term is 1.
FULL_KEPT = 0.85


@dataclass(frozen=True)
class MapStats:
    """What the score needs from a map, computed once per map.

    ``focus`` 0-1; ``peaks`` (values, x, y) with x/y in map cells (floats).
    """

    focus: float
    peaks: tuple[np.ndarray, np.ndarray, np.ndarray]


def map_stats(density: np.ndarray) -> MapStats:
    """Analyse a map (sums to 1) on the coarse grid."""
    coarse = _coarse(density)
    values, rows, cols = _peaks(coarse)
    fx, fy = density.shape[1] / coarse.shape[1], density.shape[0] / coarse.shape[0]
    return MapStats(_focus(coarse), (values, (cols + 0.5) * fx, (rows + 0.5) * fy))


def confidence(stats: MapStats, box, kept: float, sx: float, sy: float) -> float:
    """Score a crop ``box`` (source px) that keeps ``kept`` of the mass.

    ``sx``/``sy`` are map cells per source px.
    """
    kept_term = min(1.0, kept / FULL_KEPT)
    cell_box = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
    return float(kept_term * stats.focus * _rivals(stats.peaks, cell_box))


def _coarse(density: np.ndarray) -> np.ndarray:
    rows, cols = density.shape
    cw, ch = grid.fit_cells(cols, rows, min(COARSE, max(rows, cols)))
    return grid.normalise(grid.resize(density, (ch, cw))).astype(np.float64)


def _focus(coarse: np.ndarray) -> float:
    """1 for a peaked map, 0 for a flat one (normalised entropy rescaled)."""
    if coarse.size < 2:
        return 1.0
    p = coarse[coarse > 0]
    entropy = float(-(p * np.log(p)).sum() / np.log(coarse.size))
    span = FLAT_ENTROPY - PEAKED_ENTROPY
    return float(np.clip((FLAT_ENTROPY - entropy) / span, 0.0, 1.0))


def _rivals(peaks, box) -> float:
    """1 minus (strongest peak outside ``box`` / strongest inside); box in cells."""
    values, xs, ys = peaks
    x0, y0, x1, y1 = box
    inside = (x0 <= xs) & (xs < x1) & (y0 <= ys) & (ys < y1)
    if inside.all():
        return 1.0
    if not inside.any():
        return 0.0
    return float(max(0.0, 1.0 - values[~inside].max() / values[inside].max()))


def _peaks(coarse: np.ndarray, floor: float = 0.2):
    """Local maxima of the blurred map above ``floor`` x its maximum.

    Returns (values, rows, cols) arrays, in coarse cells.
    """
    smooth = grid.blur(coarse, 1.0)
    padded = np.pad(smooth, 1, constant_values=-np.inf)
    rows, cols = smooth.shape
    is_peak = smooth >= floor * smooth.max()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                is_peak &= smooth >= padded[1 + dy:1 + dy + rows, 1 + dx:1 + dx + cols]
    r, c = np.nonzero(is_peak)
    return smooth[r, c], r, c
