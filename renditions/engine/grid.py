"""Small numpy helpers for saliency grids (2-D float arrays, row = y).

A grid of shape (gh, gw) covers an image of (W, H) px; cell (r, c) spans
x in [c*W/gw, (c+1)*W/gw) and y in [r*H/gh, (r+1)*H/gh). Resampling and blurs
are separable matrix products, exact and fast at these sizes (<= ~200 cells).
"""
from __future__ import annotations

import numpy as np

#: Longest side, in cells, of the maps every backend returns.
MAP_LONGEST = 128


def fit_cells(width: float, height: float, longest: int = MAP_LONGEST) -> tuple[int, int]:
    """Return (gw, gh) cells for an image of ``width`` x ``height`` px.

    The longest side gets ``longest`` cells; the other keeps the aspect to the
    nearest cell (at least 1).
    """
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def interp_matrix(coords: np.ndarray, n: int) -> np.ndarray:
    """Linear interpolation weights, shape (len(coords), n).

    ``coords`` are positions in sample units (sample i sits at i), clamped to
    [0, n-1]; row k holds the weights that interpolate samples at coords[k].
    """
    coords = np.clip(np.asarray(coords, dtype=np.float64), 0, n - 1)
    lo = np.minimum(np.floor(coords).astype(np.intp), max(n - 2, 0))
    frac = coords - lo
    out = np.zeros((len(coords), n))
    rows = np.arange(len(coords))
    out[rows, lo] = 1.0 - frac
    if n > 1:
        out[rows, lo + 1] += frac
    return out


def resize(grid: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinearly resample ``grid`` to ``shape`` (rows, cols), cell-centre aligned.

    Both grids cover the same rectangle; a cell's value is taken at its centre.
    """
    rows, cols = shape
    src_r, src_c = grid.shape
    ry = interp_matrix((np.arange(rows) + 0.5) * src_r / rows - 0.5, src_r)
    rx = interp_matrix((np.arange(cols) + 0.5) * src_c / cols - 0.5, src_c)
    return (ry @ grid @ rx.T).astype(np.float32)


def gaussian_matrix(n: int, sigma: float) -> np.ndarray:
    """(n, n) blur matrix for ``sigma`` cells, rows renormalised at the borders."""
    idx = np.arange(n, dtype=np.float64)
    k = np.exp(-0.5 * ((idx[:, None] - idx[None, :]) / max(sigma, 1e-6)) ** 2)
    return k / k.sum(axis=1, keepdims=True)


def blur(grid: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of ``sigma`` cells along both axes (borders renormalised)."""
    rows, cols = grid.shape
    return gaussian_matrix(rows, sigma) @ grid @ gaussian_matrix(cols, sigma).T


def gaussian_2d(shape: tuple[int, int], centre: tuple[float, float],
                sigma: tuple[float, float]) -> np.ndarray:
    """Unnormalised Gaussian on a (rows, cols) grid; centre and sigma in cells (x, y).

    Cell (r, c) is evaluated at its centre (c + 0.5, r + 0.5).
    """
    rows, cols = shape
    gx = np.exp(-0.5 * ((np.arange(cols) + 0.5 - centre[0]) / max(sigma[0], 1e-6)) ** 2)
    gy = np.exp(-0.5 * ((np.arange(rows) + 0.5 - centre[1]) / max(sigma[1], 1e-6)) ** 2)
    return np.outer(gy, gx)


def centre_prior(shape: tuple[int, int]) -> np.ndarray:
    """Gaussian centre prior with sigma = 1/4 of the width and height."""
    rows, cols = shape
    return gaussian_2d(shape, (cols / 2, rows / 2), (cols / 4, rows / 4))


def normalise(grid: np.ndarray) -> np.ndarray:
    """Return float32 ``grid`` clipped at 0 and scaled to sum 1 (uniform if empty)."""
    grid = np.clip(np.nan_to_num(np.asarray(grid, dtype=np.float64)), 0, None)
    total = grid.sum()
    if not np.isfinite(total) or total <= 0:
        return np.full(grid.shape, 1.0 / grid.size, dtype=np.float32)
    return (grid / total).astype(np.float32)
