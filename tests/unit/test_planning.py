"""Crop plans from tables of cases: cheap, exact, and the rules that matter."""
from __future__ import annotations

import numpy as np
import pytest

from renditions.engine import field as field_module
from renditions.engine import planning, sizing
from renditions.engine.pipeline import Planner, RenditionSpec

from ._images import blob_map, map_analysis

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
    plan = Planner(map_analysis(UNIFORM, size)).plan(RenditionSpec(aspect=aspect))
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


def test_no_aspect_means_the_whole_image_at_its_own_size():
    plan = Planner(map_analysis(UNIFORM, (640, 480))).plan(RenditionSpec())
    assert (plan.box, plan.size) == ((0, 0, 640, 480), (640, 480))


def test_an_exact_size_sets_the_aspect_when_none_is_given():
    plan = Planner(map_analysis(UNIFORM, (800, 600))).plan(RenditionSpec(width=300, height=300))
    x0, y0, x1, y1 = plan.box
    assert x1 - x0 == y1 - y0 == 600 and plan.size == (300, 300)


# -- where the box goes --------------------------------------------------------------

def test_box_follows_the_saliency():
    smap = blob_map(centres=[(0.85, 0.5)])
    plan = Planner(map_analysis(smap, (1600, 900))).plan(RenditionSpec(aspect=(1, 1)))
    assert plan.box == (700, 0, 1600, 900)
    assert plan.kept > 0.95 and plan.origin == "auto"


def test_uniform_map_gives_a_centred_crop_keeping_the_area_share():
    plan = Planner(map_analysis(UNIFORM, (1600, 900))).plan(RenditionSpec(aspect=(1, 1)))
    assert plan.box == (350, 0, 1250, 900)
    assert plan.kept == pytest.approx(900 / 1600, abs=1e-4)


def test_search_matches_brute_force():
    rng = np.random.default_rng(3)
    smap = rng.random((30, 40)).astype(np.float32)
    size, aspect = (400, 300), (1, 2)
    plan = Planner(map_analysis(smap, size)).plan(RenditionSpec(aspect=aspect))
    field = planning.build_field(smap, size, [])
    w, h = sizing.box_size(aspect, *size)
    masses = field.masses(np.arange(size[0] - w + 1.0), np.arange(size[1] - h + 1.0), w, h)
    assert plan.kept == pytest.approx(masses.max(), abs=1e-6)


def test_box_coordinates_are_ints():
    box = Planner(map_analysis(blob_map(), (1001, 999))).plan(
        RenditionSpec(aspect=(5, 4), zoom=0.5)).box
    assert all(type(v) is int for v in box)


# -- editor input ----------------------------------------------------------------------

@pytest.mark.parametrize("editor_box,expected", [
    ((0.0, 0.0, 0.5, 0.5), (0, 0, 400, 300)),
    ((0.5, 0.5, 1.0, 1.0), (400, 300, 800, 600)),
    ((0.25, 0.1, 0.75, 0.6), (200, 60, 600, 360)),
])
def test_editor_box_wins_outright(editor_box, expected):
    smap = blob_map(centres=[(0.9, 0.9)])
    plan = Planner(map_analysis(smap, (800, 600), [(700, 500, 780, 580)])).plan(
        RenditionSpec(aspect=(4, 3)), focal=(0.9, 0.9), editor_box=editor_box)
    assert plan.box == expected
    assert plan.origin == "editor" and plan.confidence == 1.0


def test_editor_box_is_snapped_to_the_exact_aspect():
    plan = Planner(map_analysis(UNIFORM, (1000, 1000))).plan(
        RenditionSpec(aspect=(16, 9)), editor_box=(0.1, 0.1, 0.5001, 0.3249))
    x0, y0, x1, y1 = plan.box
    assert abs((x1 - x0) / (y1 - y0) - 16 / 9) < 0.01 and inside(plan.box, (1000, 1000))


FOCAL_CASES = [(0.0, 0.0), (1.0, 1.0), (0.02, 0.98), (0.5, 0.5), (0.99, 0.01), (0.3, 0.7)]


@pytest.mark.parametrize("focal", FOCAL_CASES)
@pytest.mark.parametrize("aspect", [(1, 1), (3, 1), (9, 16)])
@pytest.mark.parametrize("zoom", [0.0, 1.0])
def test_focal_point_is_always_inside(focal, aspect, zoom):
    size = (1200, 800)
    smap = blob_map(centres=[(1 - focal[0], 1 - focal[1])])  # saliency pulls away
    plan = Planner(map_analysis(smap, size)).plan(
        RenditionSpec(aspect=aspect, zoom=zoom), focal=focal)
    point = (min(focal[0] * size[0], size[0] - 0.5), min(focal[1] * size[1], size[1] - 0.5))
    assert holds(plan.box, point) and plan.origin == "focal"


def test_focal_point_pulls_the_box_toward_centring_it():
    plan = Planner(map_analysis(UNIFORM, (1600, 900))).plan(
        RenditionSpec(aspect=(1, 1)), focal=(0.3, 0.5))
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
    plan = Planner(map_analysis(smap, size)).plan(
        RenditionSpec(aspect=aspect, zoom=zoom), focal=focal)
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
    plan = Planner(map_analysis(blob_map(centres=centres), size)).plan(
        RenditionSpec(aspect=aspect))
    assert any(cut(plan.box, f) for f in faces)


@pytest.mark.parametrize("centres,faces,aspect,size", FACE_CASES)
@pytest.mark.parametrize("zoom", [0.0, 0.7])
def test_faces_are_never_cut_when_avoidable(centres, faces, aspect, size, zoom):
    plan = Planner(map_analysis(blob_map(centres=centres), size, faces)).plan(
        RenditionSpec(aspect=aspect, zoom=zoom))
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
    plan = Planner(map_analysis(blob_map(centres=[(0.1, 0.5)]), size, [face])).plan(
        RenditionSpec(aspect=(1, 1)))
    assert not cut(plan.box, (580, 240, 700, 360))  # the head: the square about the face
    assert not plan.faces_cut


def test_the_largest_face_is_kept_when_not_all_fit():
    faces = [(0, 300, 200, 500), (1300, 300, 1600, 600)]  # small left, large right
    plan = Planner(map_analysis(UNIFORM, (1600, 900), faces)).plan(RenditionSpec(aspect=(1, 2)))
    x0, y0, x1, y1 = plan.box
    assert x0 <= 1300 and x1 >= 1600


def test_without_zoom_the_box_keeps_its_size_even_to_spare_a_face():
    faces = [(0, 300, 400, 700), (600, 300, 1000, 700), (1200, 300, 1600, 700)]
    plan = Planner(map_analysis(UNIFORM, (1600, 900), faces)).plan(RenditionSpec(aspect=(1, 1)))
    assert box_wh(plan) == (900, 900)
    assert plan.faces_cut


def test_with_zoom_a_box_shrinks_rather_than_cut_through_a_row_of_faces():
    faces = [(0, 300, 400, 700), (600, 300, 1000, 700), (1200, 300, 1600, 700)]
    plan = Planner(map_analysis(UNIFORM, (1600, 900), faces)).plan(
        RenditionSpec(aspect=(1, 1), zoom=0.1))
    assert not plan.faces_cut
    assert not any(cut(plan.box, f) for f in faces)
    assert any(plan.box[0] <= f[0] and f[2] <= plan.box[2] for f in faces)


def test_a_face_larger_than_the_box_is_cut_not_dropped():
    face = (200, 100, 1400, 800)
    plan = Planner(map_analysis(UNIFORM, (1600, 900), [face])).plan(RenditionSpec(aspect=(4, 1)))
    assert plan.faces_cut
    x0, y0, x1, y1 = plan.box
    assert y0 < 800 and y1 > 100  # still on the face


def test_faces_add_mass():
    face = (1300, 100, 1500, 300)
    plain, with_face = (Planner(map_analysis(UNIFORM, (1600, 900), faces)).plan(
        RenditionSpec(aspect=(1, 1))) for faces in ([], [face]))
    assert plain.box[2] < 1500 <= with_face.box[2]


# -- zoom and upscaling ------------------------------------------------------------------

def box_wh(plan):
    return plan.box[2] - plan.box[0], plan.box[3] - plan.box[1]


@pytest.mark.parametrize("out", [(1600, 900), (1920, 1080), (2400, 1350)])
def test_zoom_never_shrinks_below_the_output_size_unless_allowed(out):
    smap = blob_map(centres=[(0.3, 0.4)], sigma=0.02)
    size = (4000, 3000)
    planner = Planner(map_analysis(smap, size))
    plan = planner.plan(RenditionSpec(aspect=(16, 9), width=out[0], height=out[1], zoom=1.0))
    w, h = box_wh(plan)
    assert w >= out[0] and h >= out[1]
    free = planner.plan(RenditionSpec(aspect=(16, 9), width=out[0], height=out[1], zoom=1.0,
                                      allow_upscale=True))
    assert box_wh(free)[0] < out[0]


def test_zoom_goes_from_largest_to_subject():
    smap = blob_map(centres=[(0.3, 0.4)], sigma=0.03)
    planner = Planner(map_analysis(smap, (4000, 3000)))
    widths = [planner.plan(RenditionSpec(aspect=(1, 1), zoom=z)).box.width for z in (0, 0.5, 1)]
    assert widths[0] == 3000 and widths[0] > widths[1] > widths[2]


def test_zoom_on_an_image_smaller_than_the_output_keeps_the_largest_box():
    plan = Planner(map_analysis(blob_map(), (400, 300))).plan(
        RenditionSpec(aspect=(1, 1), width=800, height=800, zoom=1.0))
    assert box_wh(plan) == (300, 300)


# -- confidence --------------------------------------------------------------------------

def test_confidence_is_high_for_one_peak_and_low_for_flat_or_rival_peaks():
    square = RenditionSpec(aspect=(1, 1))
    one, flat, rivals = (Planner(map_analysis(smap, (1600, 900))).plan(square) for smap in (
        blob_map(centres=[(0.5, 0.5)]), UNIFORM, blob_map(centres=[(0.1, 0.5), (0.9, 0.5)])))
    assert one.confidence > 0.8
    # Calibrated, a centred square of a flat map is a coin toss (it keeps what any
    # box would), still clearly below one clear subject.
    assert flat.confidence < one.confidence - 0.2
    assert rivals.confidence < 0.5 * one.confidence
    assert all(0 <= p.confidence <= 1 for p in (one, flat, rivals))


def test_plan_is_frozen():
    plan = Planner(map_analysis(UNIFORM, (10, 10))).plan(RenditionSpec())
    with pytest.raises(AttributeError):
        plan.box = (0, 0, 1, 1)


def test_five_plans_cost_the_same_on_any_image_size(monkeypatch):
    """What keeps planning fast, counted instead of timed (timing is bench/speed.py's "5 plans").

    The search scores boxes on the map grid through the summed-area table, so the
    number of boxes scored does not grow with the pixels, and the five aspects of one
    image share one field. Measured: 554 boxes (0.12 MP), 592 (12 MP), 590 (1.2 GP).
    """
    smap = blob_map(centres=[(0.3, 0.4), (0.7, 0.6)])
    aspects = [(1, 1), (16, 9), (9, 16), (4, 5), (3, 1)]
    scored, builds = [], []
    masses, build = planning.Field.masses, field_module._grid_field

    def count_masses(field, xs, ys, w, h):
        scored.append(len(xs) * len(ys))
        return masses(field, xs, ys, w, h)

    monkeypatch.setattr(planning.Field, "masses", count_masses)
    monkeypatch.setattr(field_module, "_grid_field", lambda *a: builds.append(1) or build(*a))
    work = {}
    for scale in (1, 10, 100):  # 400x300, 4000x3000, 40000x30000 px
        scored.clear(), builds.clear()
        face = tuple(v * scale for v in (100, 90, 130, 130))
        planner = Planner(map_analysis(smap, (400 * scale, 300 * scale), [face]))
        for aspect in aspects:
            planner.plan(RenditionSpec(aspect=aspect))
        work[scale] = sum(scored)
        assert len(builds) == 1, scale  # one field for the five aspects
    assert work[1] < 1000
    assert work[10] <= 1.25 * work[1] and work[100] <= 1.25 * work[1]


# -- never enlarged where the profile forbids upscaling --------------------------------

PROFILES = [  # aspect, exact (w, h), max width: the shipped defaults
    ((16, 9), None, 1600), ((1, 1), None, 600), ((4, 5), None, 1080), ((9, 16), None, 1080),
    ((3, 1), None, 1500), ((4, 3), None, 800), (None, (200, 200), None),
]


@pytest.mark.parametrize("size", [(10000, 10), (10, 10000), (3, 3), (1, 1), (7, 5),
                                  (150, 100), (1080, 1921), (4000, 3000)])
@pytest.mark.parametrize("aspect, exact, max_width", PROFILES)
def test_no_rendition_is_larger_than_its_crop(size, aspect, exact, max_width):
    width, height = exact or (None, None)
    spec = RenditionSpec(aspect=aspect, width=width, height=height, max_width=max_width)
    plan = Planner(map_analysis(UNIFORM, size)).plan(spec)
    assert plan.size[0] <= plan.box.width and plan.size[1] <= plan.box.height
