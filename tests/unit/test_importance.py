"""Faces by importance: which detected faces the planner protects and weighs."""
from __future__ import annotations

import numpy as np
import pytest

from renditions.engine import importance, planning
from renditions.engine.geometry import PxBox
from renditions.engine.pipeline import Planner, RenditionSpec

from ._images import blob_map, map_analysis

SIZE = (1600, 900)  # px; 1 % of the area is 14 400 px^2 (a 120 px square)
FLAT = np.full((45, 80), 1 / (45 * 80), np.float32)


def _square(x, y, side) -> PxBox:
    return PxBox(x, y, x + side, y + side)


@pytest.mark.parametrize("faces, salient_at, expected", [
    ([_square(100, 100, 60)], None, [0]),                         # 0.25 %: important by size
    ([_square(100, 100, 30)], None, []),                          # 0.06 %: too small ...
    ([_square(800, 450, 30)], (815, 465), [0]),                   # ... unless people look there
    # A crowd (7 faces): 0.3 % each beside a 3 % face is background.
    ([_square(50 + 200 * i, 700, 66) for i in range(6)] + [_square(700, 100, 210)], None, [6]),
    # Six of those are no crowd: each is big enough on its own.
    ([_square(50 + 200 * i, 700, 66) for i in range(5)] + [_square(700, 100, 210)], None,
     [0, 1, 2, 3, 4, 5]),
])
def test_which_faces_matter(faces, salient_at, expected):
    saliency = FLAT
    if salient_at is not None:
        saliency = blob_map((45, 80), centres=[(salient_at[0] / SIZE[0],
                                                salient_at[1] / SIZE[1])], sigma=0.01)
    kept = importance.important(faces, saliency, SIZE)
    assert kept == [faces[i] for i in expected]


def test_the_draw_of_a_face_is_its_saliency_over_the_images_mean():
    assert importance.draw(FLAT, _square(0, 0, 100), SIZE) == pytest.approx(1.0)
    peaked = blob_map((45, 80), centres=[(0.5, 0.5)], sigma=0.02)
    assert importance.draw(peaked, PxBox(780, 430, 820, 470), SIZE) > 20
    assert importance.draw(peaked, _square(0, 0, 100), SIZE) < 0.01


def test_background_faces_in_a_crowd_neither_pull_nor_shrink_the_box():
    subject = blob_map((45, 80), centres=[(0.2, 0.5)], sigma=0.05)
    crowd = [_square(1000 + 40 * (i % 10), 300 + 60 * (i // 10), 28) for i in range(40)]
    alone, with_crowd = (Planner(map_analysis(subject, SIZE, faces)).plan(
        RenditionSpec(aspect=(1, 1))) for faces in ([], crowd))
    assert with_crowd.box == alone.box and with_crowd.box.size == (900, 900)
    assert planning.build_field(subject, SIZE, crowd).faces == []


def test_a_large_face_is_still_kept_whole():
    subject = blob_map((45, 80), centres=[(0.2, 0.5)], sigma=0.05)
    face = PxBox(1000, 300, 1300, 600)  # 6 % of the image, right of the subject
    plan = Planner(map_analysis(subject, SIZE, [face])).plan(RenditionSpec(aspect=(1, 1)))
    assert not plan.faces_cut


def test_the_eye_region_bounds_the_cells_that_draw_the_eye():
    saliency_map = np.full((30, 40), 1.0)
    saliency_map[10, 5] = saliency_map[20, 30] = 200.0  # both above 3x the mean
    # 40 x 30 cells over 400 x 300 px: 10 px per cell
    assert importance.eye_region(saliency_map, (400, 300)) == (50, 100, 310, 210)
    assert importance.eye_region(np.full((30, 40), 1.0), (400, 300)) == (0, 0, 0, 0)
