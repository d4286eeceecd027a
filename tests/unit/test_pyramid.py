"""The shared decode: levels made once, the level each rendition resamples from."""
import io

import numpy as np
import pytest
from PIL import Image

from renditions.engine import pyramid, rendering
from renditions.engine.pyramid import Pyramid


def noise(size=(400, 300)):
    rng = np.random.default_rng(5)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


@pytest.mark.parametrize("box, size, reduced, factor", [
    ((0, 0, 4000, 2250), (1600, 900), 1, 2),     # 12 MP hero, 2.5x: 1.25x left at 1/2
    ((781, 0, 2468, 3000), (1080, 1920), 1, 1),  # story, 1.56x: the whole decode
    ((912, 0, 3312, 3000), (1080, 1350), 1, 2),  # portrait, 2.2x: 1.1x left at 1/2
    ((0, 0, 3000, 3000), (600, 600), 1, 2),      # 5x: 1/4 would leave 1.25x, under 2x
    ((0, 0, 3000, 3000), (200, 200), 1, 4),      # 15x: 1/8 would leave 1.9x
    ((0, 0, 8000, 8000), (200, 200), 1, 8),      # 40x: the deepest level
    ((0, 0, 2000, 1125), (800, 450), 2, 1),      # decoded at 1/2 already: 2x must be left
    ((0, 0, 2000, 1125), (500, 281), 2, 2),
])
def test_each_rendition_resamples_from_the_smallest_level_that_leaves_its_gap(
        box, size, reduced, factor):
    pyr = Pyramid(Image.new("RGB", (8, 8)), reduced=reduced)
    assert pyr.choose(box, size) == factor


def test_levels_are_made_once_from_the_level_above():
    pyr = Pyramid(noise())
    quarter = pyr.level(4)
    assert quarter.size == (100, 75) and pyr.level(4) is quarter
    assert np.array_equal(np.asarray(pyr.level(2).reduce(2)), np.asarray(quarter))


def test_a_box_is_resampled_from_its_level_with_the_same_geometry():
    img = noise((800, 600))
    pyr = Pyramid(img)
    level, box = pyr.source_for((100, 50, 700, 550), (240, 200))  # 2.5x: from the half
    assert level is pyr.level(2) and box == (50, 25, 350, 275)
    ours = np.asarray(rendering.resize(pyr, (100, 50, 700, 550), (240, 200)), np.float64)
    exact = np.asarray(img.resize((240, 200), Image.Resampling.LANCZOS, box=(100, 50, 700, 550)),
                       np.float64)
    assert ours.shape == exact.shape == (200, 240, 3)
    assert 10 * np.log10(255 ** 2 / ((ours - exact) ** 2).mean()) > 20  # white noise: worst case


def test_renditions_of_one_image_share_its_levels(monkeypatch):
    pyr, made = Pyramid(noise((800, 600))), []
    real = Image.Image.reduce
    monkeypatch.setattr(Image.Image, "reduce", lambda im, f, box=None: made.append(f)
                        or real(im, f, box))
    jobs = [rendering.Job((0, 0, 800, 600), (320, 240), "png", 0),
            rendering.Job((0, 0, 600, 600), (240, 240), "png", 0),
            rendering.Job((0, 0, 800, 450), (80, 45), "jpeg", 80)]
    rendering.render_many(pyr, jobs, threads=2)
    assert made.count(2) == 2  # the half and the quarter, once each


def test_the_analysis_copy_comes_from_a_level():
    pyr = Pyramid(noise((4000, 3000)))
    small = pyr.analysis_image(640)
    assert small.size == (640, 480) and small.mode == "RGB"
    assert 4 in pyr._levels and 8 not in pyr._levels


def test_the_gaps_never_let_a_level_be_smaller_than_the_output():
    assert min(pyramid.LEVEL_GAPS.values()) >= 1.0


def test_a_crop_needing_more_pixels_than_the_shared_decode_is_decoded_again(tmp_path, monkeypatch):
    path = tmp_path / "big.jpg"
    noise((1600, 1200)).save(path, quality=90)
    decoded = Pyramid.open(path, max_pixels=None, reduce=4)
    assert decoded.size == (400, 300) and decoded.source_size == (1600, 1200)
    again = []
    real = rendering.render_file
    monkeypatch.setattr(rendering, "render_file", lambda *a, **k: again.append(1) or real(*a, **k))
    rendering.render_decoded(decoded, path, [rendering.Job((0, 0, 1600, 1200), (100, 75),
                                                           "jpeg", 80)], max_pixels=None)
    assert again == []  # 16x: 1/4 leaves 4x
    [data] = rendering.render_decoded(decoded, path, [rendering.Job((0, 0, 800, 600), (400, 300),
                                                                    "jpeg", 80)], max_pixels=None)
    assert again == [1] and Image.open(io.BytesIO(data)).size == (400, 300)


@pytest.mark.parametrize("size, reduce", [((4000, 3000), 1), ((12240, 8160), 4),
                                          ((3000, 3000), 1)])
def test_one_decode_serves_the_default_profiles_and_the_analysis(size, reduce):
    from renditions.engine import pipeline
    from renditions.migrations._defaults import DEFAULT_PROFILES

    specs = [pipeline.RenditionSpec(aspect=aspect, width=(exact or (None, None))[0],
                                    height=(exact or (None, None))[1], max_width=max_width)
             for _slug, _name, aspect, exact, max_width, _fmt, _q in DEFAULT_PROFILES]
    assert pipeline.decode_reduction(specs, size) == reduce
    assert pipeline.decode_reduction([], (1280, 960)) == 2  # the analysis alone: 640 px
    assert pipeline.decode_reduction([], (4000, 3000)) == 8  # 500 px: at least 3/4 of 640


def test_the_analysis_copy_with_a_floor_has_open_for_analysis_size():
    pyr = Pyramid(noise((4000, 3000)))
    small = pyr.analysis_image(640, 480)
    assert small.size == (500, 375)
    assert 8 in pyr._levels
