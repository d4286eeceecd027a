"""Augmented training views, labelled on the fly by the teacher.

A producer thread keeps rendering random views (crop, scale, flip, colour
jitter) of the training photos, runs the teacher on each, and writes them into
a ring buffer that the training loop samples from. The teacher sees each view
at its own input size (320 longest side) and the student at STUDENT_SIZE; both
renderings come from the same crop box of the original decoded photo with
Pillow's BILINEAR resize, as ``renditions.engine.preprocess`` does.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageEnhance

from training import data

STUDENT_SIZE = (256, 192)   # (w, h) of every training view
TEACHER_SIZE = (320, 240)   # the teacher's documented input for 4:3
GRID = (32, 24)             # student output cells (stride 8), (w, h)
FINE = 4                    # fixation density is integrated on a 4x finer grid


@dataclass(frozen=True)
class Source:
    path: Path
    image_id: int | None     # id when its fixations may be used for training
    dataset: str = "osie"    # whose fixations ``image_id`` names: "osie" or "scene"

    def fixations(self) -> tuple[np.ndarray, float] | None:
        """(points in source px, blur sigma in source px), or None."""
        if self.image_id is None:
            return None
        if self.dataset == "scene":
            pts, (w, h) = data.scene_fixations()[self.image_id]
            return pts, data.SIGMA_FRACTION * max(w, h)
        pts, (w, _) = data.fixations()[self.image_id]
        return pts, data.GT_SIGMA_800 * w / 800


def training_sources() -> list[Source]:
    """Model v1: OSIE 1001-1500 (with fixations) and the 500 scene photos (without)."""
    osie = [Source(data.osie_path(i), i) for i in data.TRAIN_FIX]
    return osie + [Source(p, None) for p in data.scene_paths()]


def training_sources_v2() -> list[Source]:
    """Model v2: OSIE 1001-1500 and Scene 001-400, all with fixations.

    The selection subsets (OSIE 1501-1550, Scene 401-450) and both validation
    splits are not read.
    """
    osie = [Source(data.osie_path(i), i) for i in data.TRAIN_FIX]
    return osie + [Source(data.scene_path(i), i, "scene") for i in data.SCENE_TRAIN_FIX]


def teacher_session(threads: int = 1) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(data.TEACHER), opts, providers=["CPUExecutionProvider"])


def sample_box(rng: np.random.Generator, w: int, h: int, full_p: float = 0.35):
    """A 4:3 crop box (x0, y0, x1, y1) in source pixels: full frame or a random part."""
    bw, bh = (w, w * 3 / 4) if w * 3 / 4 <= h else (h * 4 / 3, h)
    if rng.random() >= full_p:
        s = rng.uniform(0.6, 1.0)
        bw, bh = bw * s, bh * s
    x0 = rng.uniform(0, w - bw) if w > bw else 0.0
    y0 = rng.uniform(0, h - bh) if h > bh else 0.0
    return (x0, y0, x0 + bw, y0 + bh)


def jitter_params(rng: np.random.Generator) -> tuple[float, float, float] | None:
    if rng.random() < 0.3:
        return None
    return tuple(rng.uniform(0.75, 1.25, 3))


def render(img: Image.Image, box, size, flip: bool, jitter) -> np.ndarray:
    """The view as uint8 (h, w, 3)."""
    out = img.resize(size, Image.Resampling.BILINEAR, box=box, reducing_gap=None)
    if jitter is not None:
        b, c, s = jitter
        out = ImageEnhance.Color(ImageEnhance.Contrast(
            ImageEnhance.Brightness(out).enhance(b)).enhance(c)).enhance(s)
    if flip:
        out = out.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return np.asarray(out, dtype=np.uint8)


def fixation_targets(pts: np.ndarray, box, flip: bool, sigma_src: float):
    """(density, counts) on the student GRID for fixations ``pts`` in source pixels.

    The density integrates Gaussians (sigma ``sigma_src`` source px) over each
    cell, sampled on a FINE-times finer grid; counts bins the fixations.
    """
    x0, y0, x1, y1 = box
    gw, gh = GRID
    u = (pts[:, 0] - x0) / (x1 - x0)
    v = (pts[:, 1] - y0) / (y1 - y0)
    if flip:
        u = 1.0 - u
    fw, fh = gw * FINE, gh * FINE
    sx, sy = sigma_src / (x1 - x0) * fw, sigma_src / (y1 - y0) * fh
    gx = np.exp(-0.5 * (((np.arange(fw) + 0.5)[None] - u[:, None] * fw) / sx) ** 2)
    gy = np.exp(-0.5 * (((np.arange(fh) + 0.5)[None] - v[:, None] * fh) / sy) ** 2)
    dens = (gy.T @ gx).reshape(gh, FINE, gw, FINE).sum((1, 3))
    inside = (u >= 0) & (u < 1) & (v >= 0) & (v < 1)
    counts = np.zeros((gh, gw), np.float32)
    np.add.at(counts, ((v[inside] * gh).astype(int), (u[inside] * gw).astype(int)), 1.0)
    return (dens / max(dens.sum(), 1e-12)).astype(np.float32), counts


class ViewPool:
    """A ring buffer of labelled views, written by one producer thread."""

    def __init__(self, capacity: int, seed: int, sources: list[Source] | None = None):
        w, h = STUDENT_SIZE
        self.cap = capacity
        self.img = np.zeros((capacity, h, w, 3), np.uint8)
        self.teacher = np.zeros((capacity, 15, 20), np.float32)
        self.dens = np.zeros((capacity, GRID[1], GRID[0]), np.float32)
        self.counts = np.zeros((capacity, GRID[1], GRID[0]), np.float32)
        self.has_fix = np.zeros(capacity, bool)
        self.written = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.rng = np.random.default_rng(seed)
        self.sources = sources if sources is not None else training_sources()

    def __len__(self) -> int:
        return min(self.written, self.cap)

    def start(self) -> threading.Thread:
        t = threading.Thread(target=self._produce, daemon=True, name="views")
        t.start()
        return t

    def _produce(self) -> None:
        sess = teacher_session(1)
        while not self.stop.is_set():
            for k in self.rng.permutation(len(self.sources)):
                if self.stop.is_set():
                    return
                self._add_views(sess, self.sources[k], n=2)

    def _add_views(self, sess, src: Source, n: int) -> None:
        img = data.open_rgb(src.path)
        fix = src.fixations()
        for _ in range(n):
            box = sample_box(self.rng, img.width, img.height)
            flip, jit = bool(self.rng.random() < 0.5), jitter_params(self.rng)
            stud = render(img, box, STUDENT_SIZE, flip, jit)
            teach = render(img, box, TEACHER_SIZE, flip, jit)
            x = np.ascontiguousarray(teach.transpose(2, 0, 1)[None], dtype=np.float32)
            logits = sess.run(None, {"input": x})[0][0, 0]
            self._write(stud, logits, fix, box, flip)

    def _write(self, stud, logits, fix, box, flip) -> None:
        dens = counts = None
        if fix is not None:
            dens, counts = fixation_targets(fix[0], box, flip, fix[1])
        with self.lock:
            i = self.written % self.cap
            self.img[i], self.teacher[i] = stud, logits
            self.has_fix[i] = fix is not None
            if fix is not None:
                self.dens[i], self.counts[i] = dens, counts
            self.written += 1

    def batch(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        with self.lock:
            idx = rng.integers(0, len(self), size)
            return {"img": self.img[idx], "teacher": self.teacher[idx], "dens": self.dens[idx],
                    "counts": self.counts[idx], "has_fix": self.has_fix[idx]}
