"""The editor's crop-box geometry (static/salient/geometry.js), run in Chromium.

Boxes are normalised 0-1; k = photo width / (aspect * photo height), so that a
box of normalised width w has normalised height w * k.
"""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

GEOMETRY_JS = Path(__file__).resolve().parents[2] / "static" / "salient" / "geometry.js"
SQUARE_ON_3_2 = 1.5  # k of a 1:1 crop on a 1200 x 800 photo

CASES = [
    # (function, arguments, expected)
    ("aspectFactor", [16 / 9, 1200, 800], 0.84375),
    ("moveBox", [[0.1, 0.1, 0.5, 0.5], 0.8, -0.2], [0.6, 0.0, 1.0, 0.4]),
    ("moveBox", [[0.1, 0.1, 0.5, 0.5], 0.3, 0.2], [0.3, 0.2, 0.7, 0.6]),
    ("resizeFrom", [[0, 0], [0.5, 0.2], SQUARE_ON_3_2], [0.0, 0.0, 0.5, 0.75]),
    ("resizeFrom", [[0, 0], [0.1, 0.9], SQUARE_ON_3_2], [0.0, 0.0, 0.6, 0.9]),
    ("resizeFrom", [[1, 1], [0.2, 0.9], SQUARE_ON_3_2], [1 / 3, 0.0, 1.0, 1.0]),
    ("resizeFrom", [[0.5, 0.5], [0.51, 0.51], SQUARE_ON_3_2], [0.5, 0.5, 0.54, 0.56]),
    ("resizeFrom", [[1, 0.5], [1, 0.6], SQUARE_ON_3_2], None),
    ("growBox", [[0.4, 0.4, 0.6, 0.7], 0.1, SQUARE_ON_3_2], [0.35, 0.325, 0.65, 0.775]),
    ("growBox", [[0, 0, 0.5, 0.75], 1, SQUARE_ON_3_2], [0.0, 0.0, 2 / 3, 1.0]),
    ("growBox", [[0.4, 0.4, 0.6, 0.7], -1, SQUARE_ON_3_2], [0.48, 0.52, 0.52, 0.58]),
]


def test_crop_box_geometry_table(page):
    page.add_script_tag(path=str(GEOMETRY_JS))
    results = page.evaluate(
        "cases => cases.map(([name, args]) => window.Salient.geometry[name](...args))",
        [[name, args] for name, args, _ in CASES])
    for (name, args, expected), got in zip(CASES, results):
        if expected is None:
            assert got is None, (name, args, got)
        else:
            assert got == pytest.approx(expected, abs=1e-9), (name, args)


def test_resized_boxes_keep_the_pixel_aspect(page):
    page.add_script_tag(path=str(GEOMETRY_JS))
    ratios = page.evaluate("""() => {
        const g = window.Salient.geometry, out = [];
        for (const aspect of [16 / 9, 1, 4 / 5, 9 / 16, 3]) {
          const k = g.aspectFactor(aspect, 1200, 800);
          for (const point of [[0.9, 0.9], [0.1, 0.95], [0.99, 0.2]]) {
            const [x0, y0, x1, y1] = g.resizeFrom([0.3, 0.1], point, k);
            out.push([aspect, ((x1 - x0) * 1200) / ((y1 - y0) * 800), x0 >= 0 && x1 <= 1 + 1e-12
                      && y0 >= 0 && y1 <= 1 + 1e-12]);
          }
        }
        return out; }""")
    for aspect, ratio, inside in ratios:
        assert ratio == pytest.approx(aspect) and inside
