"""A frame's decode starts before its plan (``frames._decode_ahead``) and gives
the pixels that a decode after the plan gives."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from renditions import delivery, frames
from renditions.engine import rendering
from renditions.models import Frame

pytestmark = pytest.mark.django_db


def _pixels(frame: Frame) -> np.ndarray:
    with frame.file.open("rb") as fp:
        return np.asarray(Image.open(fp).convert("RGB"))


def test_a_frame_decoded_ahead_has_the_pixels_of_one_decoded_after_its_plan(processed,
                                                                            monkeypatch):
    real = rendering.render_file
    monkeypatch.setattr(rendering, "render_file", lambda *a, **k: pytest.fail("decoded twice"))
    ahead = frames.frame_ensure(asset=processed, width=300, height=200, fmt="png")
    Frame.objects.all().delete()
    monkeypatch.setattr(rendering, "render_file", real)
    monkeypatch.setattr(frames, "_decode_ahead", lambda *a: None)  # decoded after the plan
    after = frames.frame_ensure(asset=processed, width=300, height=200, fmt="png")
    assert (ahead.width, ahead.height) == (after.width, after.height) == (300, 200)
    assert np.array_equal(_pixels(ahead), _pixels(after))


def test_a_frame_whose_box_comes_from_its_plan_alone_is_not_decoded_ahead(processed):
    zoomed = delivery.Composition(zoom=0.5)
    assert frames._decode_ahead(processed, (300, 200), zoomed, None, None) is None
    assert frames._decode_ahead(processed, (300, 200), delivery.Composition(),
                                [0.1, 0.1, 0.9, 0.9], None) is None
    assert frames._decode_ahead(processed, (300, 200), delivery.Composition(), None,
                                None) is not None
