"""Shared fixtures: images made on the fly, default profiles, a live Celery worker."""
from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image


def make_photo(width: int = 1200, height: int = 800, *, fmt: str = "JPEG",
               subject: tuple[float, float] = (0.7, 0.4)) -> bytes:
    """A smooth background with one bright, textured subject at ``subject`` (normalised)."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([90 + 40 * xx / width, 110 + 30 * yy / height, 130 * np.ones_like(xx)], -1)
    cx, cy, r = subject[0] * width, subject[1] * height, min(width, height) * 0.12
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 < r ** 2
    checker = ((xx // 8 + yy // 8) % 2).astype(np.float32)
    base[inside] = np.stack([255 * checker, 40 + 0 * checker, 40 + 215 * (1 - checker)], -1)[inside]
    buf = io.BytesIO()
    Image.fromarray(base.clip(0, 255).astype(np.uint8)).save(buf, fmt, quality=90)
    return buf.getvalue()


@pytest.fixture
def photo_bytes() -> bytes:
    return make_photo()


@pytest.fixture(scope="session")
def services_required() -> bool:
    """In CI the real services must be there: a missing one fails, never skips."""
    return os.environ.get("CI", "").lower() in {"1", "true"}
