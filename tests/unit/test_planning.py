"""Crop plans from tables of cases: cheap, exact, and the rules that matter."""
from __future__ import annotations

import numpy as np
import pytest

from renditions.engine import pipeline, planning

from ._images import blob_map

UNIFORM = np.full((96, 128), 1 / (96 * 128), dtype=np.float32)
ASPECTS = [(1, 1), (16, 9), (9, 16), (4, 5), (3, 1), (191, 100), (7, 3)]
SIZES = [(4000, 3000), (800, 600), (1023, 767), (3000, 4000), (101, 37), (5, 1000)]


def inside(box, size):
    x0, y0, x1, y1 = box
    return 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]


def holds(box, point):
    return box[0] <= point[0] < box[2] and box[1] <= point[1] < box[3]


# -- aspect and size ---------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("aspect", ASPECTS)
def test_largest_box_has_the_aspect_exact_to_the_pixel(size, aspect):
    plan = planning.plan_crop(UNIFORM, size, aspect=aspect)
    x0, y0, x1, y1 = plan.box
    w, h = x1 - x0, y1 - y0
    assert inside(plan.box, size)
    assert w == size[0] or h == size[1]  # the largest: one side is full
    target = aspect[0] / aspect[1]
    if w == size[0]:  # width-limited: no other height does better
        assert all(abs(w / h - target) <= abs(w / k - target) + 1e-12
                   for k in range(max(1, h - 2), h + 3) if k <= size[1])
    else:
        assert all(abs(w / h - target) <= abs(k / h - target) + 1e-12
                   for k in range(max(1, w - 2), w + 3) if k <= size[0])


@pytest.mark.parametrize("aspect,size,expected", [
    ((1, 1), (4000, 3000), (3000, 3000)),
    ((16, 9), (4000, 3000), (4000, 2250)),
    ((3, 1), (800, 600), (800, 267)),
    ((9, 16), (800, 600), (337, 600)),  # 337.5: both err equally, the smaller wins
    ((4, 3), (800, 600), (800, 600)),
])
def test_box_size_table(aspect, size, expected):
    assert planning.box_size(aspect, *size) == expected


def test_no_aspect_means_the_whole_image():
    assert planning.plan_crop(UNIFORM, (640, 480)).box == (0, 0, 640, 480)


def test_output_size_sets_the_aspect_when_none_is_given():
    x0, y0, x1, y1 = planning.plan_crop(UNIFORM, (800, 600), output_size=(300, 300)).box
    assert x1 - x0 == y1 - y0 == 600


# -- where the box goes --------------------------------------------------------------

def test_box_follows_the_saliency():
    smap = blob_map(centres=[(0.85, 0.5)])
    plan = planning.plan_crop(smap, (1600, 900), aspect=(1, 1))
    assert plan.box == (700, 0, 1600, 900)
    assert plan.kept > 0.95 and plan.origin == "auto"


def test_uniform_map_gives_a_centred_crop_keeping_the_area_share():
    plan = planning.plan_crop(UNIFORM, (1600, 900), aspect=(1, 1))
    assert plan.box == (350, 0, 1250, 900)
    assert plan.kept == pytest.approx(900 / 1600, abs=1e-4)


def test_search_matches_brute_force():
    rng = np.random.default_rng(3)
    smap = rng.random((30, 40)).astype(np.float32)
    size, aspect = (400, 300), (1, 2)
    plan = planning.plan_crop(smap, size, aspect=aspect)
    field = planning.field(smap, size, [])
    w, h = planning.box_size(aspect, *size)
    masses = field.masses(np.arange(size[0] - w + 1.0), np.arange(size[1] - h + 1.0), w, h)
    assert plan.kept == pytest.approx(masses.max(), abs=1e-6)


def test_box_coordinates_are_ints():
    box = planning.plan_crop(blob_map(), (1001, 999), aspect=(5, 4), zoom=0.5).box
    assert all(type(v) is int for v in box)


# -- editor input ----------------------------------------------------------------------

@pytest.mark.parametrize("editor_box,expected", [
    ((0.0, 0.0, 0.5, 0.5), (0, 0, 400, 300)),
    ((0.5, 0.5, 1.0, 1.0), (400, 300, 800, 600)),
    ((0.25, 0.1, 0.75, 0.6), (200, 60, 600, 360)),
])
def test_editor_box_wins_outright(editor_box, expected):
    smap = blob_map(centres=[(0.9, 0.9)])
    plan = planning.plan_crop(smap, (800, 600), aspect=(4, 3), editor_box=editor_box,
                              focal=(0.9, 0.9), faces=[(700, 500, 780, 580)])
    assert plan.box == expected
    assert plan.origin == "editor" and plan.confidence == 1.0


def test_editor_box_is_snapped_to_the_exact_aspect():
    plan = planning.plan_crop(UNIFORM, (1000, 1000), aspect=(16, 9),
                              editor_box=(0.1, 0.1, 0.5001, 0.3249))
    x0, y0, x1, y1 = plan.box
    assert abs((x1 - x0) / (y1 - y0) - 16 / 9) < 0.01 and inside(plan.box, (1000, 1000))


FOCAL_CASES = [(0.0, 0.0), (1.0, 1.0), (0.02, 0.98), (0.5, 0.5), (0.99, 0.01), (0.3, 0.7)]


@pytest.mark.parametrize("focal", FOCAL_CASES)
@pytest.mark.parametrize("aspect", [(1, 1), (3, 1), (9, 16)])
@pytest.mark.parametrize("zoom", [0.0, 1.0])
def test_focal_point_is_always_inside(focal, aspect, zoom):
    size = (1200, 800)
    smap = blob_map(centres=[(1 - focal[0], 1 - focal[1])])  # saliency pulls away
    plan = planning.plan_crop(smap, size, aspect=aspect, focal=focal, zoom=zoom)
    point = (min(focal[0] * size[0], size[0] - 0.5), min(focal[1] * size[1], size[1] - 0.5))
    assert holds(plan.box, point) and plan.origin == "focal"


def test_focal_point_pulls_the_box_toward_centring_it():
    plan = planning.plan_crop(UNIFORM, (1600, 900), aspect=(1, 1), focal=(0.3, 0.5))
    assert plan.box == (30, 0, 930, 900)  # centred on x = 480


@pytest.mark.parametrize("focal, aspect, zoom, expected", [
    ((0.5, 0.5), (1, 1), 0.0, (350, 0, 1250, 900)),   # centred
    ((0.7, 0.2), (1, 1), 0.0, (670, 0, 1570, 900)),   # centred across; the frame is full height
    ((0.05, 0.5), (1, 1), 0.0, (0, 0, 900, 900)),     # at the left edge: as far as it goes
    ((0.98, 0.5), (1, 1), 0.0, (700, 0, 1600, 900)),  # at the right edge
    ((0.5, 0.995), (3, 1), 0.0, (0, 367, 1600, 900)),  # a banner's bottom: at the bottom
    ((0.5, 0.6), (3, 1), 0.0, (0, 274, 1600, 807)),   # centred down
    ((0.25, 0.25), (16, 9), 1.0, None),               # zoomed: centred on the point
])
def test_the_editors_focal_point_is_centred_as_far_as_the_frame_allows(focal, aspect, zoom,
                                                                       expected):
    size = (1600, 900)
    smap = blob_map(centres=[(1 - focal[0], 1 - focal[1])])  # saliency elsewhere: no pull
    plan = planning.plan_crop(smap, size, aspect=aspect, focal=focal, zoom=zoom)
    if expected is not None:
        assert plan.box == expected
    x0, y0, x1, y1 = plan.box
    fx, fy = focal[0] * size[0], focal[1] * size[1]
    free_x = min(fx - (x1 - x0) / 2, size[0] - (x1 - x0)) >= 0 and fx + (x1 - x0) / 2 <= size[0]
    if free_x:
        assert abs((x0 + x1) / 2 - fx) <= 1
    free_y = fy - (y1 - y0) / 2 >= 0 and fy + (y1 - y0) / 2 <= size[1]
    if free_y:
        assert abs((y0 + y1) / 2 - fy) <= 1


# -- faces ------------------------------------------------------------------------------

def cut(box, face, keep=planning.FACE_KEEP):
    ox = max(0, min(box[2], face[2]) - max(box[0], face[0]))
    oy = max(0, min(box[3], face[3]) - max(box[1], face[1]))
    return 0 < ox * oy < keep * (face[2] - face[0]) * (face[3] - face[1])


FACE_CASES = [
    # (saliency centres, faces, aspect, image size); without protection, the
    # box of most saliency cuts a face in every case (checked below)
    ([(0.75, 0.5)], [(600, 300, 800, 500)], (1, 1), (1600, 900)),
    ([(0.2, 0.5)], [(800, 300, 1000, 500)], (1, 1), (1600, 900)),
    ([(0.5, 0.1)], [(200, 500, 400, 700)], (16, 9), (1000, 1000)),
    ([(0.5, 0.5)], [(250, 100, 450, 300), (1150, 100, 1350, 300)], (1, 1), (1600, 900)),
    ([(0.4, 0.6)], [(10, 10, 60, 60), (300, 600, 420, 720)], (3, 1), (1200, 800)),
    ([(0.9, 0.5)], [(1000, 300, 1200, 600)], (9, 16), (1600, 900)),
]


@pytest.mark.parametrize("centres,faces,aspect,size", FACE_CASES)
def test_face_cases_would_cut_without_protection(centres, faces, aspect, size):
    plan = planning.plan_crop(blob_map(centres=centres), size, aspect=aspect)
    assert any(cut(plan.box, f) for f in faces)


@pytest.mark.parametrize("centres,faces,aspect,size", FACE_CASES)
@pytest.mark.parametrize("zoom", [0.0, 0.7])
def test_faces_are_never_cut_when_avoidable(centres, faces, aspect, size, zoom):
    plan = planning.plan_crop(blob_map(centres=centres), size, aspect=aspect, faces=faces,
                              zoom=zoom)
    assert not plan.faces_cut
    assert not any(cut(plan.box, f) for f in faces)


@pytest.mark.parametrize("face,size,head", [
    ((100, 100, 180, 200), (800, 600), (90, 100, 190, 200)),   # tall: widened
    ((100, 100, 200, 150), (800, 600), (100, 75, 200, 175)),   # wide: heightened
    ((0, 10, 60, 90), (800, 600), (0, 10, 70, 90)),            # clipped at the edge
    ((100, 100, 150, 150), (800, 600), (100, 100, 150, 150)),  # square already
])
def test_a_head_is_the_square_about_the_face_on_its_longer_side(face, size, head):
    assert planning.head_box(face, size) == head


def test_a_crop_edge_spares_the_ears_beside_a_face_box():
    # A brow-to-chin face box 80 x 120 px right of the saliency: on the face box alone the
    # square crop's edge would stop at x = 600, just clear of it, through an ear (580-600).
    face, size = (600, 240, 680, 360), (1200, 600)
    plan = planning.plan_crop(blob_map(centres=[(0.1, 0.5)]), size, aspect=(1, 1),
                              faces=[face])
    assert not cut(plan.box, (580, 240, 700, 360))  # the head: the square about the face
    assert not plan.faces_cut


def test_the_largest_face_is_kept_when_not_all_fit():
    faces = [(0, 300, 200, 500), (1300, 300, 1600, 600)]  # small left, large right
    plan = planning.plan_crop(UNIFORM, (1600, 900), aspect=(1, 2), faces=faces)
    x0, y0, x1, y1 = plan.box
    assert x0 <= 1300 and x1 >= 1600


def test_without_zoom_the_box_keeps_its_size_even_to_spare_a_face():
    faces = [(0, 300, 400, 700), (600, 300, 1000, 700), (1200, 300, 1600, 700)]
    plan = planning.plan_crop(UNIFORM, (1600, 900), aspect=(1, 1), faces=faces)
    assert box_wh(plan) == (900, 900)
    assert plan.faces_cut


def test_with_zoom_a_box_shrinks_rather_than_cut_through_a_row_of_faces():
    faces = [(0, 300, 400, 700), (600, 300, 1000, 700), (1200, 300, 1600, 700)]
    plan = planning.plan_crop(UNIFORM, (1600, 900), aspect=(1, 1), faces=faces, zoom=0.1)
    assert not plan.faces_cut
    assert not any(cut(plan.box, f) for f in faces)
    assert any(plan.box[0] <= f[0] and f[2] <= plan.box[2] for f in faces)


def test_a_face_larger_than_the_box_is_cut_not_dropped():
    face = (200, 100, 1400, 800)
    plan = planning.plan_crop(UNIFORM, (1600, 900), aspect=(4, 1), faces=[face])
    assert plan.faces_cut
    x0, y0, x1, y1 = plan.box
    assert y0 < 800 and y1 > 100  # still on the face


def test_faces_add_mass():
    face = (1300, 100, 1500, 300)
    plain = planning.plan_crop(UNIFORM, (1600, 900), aspect=(1, 1))
    with_face = planning.plan_crop(UNIFORM, (1600, 900), aspect=(1, 1), faces=[face])
    assert plain.box[2] < 1500 <= with_face.box[2]


# -- zoom and upscaling ------------------------------------------------------------------

def box_wh(plan):
    return plan.box[2] - plan.box[0], plan.box[3] - plan.box[1]


@pytest.mark.parametrize("out", [(1600, 900), (1920, 1080), (2400, 1350)])
def test_zoom_never_shrinks_below_the_output_size_unless_allowed(out):
    smap = blob_map(centres=[(0.3, 0.4)], sigma=0.02)
    size = (4000, 3000)
    plan = planning.plan_crop(smap, size, aspect=(16, 9), output_size=out, zoom=1.0)
    w, h = box_wh(plan)
    assert w >= out[0] and h >= out[1]
    free = planning.plan_crop(smap, size, aspect=(16, 9), output_size=out, zoom=1.0,
                              allow_upscale=True)
    assert box_wh(free)[0] < out[0]


def test_zoom_goes_from_largest_to_subject():
    smap = blob_map(centres=[(0.3, 0.4)], sigma=0.03)
    widths = [box_wh(planning.plan_crop(smap, (4000, 3000), aspect=(1, 1), zoom=z))[0]
              for z in (0.0, 0.5, 1.0)]
    assert widths[0] == 3000 and widths[0] > widths[1] > widths[2]


def test_zoom_on_an_image_smaller_than_the_output_keeps_the_largest_box():
    plan = planning.plan_crop(blob_map(), (400, 300), aspect=(1, 1), output_size=(800, 800),
                              zoom=1.0)
    assert box_wh(plan) == (300, 300)


# -- output sizes -------------------------------------------------------------------------

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
    assert planning.output_size(box, **args) == expected


@pytest.mark.parametrize("kwargs,expected", [
    (dict(aspect=(16, 9), width=None, height=None), (16, 9)),
    (dict(aspect=None, width=1200, height=800), (3, 2)),
    (dict(aspect=(1, 1), width=1200, height=800), (1, 1)),
    (dict(aspect=None, width=1200, height=None), None),
])
def test_profile_aspect(kwargs, expected):
    assert planning.profile_aspect(**kwargs) == expected


# -- confidence --------------------------------------------------------------------------

def test_confidence_is_high_for_one_peak_and_low_for_flat_or_rival_peaks():
    one = planning.plan_crop(blob_map(centres=[(0.5, 0.5)]), (1600, 900), aspect=(1, 1))
    flat = planning.plan_crop(UNIFORM, (1600, 900), aspect=(1, 1))
    rivals = planning.plan_crop(blob_map(centres=[(0.1, 0.5), (0.9, 0.5)]), (1600, 900),
                                aspect=(1, 1))
    assert one.confidence > 0.8
    # Calibrated, a centred square of a flat map is a coin toss (it keeps what any
    # box would), still clearly below one clear subject.
    assert flat.confidence < one.confidence - 0.2
    assert rivals.confidence < 0.5 * one.confidence
    assert all(0 <= p.confidence <= 1 for p in (one, flat, rivals))


def test_plan_is_frozen():
    plan = planning.plan_crop(UNIFORM, (10, 10))
    with pytest.raises(AttributeError):
        plan.box = (0, 0, 1, 1)


def test_five_plans_cost_the_same_on_any_image_size(monkeypatch):
    """What keeps planning fast, counted instead of timed (timing is bench/speed.py's "5 plans").

    The search scores boxes on the map grid through the summed-area table, so the
    number of boxes scored does not grow with the pixels, and the five aspects of one
    image share one field. Measured: 357 boxes (0.12 MP), 395 (12 MP), 393 (1.2 GP).
    """
    smap = blob_map(centres=[(0.3, 0.4), (0.7, 0.6)])
    aspects = [(1, 1), (16, 9), (9, 16), (4, 5), (3, 1)]
    scored, builds = [], []
    masses, build = planning.Field.masses, planning._build_field

    def count_masses(field, xs, ys, w, h):
        scored.append(len(xs) * len(ys))
        return masses(field, xs, ys, w, h)

    monkeypatch.setattr(planning.Field, "masses", count_masses)
    monkeypatch.setattr(planning, "_build_field", lambda *a: builds.append(1) or build(*a))
    work = {}
    for scale in (1, 10, 100):  # 400x300, 4000x3000, 40000x30000 px
        scored.clear(), builds.clear()
        face = tuple(v * scale for v in (100, 90, 130, 130))
        planner = pipeline.Planner(pipeline.Analysis(
            smap, (400 * scale, 300 * scale), (face,), "test", "1", "", "",
            pipeline.FacesOutcome.OFF))
        for aspect in aspects:
            planner.plan(pipeline.RenditionSpec(aspect=aspect))
        work[scale] = sum(scored)
        assert len(builds) == 1, scale  # one field for the five aspects
    assert work[1] < 1000
    assert work[10] <= 1.25 * work[1] and work[100] <= 1.25 * work[1]


@pytest.mark.parametrize("box, kwargs, expected", [
    ((1687, 3000), dict(max_width=1080, aspect=(9, 16)), (1080, 1920)),
    ((1688, 3000), dict(max_width=1080, aspect=(9, 16)), (1080, 1920)),
    ((675, 1200), dict(max_width=1080, aspect=(9, 16)), (675, 1200)),
    ((4000, 1333), dict(max_width=1500, aspect=(3, 1)), (1500, 500)),
    ((3000, 1000), dict(width=200, height=200, aspect=(1, 1)), (200, 200)),
])
def test_output_size_follows_the_profile_aspect_exactly(box, kwargs, expected):
    args = dict(width=None, height=None, max_width=None, allow_upscale=False) | kwargs
    assert planning.output_size(box, **args) == expected


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
    assert planning.output_size(box, **args) == expected


PROFILES = [  # aspect, exact (w, h), max width: the shipped defaults
    ((16, 9), None, 1600), ((1, 1), None, 600), ((4, 5), None, 1080), ((9, 16), None, 1080),
    ((3, 1), None, 1500), ((4, 3), None, 800), (None, (200, 200), None),
]


@pytest.mark.parametrize("size", [(10000, 10), (10, 10000), (3, 3), (1, 1), (7, 5),
                                  (150, 100), (1080, 1921), (4000, 3000)])
@pytest.mark.parametrize("aspect, exact, max_width", PROFILES)
def test_no_rendition_is_larger_than_its_crop(size, aspect, exact, max_width):
    ratio = planning.profile_aspect(aspect=aspect, width=exact and exact[0],
                                    height=exact and exact[1])
    plan = planning.plan_crop(UNIFORM, size, aspect=ratio, output_size=exact)
    crop = box_wh(plan)
    out = planning.output_size(crop, width=exact and exact[0], height=exact and exact[1],
                               max_width=max_width, allow_upscale=False, aspect=aspect)
    assert out[0] <= crop[0] and out[1] <= crop[1]
