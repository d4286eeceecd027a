"""Faces and crops on the hand-labelled photos (bench/faces_labels.json): how often a
crop cuts a face a person drew, how often it cuts a face that people looked at,
and how much of the oracle's fixations it keeps, together, per method.

``python -m bench --only faces``. A crop cuts a face when it overlaps the face's
box but holds less than 90 % of it (the engine's rule, ``planning.FACE_KEEP``).
A face is *attended* when at least ``ATTENDED`` of the photo's fixations fall in
it. Faces labelled "ignore" (too small or hidden to call) count neither way.
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


def score(method, data) -> dict:
    crops = cut_any = attended_crops = cut_attended = 0
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
                cut_attended += any(cuts(box, f) for f in attended)
            size = largest_box(aspect, sample.size)
            best = fraction_inside(sample.points, oracle_box(sample.points, sample.size, size))
            kept.append(fraction_inside(sample.points, box) / best if best else 1.0)
            areas.append((box[2] - box[0]) * (box[3] - box[1]) / (size[0] * size[1]))
    return {"crops": crops, "cut": cut_any / crops, "attended": attended_crops,
            "cut_attended": cut_attended / max(1, attended_crops),
            "kept": float(np.mean(kept)), "area": float(np.mean(areas))}


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
                     f"{r['kept']:.1%}", f"{r['area']:.1%}"])
    faces = sum(len(f) for _, f in data)
    text = "\n\n".join([
        "## Faces and crops on hand-labelled photos",
        f"{len(data)} OSIE photos with {faces} labelled faces (bench/faces_labels.json; train and "
        f"validation photos alike), {len(ASPECTS)} aspects each; attended: >= {ATTENDED:.0%} "
        "of the photo's fixations inside the face.",
        markdown_table(["method", "crops", "cuts a labelled face", "cuts an attended face",
                        "oracle's fixations kept", "box area / largest"], rows)])
    echo(text)
    write_report("faces.md", text)
    return text
