"""Where the data lives, the fixed split, and fixation ground truth.

Pixel coordinates are 0-based in the source photo (OSIE: 800x600) unless a
docstring says otherwise; OSIE's file stores 1-based coordinates.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from training import metrics

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SALIENT_SHARED", REPO.parent / "shared"))
OSIE = SHARED / "data" / "osie"
SCENE = SHARED / "data" / "scene" / "images"
TEACHER = SHARED / "models" / "teacher" / "fastgaze.onnx"

# The fixed OSIE split. Training reads fixations of TRAIN_FIX only; HOLDOUT
# (part of the official train split) selects checkpoints; VALIDATION is read
# once, by evaluate.py.
TRAIN_FIX = range(1001, 1501)
HOLDOUT = range(1501, 1551)
VALIDATION = range(1551, 1701)

GT_SIZE = (200, 150)      # (w, h): maps compared at 1/4 of OSIE's 800x600
GT_SIGMA_800 = 24.0       # fixation blur in pixels at 800x600


def shared_available() -> bool:
    return (OSIE / "fixations.json").is_file() and TEACHER.is_file()


def osie_path(image_id: int) -> Path:
    return OSIE / "images" / f"{image_id}.jpg"


def scene_paths() -> list[Path]:
    return sorted(SCENE.glob("*.jpg"))


def open_rgb(path: Path) -> Image.Image:
    """Decode, apply EXIF orientation, convert to RGB (what the engine does)."""
    with Image.open(path) as im:
        return ImageOps.exif_transpose(im).convert("RGB")


@lru_cache(maxsize=1)
def fixations() -> dict[int, tuple[np.ndarray, tuple[int, int]]]:
    """image id -> (points (N, 2) as 0-based x, y pixels, (width, height))."""
    raw = json.loads((OSIE / "fixations.json").read_text())
    out = {}
    for rec in raw:
        image_id = int(Path(rec["image"]).stem)
        xs = np.concatenate([np.asarray(s["x"], float) for s in rec["subjects"]])
        ys = np.concatenate([np.asarray(s["y"], float) for s in rec["subjects"]])
        out[image_id] = (np.stack([xs - 1, ys - 1], 1), (rec["width"], rec["height"]))
    return out


def fixation_maps(image_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(binary fixation map, blurred density) at GT_SIZE, shape (h, w).

    Fixations are binned into GT_SIZE cells; the density is their counts
    blurred with sigma 24 px at 800x600, scaled to GT_SIZE.
    """
    pts, (w, h) = fixations()[image_id]
    gw, gh = GT_SIZE
    cx = np.clip((pts[:, 0] * gw / w).astype(int), 0, gw - 1)
    cy = np.clip((pts[:, 1] * gh / h).astype(int), 0, gh - 1)
    counts = np.zeros((gh, gw))
    np.add.at(counts, (cy, cx), 1.0)
    return counts > 0, metrics.blur(counts, GT_SIGMA_800 * gw / w)


def upsample(prob: np.ndarray, size: tuple[int, int] = GT_SIZE) -> np.ndarray:
    """Bilinear resize of a (h, w) map to ``size`` = (w, h), as the engine does."""
    img = Image.fromarray(prob.astype(np.float32), mode="F")
    return np.asarray(img.resize(size, Image.Resampling.BILINEAR), dtype=np.float64)


def softmax2d(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64) - logits.max()
    e = np.exp(z)
    return e / e.sum()
