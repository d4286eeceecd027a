"""Sizes in px from tables of cases: the largest box of an aspect, a profile's
aspect, and the rendition's output size for a crop (``Planner.plan`` uses it)."""
from __future__ import annotations

import pytest

from renditions.engine import sizing


@pytest.mark.parametrize("aspect,size,expected", [
    ((1, 1), (4000, 3000), (3000, 3000)),
    ((16, 9), (4000, 3000), (4000, 2250)),
    ((3, 1), (800, 600), (800, 267)),
    ((9, 16), (800, 600), (337, 600)),  # 337.5: both err equally, the smaller wins
    ((4, 3), (800, 600), (800, 600)),
])
def test_box_size_table(aspect, size, expected):
    assert sizing.box_size(aspect, *size) == expected


@pytest.mark.parametrize("box,kwargs,expected", [
    ((3000, 2000), dict(width=1200, height=800), (1200, 800)),
    ((600, 400), dict(width=1200, height=800), (600, 400)),                 # no upscale
    ((600, 400), dict(width=1200, height=800, allow_upscale=True), (1200, 800)),
    ((3000, 2000), dict(width=1600), (1600, 1067)),
    ((1000, 500), dict(width=1600), (1000, 500)),
    ((1000, 500), dict(width=1600, allow_upscale=True), (1600, 800)),
    ((3000, 2000), dict(height=500), (750, 500)),
    ((3000, 2000), dict(max_width=1200), (1200, 800)),
    ((800, 600), dict(max_width=1200), (800, 600)),
    ((800, 600), dict(), (800, 600)),
    ((3000, 2000), dict(width=2000, height=1000, max_width=1000), (1000, 500)),
])
def test_output_size(box, kwargs, expected):
    args = dict(width=None, height=None, max_width=None, allow_upscale=False) | kwargs
    assert sizing.output_size(box, **args) == expected


@pytest.mark.parametrize("kwargs,expected", [
    (dict(aspect=(16, 9), width=None, height=None), (16, 9)),
    (dict(aspect=None, width=1200, height=800), (3, 2)),
    (dict(aspect=(1, 1), width=1200, height=800), (1, 1)),
    (dict(aspect=None, width=1200, height=None), None),
])
def test_profile_aspect(kwargs, expected):
    assert sizing.profile_aspect(**kwargs) == expected


@pytest.mark.parametrize("box, kwargs, expected", [
    ((1687, 3000), dict(max_width=1080, aspect=(9, 16)), (1080, 1920)),
    ((1688, 3000), dict(max_width=1080, aspect=(9, 16)), (1080, 1920)),
    ((675, 1200), dict(max_width=1080, aspect=(9, 16)), (675, 1200)),
    ((4000, 1333), dict(max_width=1500, aspect=(3, 1)), (1500, 500)),
    ((3000, 1000), dict(width=200, height=200, aspect=(1, 1)), (200, 200)),
])
def test_output_size_follows_the_profile_aspect_exactly(box, kwargs, expected):
    args = dict(width=None, height=None, max_width=None, allow_upscale=False) | kwargs
    assert sizing.output_size(box, **args) == expected


# -- never enlarged where the profile forbids upscaling --------------------------------

@pytest.mark.parametrize("box, kwargs, expected", [
    # a 10000x10 photo's 9:16 crop is 6x10; the exact 9:16 partner of 6 px is 11 px
    ((6, 10), dict(max_width=1080, aspect=(9, 16)), (6, 10)),
    ((6, 10), dict(max_width=1080, aspect=(9, 16), allow_upscale=True), (6, 11)),
    ((2, 3), dict(max_width=1080, aspect=(9, 16)), (2, 3)),
    ((1, 1), dict(max_width=1080, aspect=(9, 16)), (1, 1)),
    # smaller than the exact size: the crop at its own size, not 337x599
    ((337, 600), dict(width=1080, height=1920), (337, 600)),
    ((337, 600), dict(width=1080, height=1920, allow_upscale=True), (1080, 1920)),
    ((600, 400), dict(width=1200, height=800), (600, 400)),
    ((1500, 500), dict(width=1200, height=800), (1500, 500)),
    ((1500, 500), dict(width=1200, height=800, max_width=1000), (1000, 333)),
    # crops big enough are unchanged
    ((1687, 3000), dict(max_width=1080, aspect=(9, 16)), (1080, 1920)),
    ((2400, 1600), dict(width=1200, height=800), (1200, 800)),
])
def test_output_size_never_enlarges_without_allow_upscale(box, kwargs, expected):
    args = dict(width=None, height=None, max_width=None, allow_upscale=False) | kwargs
    assert sizing.output_size(box, **args) == expected
