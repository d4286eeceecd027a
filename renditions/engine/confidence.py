"""How much a reviewer can trust an automatic crop: one calibrated probability.

``confidence`` is the probability that the crop keeps at least ``ORACLE_SHARE``
(90 %) of the human fixations that the best-placed box of its size would keep
(the oracle: an exhaustive slide over the photo's fixations). It is a logistic
model over a few plan ``FEATURES``, fitted by ``python -m training calibrate``
on training photos whose fixations the model never trained on (the selection
holdouts OSIE 1501-1550 and Scene 401-450) for one saliency model and stored in
``models/salient.calibration.json`` with that model's sha256 and version, read
once per process, on first use.
``LOW_CONFIDENCE`` is the flag threshold with the best F1 for finding crops
under 85 % of the oracle on those photos (the fit suggests it again each time).

Fallback: when that file is missing or unreadable, or was fitted for another
model (another file than the shipped ``salient.onnx``, or a map from the
classical "spectral" backend), ``confidence`` returns the old heuristic
(``heuristic``: kept x focus x rivals, 0-1), which ranks crops but is not a
probability (it reads far too low). ``calibration_for`` says which applies.

The map is analysed on a coarse grid (longest side ``COARSE`` cells).
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import grid
from .saliency import SHIPPED_MODEL

log = logging.getLogger(__name__)

COARSE = 32
#: Normalised entropy at or above which the focus term is 0, and at or below 1.
FLAT_ENTROPY = 0.985
PEAKED_ENTROPY = 0.80
#: Kept share at and above which the heuristic's kept term is 1.
FULL_KEPT = 0.85
#: What "a good crop" means: it keeps this share of the oracle's fixations.
ORACLE_SHARE = 0.9
#: Below this confidence a crop is flagged for a reviewer ("low confidence").
LOW_CONFIDENCE = 0.65
#: The calibration's features, in the order of its weights (see ``features``).
FEATURES = ("logit_kept", "focus", "rivals", "log_area", "worst_share")
CALIBRATION = Path(__file__).with_name("models") / "salient.calibration.json"


@dataclass(frozen=True)
class MapStats:
    """What the score needs from a map, computed once per map.

    ``focus`` 0-1; ``peaks`` (values, x, y) with x/y in map cells (floats);
    ``shape`` (rows, cols) of the map in cells.
    """

    focus: float
    peaks: tuple[np.ndarray, np.ndarray, np.ndarray]
    shape: tuple[int, int] = (1, 1)


@dataclass(frozen=True)
class Calibration:
    """A fitted logistic model: P(good) = sigmoid(bias + weights . features)."""

    weights: tuple[float, ...]
    bias: float
    model_version: str
    model_sha256: str

    def probability(self, values: np.ndarray) -> float:
        z = self.bias + float(np.dot(self.weights, values))
        return float(1.0 / (1.0 + math.exp(-min(max(z, -50.0), 50.0))))


def map_stats(density: np.ndarray) -> MapStats:
    """Analyse a map (sums to 1) on the coarse grid."""
    coarse = _coarse(density)
    values, rows, cols = _peaks(coarse)
    fx, fy = density.shape[1] / coarse.shape[1], density.shape[0] / coarse.shape[0]
    return MapStats(_focus(coarse), (values, (cols + 0.5) * fx, (rows + 0.5) * fy),
                    tuple(density.shape))


def confidence(stats: MapStats, box, kept: float, sx: float, sy: float, worst: float, *,
               model_version: str | None = None) -> float:
    """P(the crop ``box`` (source px) keeps >= ORACLE_SHARE of the oracle's fixations).

    ``kept``: the share (0-1) of the map's mass inside; ``sx``/``sy``: map cells
    per source px; ``worst``: the mass of the worst-placed box of this size over
    ``kept`` (0-1: near 1, no placement of this size can lose much);
    ``model_version``: the saliency backend's version that made the map (None:
    the shipped model). The heuristic when no calibration fits.
    """
    calibration = calibration_for(model_version)
    if calibration is None:
        return heuristic(stats, box, kept, sx, sy)
    return calibration.probability(features(stats, box, kept, sx, sy, worst))


def heuristic(stats: MapStats, box, kept: float, sx: float, sy: float) -> float:
    """The uncalibrated 0-1 score: kept term x focus x rivals (see ``confidence``)."""
    kept_term = min(1.0, kept / FULL_KEPT)
    return float(kept_term * stats.focus * _rivals(stats.peaks, _cell_box(box, sx, sy)))


def features(stats: MapStats, box, kept: float, sx: float, sy: float,
             worst: float) -> np.ndarray:
    """The plan's ``FEATURES``: logit of ``kept`` (clipped to 0.01-0.99), the map's
    focus (0-1), rivals (0-1), the log of the box's share of the image area and
    ``worst`` (0-1, see ``confidence``)."""
    cell_box = _cell_box(box, sx, sy)
    k = min(max(kept, 0.01), 0.99)
    area = (cell_box[2] - cell_box[0]) * (cell_box[3] - cell_box[1])
    share = min(max(area / (stats.shape[0] * stats.shape[1]), 1e-4), 1.0)
    return np.array([math.log(k / (1 - k)), stats.focus, _rivals(stats.peaks, cell_box),
                     math.log(share), min(max(worst, 0.0), 1.0)])


def calibration_for(model_version: str | None = None) -> Calibration | None:
    """The calibration that fits maps of ``model_version`` (None: the shipped model's
    file), or None when the file is missing or was fitted for another model."""
    calibration = load_calibration(CALIBRATION)
    if calibration is None:
        return None
    if model_version is None:
        return calibration if _shipped_sha256() == calibration.model_sha256 else None
    return calibration if model_version == calibration.model_version else None


@functools.cache
def load_calibration(path: Path) -> Calibration | None:
    """The calibration in ``path`` (cached per process), or None (logged) when the
    file is missing, unreadable or for other features."""
    try:
        raw = json.loads(Path(path).read_text())
        if tuple(raw["features"]) != FEATURES:
            raise ValueError(f"features {raw['features']} are not {list(FEATURES)}")
        return Calibration(tuple(float(w) for w in raw["weights"]), float(raw["bias"]),
                           str(raw["model_version"]), str(raw["model_sha256"]))
    except FileNotFoundError:
        log.info("no confidence calibration at %s: using the heuristic score", path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("confidence calibration %s unusable (%s): using the heuristic", path, exc)
    return None


@functools.cache
def _shipped_sha256() -> str:
    try:
        return hashlib.sha256(SHIPPED_MODEL.read_bytes()).hexdigest()
    except OSError:
        return ""


def _cell_box(box, sx: float, sy: float) -> tuple[float, float, float, float]:
    return (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)


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
    """Local maxima of the blurred map above ``floor`` x its maximum: cells at
    least as high as each of their 8 neighbours (the 3x3 maximum around them,
    taken along rows then columns).

    Returns (values, rows, cols) arrays, in coarse cells.
    """
    smooth = grid.blur(coarse, 1.0)
    rows, cols = smooth.shape
    padded = np.full((rows + 2, cols + 2), -np.inf)
    padded[1:-1, 1:-1] = smooth
    across = np.maximum(np.maximum(padded[:, :-2], padded[:, 1:-1]), padded[:, 2:])
    around = np.maximum(np.maximum(across[:-2], across[1:-1]), across[2:])
    r, c = np.nonzero((smooth >= around) & (smooth >= floor * smooth.max()))
    return smooth[r, c], r, c
