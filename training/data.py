"""Where the data lives, the fixed split, and fixation ground truth.

Pixel coordinates are 0-based in the source photo (OSIE: 800x600) unless a
docstring says otherwise; OSIE's file stores 1-based coordinates, Scene's
continuous pixels of the stored image (origin top-left).
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
SCENE_FIX = SHARED / "data" / "scene" / "fixations.json"
TEACHER = SHARED / "models" / "teacher" / "fastgaze.onnx"

# The fixed OSIE split. Training reads fixations of TRAIN_FIX only; HOLDOUT
# (part of the official train split) selects checkpoints; VALIDATION is read
# once, by evaluate.py.
TRAIN_FIX = range(1001, 1501)
HOLDOUT = range(1501, 1551)
VALIDATION = range(1551, 1701)

# The fixed Scene split (train 001-450, validation 451-500), carved the same way
# for model v2: 401-450 select checkpoints, 451-500 are never read in training.
SCENE_TRAIN_FIX = range(1, 401)
SCENE_HOLDOUT = range(401, 451)
SCENE_VALIDATION = range(451, 501)

GT_SIZE = (200, 150)      # (w, h): maps compared at 1/4 of OSIE's 800x600
GT_SIGMA_800 = 24.0       # fixation blur in pixels at 800x600
SIGMA_FRACTION = 0.03     # the same blur for any photo: 3 % of the longer side


def shared_available() -> bool:
    return (OSIE / "fixations.json").is_file() and TEACHER.is_file()


def osie_path(image_id: int) -> Path:
    return OSIE / "images" / f"{image_id}.jpg"


def scene_path(image_id: int) -> Path:
    return SCENE / f"{image_id:03d}.jpg"


def scene_available() -> bool:
    return SCENE_FIX.is_file()


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
    """(binary fixation map, blurred density) of an OSIE photo at GT_SIZE, shape (h, w):
    fixations binned into GT_SIZE cells, their counts blurred with sigma 24 px at 800x600."""
    return truth_maps(*fixations()[image_id])


@lru_cache(maxsize=1)
def scene_fixations() -> dict[int, tuple[np.ndarray, tuple[int, int]]]:
    """Scene image id (1-500) -> (points (N, 2) as x, y pixels, (width, height)).

    Points are continuous pixels of the stored image, origin top-left, as in
    the file (no shift: unlike OSIE's they are not 1-based).
    """
    out = {}
    for rec in json.loads(SCENE_FIX.read_text()):
        xs = np.concatenate([np.asarray(s["x"], float) for s in rec["subjects"]])
        ys = np.concatenate([np.asarray(s["y"], float) for s in rec["subjects"]])
        out[int(Path(rec["image"]).stem)] = (np.stack([xs, ys], 1), (rec["width"], rec["height"]))
    return out


def gt_size(w: int, h: int) -> tuple[int, int]:
    """(w, h) of a ground-truth map: the photo fitted inside GT_SIZE's longer side (200)."""
    s = max(GT_SIZE) / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def scene_fixation_maps(image_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(binary fixation map, blurred density) of a Scene photo at ``gt_size``, shape (h, w)."""
    return truth_maps(*scene_fixations()[image_id])


def truth_maps(pts: np.ndarray, src: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(binary fixation map, blurred density) of ``pts`` in a ``src`` = (w, h) photo, at
    ``gt_size`` and blurred by SIGMA_FRACTION of its longer side (for OSIE's 800x600 the
    same maps as ``fixation_maps``)."""
    size = gt_size(*src)
    return _maps(pts, src, size, SIGMA_FRACTION * max(size))


def _maps(pts: np.ndarray, src: tuple[int, int], size: tuple[int, int], sigma: float):
    """Bin ``pts`` (source px of a ``src`` = (w, h) photo) into ``size`` cells; blur by ``sigma`` cells."""
    w, h = src
    gw, gh = size
    cx = np.clip((pts[:, 0] * gw / w).astype(int), 0, gw - 1)
    cy = np.clip((pts[:, 1] * gh / h).astype(int), 0, gh - 1)
    counts = np.zeros((gh, gw))
    np.add.at(counts, (cy, cx), 1.0)
    return counts > 0, metrics.blur(counts, sigma)


def upsample(prob: np.ndarray, size: tuple[int, int] = GT_SIZE) -> np.ndarray:
    """Bilinear resize of a (h, w) map to ``size`` = (w, h), as the engine does."""
    img = Image.fromarray(prob.astype(np.float32), mode="F")
    return np.asarray(img.resize(size, Image.Resampling.BILINEAR), dtype=np.float64)


def softmax2d(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64) - logits.max()
    e = np.exp(z)
    return e / e.sum()
