"""Synthetic test images, built in memory: no fixtures on disk, no ../shared."""
from __future__ import annotations

import functools
import io
import os
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from renditions.engine import pipeline
from renditions.engine.geometry import PxBox

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TEACHER = SHARED / "models" / "teacher" / "fastgaze.onnx"
OSIE_IMAGES = SHARED / "data" / "osie" / "images"

#: CI=1 (the convention of tests/conftest.py's ``services_required``): what the
#: product ships or depends on must be there, so a missing one fails, never skips.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true"}

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def quadrants(size: int = 40, colours=(RED, GREEN, BLUE, WHITE), mode="RGB") -> Image.Image:
    """A size x size image: top-left, top-right, bottom-left, bottom-right colours."""
    half = size // 2
    img = Image.new(mode, (size, size))
    for (x, y), colour in zip([(0, 0), (half, 0), (0, half), (half, half)], colours):
        img.paste(colour, (x, y, x + half, y + half))
    return img


def encoded(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **params)
    return buf.getvalue()


def exif_block(orientation: int | None = None, **tags) -> Image.Exif:
    """EXIF with an orientation and any of: copyright, artist, make, gps."""
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    names = {"copyright": 0x8298, "artist": 0x013B, "make": 0x010F}
    for name, value in tags.items():
        if name == "gps":
            exif.get_ifd(0x8825)[2] = value  # GPSLatitude
        else:
            exif[names[name]] = value
    return exif


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height px (no pixel data): a bomb probe."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


# sRGB primaries adapted to D50, as LittleCMS builds them (XYZ, PCS).
_SRGB_D50 = {"r": (0.4361, 0.2225, 0.0139), "g": (0.3851, 0.7169, 0.0971),
             "b": (0.1431, 0.0606, 0.7141)}


def swapped_icc() -> bytes:
    """An ICC v2 RGB profile whose red and green primaries are swapped.

    Pure red pixels tagged with it are green in sRGB: a visible, exact check
    that a profile was applied. Matrix/TRC profile, gamma 2.2, D50 white.
    """
    primaries = {"rXYZ": _SRGB_D50["g"], "gXYZ": _SRGB_D50["r"], "bXYZ": _SRGB_D50["b"]}
    tags = [(b"desc", _desc(b"swapped red-green")), (b"wtpt", _xyz((0.9642, 1.0, 0.8249))),
            (b"cprt", b"text" + bytes(4) + b"public domain\x00")]
    tags += [(name.encode(), _xyz(v)) for name, v in primaries.items()]
    tags += [(c.encode() + b"TRC", b"curv" + bytes(4) + struct.pack(">IH", 1, 0x0233) + bytes(2))
             for c in "rgb"]
    return _icc(tags)


def _icc(tags) -> bytes:
    table, data = b"", b""
    offset = 128 + 4 + 12 * len(tags)
    for sig, payload in tags:
        payload += bytes(-len(payload) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(payload))
        data += payload
    size = offset + len(data)
    header = struct.pack(">I4sI4s4s4s", size, b"lcms", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += bytes(12) + b"acsp" + bytes(4 * 4 + 8) + struct.pack(">I", 0)
    header += _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"lcms" + bytes(16 + 28)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def _xyz(v) -> bytes:
    return b"XYZ " + bytes(4) + b"".join(_s15(c) for c in v)


def _s15(x: float) -> bytes:
    return struct.pack(">i", round(x * 65536))


def _desc(text: bytes) -> bytes:
    ascii_part = text + b"\x00"
    return (b"desc" + bytes(4) + struct.pack(">I", len(ascii_part)) + ascii_part
            + bytes(8) + bytes(3) + bytes(67))


def blob_map(shape=(96, 128), centres=((0.5, 0.5),), sigma=0.05, weights=None) -> np.ndarray:
    """A saliency map (sums to 1) with Gaussian blobs at normalised (x, y) centres."""
    rows, cols = shape
    y, x = np.mgrid[0:rows, 0:cols]
    out = np.zeros(shape)
    for i, (cx, cy) in enumerate(centres):
        weight = 1.0 if weights is None else weights[i]
        out += weight * np.exp(-(((x + 0.5) / cols - cx) ** 2 + ((y + 0.5) / rows - cy) ** 2)
                               / (2 * sigma ** 2))
    return (out / out.sum()).astype(np.float32)


def map_analysis(saliency_map: np.ndarray, size, faces=(), *,
                 model_version: str | None = None) -> pipeline.ImageAnalysis:
    """The engine's analysis of a synthetic ``saliency_map`` for a source of ``size``
    (W, H) px with ``faces`` (boxes in px), for ``pipeline.Planner`` to plan on.

    ``model_version`` None is the shipped model's map, as ``planning.build_field``
    reads it, so the shipped calibration scores the plans as it does the worker's.
    """
    analysis = pipeline.ImageAnalysis.of_map(saliency_map, size)
    return replace(analysis, faces=tuple(PxBox(*face) for face in faces),
                   model_version=model_version)


def photo_like(size=(320, 240), seed=0) -> Image.Image:
    """Smooth noise with a bright disc: a stand-in for a photo with a subject."""
    rng = np.random.default_rng(seed)
    small = rng.integers(60, 140, (6, 8, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)
    arr = np.asarray(img).copy()
    y, x = np.mgrid[0:size[1], 0:size[0]]
    disc = (x - size[0] * 0.7) ** 2 + (y - size[1] * 0.35) ** 2 < (size[1] * 0.08) ** 2
    arr[disc] = (250, 40, 40)
    return Image.fromarray(arr)


def required(present: bool, reason: str):
    """Decorator for a test that needs something the product ships or depends on.

    When ``present`` is false the test skips with ``reason`` locally and fails
    with it under CI=1. Not for optional things (../shared, the train extra):
    those skip with ``pytest.mark.skipif`` everywhere.
    """
    if present:
        return lambda test: test
    if not IN_CI:
        return pytest.mark.skip(reason=reason)

    def failing(test):
        @functools.wraps(test)  # keeps the signature, so fixtures and parametrize still apply
        def fail(*args, **kwargs):
            pytest.fail(f"{reason} (CI=1: required, so this fails instead of skipping)")
        return fail
    return failing
