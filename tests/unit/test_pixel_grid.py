"""A frame's box on the pixel grid of the decode and level its render reads
(``pixel_grid.on_grid``), so that libvips resamples it."""
import pytest
from PIL import Image

from renditions.engine import pixel_grid, rendering
from renditions.engine.pyramid import Pyramid

TWELVE_MP = (4000, 3000)

#: box (px of the original), output size, original size, (r, f)
CASES = [
    ((750, 0, 3750, 3000), (640, 640), TWELVE_MP, (4, 1)),     # the bench's 640 frame
    ((0, 375, 4000, 2625), (1600, 900), TWELVE_MP, (2, 1)),    # the bench's 1600 frame
    ((1001, 0, 1901, 3000), (300, 1000), TWELVE_MP, (2, 1)),
    ((13, 7, 3013, 2257), (200, 150), TWELVE_MP, (8, 1)),
    ((501, 3, 3501, 2999), (64, 64), TWELVE_MP, (8, 2)),       # an avatar: level 1/2 of 1/8
    ((997, 5, 3997, 2995), (40, 40), TWELVE_MP, (8, 4)),
    ((997, 5, 3997, 2995), (20, 20), TWELVE_MP, (8, 8)),       # the deepest level
    ((1009, 0, 4008, 3000), (64, 64), (4008, 3000), (8, 2)),   # ends on the border, off grid
]


def _level_box(box, size, source_size, reduced):
    """The box in px of the level the render resamples from, and that level."""
    decoded = Pyramid(Image.new("RGB", (source_size[0] // reduced, source_size[1] // reduced)),
                      reduced=reduced, source_size=source_size)
    [job] = rendering.scale_jobs([rendering.Job(box, size, "jpeg", 80)], source_size,
                                 decoded.size)
    factor = decoded.choose(job.box, size, whole=True)
    return [v / factor for v in job.box], factor


@pytest.mark.parametrize("box, size, source, found", CASES)
def test_a_box_lands_on_whole_px_of_the_level_it_is_resampled_from(box, size, source, found):
    assert pixel_grid.reading(box, size, source) == found
    level_box, factor = _level_box(box, size, source, found[0])
    assert not all(v.is_integer() for v in level_box)  # libvips could not take it as planned
    moved = pixel_grid.on_grid(box, size, source)
    level_box, factor = _level_box(moved, size, source, found[0])
    assert factor == found[1] and all(v.is_integer() for v in level_box)
    assert pixel_grid.reading(moved, size, source) == found


@pytest.mark.parametrize("box, size, source, found", CASES)
def test_each_edge_moves_to_the_nearest_grid_line_inside_the_image(box, size, source, found):
    step = found[0] * found[1]
    moved = pixel_grid.on_grid(box, size, source)
    for edge, (old, new) in enumerate(zip(box, moved)):
        last = source[edge % 2] // step * step
        assert new % step == 0 and new <= last
        if old < last + step // 2:  # the nearest line is inside
            assert abs(new - old) <= step // 2
        else:  # nearer a line beyond the image's border than the last one inside
            assert new == last and step // 2 <= old - new < step


def test_the_bench_frame_moves_half_a_decoded_px_and_keeps_its_size():
    assert pixel_grid.on_grid((750, 0, 3750, 3000), (640, 640), TWELVE_MP) == (752, 0, 3752, 3000)


@pytest.mark.parametrize("source", [(4001, 3000), (4000, 2998), (4002, 3001)])
def test_an_original_whose_sides_are_not_multiples_of_the_reduction_is_left_alone(source):
    box = (750, 0, 3750, 2998)
    assert pixel_grid.reading(box, (640, 640), source) is None
    assert pixel_grid.on_grid(box, (640, 640), source) == box


def test_an_original_too_large_for_libvips_is_left_alone():
    box = (1001, 3, 9001, 8003)
    assert pixel_grid.reading(box, (640, 640), (10000, 8000)) is None
    assert pixel_grid.on_grid(box, (640, 640), (10000, 8000)) == box


@pytest.mark.parametrize("box, size, source", [
    ((1, 0, 214, 300), (101, 100), (400, 300)),      # 2.11x decodes at 1/2; 212 px would not
    ((3, 0, 2050, 2100), (64, 64), TWELVE_MP),       # 2048 px would take level 1/2 of 1/8
])
def test_a_box_the_grid_would_decode_or_resample_otherwise_is_left_alone(box, size, source):
    found = pixel_grid.reading(box, size, source)
    step = found[0] * found[1]
    snapped = tuple((v + step // 2) // step * step for v in box)
    assert pixel_grid.reading(snapped, size, source) != found
    assert pixel_grid.on_grid(box, size, source) == box


@pytest.mark.parametrize("box, size, source", [
    ((1, 1, 4, 4), (1, 1), (4, 4)),                  # a tiny image: 2 px would not reduce
    ((0, 0, 300, 200), (300, 200), (300, 200)),      # no shrink at all
    ((10, 10, 210, 110), (400, 200), (400, 300)),    # an upscale
    ((11, 21, 411, 321), (200, 150), (800, 600)),    # 2x: the decode itself, on whole px
])
def test_a_box_read_at_full_scale_is_left_alone(box, size, source):
    assert pixel_grid.on_grid(box, size, source) == box


def test_a_padded_box_is_on_the_grid_of_the_size_it_is_resampled_to():
    box, size, content = (999, 0, 4000, 3000), (1600, 900), (400, 0, 1200, 900)
    found = pixel_grid.reading(box, size, TWELVE_MP, content=content)
    # decoded for the frame's size (1.9x: whole), resampled 3.3x to the content: from 1/2
    assert found == (1, 2)
    assert pixel_grid.on_grid(box, size, TWELVE_MP, content=content) == (1000, 0, 4000, 3000)
