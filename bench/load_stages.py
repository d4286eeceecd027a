"""The load bench's inputs and in-process figures: generated 12 MP photos, each
upload a distinct file, and where a worker's time goes, stage by stage, timed with
the engine functions ``renditions.services`` calls (``python -m bench load``)."""
from __future__ import annotations

import contextlib
import io
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from . import default_profiles

SIZE = (4000, 3000)
STAGES = ("decode", "saliency + faces", "plan", "resize", "encode", "storage")


# -- photos ---------------------------------------------------------------------

def make_photo(seed: int, size: tuple[int, int] = SIZE, *, grain: float = 4.0,
               quality: int = 92) -> bytes:
    """A photo-like JPEG of ``size`` (w, h) px: gradients, blotches, soft shapes,
    texture and sensor grain (sigma in 0-255 levels); 12 MP gives about 3 MB."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = (rng.uniform(40, 200, 3) + rng.uniform(-80, 80, 3) * (xx / w)[..., None]
            + rng.uniform(-80, 80, 3) * (yy / h)[..., None])
    base = 0.6 * base + 0.25 * _noise_field(rng, size, (6, 4)) \
        + 0.15 * _noise_field(rng, size, (60, 45))
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    _draw_shapes(ImageDraw.Draw(img), rng, size)
    arr = np.asarray(img.filter(ImageFilter.GaussianBlur(1.5)), np.float32)
    arr += 0.25 * (_noise_field(rng, size, (400, 300)) - 128)
    arr += rng.normal(0, grain, arr.shape).astype(np.float32)
    buf = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _noise_field(rng, size, cells) -> np.ndarray:
    """Random colours on a ``cells`` (cols, rows) grid, upscaled bicubic to ``size``."""
    small = rng.uniform(0, 255, (cells[1], cells[0], 3)).astype(np.uint8)
    return np.asarray(Image.fromarray(small).resize(size, Image.Resampling.BICUBIC), np.float32)


def _draw_shapes(draw, rng, size) -> None:
    w, h = size
    for _ in range(int(rng.integers(8, 16))):
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        box = (x0, y0, x0 + rng.uniform(0.03, 0.25) * w, y0 + rng.uniform(0.03, 0.25) * h)
        fill = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)


def distinct(data: bytes, index: int) -> bytes:
    """JPEG ``data`` with a comment segment naming ``index``: new bytes, same pixels."""
    payload = f"salient load bench, upload {index}".encode()
    segment = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
    at = 2
    if data[2:4] == b"\xff\xe0":  # keep the JFIF header first, as the standard asks
        at = 4 + int.from_bytes(data[4:6], "big")
    return data[:at] + segment + data[at:]


def base_photos(n: int, size=SIZE, cache: Path | None = None) -> list[bytes]:
    """``n`` distinct generated photos, kept in ``cache`` between runs."""
    photos = []
    for seed in range(n):
        path = cache / f"load-{size[0]}x{size[1]}-{seed}.jpg" if cache else None
        if path and path.is_file():
            photos.append(path.read_bytes())
            continue
        photos.append(make_photo(seed, size))
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(photos[-1])
    return photos


# -- figures --------------------------------------------------------------------

def percentile(values, q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation; None if empty."""
    data = sorted(values)
    if not data:
        return None
    pos = (len(data) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def stage_shares(stages: dict[str, float]) -> dict[str, float]:
    """Each stage's share (0-1) of the sum of ``stages`` (seconds)."""
    total = sum(stages.values()) or 1.0
    return {k: v / total for k, v in stages.items()}


# -- in-process stage timing -----------------------------------------------------

@contextlib.contextmanager
def _timed(times: dict, key: str):
    start = time.perf_counter()
    yield
    times[key] = times.get(key, 0.0) + time.perf_counter() - start


def pipeline_settings() -> dict:
    from dam.conf import DEFAULTS  # the app's defaults; no Django setup needed

    return DEFAULTS


def photo_stages(data: bytes, storage, tag: str) -> dict[str, float]:
    """Seconds per stage for one photo, through the engine's front door as
    ``renditions.services`` goes.

    Decode = ``open_for_analysis`` + ``open_full``; render = ``render_many`` on
    the pipeline's RENDER_THREADS, split into resize and encode in the ratio of
    a one-thread run of rendering's own steps; storage = the saliency map and
    every rendition saved to ``storage``.
    """
    from renditions.engine import loading, pipeline, rendering

    cfg, t = pipeline_settings(), {}
    with _timed(t, "decode"):
        small, size = pipeline.analysis_copy(
            io.BytesIO(data), longest=cfg["ANALYSIS_LONGEST"], max_pixels=cfg["MAX_PIXELS"])
    with _timed(t, "saliency + faces"):
        analysis = pipeline.analyse_image(small, size, backend=cfg["SALIENCY_BACKEND"],
                                          detect_faces=cfg["DETECT_FACES"])
    with _timed(t, "storage"):
        _save(storage, f"{tag}/saliency.npy", _npy(analysis.saliency_map))
    with _timed(t, "decode"):
        image = loading.open_full(io.BytesIO(data), max_pixels=cfg["MAX_PIXELS"])
    with _timed(t, "plan"):
        jobs = _jobs(analysis)
    with _timed(t, "render"):
        encoded = rendering.render_many(image, jobs, threads=cfg["RENDER_THREADS"])
    with _timed(t, "storage"):
        for i, blob in enumerate(encoded):
            _save(storage, f"{tag}/rendition-{i}", blob)
    resize_part = _resize_fraction(image, jobs)
    render = t.pop("render")
    t["resize"], t["encode"] = render * resize_part, render * (1 - resize_part)
    return t


def _npy(saliency_map) -> bytes:
    buf = io.BytesIO()
    np.save(buf, saliency_map.astype(np.float32), allow_pickle=False)
    return buf.getvalue()


def _save(storage, name: str, data: bytes) -> None:
    from django.core.files.base import ContentFile

    if not storage.exists(name):
        storage.save(name, ContentFile(data))


def _jobs(analysis) -> list:
    from renditions.engine import pipeline, rendering

    from .analysis import profile_targets

    planner = pipeline.Planner(analysis)
    jobs = []
    for target in profile_targets(default_profiles(), analysis.size):
        plan = planner.plan(target["spec"])
        jobs.append(rendering.Job(plan.box, plan.size, target["fmt"], target["quality"]))
    return jobs


def _resize_fraction(image, jobs) -> float:
    """Resize's share of resize + encode, timing ``rendering.render``'s steps on one thread."""
    from renditions.engine import encoding, rendering

    t = {}
    for job in jobs:
        with _timed(t, "resize"):
            out = rendering.resize(image, job.box, job.size)
            if job.fmt == "jpeg":
                out = rendering.flatten(out)
        with _timed(t, "encode"):
            meta = {"icc_profile": image.info.get("icc_profile"),
                    "exif": encoding.public_exif(image.info.get("exif"))}
            encoding.encode(out, job.fmt, job.quality, {k: v for k, v in meta.items() if v})
    return t["resize"] / (t["resize"] + t["encode"])


def measure_stages(photos: list[bytes]) -> dict[str, float]:
    """Median seconds per stage over ``photos``, after one warm-up (model sessions)."""
    from django.core.files.storage import FileSystemStorage

    with tempfile.TemporaryDirectory(prefix="salient-stages-") as tmp:
        storage = FileSystemStorage(location=tmp, base_url="/media/",
                                    file_permissions_mode=0o644,
                                    directory_permissions_mode=0o755)
        photo_stages(photos[0], storage, "warm-up")
        runs = [photo_stages(d, storage, f"p{i}") for i, d in enumerate(photos)]
    return {k: statistics.median(r[k] for r in runs) for k in STAGES}
