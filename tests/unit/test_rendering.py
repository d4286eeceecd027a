"""Rendering: exact pixels on synthetic images, encoders, metadata hygiene."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageFilter

from renditions.engine import colour, encoding, loading, rendering, resample

from ._images import BLUE, GREEN, RED, WHITE, exif_block, quadrants


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_crop_at_full_scale_is_pixel_exact():
    out = decode(rendering.render(quadrants(), (10, 10, 30, 30), (20, 20), fmt="png", quality=0))
    assert out.size == (20, 20)
    expected = Image.new("RGB", (20, 20))
    for (x, y), colour in zip([(0, 0), (10, 0), (0, 10), (10, 10)], [RED, GREEN, BLUE, WHITE]):
        expected.paste(colour, (x, y, x + 10, y + 10))
    assert out.convert("RGB").tobytes() == expected.tobytes()


@pytest.mark.parametrize("box,colour", [((20, 0, 40, 20), GREEN), ((0, 20, 20, 40), BLUE)])
def test_single_quadrant_crop(box, colour):
    out = decode(rendering.render(quadrants(), box, (20, 20), fmt="png", quality=0))
    assert [c for _, c in out.convert("RGB").getcolors()] == [colour]


def test_downscale_keeps_flat_areas_exact_and_sizes_exact():
    out = decode(rendering.render(quadrants(80), (0, 0, 80, 80), (20, 20), fmt="png",
                                  quality=0))
    assert out.size == (20, 20)
    px = out.convert("RGB")
    assert [px.getpixel(p) for p in [(3, 3), (16, 3), (3, 16), (16, 16)]] == [RED, GREEN, BLUE, WHITE]


def test_non_square_scaling_hits_the_requested_size():
    out = decode(rendering.render(quadrants(100), (0, 0, 100, 60), (33, 20), fmt="png", quality=0))
    assert out.size == (33, 20)


def test_png_keeps_alpha_and_jpeg_flattens_on_white():
    img = Image.new("RGBA", (16, 16), (0, 0, 255, 0))
    png = decode(rendering.render(img, (0, 0, 16, 16), (16, 16), fmt="png", quality=0))
    assert png.mode == "RGBA" and png.getpixel((4, 4))[3] == 0
    jpeg = decode(rendering.render(img, (0, 0, 16, 16), (8, 8), fmt="jpeg", quality=90))
    assert jpeg.mode == "RGB" and all(v >= 250 for v in jpeg.getpixel((4, 4)))


@pytest.mark.parametrize("fmt,pil", [("jpeg", "JPEG"), ("webp", "WEBP"), ("avif", "AVIF"),
                                     ("png", "PNG"), ("jpg", "JPEG")])
def test_every_format_encodes(fmt, pil):
    out = decode(rendering.render(quadrants(64), (0, 0, 64, 64), (32, 32), fmt=fmt, quality=80))
    assert out.format == pil and out.size == (32, 32)
    assert out.convert("RGB").getpixel((4, 4))[0] > 200  # still red, give or take


def test_jpeg_is_optimised_and_progressive_only_from_its_threshold(monkeypatch):
    """Baseline with optimised Huffman tables by default (bench: progressive saves
    3.5 % of the bytes for 2.5x the encode time); progressive from PROGRESSIVE_FROM px."""
    def progressive(size):
        out = decode(rendering.render(quadrants(64), (0, 0, 64, 64), size, fmt="jpeg",
                                      quality=80))
        return bool(out.info.get("progressive") or out.info.get("progression"))

    assert encoding.save_options("jpeg", 80)["optimize"] is True
    assert not progressive((64, 64))
    monkeypatch.setattr(encoding, "PROGRESSIVE_FROM", 32 * 32)
    assert progressive((32, 32)) and not progressive((31, 32))


def photo_with_metadata() -> Image.Image:
    """A loaded image as open_full returns it: sRGB profile and full EXIF."""
    exif = exif_block(copyright="(c) Ada Lovelace", artist="Ada", make="Babbage & Co",
                      gps=(51.0, 30.0, 0.0))
    data = io.BytesIO()
    quadrants(64).save(data, "JPEG", exif=exif, icc_profile=colour.srgb_profile())
    return loading.open_full(data, max_pixels=10**6)


@pytest.mark.parametrize("fmt", ["jpeg", "webp", "png", "avif"])
def test_metadata_keeps_colour_profile_and_copyright_only(fmt):
    out = decode(rendering.render(photo_with_metadata(), (0, 0, 64, 64), (32, 32), fmt=fmt,
                                  quality=80))
    assert out.info.get("icc_profile") == colour.srgb_profile()
    exif = out.getexif()
    assert exif.get(0x8298) == "(c) Ada Lovelace" and exif.get(0x013B) == "Ada"
    assert 0x010F not in exif and 0x8825 not in exif  # no camera make, no GPS


def test_explicit_exif_argument_is_filtered_too():
    exif = exif_block(copyright="(c) B", gps=(1.0, 2.0, 3.0)).tobytes()
    out = decode(rendering.render(quadrants(), (0, 0, 40, 40), (40, 40), fmt="jpeg",
                                  quality=80, exif=exif))
    assert out.getexif().get(0x8298) == "(c) B" and 0x8825 not in out.getexif()


def test_no_exif_when_nothing_public():
    assert encoding.public_exif(exif_block(make="X", gps=(1.0, 2.0, 3.0)).tobytes()) is None
    assert encoding.public_exif(b"garbage") is None


def test_strong_downscale_sharpens_lightly():
    edge = Image.new("RGB", (400, 400), (60, 60, 60))
    edge.paste((200, 200, 200), (200, 0, 400, 400))
    sharp = rendering.resize(edge, (0, 0, 400, 400), (40, 40))
    soft = edge.resize((40, 40), Image.Resampling.LANCZOS, reducing_gap=2.0)
    assert sharp.getpixel((2, 20)) == soft.getpixel((2, 20))  # flat areas untouched
    sharp_row = [sharp.getpixel((x, 20))[0] for x in range(15, 25)]
    soft_row = [soft.getpixel((x, 20))[0] for x in range(15, 25)]
    step = max(b - a for a, b in zip(sharp_row, sharp_row[1:]))
    assert step > max(b - a for a, b in zip(soft_row, soft_row[1:]))  # a crisper edge
    assert min(sharp_row) >= 45 and max(sharp_row) <= 215  # lightly: small halos


@pytest.mark.parametrize("box", [(-1, 0, 10, 10), (0, 0, 41, 10), (5, 5, 5, 10)])
def test_bad_box_is_refused(box):
    with pytest.raises(ValueError, match="crop box"):
        rendering.render(quadrants(), box, (10, 10), fmt="png", quality=0)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format"):
        rendering.render(quadrants(), (0, 0, 40, 40), (10, 10), fmt="bmp", quality=0)


def test_render_many_matches_one_by_one_in_order():
    img = Image.new("RGB", (300, 200), (10, 20, 30))
    img.paste((250, 200, 10), (150, 0, 300, 200))
    jobs = [rendering.Job((0, 0, 200, 200), (50, 50), "png", 80),
            rendering.Job((100, 0, 300, 200), (40, 40), "png", 80),
            rendering.Job((0, 0, 300, 200), (90, 60), "jpeg", 85)]
    alone = [rendering.render(img, j.box, j.size, fmt=j.fmt, quality=j.quality) for j in jobs]
    assert rendering.render_many(img, jobs, threads=2) == alone
    assert rendering.render_many(img, jobs, threads=1) == alone


def _job(box, size):
    return rendering.Job(box, size, "jpeg", 85)


@pytest.mark.parametrize("jobs, reduce", [
    ([_job((0, 0, 4000, 2250), (1600, 900))], 2),                 # 12 MP hero: 2.5x
    ([_job((781, 0, 2468, 3000), (1080, 1920))], 1),              # 12 MP story: 1.56x
    ([_job((0, 0, 12240, 6885), (1600, 900))], 4),                # 100 MP hero: 7.6x
    ([_job((0, 0, 4590, 8160), (1080, 1920))], 4),                # 100 MP story: 4.25x
    ([_job((0, 0, 8000, 8000), (200, 200))], 8),                  # 40x, capped at 1/8
    ([_job((0, 0, 8000, 8000), (200, 200)),
      _job((0, 0, 6000, 3000), (2000, 1000))], 2),                # the least shrunk (3x) decides
    ([_job((0, 0, 3000, 2000), (750, 500))], 2),                  # exactly 4x: 1/4 leaves 1x
    ([_job((0, 0, 3150, 2100), (750, 500))], 4),                  # 4.2x: 1.05x left at 1/4
    ([_job((0, 0, 4000, 2250), (2000, 1125))], 1),                # 2x: 1/2 would leave 1x
    ([], 1),
])
def test_decode_reduction_decodes_to_the_largest_size_a_rendition_needs(jobs, reduce):
    assert rendering.decode_reduction(jobs) == reduce


@pytest.mark.parametrize("jobs, min_shrink, reduce", [
    ([_job((0, 0, 12240, 6885), (1600, 900))], 2.0, 2),           # 7.6x, 2x kept: 1/2
    ([_job((0, 0, 3000, 3000), (640, 640))], 1.25, 2),            # 4.7x: 1/4 would leave 1.17x
])
def test_a_caller_can_keep_more_shrink_after_the_decode(jobs, min_shrink, reduce):
    assert rendering.decode_reduction(jobs, min_shrink) == reduce


def test_scale_jobs_moves_boxes_into_the_decoded_pixels():
    jobs = [_job((100, 50, 4100, 2300), (1600, 900))]
    assert rendering.scale_jobs(jobs, (12240, 8160), (12240, 8160)) == jobs
    (scaled,) = rendering.scale_jobs(jobs, (12240, 8160), (6120, 4080))
    assert scaled.box == (50, 25, 2050, 1150) and scaled.size == (1600, 900)
    (edge,) = rendering.scale_jobs([_job((0, 0, 12239, 8159), (10, 10))], (12239, 8159),
                                   (1530, 1020))
    assert edge.box == (0, 0, 1530, 1020)


def test_a_reduced_decode_renders_nearly_the_same_pixels(tmp_path):
    import numpy as np

    yy, xx = np.mgrid[0:3000, 0:4000]
    rgb = np.stack([xx * 255 // 4000, yy * 255 // 3000, (xx // 50 + yy // 50) % 2 * 200], -1)
    path = tmp_path / "big.jpg"
    Image.fromarray(rgb.astype(np.uint8)).save(path, quality=92)
    jobs = [_job((400, 300, 3600, 2100), (400, 225))]  # 8x: 1/8 would leave 1x; 1/4
    assert rendering.decode_reduction(jobs) == 4
    full = loading.open_full(path, max_pixels=10**8)
    small = loading.open_full(path, max_pixels=10**8, reduce=4)
    assert small.size == (1000, 750)
    a = np.asarray(decode(rendering.render_many(full, jobs)[0]), dtype=np.float64)
    b = np.asarray(decode(rendering.render_many(
        small, rendering.scale_jobs(jobs, full.size, small.size))[0]), dtype=np.float64)
    ideal = np.asarray(Image.fromarray(rgb.astype(np.uint8)).crop(jobs[0].box).resize(
        (400, 225), Image.Resampling.BOX), dtype=np.float64)

    def psnr(x, y):
        return 10 * np.log10(255 ** 2 / ((x - y) ** 2).mean())
    assert a.shape == b.shape == (225, 400, 3)
    assert psnr(a, b) > 32  # measured 34.6 dB: the same picture
    assert psnr(b, ideal) > psnr(a, ideal) - 0.5  # and no further from the exact area average


@pytest.mark.parametrize("mode, box, size", [
    ("RGB", (0, 37, 640, 397), (320, 180)),     # 2x: no reduce step
    ("RGB", (5, 0, 605, 480), (130, 104)),      # 4.6x: Pillow's reduce step first
    ("RGBA", (0, 0, 640, 480), (400, 300)),     # alpha premultiplied as in one piece
    ("RGB", (100, 100, 300, 450), (100, 129)),  # rows that do not split evenly
])
def test_a_resize_in_strips_gives_the_same_pixels(mode, box, size):
    """Up to float rounding of a strip's scale: at most 1 level, in few pixels."""
    import numpy as np

    rng = np.random.default_rng(3)
    img = Image.fromarray(rng.integers(0, 256, (480, 640, len(mode)), dtype=np.uint8), mode)
    whole = np.asarray(img.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=2.0),
                       np.int16)
    for threads in (2, 3):
        strips = rendering._resize_strips(img, box, size, threads)
        assert strips.size == size and strips.mode == mode
        diff = np.abs(np.asarray(strips, np.int16) - whole)
        assert diff.max() <= 1 and (diff > 0).mean() < 0.002, (threads, diff.max())


def test_one_rendition_is_resized_on_every_thread_it_is_given(monkeypatch):
    monkeypatch.setattr(resample, "lanczos", lambda *a, **k: None)  # Pillow's path (no libvips)
    img, used = Image.new("RGB", (800, 600), RED), []
    real = rendering._resize_strips
    monkeypatch.setattr(rendering, "_resize_strips",
                        lambda *a: used.append(a[-1]) or real(*a))
    [data] = rendering.render_many(img, [rendering.Job((0, 0, 800, 600), (400, 300), "png", 0)],
                                   threads=2)
    assert used == [2] and Image.open(io.BytesIO(data)).size == (400, 300)
    rendering.render_many(img, [rendering.Job((0, 0, 800, 600), (100, 75), "png", 0)], threads=2)
    assert used == [2]  # 75 rows: too few to split


def _noisy(size, seed=0):
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)


@pytest.mark.skipif(resample._pyvips() is None, reason="pyvips not installed")
def test_libvips_resample_matches_pillows_lanczos():
    img = _noisy((1200, 900))
    box, size = (100, 50, 1000, 850), (450, 400)
    ours = resample.lanczos(img, box, size)
    pillow = img.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=2.0)
    assert ours is not None and ours.size == size and ours.mode == "RGB"
    mse = np.mean((np.asarray(ours, np.float64) - np.asarray(pillow, np.float64)) ** 2)
    assert 10 * np.log10(255 ** 2 / mse) >= 40


def test_libvips_resample_leaves_what_it_cannot_match_to_pillow():
    img = _noisy((400, 300))
    assert resample.lanczos(img, (0.5, 0, 400, 300), (100, 75)) is None  # fractional box
    assert resample.lanczos(img.convert("RGBA"), (0, 0, 400, 300), (100, 75)) is None
    assert resample.lanczos(img, (0, 0, 100, 75), (200, 150)) is None  # an upscale


@pytest.mark.skipif(resample._pyvips() is None, reason="pyvips not installed")
def test_libvips_packs_each_source_once_for_as_long_as_it_lives():
    import gc

    img = _noisy((400, 300))
    before = len(resample._packed)
    for box in ((0, 0, 400, 300), (100, 0, 400, 300)):
        assert resample.lanczos(img, box, (100, 75)) is not None
    assert len(resample._packed) == before + 1
    del img
    gc.collect()
    assert len(resample._packed) == before


def test_a_huge_original_renders_without_the_packed_copy(monkeypatch):
    from renditions.engine.pyramid import Pyramid

    asked = []
    monkeypatch.setattr(resample, "lanczos", lambda *a, **k: asked.append(a) and None)
    img = _noisy((400, 300))
    rendering.resize(Pyramid(img, source_size=(8000, 6000)), (0, 0, 400, 300), (100, 75))
    assert asked == []  # 48 MP: Pillow, no second copy of the decode
    rendering.resize(Pyramid(img), (0, 0, 400, 300), (100, 75))
    rendering.resize(Pyramid(img), (1, 0, 397, 300), (99, 75))  # between the 1/2 level's px
    # asked for the level's box both times: a box between its px is not sent to the
    # whole decode (a copy of all of it for one box); Pillow resamples the level
    assert [a[0].size for a in asked] == [(200, 150), (200, 150)]
    assert asked[1][1] == (0.5, 0.0, 198.5, 150.0)


@pytest.mark.skipif(resample._pyvips() is None, reason="pyvips not installed")
def test_libvips_packs_only_the_region_the_renditions_read():
    from renditions.engine.pyramid import Pyramid

    img = _noisy((400, 300))
    source = Pyramid(img)
    source.expect([((100, 0, 300, 300), (150, 225))])  # 1.33x: read from the decode
    assert source.region(1) == (100, 0, 300, 300)
    ours = rendering.resize(source, (100, 0, 300, 300), (150, 225))
    packed, region = resample._packed[id(img)]
    assert (packed.width, packed.height, region) == (200, 300, (100, 0, 300, 300))
    alone = rendering.resize(Pyramid(img.copy()), (100, 0, 300, 300), (150, 225))
    assert np.array_equal(np.asarray(ours), np.asarray(alone))
    outside = rendering.resize(source, (0, 0, 300, 300), (225, 225))  # packed on its own
    assert outside.size == (225, 225) and resample._packed[id(img)][1] == region


@pytest.mark.skipif(resample._pyvips() is None, reason="pyvips not installed")
def test_libvips_unsharp_mask_is_pillows():
    img = _noisy((300, 200), seed=3)
    ours = resample.unsharp(img, 0.8, 40, 2)
    pillow = img.filter(ImageFilter.UnsharpMask(radius=0.8, percent=40, threshold=2))
    diff = np.abs(np.asarray(ours, np.int16) - np.asarray(pillow, np.int16))
    assert diff.max() <= 2 and (diff > 0).mean() < 0.2  # the blur rounds once, not 6 times
    assert not np.array_equal(np.asarray(ours), np.asarray(img))  # it did sharpen
    assert resample.unsharp(img.convert("L"), 0.8, 40, 2) is None  # Pillow's for other modes
