"""Saliency metrics after Bylinskii et al., "What do different evaluation metrics
tell us about saliency models?", TPAMI 2019 (the MIT/Tuebingen benchmark code).

Every map is a 2-D float array in the same pixel space (rows = y). ``fix`` is a
binary fixation map of that size; ``gt`` is the blurred fixation density.
Numpy only, so the engine could reuse it without torch.
"""
from __future__ import annotations

import numpy as np

EPS = np.finfo(np.float64).eps  # 2.2204e-16, as in the MATLAB code


def _standardise(s: np.ndarray) -> np.ndarray:
    s = s.astype(np.float64)
    sd = s.std(ddof=1)
    return (s - s.mean()) / (sd if sd > 0 else 1.0)


def _unit(s: np.ndarray) -> np.ndarray:
    s = s.astype(np.float64) - s.min()
    top = s.max()
    return s / top if top > 0 else s


def auc_judd(sal: np.ndarray, fix: np.ndarray, jitter: bool = True) -> float:
    """AUC-Judd: thresholds at the saliency values of fixated pixels.

    True positives are fixated pixels above threshold, false positives all
    other pixels above it. A tiny fixed-seed jitter breaks ties, as in the
    reference code.
    """
    s = _unit(sal)
    if jitter:
        s = s + np.random.default_rng(0).random(s.shape) * 1e-7
        s = _unit(s)
    f = fix.astype(bool)
    n_fix, n_pix = int(f.sum()), s.size
    if n_fix == 0:
        return float("nan")
    th = np.sort(s[f])[::-1]
    above = n_pix - np.searchsorted(np.sort(s.ravel()), th, side="left")
    tp = np.concatenate([[0.0], np.arange(1, n_fix + 1) / n_fix, [1.0]])
    fp = np.concatenate([[0.0], (above - np.arange(1, n_fix + 1)) / (n_pix - n_fix), [1.0]])
    return float(np.trapezoid(tp, fp))


def auc_from_scores(pos: np.ndarray, neg: np.ndarray) -> float:
    """Area under the ROC of positives against negatives (ties count half)."""
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    allv = np.concatenate([pos, neg])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv), np.float64)
    ranks[order] = np.arange(1, len(allv) + 1)
    # Average ranks over ties.
    sv = allv[order]
    _, start, counts = np.unique(sv, return_index=True, return_counts=True)
    avg = start + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def auc_shuffled(sal: np.ndarray, fix: np.ndarray, other_fix: np.ndarray) -> float:
    """Shuffled AUC: negatives are pixels fixated in *other* images.

    ``other_fix`` is the union of the other images' binary fixation maps.
    Uses every negative at once (the expectation of the reference code's
    100 random splits of Nfix negatives each).
    """
    s = _unit(sal)
    return auc_from_scores(s[fix.astype(bool)], s[other_fix.astype(bool)])


def nss(sal: np.ndarray, fix: np.ndarray) -> float:
    """Mean standardised saliency at fixated pixels."""
    f = fix.astype(bool)
    return float(_standardise(sal)[f].mean()) if f.any() else float("nan")


def cc(sal: np.ndarray, gt: np.ndarray) -> float:
    """Pearson correlation between the map and the blurred fixation density."""
    a, b = _standardise(sal), _standardise(gt)
    return float((a * b).sum() / (a.size - 1))


def kld(sal: np.ndarray, gt: np.ndarray) -> float:
    """KL divergence of the prediction from the ground truth (lower is better)."""
    p = sal.astype(np.float64) / max(sal.sum(), EPS)
    q = gt.astype(np.float64) / max(gt.sum(), EPS)
    return float((q * np.log(EPS + q / (p + EPS))).sum())


def sim(sal: np.ndarray, gt: np.ndarray) -> float:
    """Histogram intersection of the two maps, each scaled to 0..1 then summed to 1."""
    a, b = _unit(sal), _unit(gt)
    a, b = a / max(a.sum(), EPS), b / max(b.sum(), EPS)
    return float(np.minimum(a, b).sum())


def all_metrics(sal: np.ndarray, fix: np.ndarray, gt: np.ndarray,
                other_fix: np.ndarray | None = None) -> dict[str, float]:
    out = {"AUC-Judd": auc_judd(sal, fix), "NSS": nss(sal, fix), "CC": cc(sal, gt),
           "KLD": kld(sal, gt), "SIM": sim(sal, gt)}
    if other_fix is not None:
        out["sAUC"] = auc_shuffled(sal, fix, other_fix)
    return out


def gaussian_kernel(sigma: float) -> np.ndarray:
    r = int(np.ceil(4 * sigma))
    x = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def blur(arr: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur with zero padding (sigma in pixels of ``arr``)."""
    k = gaussian_kernel(sigma)
    a = np.apply_along_axis(np.convolve, 1, arr.astype(np.float64), k, mode="same")
    return np.apply_along_axis(np.convolve, 0, a, k, mode="same")


def centre_gaussian(width: int, height: int, frac: float = 0.25) -> np.ndarray:
    """A centred Gaussian with sigma = ``frac`` of the width and height, shape (h, w)."""
    xs = (np.arange(width) + 0.5 - width / 2) / (frac * width)
    ys = (np.arange(height) + 0.5 - height / 2) / (frac * height)
    return np.exp(-0.5 * (ys[:, None] ** 2 + xs[None, :] ** 2))
