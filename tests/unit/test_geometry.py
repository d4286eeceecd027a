"""Boxes and points that say their space (``geometry``): conversions and their rounding."""
from __future__ import annotations

import json

import pytest

from renditions.engine.geometry import (
    NormBox,
    NormPoint,
    PxBox,
    PxPoint,
    fit_longest,
    outward_box,
    scale_box,
)


@pytest.mark.parametrize("box, size, outward, expected", [
    (NormBox(0.1, 0.2, 0.5, 0.6), (1000, 500), False, (100, 100, 500, 300)),
    (NormBox(0.1004, 0.2, 0.5004, 0.6), (1000, 500), False, (100, 100, 500, 300)),
    (NormBox(0.1004, 0.2, 0.5004, 0.6), (1000, 500), True, (100, 100, 501, 300)),
    (NormBox(0.1006, 0.2, 0.4996, 0.6), (1000, 500), False, (101, 100, 500, 300)),
    (NormBox(0.1006, 0.2, 0.4996, 0.6), (1000, 500), True, (100, 100, 500, 300)),
    (NormBox(-0.1, 0.0, 1.2, 1.0), (640, 480), False, (0, 0, 640, 480)),  # clipped
    (NormBox(-0.1, -0.5, 1.2, 1.5), (640, 480), True, (0, 0, 640, 480)),  # clipped
    (NormBox(0.0, 0.0, 1 / 3, 1 / 3), (100, 100), True, (0, 0, 34, 34)),
    (NormBox(0.0, 0.0, 1 / 3, 1 / 3), (100, 100), False, (0, 0, 33, 33)),
])
def test_normalised_boxes_to_pixels(box, size, outward, expected):
    assert box.to_px(size, outward=outward) == expected


@pytest.mark.parametrize("size", [(4000, 3000), (6000, 4000), (999, 333), (1, 1)])
def test_pixel_boxes_round_trip_through_normalised_both_ways_of_rounding(size):
    w, h = size
    noisy = {(4000, 3000): PxBox(1001, 7, 1003, 14), (6000, 4000): PxBox(7, 1001, 14, 1003),
             (999, 333): PxBox(63, 7, 125, 14), (1, 1): PxBox(0, 0, 1, 1)}[size]
    for box in [PxBox(0, 0, 1, 1), PxBox(w // 3, h // 7, w - w // 5, h), PxBox(0, 0, w, h),
                noisy]:
        assert box.to_norm(size).to_px(size) == box
        # float noise (7 / 6000 * 6000 = 7.000000000000001) must not move an edge
        assert box.to_norm(size).to_px(size, outward=True) == box


def test_points_convert_exactly_and_values_behave_as_tuples():
    assert NormPoint(0.25, 0.5).to_px((800, 600)) == PxPoint(200.0, 300.0)
    assert PxPoint(200, 300).to_norm((800, 600)) == (0.25, 0.5)
    box = PxBox(10, 20, 110, 70)
    assert (box.width, box.height, box.size) == (100, 50, (100, 50))
    assert box == (10, 20, 110, 70) and list(box) == [10, 20, 110, 70]
    assert json.dumps(box) == "[10, 20, 110, 70]"


@pytest.mark.parametrize("box, src, dst, expected", [
    ((10, 10, 20, 20), (100, 100), (1000, 1000), (100, 100, 200, 200)),
    ((10.2, 10.7, 20.1, 20.9), (100, 100), (100, 100), (10, 10, 21, 21)),  # outward
    ((0, 0, 64, 48), (64, 48), (6000, 4500), (0, 0, 6000, 4500)),
    ((64, 64, 128, 128), (640, 480), (4000, 3000), (400, 400, 800, 800)),  # no float noise
    ((124, 124, 248, 248), (480, 480), (3000, 3000), (775, 775, 1550, 1550)),
    ((682, 0, 683, 1), (999, 999), (2997, 2997), (2046, 0, 2049, 3)),
    ((3, 3, 5, 5), (10, 10), (4, 4), (1, 1, 2, 2)),  # shrinking: outward still
    ((-5, -5, 120, 90), (100, 80), (200, 160), (0, 0, 200, 160)),  # clipped
])
def test_analysis_boxes_scale_outward_to_the_original(box, src, dst, expected):
    assert scale_box(box, src, dst) == expected


@pytest.mark.parametrize("box, src, dst, expected", [
    ((100, 50, 4100, 2300), (12240, 8160), (6120, 4080), (50, 25, 2050, 1150)),
    ((0, 0, 12239, 8159), (12239, 8159), (1530, 1020), (0, 0, 1530, 1020)),
    ((3, 3, 5, 5), (10, 10), (4, 4), (1, 1, 2, 2)),
    ((0, 0, 1, 1), (1000, 1000), (125, 125), (0, 0, 1, 1)),  # never empty
])
def test_crops_scale_to_the_nearest_pixel_when_asked(box, src, dst, expected):
    assert scale_box(box, src, dst, outward=False) == expected


@pytest.mark.parametrize("box, size, expected", [
    ((10.5, 3.2, 20.1, 9.0), (100, 100), (10, 3, 21, 9)),
    ((400.00000000000006, 0, 799.9999999999999, 1), (1000, 10), (400, 0, 800, 1)),
    ((-3.5, 2, 150.2, 12), (100, 10), (0, 2, 100, 10)),
])
def test_outward_box(box, size, expected):
    assert outward_box(box, size) == expected


@pytest.mark.parametrize("size, longest, floor, expected", [
    ((4000, 3000), 640, False, (640, 480)), ((3000, 4000), 128, False, (96, 128)),
    ((10, 5), 640, False, (640, 320)), ((10000, 1), 128, False, (128, 1)),
    ((1001, 999), 128, False, (128, 128)), ((1001, 999), 128, True, (128, 127)),
    ((4000, 2999), 640, True, (640, 479)), ((4000, 2999), 640, False, (640, 480)),
])
def test_fit_longest(size, longest, floor, expected):
    assert fit_longest(size, longest, floor=floor) == expected
