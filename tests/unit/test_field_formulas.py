"""The planner's faster formulas give the same bits as the plain ones they replace.

Each test draws random inputs (maps, boxes, coordinates, faces; seeded, so a failure
repeats) and compares the engine's helper with the straightforward numpy formula it
stands for, written out here: equal to the bit, not approximately, since a plan's
box may turn on a tie between two candidates.
"""
from __future__ import annotations

import numpy as np
import pytest

from renditions.engine import confidence, grid, planning
from renditions.engine.field import build_field

SEEDS = range(12)


def plain_interp(table, coords, axis):
    n = table.shape[axis]
    coords = np.clip(np.asarray(coords, dtype=np.float64), 0, n - 1)
    lo = np.minimum(coords.astype(np.intp), max(n - 2, 0))
    frac = coords - lo
    hi = np.minimum(lo + 1, n - 1)
    if axis == 1:
        return table[:, lo] * (1 - frac) + table[:, hi] * frac
    return table[lo] * (1 - frac)[:, None] + table[hi] * frac[:, None]


def plain_masses(sat, sx, sy, xs, ys, w, h):
    cols = plain_interp(sat, (xs + w) * sx, 1) - plain_interp(sat, xs * sx, 1)
    return plain_interp(cols, (ys + h) * sy, 0) - plain_interp(cols, ys * sy, 0)


def plain_blur(a, sigma):
    for axis in (0, 1):
        n = a.shape[axis]
        radius = min(n - 1, int(np.ceil(3 * sigma)))
        if radius < 1 or sigma <= 0:
            continue
        taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
        moved = np.moveaxis(a, axis, 0)
        padded = np.pad(moved, [(radius, radius)] + [(0, 0)] * (a.ndim - 1))
        weight = np.pad(np.ones(n), radius)
        out = sum(t * padded[i:i + n] for i, t in enumerate(taps))
        norm = sum(t * weight[i:i + n] for i, t in enumerate(taps))
        a = np.moveaxis(out / norm.reshape((n,) + (1,) * (a.ndim - 1)), 0, axis)
    return a


def plain_peaks(coarse, floor=0.2):
    smooth = plain_blur(np.asarray(coarse, dtype=np.float64), 1.0)
    padded = np.pad(smooth, 1, constant_values=-np.inf)
    rows, cols = smooth.shape
    is_peak = smooth >= floor * smooth.max()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                is_peak &= smooth >= padded[1 + dy:1 + dy + rows, 1 + dx:1 + dx + cols]
    r, c = np.nonzero(is_peak)
    return smooth[r, c], r, c


def plain_normalise(g):
    g = np.clip(np.nan_to_num(np.asarray(g, dtype=np.float64)), 0, None)
    total = g.sum()
    if not np.isfinite(total) or total <= 0:
        return np.full(g.shape, 1.0 / g.size, dtype=np.float32)
    return (g / total).astype(np.float32)


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def random_map(rng, shape=None):
    shape = shape or tuple(rng.integers(1, 60, 2))
    smap = rng.random(shape) ** rng.uniform(1, 8)  # from flat to peaked
    if rng.random() < 0.3:
        smap = np.round(smap * 4) / 4  # plateaus: ties between neighbours
    return smap.astype(np.float32)


@pytest.mark.parametrize("seed", SEEDS)
def test_interpolation_is_the_plain_formula(seed):
    rng = np.random.default_rng(seed)
    table = rng.random((int(rng.integers(1, 9)), int(rng.integers(1, 9))))
    for axis in (0, 1):
        n = table.shape[axis]
        coords = np.concatenate([rng.uniform(-2, n + 1, 30), np.arange(n), [-0.0, n - 1.0]])
        assert same(grid.interp_axis(table, coords, axis), plain_interp(table, coords, axis))
        arrays = grid.lerp_weights(coords, n)
        for i, coord in enumerate(coords):  # one coordinate in Python floats: same bits
            lo, hi, frac = grid.lerp_weight(coord, n)
            assert (lo, hi) == (arrays[0][i], arrays[1][i])
            assert same(np.float64(frac), arrays[2][i])


@pytest.mark.parametrize("seed", SEEDS)
def test_resize_blur_normalise_and_peaks_are_the_plain_formulas(seed):
    rng = np.random.default_rng(seed)
    smap = random_map(rng)
    shape = tuple(int(v) for v in rng.integers(1, 50, 2))
    g = np.asarray(smap, dtype=np.float64)
    plain = plain_interp(plain_interp(g, (np.arange(shape[0]) + 0.5) * g.shape[0] / shape[0]
                                      - 0.5, 0),
                         (np.arange(shape[1]) + 0.5) * g.shape[1] / shape[1] - 0.5, 1)
    assert same(grid.resize(smap, shape), plain.astype(np.float32) if g.shape != shape
                else smap)
    sigma = float(rng.choice([0.0, 0.4, 1.0, 2.5, 9.0]))
    assert same(grid.blur(smap, sigma), plain_blur(g, sigma))
    assert all(same(a, b) for a, b in zip(confidence._peaks(g), plain_peaks(g)))
    odd = g - rng.uniform(0, 0.5)  # negatives, and sometimes NaN or infinity
    odd.flat[rng.integers(0, odd.size, 3)] = rng.choice([np.nan, np.inf, -np.inf, 0.5], 3)
    with np.errstate(over="ignore"):  # an infinity becomes the largest float: sums overflow
        for case in (g, odd, np.zeros_like(g)):
            assert same(grid.normalise(case), plain_normalise(case))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_mass_of_boxes_is_the_plain_formula(seed):
    rng = np.random.default_rng(seed)
    size = (int(rng.integers(5, 5000)), int(rng.integers(5, 5000)))
    field = build_field(random_map(rng), size)
    inner = field.density.cumsum(0).cumsum(1)
    assert same(field.sat[1:, 1:], inner) and not field.sat[0].any() and not field.sat[:, 0].any()
    for _ in range(8):
        w, h = int(rng.integers(1, size[0] + 1)), int(rng.integers(1, size[1] + 1))
        xs = np.unique(rng.integers(0, size[0] - w + 1, rng.integers(1, 60))).astype(float)
        ys = np.unique(rng.integers(0, size[1] - h + 1, rng.choice([1, 2, 30]))).astype(float)
        masses = field.masses(xs, ys, w, h)
        assert same(masses, plain_masses(field.sat, field.sx, field.sy, xs, ys, w, h))
        r, c = int(rng.integers(len(ys))), int(rng.integers(len(xs)))
        box = (int(xs[c]), int(ys[r]), int(xs[c]) + w, int(ys[r]) + h)
        assert same(np.float64(field.mass(box)), masses[r, c])


@pytest.mark.parametrize("seed", SEEDS)
def test_a_box_cuts_a_face_as_the_plain_rule_says(seed):
    rng = np.random.default_rng(seed)
    size = (400, 300)
    for _ in range(50):
        x0, y0 = int(rng.integers(0, 350)), int(rng.integers(0, 250))
        box = (x0, y0, int(rng.integers(x0 + 1, 401)), int(rng.integers(y0 + 1, 301)))
        faces = []
        for _ in range(int(rng.integers(0, 4))):
            fx, fy = int(rng.integers(0, 380)), int(rng.integers(0, 280))
            faces.append((fx, fy, fx + int(rng.integers(1, 80)), fy + int(rng.integers(1, 80))))
        plain = any(planning._cut_matrix(np.array([box[0]]), np.array([box[1]]),
                                         box[2] - box[0], box[3] - box[1], f)[0, 0]
                    for f in faces)
        assert planning._cuts(box, faces) == plain, (box, faces, size)
