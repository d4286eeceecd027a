"""Small numpy helpers for saliency grids (2-D float arrays, row = y).

A grid of shape (gh, gw) covers an image of (W, H) px; cell (r, c) spans
x in [c*W/gw, (c+1)*W/gw) and y in [r*H/gh, (r+1)*H/gh). Resampling and blurs
are separable gathers and shifted sums, fast at these sizes (<= ~200 cells).
"""
from __future__ import annotations

import functools

import numpy as np

from .geometry import fit_longest

#: Longest side, in cells, of the maps every backend returns.
MAP_LONGEST = 128


def fit_cells(width: float, height: float, longest: int = MAP_LONGEST) -> tuple[int, int]:
    """Return (gw, gh) cells for an image of ``width`` x ``height`` px.

    The longest side gets ``longest`` cells; the other keeps the aspect to the
    nearest cell (at least 1).
    """
    return fit_longest((width, height), longest)


def interp_axis(table: np.ndarray, coords, axis: int) -> np.ndarray:
    """Linear interpolation of ``table`` along ``axis`` at fractional indices.

    Sample i sits at index i; ``coords`` are clamped to [0, n-1]. Gathers, not
    matrix products: small BLAS calls stall when the CPU is shared.
    """
    return lerp(table, lerp_weights(coords, table.shape[axis]), axis)


def lerp_weights(coords, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where ``interp_axis`` reads a table of ``n`` samples for fractional indices
    ``coords`` (clamped to [0, n-1]): (lo, hi, frac) arrays, the value being
    ``t[lo] * (1 - frac) + t[hi] * frac``. Worked out once, they serve any table
    of n samples along that axis."""
    coords = np.asarray(coords, dtype=np.float64).clip(0, n - 1)
    lo = np.minimum(coords.astype(np.intp), max(n - 2, 0))
    return lo, lo + 1 if n > 1 else lo, coords - lo  # lo <= n - 2: lo + 1 is inside


def lerp_weight(coord: float, n: int) -> tuple[int, int, float]:
    """``lerp_weights`` of one coordinate, in Python numbers: the same (lo, hi, frac)
    to the bit, without an array's overhead."""
    coord = min(max(float(coord), 0.0), float(n - 1))  # as np.clip: -0.0 stays -0.0
    lo = min(int(coord), max(n - 2, 0))
    return lo, lo + 1 if n > 1 else lo, coord - lo  # as lerp_weights


def lerp(table: np.ndarray, weights, axis: int) -> np.ndarray:
    """``table`` interpolated along ``axis`` (0 or 1) at ``lerp_weights``."""
    lo, hi, frac = weights
    if axis == 1:  # take: a fancy index along axis 1 costs a few times more
        return table.take(lo, 1) * (1 - frac) + table.take(hi, 1) * frac
    return table.take(lo, 0) * (1 - frac)[:, None] + table.take(hi, 0) * frac[:, None]


def resize(grid: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinearly resample ``grid`` to ``shape`` (rows, cols), cell-centre aligned.

    Both grids cover the same rectangle; a cell's value is taken at its centre.
    """
    grid = np.asarray(grid, dtype=np.float64)
    rows, cols = shape
    if grid.shape == (rows, cols):
        return grid.astype(np.float32)
    src_r, src_c = grid.shape
    out = lerp(lerp(grid, _resize_weights(src_r, rows), 0), _resize_weights(src_c, cols), 1)
    return out.astype(np.float32)


@functools.lru_cache(maxsize=64)
def _resize_weights(src: int, dst: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``lerp_weights`` from ``src`` cells to the centres of ``dst`` cells over the
    same side; the same for every map of a size, so worked out once (read-only)."""
    weights = lerp_weights((np.arange(dst) + 0.5) * src / dst - 0.5, src)
    for array in weights:
        array.flags.writeable = False
    return weights


def blur(grid: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of ``sigma`` cells along both axes (borders renormalised)."""
    return _blur_axis(_blur_axis(np.asarray(grid, dtype=np.float64), sigma, 0), sigma, 1)


def _blur_axis(a: np.ndarray, sigma: float, axis: int) -> np.ndarray:
    n = a.shape[axis]
    if sigma <= 0:
        return a
    radius, taps, norm = _blur_taps(n, float(sigma))
    if radius < 1:
        return a
    moved = np.moveaxis(a, axis, 0)
    padded = np.zeros((n + 2 * radius,) + moved.shape[1:])  # zeros beyond the borders
    padded[radius:radius + n] = moved
    out = taps[0] * padded[:n]
    for i in range(1, len(taps)):  # tap by tap, in order: the same sums to the bit
        out += taps[i] * padded[i:i + n]
    return np.moveaxis(out / norm.reshape((n,) + (1,) * (a.ndim - 1)), 0, axis)


@functools.lru_cache(maxsize=64)
def _blur_taps(n: int, sigma: float) -> tuple[int, np.ndarray, np.ndarray]:
    """A blur of ``sigma`` along ``n`` samples: its radius, its taps and, per
    sample, the sum of the taps that fall inside (to renormalise at the borders);
    the same for every map of a size, so worked out once (read-only arrays)."""
    radius = min(n - 1, int(np.ceil(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    inside = np.zeros(n + 2 * radius)
    inside[radius:radius + n] = 1.0
    norm = taps[0] * inside[:n]
    for i in range(1, len(taps)):
        norm += taps[i] * inside[i:i + n]
    taps.flags.writeable = norm.flags.writeable = False
    return radius, taps, norm


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
    grid = np.asarray(grid, dtype=np.float64)
    if not np.isfinite(grid).all():  # nan_to_num costs a few copies: only where needed
        grid = np.nan_to_num(grid)
    grid = np.maximum(grid, 0)  # what np.clip(grid, 0, None) calls
    total = grid.sum()
    if not np.isfinite(total) or total <= 0:
        return np.full(grid.shape, 1.0 / grid.size, dtype=np.float32)
    return (grid / total).astype(np.float32)
