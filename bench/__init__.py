"""Salient's benchmarks: crop quality against human fixations, and speed.

``python -m bench`` (``make bench``) runs both; see ``bench/__main__.py`` for
the options. Results are printed as markdown and written to
``artifacts/bench/`` (git-ignored). The material they measure on lives in
``../shared`` (OSIE photos and fixations, the teacher model); without it the
benchmarks run on generated images and say so.

This module holds what both benchmarks share: paths, the default profiles,
generated photos and markdown output. Boxes are ``(x0, y0, x1, y1)`` in px of
the oriented image, x1/y1 exclusive, as everywhere in the engine.
"""
from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
ARTIFACTS = ROOT / "artifacts" / "bench"

#: The crop-quality aspects, as (a, b) for a:b.
ASPECTS = ((1, 1), (16, 9), (9, 16), (4, 5), (3, 1))


def osie_dir(shared: Path = SHARED) -> Path:
    return shared / "data" / "osie"


def teacher_model(shared: Path = SHARED) -> Path:
    return shared / "models" / "teacher" / "fastgaze.onnx"


def has_osie(shared: Path = SHARED) -> bool:
    return (osie_dir(shared) / "fixations.json").is_file()


def default_profiles() -> list[tuple]:
    """The app's default rendition profiles (slug, name, aspect, exact, max_width, fmt, q).

    Read from the app's migration data, which imports no Django, so the
    benchmark renders exactly what a fresh install renders.
    """
    from renditions.migrations._defaults import DEFAULT_PROFILES

    return list(DEFAULT_PROFILES)


def aspect_label(aspect: tuple[int, int]) -> str:
    return f"{aspect[0]}:{aspect[1]}"


def synthetic_photo(width: int, height: int, *, seed: int = 0,
                    subject: tuple[float, float] | None = None,
                    grain: float = 6.0) -> tuple[Image.Image, tuple[float, float, float]]:
    """A photo-like RGB image with one textured, saturated subject.

    Background: smooth colour gradients plus low-contrast blotches and grain
    (``grain`` = noise sigma in 0-255 levels). Subject: a disc with a
    high-contrast checker. Returns the image and the subject (cx, cy, r) in px.
    ``subject`` is its centre, normalised 0-1 (random from ``seed`` if None).
    """
    rng = np.random.default_rng(seed)
    if subject is None:
        subject = tuple(rng.uniform(0.1, 0.9, 2))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = xx / width, yy / height
    tint = rng.uniform(60, 160, (3, 3))
    base = np.stack([tint[i, 0] + tint[i, 1] * 0.4 * u + tint[i, 2] * 0.3 * v
                     for i in range(3)], -1)
    blotch = np.asarray(Image.fromarray(rng.uniform(0, 255, (6, 8)).astype(np.uint8))
                        .resize((width, height), Image.Resampling.BICUBIC), np.float32)
    base += (blotch[..., None] - 128) * 0.15
    cx, cy, r = subject[0] * width, subject[1] * height, min(width, height) * 0.09
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 < r ** 2
    cell = max(2, int(r / 6))
    checker = ((xx // cell + yy // cell) % 2).astype(np.float32)
    colour = np.stack([230 * checker + 20, 30 + 0 * checker, 230 * (1 - checker) + 20], -1)
    base[inside] = colour[inside]
    base += rng.normal(0, grain, base.shape).astype(np.float32)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    return img, (cx, cy, r)


def subject_points(subject: tuple[float, float, float], n: int, *, seed: int,
                   size: tuple[int, int]) -> np.ndarray:
    """``n`` stand-in fixations on a disc subject: (n, 2) int px (x, y), 0-based."""
    cx, cy, r = subject
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = r * np.sqrt(rng.uniform(0, 1, n)) * 0.95
    pts = np.stack([cx + radius * np.cos(angle), cy + radius * np.sin(angle)], 1)
    return np.clip(np.floor(pts), 0, np.array(size) - 1).astype(np.int64)


def markdown_table(header: list[str], rows: list[list]) -> str:
    """A GitHub markdown table; the first column left-aligned, the rest right."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_line() -> str:
    """One line on where the figures came from."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return (f"{platform.machine()} {platform.processor() or ''}, {cores} CPU cores usable, "
            f"load average {load}, Python {platform.python_version()}")


def write_report(name: str, text: str, out_dir: Path | None = None) -> Path:
    """Write ``text`` to ``<out_dir>/<name>`` (default ``artifacts/bench``)."""
    out_dir = Path(out_dir) if out_dir else ARTIFACTS
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    path.write_text(text + "\n")
    return path
