"""Calibrate the engine's crop confidence: ``python -m training calibrate``.

The engine's ``confidence`` is P(the crop keeps at least 90 % of the
fixations the oracle box keeps), a logistic model over the plan features of
``renditions.engine.confidence.FEATURES``. This stage plans every photo x
aspect of the fitting photos through the engine's front door on the shipped
model's maps (``bench.calibration.crop_rows``, faces on, as the worker runs),
labels each crop good or not against the human fixations, fits the logistic
model by Newton's method (numpy, a small L2 penalty) and writes the weights,
with the model's sha256 and version, to
``renditions/engine/models/salient.calibration.json``.

Fitting photos: the two holdouts, OSIE 1501-1550 and Scene 401-450, which
picked the checkpoint but whose fixations the saliency model never trained on.
The photos it trained on (OSIE 1001-1500, and for v2 Scene 001-400) give maps
that match their fixations better than a new photo's: fitted there, the
confidence read too high on validation (ECE 0.060 on OSIE with v2, against
OSIE 1501-1550 + Scene 001-450). Validation photos are never used.
Analyses are cached under ``training/runs/calibration/``.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from bench.calibration import Rows, crop_rows, flag_threshold
from bench.crop_quality import osie_samples, scene_samples
from renditions.engine import confidence, saliency
from training import data

CACHE = data.REPO / "training" / "runs" / "calibration" / "analyses"
L2 = 1e-2


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = L2,
                 iters: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of P(y=1) = sigmoid(bias + x @ weights), by Newton's method.

    ``x`` (n, k) features, ``y`` (n,) 0/1. The features are standardised for
    the fit (the L2 penalty ``l2`` acts on standardised weights, not the bias)
    and the weights returned for the raw features.
    """
    mean, scale = x.mean(0), x.std(0) + 1e-12
    z = np.c_[np.ones(len(x)), (x - mean) / scale]
    penalty = l2 * np.diag(np.r_[0.0, np.ones(x.shape[1])])
    w = np.zeros(z.shape[1])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -50, 50)))
        step = np.linalg.solve((z * (p * (1 - p))[:, None]).T @ z + penalty,
                               z.T @ (p - y) + penalty @ w)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    weights = w[1:] / scale
    return weights, float(w[0] - weights @ mean)


def fit_rows(backend, shared: Path = data.SHARED, cache: Path = CACHE, echo=print) -> Rows:
    """The fitting photos' rows (see the module docstring)."""
    parts = []
    for name, samples in (("OSIE 1501-1550", osie_samples(shared, split=data.HOLDOUT)),
                          ("Scene 401-450", scene_samples(shared, split=data.SCENE_HOLDOUT))):
        started = time.perf_counter()
        parts.append(crop_rows(samples, backend, cache=cache))
        echo(f"  {name}: {len(samples)} photos, {len(parts[-1].ratio)} crops, "
             f"{100 * parts[-1].good.mean():.1f}% good ({time.perf_counter() - started:.0f} s)")
    return Rows.concat(parts)


def calibrate(onnx: Path, out: Path = confidence.CALIBRATION, *, shared: Path = data.SHARED,
              cache: Path = CACHE, echo=print) -> dict:
    """Fit the confidence for the model at ``onnx`` and write ``out``; return its content."""
    backend = saliency.get_backend(str(onnx))
    echo(f"calibrating the crop confidence for {backend.version} ...")
    rows = fit_rows(backend, shared, cache, echo)
    weights, bias = fit_logistic(rows.features, rows.good.astype(float))
    p = _probabilities(rows.features, weights, bias)
    record = {
        "what": "P(crop keeps >= 90% of the oracle's fixations) = "
                "sigmoid(bias + weights . features), see renditions/engine/confidence.py",
        "features": list(confidence.FEATURES), "weights": [round(float(w), 6) for w in weights],
        "bias": round(bias, 6), "model_version": backend.version,
        "model_sha256": hashlib.sha256(Path(onnx).read_bytes()).hexdigest(),
        "fitted_on": {"photos": "OSIE 1501-1550, Scene 401-450", "crops": len(rows.ratio),
                      "good_share": round(float(rows.good.mean()), 4),
                      "mean_confidence": round(float(p.mean()), 4),
                      "suggested_low_confidence": round(float(flag_threshold(p, rows.ratio)), 2)},
    }
    out.write_text(json.dumps(record, indent=2) + "\n")
    confidence.load_calibration.cache_clear()
    echo(f"wrote {out}: weights {dict(zip(confidence.FEATURES, record['weights']))}, "
         f"bias {record['bias']}; fit set {record['fitted_on']}")
    return record


def _probabilities(x: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ weights + bias)))
