"""Print output: sizes in millimetres at a resolution, the resolution recorded
in the file, and CMYK for a press through an output ICC profile (LittleCMS,
through Pillow's ``ImageCms``).

Sizes: ``W`` mm at ``dpi`` dots per inch is ``round(W / 25.4 * dpi)`` px,
rounded half up (decimal arithmetic, so 12.7 mm at 1 dpi is 1 px, not 0).
Colour: the rendered image is sRGB (``loading.open_full``), tagged or not; a
``Press`` with an output profile converts it from the profile it carries (sRGB
when untagged) to the press's CMYK with a stated rendering intent, and embeds
the output profile. A wide-gamut original has been brought to sRGB on decode,
so colours outside sRGB are clipped before separation.
"""
from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from PIL import Image, ImageCms

from .colour import flatten, srgb_profile

MM_PER_INCH = Decimal("25.4")
#: Resolutions a print frame may ask for, dots per inch.
DPI_MIN, DPI_MAX = 72, 1200
#: Rendering intents by their URL names (ICC numbering).
INTENTS = {"perceptual": ImageCms.Intent.PERCEPTUAL,
           "relative": ImageCms.Intent.RELATIVE_COLORIMETRIC,
           "saturation": ImageCms.Intent.SATURATION,
           "absolute": ImageCms.Intent.ABSOLUTE_COLORIMETRIC}
#: Formats that carry CMYK and a resolution.
PRINT_FORMATS = ("jpeg", "tiff")


def parse_mm(text: str) -> Decimal:
    """A length in mm from a URL or form ("90", "90.5"): positive, at most two
    decimals, up to 10 m. ValueError names the problem."""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a length in millimetres.") from None
    if not value.is_finite() or value <= 0 or value > 10000 or value != round(value, 2):
        raise ValueError(f"A length is more than 0 and at most 10000 mm, to 0.01 mm; "
                         f"{text} is not.")
    return value


def mm_text(value: Decimal) -> str:
    """The canonical text of a length in mm: "90", "90.5" (what URLs and keys carry)."""
    return format(Decimal(value).normalize(), "f")


def check_dpi(dpi) -> int:
    """``dpi`` as a whole number in DPI_MIN..DPI_MAX; ValueError names the range."""
    text = str(dpi)
    if not text.isdigit() or not DPI_MIN <= int(text) <= DPI_MAX:
        raise ValueError(f"dpi is a whole number from {DPI_MIN} to {DPI_MAX}; {text!r} is not.")
    return int(text)


def mm_to_px(mm, dpi: int) -> int:
    """``mm`` millimetres at ``dpi`` in whole pixels (at least 1), rounded half up."""
    px = (Decimal(str(mm)) / MM_PER_INCH * dpi).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(1, int(px))


def print_size(width_mm, height_mm, dpi: int) -> tuple[int, int]:
    """The (w, h) px of a ``width_mm`` x ``height_mm`` print at ``dpi``."""
    return mm_to_px(width_mm, dpi), mm_to_px(height_mm, dpi)


def check_intent(name: str) -> str:
    if name not in INTENTS:
        raise ValueError(f"intent is one of {', '.join(INTENTS)}; {name!r} is not.")
    return name


def output_profile_check(data: bytes) -> str:
    """The description of an ICC output profile for CMYK, or ValueError saying why
    ``data`` is not one (unreadable, not an output profile, not CMYK, unusable)."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data))
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        raise ValueError("This file is not an ICC profile LittleCMS can read.") from None
    if profile.profile.device_class != "prtr":
        raise ValueError("This is not an output (printer) profile: its class is "
                         f"{profile.profile.device_class!r}, not 'prtr'.")
    if profile.profile.xcolor_space.strip() != "CMYK":
        raise ValueError("This output profile is not for CMYK: its colour space is "
                         f"{profile.profile.xcolor_space.strip()!r}.")
    try:
        _transform(srgb_profile(), data, "perceptual", False)
    except ImageCms.PyCMSError as exc:
        raise ValueError(f"LittleCMS cannot convert sRGB with this profile: {exc}.") from None
    return (profile.profile.profile_description or "").strip()


@dataclass(frozen=True)
class Press:
    """How a print file is made: ``dpi`` recorded in it (None: none), and with
    ``icc`` (an output profile's bytes) separated to CMYK with ``intent`` (a key
    of INTENTS) and black point compensation ``bpc``."""

    dpi: int | None = None
    icc: bytes | None = None
    intent: str = "perceptual"
    bpc: bool = True

    def changes(self) -> dict:
        """What changes the file, for content keys (the profile by its sha256)."""
        out = {"dpi": self.dpi} if self.dpi else {}
        if self.icc:
            out.update(icc=_sha256(self.icc), intent=self.intent, bpc=self.bpc)
        return out

    def apply(self, img: Image.Image, fmt: str, meta: dict) -> tuple[Image.Image, dict]:
        """The image to encode in ``fmt`` and its save options: ``meta`` (the
        metadata options of ``encoding.embedded``) with the resolution and the
        output profile."""
        meta = dict(meta)
        if self.icc:
            source = meta.get("icc_profile") or srgb_profile()
            transform = _transform(source, self.icc, self.intent, self.bpc)
            img = ImageCms.applyTransform(flatten(img), transform)
            meta["icc_profile"] = self.icc
        if self.dpi:
            meta["dpi"] = (self.dpi, self.dpi)
        return img, meta


@functools.lru_cache(maxsize=16)
def _transform(source: bytes, output: bytes, intent: str, bpc: bool):
    """A cached sRGB (or ``source`` profile) RGB -> ``output`` CMYK transform."""
    flags = ImageCms.Flags.BLACKPOINTCOMPENSATION if bpc else ImageCms.Flags.NONE
    return ImageCms.buildTransform(
        ImageCms.ImageCmsProfile(io.BytesIO(source)), ImageCms.ImageCmsProfile(io.BytesIO(output)),
        "RGB", "CMYK", renderingIntent=INTENTS[intent], flags=flags)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
