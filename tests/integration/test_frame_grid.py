"""A frame is planned on the pixel grid of the decode it is cut from
(``pixel_grid.on_grid``): the box stored, the box its plan reports and the box
rendered are one, and libvips resamples it."""
from __future__ import annotations

import pytest

from renditions import editing, frames
from renditions.engine import pixel_grid, rendering, resample
from renditions.models import RenditionProfile

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(resample._pyvips() is None, reason="pyvips not installed")]


@pytest.fixture
def resampled(monkeypatch):
    """What each ``resample.lanczos`` call returned (None: Pillow resampled it)."""
    answers, real = [], resample.lanczos

    def spy(*args, **kwargs):
        answers.append(real(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(resample, "lanczos", spy)
    return answers


def _on_grid(asset, box, size) -> bool:
    r, f = pixel_grid.reading(box, size, (asset.width, asset.height))
    return r * f > 1 and all(v % (r * f) == 0 for v in box)


@pytest.mark.parametrize("size", [(300, 300), (160, 90), (90, 360)])
def test_a_frame_is_stored_on_the_grid_and_resampled_by_libvips_from_its_decode_ahead(
        processed, resampled, monkeypatch, size):
    monkeypatch.setattr(rendering, "render_file", lambda *a, **k: pytest.fail("decoded twice"))
    frame = frames.frame_ensure(asset=processed, width=size[0], height=size[1], fmt="jpeg")
    plan = frames.frame_plan(asset=processed, width=size[0], height=size[1])
    assert frame.crop_box == tuple(plan.box) and _on_grid(processed, frame.crop_box, size)
    assert resampled and all(out is not None for out in resampled)


def test_an_editors_crop_moves_onto_the_grid_by_under_half_an_output_px(processed, resampled,
                                                                        editor):
    box = (105, 81, 585, 351)  # 480x270 px of 1200x800: 16:9, odd edges
    editing.crop_set(asset=processed, profile=RenditionProfile.objects.get(slug="hero"),
                     box=[box[0] / 1200, box[1] / 800, box[2] / 1200, box[3] / 800], user=editor)
    assert not _on_grid(processed, box, (160, 90))  # 3x: decoded at 1/2, between its px
    frame = frames.frame_ensure(asset=processed, width=160, height=90, fmt="jpeg")
    assert frame.crop_box == (106, 82, 586, 352)
    assert tuple(frames.frame_plan(asset=processed, width=160, height=90).box) == frame.crop_box
    assert resampled and all(out is not None for out in resampled)


def test_a_print_frame_keeps_its_planned_box(processed, monkeypatch):
    monkeypatch.setattr(pixel_grid, "on_grid", lambda *a, **k: pytest.fail("moved"))
    plan = frames.frame_plan(asset=processed, width=2400, height=1600, upscale=True)
    assert plan.size == (2400, 1600)
