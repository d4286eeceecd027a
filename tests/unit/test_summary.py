"""The engine's summary for outside planners (renditions.engine.summary): small,
Django-free, and its marginals give every full-side box's mass to about 1e-7."""
from __future__ import annotations

import json

import numpy as np

from renditions.engine import planning, summary


def _field(seed: int = 3, size=(1200, 800), faces=((700, 200, 800, 330),)):
    rng = np.random.default_rng(seed)
    saliency = rng.random((96, 128), dtype=np.float32) ** 6
    return planning.build_field(saliency / saliency.sum(), size, faces)


def test_the_summary_is_small_and_names_its_faces():
    field = _field()
    out = summary.summarise(field)
    assert len(json.dumps(out)) < 1400
    assert out["size"] == [1200, 800] and out["faces"] == [list(f) for f in field.faces]


def test_the_marginals_give_the_masses_of_full_side_boxes():
    field = _field()
    out = summary.summarise(field)
    cols, rows = summary.decode_marginal(out["cols"]), summary.decode_marginal(out["rows"])
    assert len(cols) == field.density.shape[1] + 1 and len(rows) == field.density.shape[0] + 1
    assert np.abs(cols - field.sat[-1, :]).max() < 2e-7
    assert np.abs(rows - field.sat[:, -1]).max() < 2e-7
    # a 300 px wide, full-height box: its mass from the column marginal alone
    x, w = 410, 300
    expected = field.mass((x, 0, x + w, 800))
    got = (np.interp((x + w) * field.sx, np.arange(len(cols)), cols)
           - np.interp(x * field.sx, np.arange(len(cols)), cols))
    assert abs(got - expected) < 1e-6


def test_a_flat_marginal_survives():
    assert summary.decode_marginal(summary.encode_marginal(np.zeros(5))).tolist() == [0.0] * 5
