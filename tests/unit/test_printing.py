"""Print output (renditions.engine.printing): mm -> px, dpi in the file, CMYK."""
from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from PIL import Image, ImageCms

from renditions.engine import printing, rendering
from renditions.engine.metadata_out import PublicMetadata
from tests._icc import cmyk_profile

exiftool = pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool not installed")


@pytest.mark.parametrize("w_mm, h_mm, dpi, size", [
    ("90", "60", 300, (1063, 709)),        # 1062.99, 708.66
    ("90.5", "60", 300, (1069, 709)),      # 1068.90
    ("210", "297", 300, (2480, 3508)),     # A4
    ("25.4", "12.7", 72, (72, 36)),
    ("12.7", "12.7", 1, (1, 1)),           # 0.5 rounds half up, never to 0
    ("100", "50.25", 150, (591, 297)),     # 590.55, 296.75
])
def test_millimetres_at_a_resolution_are_exact_pixels(w_mm, h_mm, dpi, size):
    assert printing.print_size(printing.parse_mm(w_mm), printing.parse_mm(h_mm), dpi) == size


@pytest.mark.parametrize("text", ["0", "-5", "abc", "1.005", "nan", "inf", "10001", ""])
def test_a_bad_length_is_refused_with_a_reason(text):
    with pytest.raises(ValueError, match="mm|millimetres"):
        printing.parse_mm(text)


@pytest.mark.parametrize("text, canonical", [("90", "90"), ("90.50", "90.5"), ("90.0", "90"),
                                             ("100", "100"), ("0.25", "0.25")])
def test_lengths_have_one_canonical_text(text, canonical):
    assert printing.mm_text(printing.parse_mm(text)) == canonical


@pytest.mark.parametrize("dpi", ["71", "1201", "300.5", "-300", "x", ""])
def test_a_resolution_outside_the_range_is_refused(dpi):
    with pytest.raises(ValueError, match="dpi is a whole number from 72 to 1200"):
        printing.check_dpi(dpi)


def test_the_test_profile_is_a_cmyk_output_profile():
    assert printing.output_profile_check(cmyk_profile()) == "Salient test press (CMYK)"


@pytest.mark.parametrize("data, reason", [
    (b"not a profile", "not an ICC profile"),
    (ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(), "not an output"),
])
def test_other_files_are_not_output_profiles(data, reason):
    with pytest.raises(ValueError, match=reason):
        printing.output_profile_check(data)


def _colours() -> Image.Image:
    img = Image.new("RGB", (40, 10))
    for i, colour in enumerate([(255, 255, 255), (0, 0, 0), (255, 0, 0), (128, 128, 128)]):
        img.paste(colour, (i * 10, 0, i * 10 + 10, 10))
    return img


def _render(fmt: str, press: printing.Press, img: Image.Image | None = None,
            metadata: PublicMetadata | None = None) -> bytes:
    img = img or _colours()
    return rendering.render(img, (0, 0, *img.size), img.size, fmt=fmt, quality=95, press=press,
                            metadata=metadata)


@pytest.mark.parametrize("fmt", printing.PRINT_FORMATS)
def test_the_resolution_is_recorded_in_the_file(fmt):
    out = Image.open(io.BytesIO(_render(fmt, printing.Press(dpi=300))))
    assert out.mode == "RGB"
    assert tuple(round(v) for v in out.info["dpi"]) == (300, 300)


@pytest.mark.parametrize("fmt", printing.PRINT_FORMATS)
@pytest.mark.parametrize("intent", list(printing.INTENTS))
def test_cmyk_through_the_output_profile_with_it_embedded(fmt, intent):
    press = printing.Press(dpi=300, icc=cmyk_profile(), intent=intent)
    out = Image.open(io.BytesIO(_render(fmt, press)))
    assert out.mode == "CMYK"
    assert out.info["icc_profile"] == cmyk_profile()
    white, black, red, grey = (out.getpixel((x, 5)) for x in (5, 15, 25, 35))
    assert max(white) <= 3                                 # paper: no ink
    assert black[3] >= 250 and max(black[:3]) <= 10        # black: K alone
    assert red[0] <= 10 and min(red[1:3]) >= 220           # red: magenta + yellow
    assert max(grey[:3]) <= 10 and 100 <= grey[3] <= 150   # mid grey: half K


def test_a_tagged_image_converts_from_its_own_profile():
    """An image tagged with another profile (here: the press itself, as RGB would
    not do) is read through it: a plain sRGB white tagged sRGB gives no ink."""
    img = _colours()
    img.info["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = Image.open(io.BytesIO(_render("jpeg", printing.Press(icc=cmyk_profile()), img)))
    assert max(out.getpixel((5, 5))) <= 3


def test_black_point_compensation_is_part_of_the_key():
    a = printing.Press(dpi=300, icc=cmyk_profile())
    b = printing.Press(dpi=300, icc=cmyk_profile(), bpc=False)
    assert a.changes() != b.changes()
    assert printing.Press(dpi=300).changes() == {"dpi": 300}
    assert printing.Press().changes() == {}


def test_alpha_is_flattened_on_white_before_separation():
    img = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    out = Image.open(io.BytesIO(_render("tiff", printing.Press(icc=cmyk_profile()), img)))
    assert out.mode == "CMYK" and max(out.getpixel((5, 5))) <= 3


@exiftool
@pytest.mark.parametrize("fmt", printing.PRINT_FORMATS)
def test_exiftool_reads_resolution_profile_and_xmp(tmp_path, fmt):
    metadata = PublicMetadata(creator="Ada", copyright="(c) Ada")
    path = tmp_path / f"print.{fmt}"
    path.write_bytes(_render(fmt, printing.Press(dpi=300, icc=cmyk_profile()),
                             metadata=metadata))
    tags = subprocess.run(["exiftool", "-s", "-XResolution", "-YResolution", "-ResolutionUnit",
                           "-ProfileClass", "-ColorSpaceData", "-ProfileDescription",
                           "-XMP-dc:Creator", str(path)],
                          capture_output=True, text=True, check=True).stdout
    found = dict(line.split(":", 1) for line in tags.strip().splitlines())
    found = {k.strip(): v.strip() for k, v in found.items()}
    assert found["XResolution"] == found["YResolution"] == "300"
    assert found["ResolutionUnit"] == "inches"
    assert found["ProfileClass"] == "Output Device Profile"
    assert found["ColorSpaceData"] == "CMYK"
    assert found["ProfileDescription"] == "Salient test press (CMYK)"
    assert found["Creator"] == "Ada"


def test_tiff_is_lzw_compressed():
    out = Image.open(io.BytesIO(_render("tiff", printing.Press(dpi=300))))
    assert out.info["compression"] == "tiff_lzw"


def test_the_decimal_maths_matches_the_formula():
    for mm in ("90", "90.5", "33.33", "148"):
        for dpi in (72, 150, 300, 600, 1200):
            exact = Decimal(mm) / Decimal("25.4") * dpi
            assert abs(printing.mm_to_px(Decimal(mm), dpi) - exact) <= Decimal("0.5")
