"""Pixels to 8-bit sRGB: modes reduced, ICC profiles converted, alpha flattened.

``loading`` normalises every decoded image through ``eight_bit`` and
``to_srgb``; renders flatten alpha where a format has none (``flatten``).
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageCms

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_SRGB_BYTES = _SRGB.tobytes()


def flatten(im: Image.Image, colour=(255, 255, 255)) -> Image.Image:
    """Return ``im`` as RGB, composing any alpha over ``colour``."""
    if im.mode == "RGB":
        return im
    if im.mode != "RGBA":
        return im.convert("RGB")
    base = Image.new("RGB", im.size, colour)
    base.paste(im, mask=im.getchannel("A"))
    base.info = dict(im.info)
    return base


def srgb_profile() -> bytes:
    """Return the ICC profile bytes embedded in converted images."""
    return _SRGB_BYTES


def eight_bit(im: Image.Image) -> Image.Image | None:
    """Reduce palette, bilevel, 16/32-bit and float modes to L, RGB or RGBA;
    None for a mode Pillow cannot convert."""
    if im.mode in ("RGB", "RGBA", "L", "CMYK"):
        return im
    if im.mode in ("P", "PA"):
        return im.convert("RGBA" if _has_alpha(im) else "RGB")
    if im.mode in ("LA", "La", "RGBa"):
        return im.convert("RGBA")
    if im.mode == "1":
        return im.convert("L")
    if im.mode.startswith(("I", "F")):
        return Image.fromarray(_to_uint8(np.asarray(im)), "L")
    try:
        return im.convert("RGB")
    except ValueError:
        return None


def _has_alpha(im: Image.Image) -> bool:
    return im.mode == "PA" or "transparency" in im.info


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    """Scale a 16-bit, 32-bit or float grey array to 0..255 uint8."""
    arr = arr.astype(np.float32)
    top = float(arr.max()) if arr.size else 0.0
    if top <= 1.0:
        arr = arr * 255.0
    elif top > 255.0:
        arr = arr / 257.0  # 16-bit range; Pillow stores 16-bit grey as I;16 or I
    return np.clip(arr + 0.5, 0, 255).astype(np.uint8)


def to_srgb(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bool]:
    """Convert L/RGB/RGBA/CMYK ``im`` to sRGB; return it and whether ICC was used."""
    alpha = im.getchannel("A") if im.mode == "RGBA" else None
    base = im.convert("RGB") if im.mode == "RGBA" else im
    converted = _icc_convert(base, icc) if icc else None
    if converted is None:
        converted = base if base.mode == "RGB" else base.convert("RGB")
    if alpha is not None:
        converted.putalpha(alpha)
    return converted, icc is not None


def _icc_convert(im: Image.Image, icc: bytes) -> Image.Image | None:
    """LittleCMS conversion to sRGB; None when the profile is sRGB or unusable."""
    if im.mode == "L":
        return None  # grey profiles: gamma 2.2 vs sRGB differ by <1%; not worth it
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(src).lower().replace(" ", ""):
            return None
        return ImageCms.profileToProfile(
            im, src, _SRGB, renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None
