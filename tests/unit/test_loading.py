"""Loading: orientation, colour, odd modes, and files that must be refused."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from renditions.engine import colour, loading

from ._images import (BLUE, GREEN, RED, encoded, exif_block, png_header_only, quadrants,
                      swapped_icc)

LIMIT = 10_000_000


def close(pixel, expected, tol=6):
    return all(abs(int(a) - int(b)) <= tol for a, b in zip(pixel, expected))


def sideways_jpeg() -> bytes:
    """40x20 stored (left red, right blue) with Orientation 6 (turn 90 degrees CW)."""
    img = Image.new("RGB", (40, 20), RED)
    img.paste(BLUE, (20, 0, 40, 20))
    return encoded(img, "JPEG", quality=95, exif=exif_block(6, copyright="(c) Ada"))


def test_probe_reports_oriented_size_format_and_mode():
    info = loading.probe(io.BytesIO(sideways_jpeg()), max_pixels=LIMIT)
    assert info == loading.ImageInfo(width=20, height=40, format="JPEG", mode="RGB")


def test_open_full_rotates_pixels_and_drops_orientation_only():
    img = loading.open_full(io.BytesIO(sideways_jpeg()), max_pixels=LIMIT)
    assert img.size == (20, 40)
    assert close(img.getpixel((10, 5)), RED) and close(img.getpixel((10, 35)), BLUE)
    exif = Image.Exif()
    exif.load(img.info["exif"])
    assert 0x0112 not in exif and exif[0x8298] == "(c) Ada"


def test_open_for_analysis_is_small_oriented_rgb_with_full_size():
    big = Image.new("RGB", (3000, 1000), RED)
    data = encoded(big, "JPEG", exif=exif_block(8))
    small, full = loading.open_for_analysis(io.BytesIO(data), longest=256, max_pixels=LIMIT)
    assert full == (1000, 3000)
    assert small.mode == "RGB" and max(small.size) == 256
    assert abs(small.width / small.height - 1 / 3) < 0.01


def test_small_images_are_not_upscaled_for_analysis():
    small, full = loading.open_for_analysis(io.BytesIO(encoded(quadrants(), "PNG")),
                                            max_pixels=LIMIT)
    assert small.size == full == (40, 40)


def test_file_objects_are_rewound():
    fp = io.BytesIO(encoded(quadrants(), "PNG"))
    fp.seek(17)
    assert loading.probe(fp, max_pixels=LIMIT).width == 40
    assert loading.open_full(fp, max_pixels=LIMIT).size == (40, 40)


def test_paths_work(tmp_path):
    path = tmp_path / "q.png"
    quadrants().save(path)
    assert loading.probe(path, max_pixels=LIMIT).format == "PNG"
    assert loading.open_full(str(path), max_pixels=LIMIT).getpixel((30, 5)) == GREEN


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # red ink
    img = loading.open_full(io.BytesIO(encoded(cmyk, "JPEG", quality=95)), max_pixels=LIMIT)
    assert img.mode == "RGB" and close(img.getpixel((8, 8)), RED, tol=8)


def test_icc_profile_is_converted_to_srgb_and_tagged():
    tagged = encoded(Image.new("RGB", (8, 8), RED), "PNG", icc_profile=swapped_icc())
    img = loading.open_full(io.BytesIO(tagged), max_pixels=LIMIT)
    assert img.getpixel((0, 0)) == GREEN  # the profile's "red" primary is sRGB green
    assert img.info["icc_profile"] == colour.srgb_profile()


def test_untagged_images_stay_untagged():
    img = loading.open_full(io.BytesIO(encoded(quadrants(), "PNG")), max_pixels=LIMIT)
    assert "icc_profile" not in img.info


def test_16_bit_grey_png_is_scaled_to_8_bits():
    arr = np.array([[0, 128 * 257, 65535]], dtype=np.uint16)
    src = Image.fromarray(arr)
    assert src.mode == "I;16"
    img = loading.open_full(io.BytesIO(encoded(src, "PNG")), max_pixels=LIMIT)
    assert img.mode == "RGB"
    assert [img.getpixel((x, 0)) for x in range(3)] == [(0, 0, 0), (128,) * 3, (255,) * 3]


def test_rgba_png_keeps_alpha_for_rendering_and_flattens_for_analysis():
    src = Image.new("RGBA", (10, 10), (0, 0, 255, 0))
    src.paste((255, 0, 0, 255), (0, 0, 5, 10))
    data = encoded(src, "PNG")
    full = loading.open_full(io.BytesIO(data), max_pixels=LIMIT)
    assert full.mode == "RGBA" and full.getpixel((2, 2)) == (255, 0, 0, 255)
    assert full.getpixel((7, 2))[3] == 0
    small, _ = loading.open_for_analysis(io.BytesIO(data), max_pixels=LIMIT)
    assert small.getpixel((2, 2)) == RED and small.getpixel((7, 2)) == (255, 255, 255)


def test_grey_alpha_png_becomes_rgba():
    src = Image.new("LA", (4, 4), (100, 200))
    img = loading.open_full(io.BytesIO(encoded(src, "PNG")), max_pixels=LIMIT)
    assert img.mode == "RGBA" and img.getpixel((0, 0)) == (100, 100, 100, 200)


def test_palette_gif_first_frame():
    frames = [Image.new("RGB", (12, 12), c).convert("P") for c in (RED, BLUE)]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    img = loading.open_full(io.BytesIO(data), max_pixels=LIMIT)
    assert img.mode == "RGB" and img.getpixel((5, 5)) == RED


def test_transparent_palette_png_becomes_rgba():
    src = Image.new("P", (4, 4), 1)
    src.putpalette([0, 0, 0, 255, 0, 0])
    data = encoded(src, "PNG", transparency=1)
    img = loading.open_full(io.BytesIO(data), max_pixels=LIMIT)
    assert img.mode == "RGBA" and img.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("fmt", ["WEBP", "AVIF", "TIFF", "BMP"])
def test_other_formats_open(fmt):
    data = encoded(quadrants(), fmt)
    info = loading.probe(io.BytesIO(data), max_pixels=LIMIT)
    assert (info.width, info.height, info.format) == (40, 40, fmt)
    assert loading.open_full(io.BytesIO(data), max_pixels=LIMIT).size == (40, 40)


def test_truncated_jpeg_is_refused_by_every_entry_point():
    rng = np.random.default_rng(1)
    noisy = Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8))
    data = encoded(noisy, "JPEG", quality=90)
    cut = io.BytesIO(data[: len(data) // 2])
    for call in (loading.probe, loading.open_full, loading.open_for_analysis):
        with pytest.raises(loading.ImageError, match="truncated or corrupt"):
            call(cut, max_pixels=LIMIT)


@pytest.mark.parametrize("data", [
    np.random.default_rng(2).bytes(5000),
    b"",
    b"%PDF-1.4 not an image",
])
def test_not_an_image(data):
    with pytest.raises(loading.ImageError, match="not an image"):
        loading.probe(io.BytesIO(data), max_pixels=LIMIT)


def test_formats_outside_the_allow_list_are_refused():
    with pytest.raises(loading.ImageError, match="supported format"):
        loading.probe(io.BytesIO(encoded(quadrants(), "PPM")), max_pixels=LIMIT)


def test_pixel_limit():
    data = encoded(Image.new("RGB", (1000, 1000)), "PNG")
    with pytest.raises(loading.ImageError, match="1000x1000 pixels .* over the limit"):
        loading.open_full(io.BytesIO(data), max_pixels=999_999)
    assert loading.probe(io.BytesIO(data), max_pixels=1_000_000).width == 1000


def test_decompression_bomb_header_is_refused_before_decoding():
    bomb = io.BytesIO(png_header_only(60_000, 60_000))
    with pytest.raises(loading.ImageError, match="limit"):
        loading.probe(bomb, max_pixels=LIMIT)
    # Pillow's own guard, mapped to a message that says how big the image is
    with pytest.raises(loading.ImageError, match=r"\(3,600,000,000 pixels\) is over the limit"):
        loading.open_full(bomb, max_pixels=10 ** 10)


def test_missing_file(tmp_path):
    with pytest.raises(loading.ImageError, match="cannot read the file"):
        loading.probe(tmp_path / "nope.jpg", max_pixels=LIMIT)


def test_error_messages_are_one_sentence():
    with pytest.raises(loading.ImageError) as err:
        loading.probe(io.BytesIO(b"junk"), max_pixels=LIMIT)
    assert "\n" not in str(err.value) and isinstance(err.value, ValueError)


def test_heif_opens_when_the_plugin_is_installed():
    pytest.importorskip("pillow_heif", reason="HEIF support is the optional pillow-heif plugin")
    data = encoded(quadrants(64), "HEIF", quality=90)
    info = loading.probe(io.BytesIO(data), max_pixels=LIMIT)
    assert (info.width, info.height, info.format) == (64, 64, "HEIF")
    img = loading.open_full(io.BytesIO(data), max_pixels=LIMIT)
    assert close(img.getpixel((5, 5)), RED) and close(img.getpixel((60, 5)), GREEN)


# -- the upload check reads headers and structure, never pixels ---------------------------

def noisy(size=(120, 90), seed=3) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))


WHOLE = {  # format -> a complete file of noise (so the pixel data is most of it)
    "JPEG": lambda: encoded(noisy(), "JPEG", quality=90, exif=exif_block(6)),
    "PNG": lambda: encoded(noisy(), "PNG"),
    "GIF": lambda: encoded(noisy(), "GIF"),
    "TIFF": lambda: encoded(noisy(), "TIFF"),
    "BMP": lambda: encoded(noisy(), "BMP"),
    "AVIF": lambda: encoded(noisy(), "AVIF"),
    "WEBP": lambda: encoded(noisy(), "WEBP"),
}


@pytest.mark.parametrize("fmt", sorted(WHOLE))
def test_probe_never_decodes_pixels(fmt, monkeypatch):
    from PIL import ImageFile

    decoded = []

    def no_decoding(self, *args):
        decoded.append(self.format)  # recorded: probe may swallow the error below
        raise AssertionError("probe decoded the pixels")

    data = WHOLE[fmt]()
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    assert loading.probe(io.BytesIO(data), max_pixels=LIMIT).format == fmt
    assert decoded == []


@pytest.mark.parametrize("fmt", sorted(WHOLE))
@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_probe_refuses_a_file_cut_in_its_pixel_data(fmt, keep):
    data = WHOLE[fmt]()
    with pytest.raises(loading.ImageError, match="truncated|unreadable|not an image") as err:
        loading.probe(io.BytesIO(data[: int(len(data) * keep)]), max_pixels=LIMIT)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("fmt", sorted(WHOLE))
def test_probe_accepts_trailing_data(fmt):
    """Data after the image (a camera trailer, a ZIP polyglot's archive) is not damage."""
    data = WHOLE[fmt]() + b"PK\x03\x04" + bytes(range(256)) * 8
    assert loading.probe(io.BytesIO(data), max_pixels=LIMIT).format == fmt
    assert loading.open_full(io.BytesIO(data), max_pixels=LIMIT).size[0] in (90, 120)


def test_jpeg_cut_after_its_exif_thumbnail_is_refused():
    """The EXIF thumbnail has its own end marker; only the main image's counts."""
    thumb = encoded(Image.new("RGB", (16, 12), RED), "JPEG")
    exif = exif_block(1)
    exif.get_ifd(0x8769)  # an Exif IFD, as cameras write
    data = encoded(noisy((400, 300)), "JPEG", quality=90, exif=_with_thumbnail(exif, thumb))
    assert data.count(b"\xff\xd9") >= 2  # the thumbnail's EOI is in there
    assert loading.probe(io.BytesIO(data), max_pixels=LIMIT).width == 400
    with pytest.raises(loading.ImageError, match="no end marker"):
        loading.probe(io.BytesIO(data[: len(data) * 3 // 4]), max_pixels=LIMIT)


def _with_thumbnail(exif: Image.Exif, thumb: bytes) -> bytes:
    """EXIF bytes with IFD1 pointing at ``thumb`` (JPEGInterchangeFormat)."""
    raw = exif.tobytes()  # b"Exif\0\0" + TIFF header + IFD0 (+ sub-IFDs)
    tiff = bytearray(raw[6:])
    ifd1_at = len(tiff)
    entries = [(0x0201, 4, 1, ifd1_at + 2 + 2 * 12 + 4), (0x0202, 4, 1, len(thumb))]
    ifd1 = len(entries).to_bytes(2, "little")
    for tag, kind, count, value in entries:
        ifd1 += tag.to_bytes(2, "little") + kind.to_bytes(2, "little")
        ifd1 += count.to_bytes(4, "little") + value.to_bytes(4, "little")
    ifd1 += bytes(4)
    # IFD0's "next IFD" offset is the 4 bytes after its entries
    ifd0_at = int.from_bytes(tiff[4:8], "little")
    count = int.from_bytes(tiff[ifd0_at:ifd0_at + 2], "little")
    next_at = ifd0_at + 2 + 12 * count
    tiff[next_at:next_at + 4] = ifd1_at.to_bytes(4, "little")
    return b"Exif\x00\x00" + bytes(tiff) + ifd1 + thumb


def test_gif_without_its_trailer_and_png_without_iend_crc_still_pass():
    gif, png = WHOLE["GIF"](), WHOLE["PNG"]()
    assert gif.endswith(b"\x00;") and png.endswith(b"IEND\xaeB`\x82")
    for data in (gif[:-2], png[:-4]):  # Pillow decodes both
        assert loading.probe(io.BytesIO(data), max_pixels=LIMIT).width == 120
        assert loading.open_full(io.BytesIO(data), max_pixels=LIMIT).width == 120


def test_png_exif_after_the_pixels_sets_the_orientation_without_decoding():
    """eXIf may follow IDAT; Pillow's own getexif would decode the image to find it."""
    data = _move_chunk_to_end(encoded(noisy((40, 20)), "PNG", exif=exif_block(6)), b"eXIf")
    assert data.index(b"eXIf") > data.index(b"IDAT")
    assert loading.probe(io.BytesIO(data), max_pixels=LIMIT).width == 20
    assert loading.open_full(io.BytesIO(data), max_pixels=LIMIT).size == (20, 40)


def _move_chunk_to_end(png: bytes, kind: bytes) -> bytes:
    """The PNG with chunk ``kind`` moved to just before IEND."""
    start = png.index(kind) - 4
    length = int.from_bytes(png[start:start + 4], "big")
    chunk = png[start:start + 12 + length]
    rest = png[:start] + png[start + 12 + length:]
    iend = rest.index(b"IEND") - 4
    return rest[:iend] + chunk + rest[iend:]


@pytest.mark.parametrize("size, floor, expected", [
    ((4000, 3000), 480, (500, 375)),  # 1/8 DCT scale, no resize
    ((4001, 3001), 480, (501, 376)),  # rounded up, as libjpeg does
    ((1920, 1080), 480, (480, 270)),
    ((3000, 4000), 480, (375, 500)),
    ((800, 600), 480, (640, 480)),  # halving would go under the floor: fitted
    ((300, 200), 480, (300, 200)),  # never upscaled
    ((4000, 3000), None, (640, 480)),  # no floor: fitted to longest
])
def test_analysis_size_halves_down_to_the_floor_then_fits(size, floor, expected):
    assert loading.analysis_size(size, 640, floor) == expected


def test_open_for_analysis_with_a_floor_takes_the_coarser_dct_scale(monkeypatch):
    data = encoded(Image.new("RGB", (2000, 1500), RED), "JPEG", exif=exif_block(6))
    resized = []
    real = Image.Image.resize
    monkeypatch.setattr(Image.Image, "resize", lambda im, *a, **k: resized.append(a)
                        or real(im, *a, **k))
    small, full = loading.open_for_analysis(io.BytesIO(data), longest=640, floor=480,
                                            max_pixels=LIMIT)
    assert full == (1500, 2000) and small.size == (375, 500)  # 1/4, turned
    assert resized == []  # the decode alone made it
    small, _ = loading.open_for_analysis(io.BytesIO(data), longest=640, max_pixels=LIMIT)
    assert small.size == (480, 640)
