"""Heat-map overlays."""
from __future__ import annotations

import numpy as np
from PIL import Image

from renditions.engine import heatmap

from ._images import blob_map


def test_inferno_lut_ends_and_rises_in_lightness():
    lut = heatmap.inferno_lut()
    assert lut.shape == (256, 3) and lut.dtype == np.uint8
    assert tuple(lut[0]) == (0, 0, 4) and tuple(lut[255]) == (252, 255, 164)
    luma = lut @ np.array([0.299, 0.587, 0.114])
    assert np.all(np.diff(luma) > -1.0)  # perceptually ordered: dark to light


def test_zero_map_shows_the_dimmed_photo():
    photo = Image.new("RGB", (40, 30), (200, 100, 50))
    out = heatmap.overlay(photo, np.zeros((3, 4), dtype=np.float32))
    assert out.mode == "RGB" and out.size == (40, 30)
    assert out.getpixel((20, 15)) == (90, 45, 23)  # 0.45 of the photo, rounded


def test_hot_spot_is_bright_and_boxes_are_drawn():
    photo = Image.new("RGB", (200, 150), (128, 128, 128))
    smap = blob_map(shape=(48, 64), centres=[(0.5, 0.5)])
    out = heatmap.overlay(photo, smap, boxes=[(10, 10, 110, 110)], labels=["1:1"])
    assert sum(out.getpixel((100, 75))) > 500  # near the peak: light yellow
    assert sum(out.getpixel((195, 5))) < 200  # far away: dim photo
    assert out.getpixel((10, 60)) == heatmap.BOX_COLOURS[0]  # the box's left edge
