"""Parity: the ``<salient-img>`` element's planner, run in Chromium on the compact
summary (``renditions.engine.summary``), against the Python ``Planner`` on the
full analysis: ``PHOTOS`` photos of ../shared (OSIE and Scene) x ``BOXES``.

The Python plans are computed once; the JS planner runs every case in one
``page.evaluate``. The IoU distribution is printed (``pytest -s``) and written
to artifacts/salient-img-parity.json.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from renditions.engine import pipeline, summary
from tests.unit._images import SHARED

JS = Path(__file__).resolve().parents[2] / "static" / "salient" / "salient-img.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
#: CSS boxes (px): 1:1, 16:9, 9:16, 4:5, 3:1, 2:3.
BOXES = ((400, 400), (640, 360), (360, 640), (400, 500), (900, 300), (400, 600))
PHOTOS = 120  # 60 OSIE (validation split) + 60 Scene (every 8th: all sizes and aspects)
MIN_IOU = 0.98


def photos() -> list[Path]:
    osie = sorted((SHARED / "data" / "osie" / "images").glob("*.jpg"))
    scene = sorted((SHARED / "data" / "scene" / "images").glob("*.jpg"))
    return [p for p in osie if p.stem >= "1551"][:PHOTOS // 2] + scene[::8][:PHOTOS // 2]


def iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


@pytest.fixture(scope="module")
def cases():
    """Per photo: its summary and the Python Planner's box for every BOXES aspect."""
    found = photos()
    if len(found) < PHOTOS:
        pytest.skip("../shared/data (OSIE and Scene photos) is absent")
    out = []
    for path in found:
        planner = pipeline.Planner(pipeline.analyse(path))
        boxes = [list(planner.plan(pipeline.RenditionSpec(aspect=(a, b))).box) for a, b in BOXES]
        out.append({"name": f"{path.parent.parent.name}/{path.name}",
                    "summary": summary.summarise(planner.field), "python": boxes})
    return out


def js_plans(page, cases) -> list[list[list[int]]]:
    """Every case's JS plan, in one evaluate (the module imported from a blob URL)."""
    page.set_content("<!doctype html><title>parity</title>")
    return page.evaluate(
        """async ([source, cases, boxes]) => {
             const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
             const m = await import(url);
             return cases.map((c) => {
               const s = m.prepare(c.summary);
               return boxes.map(([a, b]) => m.plan(s, a, b));
             });
           }""", [JS.read_text(), cases, BOXES])


#: Editors' decisions, normalised: a focal point, and crops for two aspects (the
#: 1:1 and 3:1 boxes take theirs, the others the focal point).
FOCAL = (0.3, 0.62)
CROPS = (((1, 1), (0.12, 0.2, 0.58, 0.81)), ((3, 1), (0.0, 0.05, 0.97, 0.4)))


def editor_plan(planner, a: int, b: int) -> list[int]:
    """The Python plan with the editors' word, as ``frames`` asks for it: a crop of
    a profile of the box's aspect (within 1 %), else the focal point."""
    box = next((box for (p, q), box in CROPS if abs(p / q * b / a - 1) <= 0.01), None)
    plan = planner.plan(pipeline.RenditionSpec(aspect=(a, b)), focal=FOCAL, editor_box=box)
    return list(plan.box)


def test_js_planner_keeps_the_editors_word(page, cases):
    decided = []
    for case in cases[:20]:
        planner = pipeline.Planner(pipeline.ImageAnalysis.of_map(
            np.ones((4, 4), np.float32) / 16, case["summary"]["size"]))
        decided.append({**case, "summary": {
            **case["summary"], "focal": {"x": FOCAL[0], "y": FOCAL[1], "origin": "editor"},
            "crops": [{"aspect": list(r), "box": list(b)} for r, b in CROPS]},
            "python": [editor_plan(planner, a, b) for a, b in BOXES]})
    got = js_plans(page, decided)
    assert got == [c["python"] for c in decided]


def test_js_planner_matches_the_python_planner(page, cases):
    got = js_plans(page, cases)
    rows = [(c["name"], BOXES[i], c["python"][i], js[i], iou(c["python"][i], js[i]))
            for c, js in zip(cases, got) for i in range(len(BOXES))]
    ious = np.array([r[-1] for r in rows])
    report = {"photos": len(cases), "aspects": len(BOXES), "cases": len(rows),
              "min": float(ious.min()), "p1": float(np.percentile(ious, 1)),
              "p5": float(np.percentile(ious, 5)), "median": float(np.median(ious)),
              "exact": int((ious == 1).sum()),
              "photos_with_faces": sum(bool(c["summary"]["faces"]) for c in cases),
              "summary_bytes_max": max(len(json.dumps(c["summary"])) for c in cases)}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "salient-img-parity.json").write_text(json.dumps(report, indent=1))
    print("\nparity", json.dumps(report))
    worst = sorted(rows, key=lambda r: r[-1])[:5]
    assert ious.min() >= MIN_IOU, f"worst cases: {worst}"
    assert report["summary_bytes_max"] <= 2048
