"""Composition controls: subject alignment, pad instead of cut, and their pixels."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from renditions.engine import composition, pipeline, rendering
from renditions.engine.geometry import NormBox, NormPoint, PxBox

from ._images import blob_map, map_analysis

SIZE = (1200, 800)  # px; the maps are 80 x 120 cells of 10 px


def _planner(centres, faces=(), sigma=0.03, shape=(80, 120)):
    analysis = map_analysis(blob_map(shape, centres=centres, sigma=sigma), SIZE, faces,
                            model_version="1")
    return pipeline.Planner(analysis)


def _subject_share(plan, subject_x, subject_y):
    """Where a subject at (x, y) px sits in the plan's box, as shares of its sides."""
    box = plan.box
    return (subject_x - box.x0) / box.width, (subject_y - box.y0) / box.height


@pytest.mark.parametrize("subject, aspect, align, expected", [
    # A 1:1 box (800 x 800) slides along x only; its height is the image's.
    ((0.5, 0.5), (1, 1), "centre", (0.5, 0.5)),
    ((0.5, 0.5), (1, 1), "thirds", (2 / 3, 0.5)),      # the middle: the right-hand line
    ((0.45, 0.5), (1, 1), "thirds", (1 / 3, 0.5)),     # left of middle: the left line
    ((0.1, 0.5), (1, 1), "centre", (0.15, 0.5)),       # as far as the image allows: x0 = 0
    ((0.9, 0.5), (1, 1), "thirds", (1 - 120 / 800, 0.5)),  # pinned at the right edge
    # A 3:1 banner (1200 x 400) slides along y only.
    ((0.5, 0.3), (3, 1), "thirds", (0.5, 1 / 3)),
    ((0.5, 0.6), (3, 1), "thirds", (0.5, 2 / 3)),
    ((0.5, 0.6), (3, 1), "centre", (0.5, 0.5)),
])
def test_alignment_puts_the_subject_where_asked(subject, aspect, align, expected):
    plan = _planner([subject]).plan(pipeline.RenditionSpec(aspect=aspect, align=align))
    assert plan.box.size == ((800, 800) if aspect == (1, 1) else (1200, 400))
    x, y = subject[0] * SIZE[0], subject[1] * SIZE[1]
    assert _subject_share(plan, x, y) == pytest.approx(expected, abs=6 / 800)


def test_auto_keeps_the_planners_placement_and_an_editors_point_leads():
    planner = _planner([(0.45, 0.5)])
    auto = planner.plan(pipeline.RenditionSpec(aspect=(1, 1)))
    assert planner.plan(pipeline.RenditionSpec(aspect=(1, 1), align="auto")).box == auto.box
    # With an editor's point, the point is the subject (centred first, so its side
    # of the image picks the line), wherever the saliency lies.
    for x, line in ((0.4, 1 / 3), (0.6, 2 / 3)):
        plan = planner.plan(pipeline.RenditionSpec(aspect=(1, 1), align="thirds"),
                            focal=NormPoint(x, 0.5))
        assert _subject_share(plan, x * 1200, 400)[0] == pytest.approx(line, abs=1 / 800)


def test_alignment_that_would_cut_a_face_is_not_taken():
    face = PxBox(820, 350, 900, 450)  # right of the subject; the centred box holds it
    planner = _planner([(0.5, 0.5)], faces=[face])
    centred = planner.plan(pipeline.RenditionSpec(aspect=(1, 1), align="centre"))
    assert not centred.faces_cut
    thirds = planner.plan(pipeline.RenditionSpec(aspect=(1, 1), align="thirds"))
    # The right-hand third would put the box at x0 = 67, cutting the face at 820-900.
    assert not thirds.faces_cut and thirds.box.x1 >= face.x1


def test_an_editors_box_is_not_moved():
    box = NormBox(0.0, 0.0, 0.5, 0.75)
    plan = _planner([(0.5, 0.5)]).plan(pipeline.RenditionSpec(aspect=(1, 1), align="thirds",
                                                              pad="blur"), editor_box=box)
    assert plan.box == (0, 0, 600, 600) and plan.content is None


def _band():
    """A wide subject: five blobs across 10-90 % of the width."""
    return _planner([(x, 0.5) for x in (0.1, 0.3, 0.5, 0.7, 0.9)], sigma=0.02)


@pytest.mark.parametrize("aspect, pads", [
    ((9, 16), True),   # 450 px wide: the 1000 px band cannot fit, the crop would cut it
    ((1, 1), True),    # 800 px
    ((16, 9), False),  # 1200 px: it fits
    ((3, 1), False),
])
def test_pad_instead_of_cut_only_when_no_crop_of_the_aspect_holds_the_subject(aspect, pads):
    planner = _band()
    cut = planner.plan(pipeline.RenditionSpec(aspect=aspect, max_width=600))
    plan = planner.plan(pipeline.RenditionSpec(aspect=aspect, max_width=600, pad="#000000"))
    assert plan.size == cut.size  # the frame is the profile's either way
    if not pads:
        assert plan == cut
        return
    subject = composition.subject_box(planner.field)
    assert plan.box.x0 <= subject.x0 and plan.box.x1 >= subject.x1
    assert plan.kept > cut.kept + 0.2
    (cx0, cy0, cx1, cy1), (w, h) = plan.content, plan.size
    assert (cx0, cx1) == (0, w) and cy0 > 0 and cy1 < h  # letterboxed top and bottom
    assert cy0 == (h - (cy1 - cy0)) // 2
    assert (cx1 - cx0) / (cy1 - cy0) == pytest.approx(plan.box.width / plan.box.height,
                                                      rel=0.02)


def test_a_subject_that_fits_is_cut_as_usual_even_with_pad():
    planner = _planner([(0.5, 0.5)])
    assert planner.plan(pipeline.RenditionSpec(aspect=(9, 16), pad="blur")).content is None


@pytest.mark.parametrize("box, out, expected", [
    ((1000, 800), (450, 800), (0, 220, 450, 580)),   # wider: bars top and bottom
    ((400, 800), (800, 800), (200, 0, 600, 800)),    # taller: bars left and right
    ((1600, 900), (800, 450), (0, 0, 800, 450)),     # the same aspect: no bars
])
def test_content_box_fits_and_centres(box, out, expected):
    assert composition.content_box(box, out) == expected


@pytest.mark.parametrize("align, pad", [("middle", ""), ("auto", "red"), ("auto", "#12345")])
def test_bad_controls_are_refused_with_their_name(align, pad):
    with pytest.raises(ValueError, match="align" if align != "auto" else "pad"):
        pipeline.RenditionSpec(aspect=(1, 1), align=align, pad=pad)


def _stripes() -> Image.Image:
    x = np.arange(400)
    rgb = np.stack([np.broadcast_to((x * 255 // 400)[None, :], (200, 400))] * 3, -1)
    return Image.fromarray(rgb.astype(np.uint8))


def test_a_colour_pad_fills_around_the_scaled_crop():
    img = _stripes()
    data = rendering.render(img, (0, 0, 400, 200), (100, 100), fmt="png", quality=0,
                            content=(0, 25, 100, 75), fill="#102030")
    out = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert (out[:25] == (16, 32, 48)).all() and (out[75:] == (16, 32, 48)).all()
    expected = np.asarray(rendering.resize(img, (0, 0, 400, 200), (100, 50)))
    assert np.array_equal(out[25:75], expected)


def test_a_blur_pad_extends_the_photo_softly():
    img = _stripes()
    data = rendering.render(img, (0, 0, 400, 200), (100, 100), fmt="png", quality=0,
                            content=(0, 25, 100, 75), fill="blur")
    out = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)
    top = out[:20, :, 0]
    # the middle of the photo, blurred: a smooth ramp with no hard stripes
    assert np.abs(np.diff(top, axis=1)).max() <= 12
    assert 60 < top.mean() < 200
    job = rendering.Job((0, 0, 400, 200), (100, 100), "png", 0, (0, 25, 100, 75), "blur")
    assert rendering.render_many(img, [job])[0] == data
