"""``python -m bench.fidelity --before PATH``: this tree's pixels against another's.

Renders the app's 7 default renditions and 3 frames (1600x900, 640x640,
300x1000, as made on first request) of the speed bench's 12 MP photo with the
code of this checkout and of ``--before`` (each in its own process, run from
that tree), then prints, per file, the PSNR between the two (dB; inf when the
pixels are identical), the bytes of each, and how far each is from an exact
Lanczos resample of the whole decode of its own crop box (the unsharp mask
added where the engine adds it), so a change of pixels can be told from a loss
of quality; a file whose box differs between the trees is named.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from . import ARTIFACTS, ROOT, markdown_table
from .speed import make_photo

FRAMES = ((1600, 900), (640, 640), (300, 1000))

#: Run inside the tree under test: argv = photo, out dir.
_RENDER = """
import json, sys
from pathlib import Path
from bench import analysis, default_profiles
from renditions.engine import pipeline, rendering
try:  # frames are planned on the decode's grid (frames.frame_plan), where the tree does so
    from renditions.engine.pixel_grid import on_grid
except ImportError:
    on_grid = lambda box, *a, **k: box
photo, out = sys.argv[1], Path(sys.argv[2])
targets = analysis.profile_targets(default_profiles(), (4000, 3000))
planner = pipeline.Planner(analysis.analyse(photo))
boxes, jobs = {}, []
for t in targets:
    plan = planner.plan(t["spec"])
    jobs.append(rendering.Job(tuple(plan.box), plan.size, t["fmt"], t["quality"]))
    boxes[f"{t['slug']}.{{'jpeg': 'jpg'}.get(t['fmt'], t['fmt'])}"] = list(plan.box)
files = rendering.render_file(photo, jobs, source_size=(4000, 3000), max_pixels=None)
for name, data in zip(boxes, files):
    (out / name).write_bytes(data)
for w, h in %s:
    plan = planner.plan(pipeline.RenditionSpec(width=w, height=h))
    box = tuple(on_grid(plan.box, plan.size, (4000, 3000), content=plan.content))
    [data] = rendering.render_file(photo, [rendering.Job(box, plan.size, "jpeg", 82)],
                                   source_size=(4000, 3000), max_pixels=None,
                                   min_shrink=rendering.FAST_SHRINK)
    (out / f"frame{w}x{h}.jpg").write_bytes(data)
    boxes[f"frame{w}x{h}.jpg"] = list(box)
(out / "boxes.json").write_text(json.dumps(boxes))
""" % (FRAMES,)


def render_with(tree: Path, photo: Path, out: Path) -> dict[str, list]:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", _RENDER, str(photo), str(out)], cwd=tree, check=True,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    return json.loads((out / "boxes.json").read_text())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a - b) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(255 ** 2 / mse)


def exact(full: Image.Image, name: str, box: list, size: tuple[int, int]) -> np.ndarray:
    """An exact Lanczos resample of ``box`` of the whole decode ``full`` to ``size``
    (the unsharp mask added where the engine adds it to a rendition)."""
    from renditions.engine import rendering

    out = full.resize(size, Image.Resampling.LANCZOS, box=tuple(box))
    if not name.startswith("frame") and (box[2] - box[0]) / size[0] >= rendering.SHARPEN_FROM:
        out = out.filter(ImageFilter.UnsharpMask(radius=0.8, percent=40, threshold=2))
    return np.asarray(out, np.float64)


def compare(before: Path, after: Path, boxes: dict[str, list], photo: Path,
            after_boxes: dict[str, list] | None = None) -> list[list]:
    """One row per file: each tree's pixels against an exact resample of its own box."""
    from renditions.engine import loading

    full, after_boxes = loading.open_full(photo), after_boxes or boxes
    rows = []
    for name, box in boxes.items():
        a, b = (np.asarray(Image.open(d / name).convert("RGB"), np.float64) for d in (before, after))
        size = (a.shape[1], a.shape[0])
        sizes = [(d / name).stat().st_size for d in (before, after)]
        rows.append([name, f"{size[0]}x{size[1]}", f"{psnr(a, b):.2f}",
                     f"{psnr(a, exact(full, name, box, size)):.2f}",
                     f"{psnr(b, exact(full, name, after_boxes[name], size)):.2f}",
                     sizes[0], sizes[1], f"{100 * (sizes[1] - sizes[0]) / sizes[0]:+.1f} %"])
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="another checkout")
    args = parser.parse_args(argv)
    photo, _ = make_photo(ARTIFACTS)
    work = Path(tempfile.mkdtemp(prefix="salient-fidelity-"))
    boxes = render_with(args.before, photo, work / "before")
    after = render_with(ROOT, photo, work / "after")
    for name in boxes:
        if after[name] != boxes[name]:
            print(f"note: {name}: box {after[name]} here, {boxes[name]} before; each tree is "
                  "compared with an exact resample of its own box")
    rows = compare(work / "before", work / "after", boxes, photo, after)
    print(markdown_table(["file", "size", "PSNR after vs before dB", "before vs exact dB",
                          "after vs exact dB", "before bytes", "after bytes", "bytes"], rows))


if __name__ == "__main__":
    main()
