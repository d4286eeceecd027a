"""Faces and crops on the hand-labelled photos (bench/faces_labels.json): how often a
crop cuts a face a person drew, how often it cuts a face that people looked at,
and how much of the oracle's fixations it keeps, together, per method; the cut
rate by face size and place, and how often a crop centres on the map's single
strongest point (the "argmax bias" of Twitter's 2021 audit), for MODEL_CARD.md.

``python -m bench --only faces``. A crop cuts a face when it overlaps the face's
box but holds less than 90 % of it (the engine's rule, ``planning.FACE_KEEP``).
A face is *attended* when at least ``ATTENDED`` of the photo's fixations fall in
it; a cut of one is *avoidable* when some box of the crop's size, anywhere in the
photo, cuts no attended face (the must-have: never cut one when the aspect allows).
Faces labelled "ignore" (too small or hidden to call) count neither way.
Boxes are (x0, y0, x1, y1) px of the labelled photo, x1/y1 exclusive.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import ASPECTS, SHARED, markdown_table, write_report
from .crop_quality import (centre_boxes, fraction_inside, largest_box, oracle_box,
                           osie_samples, salient_method)

LABELS = Path(__file__).with_name("faces_labels.json")
ATTENDED = 0.03
FACE_KEEP = 0.9


def labelled(shared: Path = SHARED):
    """(sample, faces) for every labelled OSIE photo with fixations and at least one face."""
    samples = {s.name: s for s in osie_samples(shared, all_images=True)}
    out = []
    for entry in json.loads(LABELS.read_text())["images"]:
        name = Path(entry["path"]).stem
        faces = [tuple(b) for b in entry.get("faces", []) + entry.get("hard", [])]
        if name in samples and faces:
            out.append((samples[name], faces))
    return out


def cuts(box, face) -> bool:
    ox = max(0, min(box[2], face[2]) - max(box[0], face[0]))
    oy = max(0, min(box[3], face[3]) - max(box[1], face[1]))
    area = (face[2] - face[0]) * (face[3] - face[1])
    return 0 < ox * oy < FACE_KEEP * area


def avoidable(box, faces, size) -> bool:
    """Whether a box of ``box``'s size placed anywhere in an image of ``size`` px
    cuts none of ``faces``."""
    w, h = box[2] - box[0], box[3] - box[1]
    xs, ys = np.arange(size[0] - w + 1), np.arange(size[1] - h + 1)
    cut = np.zeros((len(ys), len(xs)), bool)
    for f in faces:
        ox = np.clip(np.minimum(xs + w, f[2]) - np.maximum(xs, f[0]), 0, None)
        oy = np.clip(np.minimum(ys + h, f[3]) - np.maximum(ys, f[1]), 0, None)
        overlap = np.outer(oy, ox)
        cut |= (overlap > 0) & (overlap < FACE_KEEP * (f[2] - f[0]) * (f[3] - f[1]))
    return not cut.all()


def score(method, data) -> dict:
    crops = cut_any = attended_crops = cut_attended = cut_avoidable = 0
    kept, areas = [], []
    for sample, faces in data:
        boxes = method(sample, ASPECTS)
        attended = [f for f in faces if fraction_inside(sample.points, f) >= ATTENDED]
        for aspect in ASPECTS:
            box = tuple(boxes[aspect])
            crops += 1
            cut_any += any(cuts(box, f) for f in faces)
            if attended:
                attended_crops += 1
                cut = any(cuts(box, f) for f in attended)
                cut_attended += cut
                cut_avoidable += cut and avoidable(box, attended, sample.size)
            size = largest_box(aspect, sample.size)
            best = fraction_inside(sample.points, oracle_box(sample.points, sample.size, size))
            kept.append(fraction_inside(sample.points, box) / best if best else 1.0)
            areas.append((box[2] - box[0]) * (box[3] - box[1]) / (size[0] * size[1]))
    return {"crops": crops, "cut": cut_any / crops, "attended": attended_crops,
            "cut_attended": cut_attended / max(1, attended_crops),
            "cut_avoidable": cut_avoidable / max(1, attended_crops),
            "kept": float(np.mean(kept)), "area": float(np.mean(areas))}


#: Face sizes (share of the image's area) and places (third of the width its centre is in).
SIZES = (("small, < 0.5 %", 0.0, 0.005), ("medium, 0.5-2 %", 0.005, 0.02),
         ("large, >= 2 %", 0.02, 1.0))
PLACES = ("left third", "middle third", "right third")
#: A crop "centres on the peak" when the map's maximum lies within this share of the
#: box's side from its centre, along the side the box can move (Twitter's 2021 audit).
CENTRED = 0.1


def by_face(method, data) -> dict[str, tuple[int, int]]:
    """(crops, crops that cut it) per face size and place, each face on its own."""
    counts = {name: [0, 0] for name, _, _ in SIZES} | {name: [0, 0] for name in PLACES}
    for sample, faces in data:
        boxes = method(sample, ASPECTS)
        width, height = sample.size
        for face in faces:
            share = (face[2] - face[0]) * (face[3] - face[1]) / (width * height)
            size = next(name for name, lo, hi in SIZES if lo <= share < hi)
            place = PLACES[min(2, int((face[0] + face[2]) / 2 / width * 3))]
            for aspect in ASPECTS:
                cut = cuts(tuple(boxes[aspect]), face)
                for key in (size, place):
                    counts[key][0] += 1
                    counts[key][1] += cut
    return {k: tuple(v) for k, v in counts.items()}


def centred_on_peak(samples, backend=None) -> tuple[float, float]:
    """Share of Salient's crops, and of the oracle's, whose box centre is within
    CENTRED of the map's maximum along the side the box can move."""
    from renditions.engine import pipeline

    ours = oracle = total = 0
    for sample in samples:
        analysis = pipeline.analyse(sample.path, backend=backend)
        planner = pipeline.Planner(analysis)
        rows, cols = analysis.saliency_map.shape
        r, c = np.unravel_index(int(np.argmax(analysis.saliency_map)), (rows, cols))
        peak = ((c + 0.5) / cols * sample.size[0], (r + 0.5) / rows * sample.size[1])
        for aspect in ASPECTS:
            size = largest_box(aspect, sample.size)
            axis = 0 if size[0] < sample.size[0] else 1
            if size[axis] >= sample.size[axis]:
                continue  # the box cannot move: it centres on nothing
            total += 1
            box = planner.plan(pipeline.RenditionSpec(aspect=aspect)).box
            best = oracle_box(sample.points, sample.size, size)
            for b, hit in ((box, "ours"), (best, "oracle")):
                centre = (b[axis] + b[axis + 2]) / 2
                if abs(centre - peak[axis]) <= CENTRED * size[axis]:
                    ours, oracle = ours + (hit == "ours"), oracle + (hit == "oracle")
    return ours / max(1, total), oracle / max(1, total)


def run(*, shared: Path = SHARED, echo=print) -> str | None:
    if not LABELS.is_file() or not (shared / "data" / "osie" / "fixations.json").is_file():
        echo("faces: skipped, it needs ../shared/data/osie")
        return None
    data = labelled(shared)
    methods = {"Salient": salient_method(None), "centre crop": centre_boxes}
    rows = []
    for name, method in methods.items():
        r = score(method, data)
        rows.append([name, r["crops"], f"{r['cut']:.1%}", f"{r['cut_attended']:.1%}",
                     f"{r['cut_avoidable']:.1%}", f"{r['kept']:.1%}", f"{r['area']:.1%}"])
    faces = sum(len(f) for _, f in data)
    groups = {name: by_face(method, data) for name, method in methods.items()}
    keys = [name for name, _, _ in SIZES] + list(PLACES)
    fair = [[key, groups["Salient"][key][0] // len(ASPECTS)]
            + [f"{g[key][1] / max(1, g[key][0]):.1%}" for g in groups.values()] for key in keys]
    ours, oracle = centred_on_peak(osie_samples(shared))
    text = "\n\n".join([
        "## Faces and crops on hand-labelled photos",
        f"{len(data)} OSIE photos with {faces} labelled faces (bench/faces_labels.json; train and "
        f"validation photos alike), {len(ASPECTS)} aspects each; attended: >= {ATTENDED:.0%} "
        "of the photo's fixations inside the face.",
        markdown_table(["method", "crops", "cuts a labelled face", "cuts an attended face",
                        "of them avoidable", "oracle's fixations kept", "box area / largest"], rows),
        "### Cut rate by face size and place (each face x aspect on its own)",
        markdown_table(["faces", "count", *methods], fair),
        f"### Argmax bias (OSIE validation, crops whose box can move)\n\nSalient's crop is "
        f"centred on the map's single strongest point (within {CENTRED:.0%} of the box's side) "
        f"in {ours:.1%} of crops; the oracle's box (most human fixations) in {oracle:.1%}."])
    echo(text)
    write_report("faces.md", text)
    return text
