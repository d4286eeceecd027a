"""Crop quality: the share of human eye fixations that a crop keeps.

For each photo and each aspect in ``bench.ASPECTS``, every method places the
*largest* box of that aspect (the same size for all methods, from
``sizing.box_size``); the score is the fraction of the photo's fixations
(all viewers pooled, each fixation counted once) inside the box, averaged
over photos. The oracle is the position of that box holding the most
fixations (an exhaustive slide over every pixel offset), so no method can
beat it.

Data: OSIE (``../shared/data/osie``), 800x600 photos with 15 viewers' 3 s
free-viewing fixations, and NUS Scene (``../shared/data/scene``). Default: the
validation splits OSIE 1551-1700 and Scene 451-500, which the trained model never
sees; ``--all`` for all 700 OSIE photos (and no Scene). Without ``../shared``: a few
generated photos whose "fixations" are points on their one subject.
``scene_samples`` reads the NUS Scene photos the same way: a plain run scores
the Scene validation split 451-500 too, in its own table.

Fixations are 1-based px in the file; here they become 0-based pixel indices
(``round(x) - 1``), and a fixation is inside ``(x0, y0, x1, y1)`` when
``x0 <= x < x1`` and ``y0 <= y < y1``.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from renditions.engine import grid, pipeline, sizing

from . import (ASPECTS, SHARED, aspect_label, has_osie, markdown_table, osie_dir,
               subject_points, synthetic_photo, teacher_model, write_report)
from .analysis import faces_status, suggest

VALIDATION = range(1551, 1701)
OSIE_TRAIN = range(1001, 1551)
SCENE_TRAIN, SCENE_VALIDATION = range(1, 451), range(451, 501)
Box = tuple[int, int, int, int]
Method = Callable[["Sample", tuple], dict]


@dataclass(frozen=True)
class Sample:
    """One photo: its path, (W, H) px and fixations as (n, 2) int px (x, y), 0-based.

    ``halves``: the fixations of the even- and of the odd-numbered viewers, when
    the data says who looked where (empty for generated photos).
    """

    name: str
    path: Path
    size: tuple[int, int]
    points: np.ndarray
    halves: tuple[np.ndarray, ...] = ()


# -- data ---------------------------------------------------------------------

def osie_samples(shared: Path = SHARED, *, all_images: bool = False,
                 limit: int | None = None, split: range | None = None) -> list[Sample]:
    """OSIE photos with pooled fixations: the validation split, all 700, or ``split``
    (image numbers, e.g. ``OSIE_TRAIN``)."""
    numbers = split or (range(1001, 1701) if all_images else VALIDATION)
    return fixation_samples(osie_dir(shared), numbers, one_based=True, limit=limit)


def scene_samples(shared: Path = SHARED, *, split: range = SCENE_VALIDATION,
                  limit: int | None = None) -> list[Sample]:
    """NUS Scene photos with pooled fixations (continuous px, origin top-left)."""
    return fixation_samples(shared / "data" / "scene", split, one_based=False, limit=limit)


def fixation_samples(root: Path, numbers: range, *, one_based: bool,
                     limit: int | None = None) -> list[Sample]:
    """The photos of ``root/fixations.json`` numbered in ``numbers``, sorted by number.

    ``one_based``: the file's x/y are 1-based pixel numbers (OSIE), else
    continuous px from the top-left corner (Scene).
    """
    samples = []
    for entry in json.loads((root / "fixations.json").read_text()):
        number = int(Path(entry["image"]).stem)
        if number not in numbers:
            continue
        size, viewers = (entry["width"], entry["height"]), entry["subjects"]
        points = _points(viewers, size, one_based)
        if len(points):
            halves = (_points(viewers[0::2], size, one_based),
                      _points(viewers[1::2], size, one_based))
            samples.append(Sample(str(number), root / entry["image"], size, points, halves))
    samples.sort(key=lambda s: int(s.name))
    return samples[:limit] if limit else samples


def _points(viewers: list[dict], size: tuple[int, int], one_based: bool = True) -> np.ndarray:
    """The viewers' fixations as 0-based (n, 2) px (x, y) inside the image."""
    if not viewers:
        return np.zeros((0, 2), dtype=np.int64)
    xs = np.concatenate([v["x"] for v in viewers])
    ys = np.concatenate([v["y"] for v in viewers])
    if one_based:
        points = np.stack([np.round(xs) - 1, np.round(ys) - 1], 1)
    else:
        points = np.stack([np.floor(xs), np.floor(ys)], 1)
    points = points.astype(np.int64)
    return points[(points >= 0).all(1) & (points < np.array(size)).all(1)]


def synthetic_samples(workdir: Path, n: int = 6, size=(800, 600)) -> list[Sample]:
    """Generated photos (one subject each) saved as JPEG; fixations on the subject."""
    samples = []
    for seed in range(n):
        img, subject = synthetic_photo(*size, seed=seed)
        path = Path(workdir) / f"synthetic-{seed}.jpg"
        img.save(path, quality=90)
        points = subject_points(subject, 60, seed=seed, size=size)
        samples.append(Sample(f"synthetic-{seed}", path, size, points))
    return samples


# -- scoring ------------------------------------------------------------------

def fraction_inside(points: np.ndarray, box: Box) -> float:
    """Fraction (0-1) of ``points`` (x, y px) inside ``box``."""
    x0, y0, x1, y1 = box
    x, y = points[:, 0], points[:, 1]
    return float(((x >= x0) & (x < x1) & (y >= y0) & (y < y1)).mean())


def oracle_box(points: np.ndarray, size: tuple[int, int], box: tuple[int, int]) -> Box:
    """The ``box`` (w, h) position holding the most points, over every px offset."""
    (width, height), (w, h) = size, box
    counts = np.zeros((height + 1, width + 1), dtype=np.int64)
    np.add.at(counts, (points[:, 1] + 1, points[:, 0] + 1), 1)
    sat = counts.cumsum(0).cumsum(1)  # sat[y, x]: points left of x and above y
    ny, nx = height - h + 1, width - w + 1  # box positions along each axis
    held = sat[h:, w:] - sat[:ny, w:] - sat[h:, :nx] + sat[:ny, :nx]
    y0, x0 = np.unravel_index(int(np.argmax(held)), held.shape)
    return int(x0), int(y0), int(x0) + w, int(y0) + h


def largest_box(aspect: tuple[int, int], size: tuple[int, int]) -> tuple[int, int]:
    return sizing.box_size(aspect, *size)


# -- methods: each maps (sample, aspects) -> {aspect: box} ----------------------

def salient_method(backend: str | None) -> Method:
    """The engine's suggest pipeline (analysis image, saliency, faces, plans)."""
    def boxes(sample: Sample, aspects) -> dict:
        return suggest(sample.path, aspects, backend=backend)
    return boxes


def centre_boxes(sample: Sample, aspects) -> dict:
    out = {}
    for aspect in aspects:
        (width, height), (w, h) = sample.size, largest_box(aspect, sample.size)
        x0, y0 = (width - w) // 2, (height - h) // 2
        out[aspect] = (x0, y0, x0 + w, y0 + h)
    return out


def oracle_boxes(sample: Sample, aspects) -> dict:
    return {a: oracle_box(sample.points, sample.size, largest_box(a, sample.size))
            for a in aspects}


def vips_boxes(sample: Sample, aspects, *, verify: bool = True) -> dict:
    """libvips ``smartcrop(interesting="attention")`` on the full-size image.

    libvips reports where it cut through the output's ``xoffset``/``yoffset``
    (minus the crop's left/top). With ``verify`` the box is checked against the
    pixels: the output must equal that region of the source exactly.
    """
    import pyvips

    image = pyvips.Image.new_from_file(str(sample.path)).copy_memory()
    out = {}
    for aspect in aspects:
        w, h = largest_box(aspect, sample.size)
        crop = image.smartcrop(w, h, interesting="attention")
        x0, y0 = -crop.get("xoffset"), -crop.get("yoffset")
        if verify and not np.array_equal(crop.numpy(), image.crop(x0, y0, w, h).numpy()):
            raise RuntimeError(f"libvips smartcrop offsets do not match its pixels on "
                               f"{sample.path} at {aspect_label(aspect)}")
        out[aspect] = (x0, y0, x0 + w, y0 + h)
    return out


def smartcrop_boxes(sample: Sample, aspects) -> dict:
    """smartcrop.py's ``top_crop`` at the largest box (it tries 8 px steps)."""
    import smartcrop
    from PIL import Image

    cropper = smartcrop.SmartCrop()
    with Image.open(sample.path) as im:
        img = im.convert("RGB")
    out = {}
    for aspect in aspects:
        (width, height), (w, h) = sample.size, largest_box(aspect, sample.size)
        top = cropper.crop(img, w, h)["top_crop"]
        x0, y0 = min(max(top["x"], 0), width - w), min(max(top["y"], 0), height - h)
        out[aspect] = (x0, y0, x0 + w, y0 + h)
    return out


def available_methods(shared: Path = SHARED) -> tuple[dict[str, Method], list[str]]:
    """Methods to compare, by display name, and notes on any that were left out."""
    from renditions.engine import saliency

    default = saliency.get_backend(None)
    label = f"Salient (default: {_backend_label(default)})"
    methods: dict[str, Method] = {label: salient_method(None)}
    notes = []
    if default.name != "spectral":
        methods["Salient, spectral backend"] = salient_method("spectral")
    teacher = teacher_model(shared)
    if teacher.is_file():
        methods["reference: Salient pipeline with teacher fastgaze"] = salient_method(str(teacher))
    else:
        notes.append("teacher model not found: its reference row is left out")
    methods["centre crop"] = centre_boxes
    for label, module, fn in (("libvips attention", "pyvips", vips_boxes),
                              ("smartcrop.py", "smartcrop", smartcrop_boxes)):
        if _importable(module):
            methods[label] = fn
        else:
            notes.append(f"{module} not installed (pip install -e '.[bench]'): {label} left out")
    methods["oracle"] = oracle_boxes
    return methods, notes


def _backend_label(backend) -> str:
    if backend.name == "spectral":
        return "spectral, no shipped model"
    return f"{Path(getattr(backend, 'path', backend.name)).name} {backend.version}"


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# -- the human ceiling -----------------------------------------------------------

#: Blur of fixations into a map: OSIE's sigma of 24 px at 800 px wide.
FIXATION_SIGMA = 24 / 800


def fixation_map(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Fixations (x, y px) counted on the engine's map grid and blurred: a saliency map."""
    cols, rows = grid.fit_cells(*size)
    counts = np.zeros((rows, cols))
    np.add.at(counts, (points[:, 1] * rows // size[1], points[:, 0] * cols // size[0]), 1)
    return grid.normalise(grid.blur(counts, FIXATION_SIGMA * cols))


def human_ceiling(samples: list[Sample], aspects=ASPECTS) -> tuple[np.ndarray, np.ndarray]:
    """How well other people's gaze places crops: the bound for any saliency model.

    For each photo, the planner places the largest box of each aspect on the
    blurred fixations of one half of the viewers; the box is scored on the
    other half's fixations, beside the oracle for that half (both ways round).
    Returns the mean share kept and the mean oracle share, per aspect (0-1);
    empty arrays when no sample has ``halves``.
    """
    kept, best = [], []
    for sample in samples:
        if len(sample.halves) != 2 or not all(len(h) for h in sample.halves):
            continue
        for source, target in (sample.halves, sample.halves[::-1]):
            saliency_map = fixation_map(source, sample.size)
            planner = pipeline.Planner(pipeline.ImageAnalysis.of_map(saliency_map, sample.size))
            boxes = [planner.plan(pipeline.RenditionSpec(aspect=a)).box for a in aspects]
            kept.append([fraction_inside(target, box) for box in boxes])
            best.append([fraction_inside(target, oracle_box(target, sample.size,
                                                            largest_box(a, sample.size)))
                         for a in aspects])
    if not kept:
        return np.array([]), np.array([])
    return np.asarray(kept).mean(0), np.asarray(best).mean(0)


def ceiling_note(samples: list[Sample], aspects=ASPECTS) -> str | None:
    """One report line on the human ceiling, or None without per-viewer data."""
    kept, best = human_ceiling(samples, aspects)
    if not kept.size:
        return None
    per_aspect = ", ".join(f"{aspect_label(a)} {100 * k:.1f}" for a, k in zip(aspects, kept))
    return (f"human ceiling: crops planned on half the viewers' blurred fixations keep "
            f"{100 * kept.mean():.1f}% of the other half's fixations ({per_aspect}), "
            f"{100 * kept.mean() / best.mean():.1f}% of that half's oracle; a saliency model "
            f"that predicted people as well as other people do would score about this")


# -- evaluation and report ------------------------------------------------------

@dataclass
class Result:
    """Scores (n_images, n_aspects), fractions 0-1; seconds per image; boxes
    smaller than the largest (the planner shrinks a box to avoid cutting a face)."""

    scores: np.ndarray
    seconds: float
    smaller: int = 0


def evaluate(samples: list[Sample], methods: dict[str, Method],
             aspects=ASPECTS, progress: Callable[[str], None] | None = None
             ) -> dict[str, Result]:
    """Run every method on every sample; methods run in turn on each photo.

    ``seconds`` is the mean wall time per photo for all aspects, after a warm-up.
    """
    scores = {name: np.zeros((len(samples), len(aspects))) for name in methods}
    seconds, smaller = dict.fromkeys(methods, 0.0), dict.fromkeys(methods, 0)
    for method in methods.values():  # warm-up: imports and model sessions, untimed
        method(samples[0], aspects[:1])
    for i, sample in enumerate(samples):
        for name, method in methods.items():
            start = time.perf_counter()
            boxes = method(sample, aspects)
            seconds[name] += time.perf_counter() - start
            for j, aspect in enumerate(aspects):
                smaller[name] += _check_box(boxes[aspect], largest_box(aspect, sample.size),
                                            sample.size, name)
                scores[name][i, j] = fraction_inside(sample.points, boxes[aspect])
        if progress and (i + 1) % 25 == 0:
            progress(f"  {i + 1}/{len(samples)} photos")
    n = max(1, len(samples))
    return {name: Result(scores[name], seconds[name] / n, smaller[name]) for name in methods}


def _check_box(box, size, image_size, method) -> bool:
    """Whether ``box`` is smaller than ``size``; raise if it is larger or outside."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if not (0 < w <= size[0] and 0 < h <= size[1] and x0 >= 0 and y0 >= 0
            and x1 <= image_size[0] and y1 <= image_size[1]):
        raise AssertionError(f"{method}: box {box} is not a box of at most {size} "
                             f"inside {image_size}")
    return (w, h) != tuple(size)


def summary(results: dict[str, Result], aspects=ASPECTS) -> dict:
    """Per-method means, % of oracle, and Salient's standing against the others."""
    names = list(results)
    salient, oracle = names[0], "oracle"
    means = {n: results[n].scores.mean(0) for n in names}
    overall = {n: float(m.mean()) for n, m in means.items()}
    rivals = [n for n in names if n not in (salient, oracle)
              and not n.startswith(("Salient", "reference"))]
    def where(test):
        return [(aspect_label(a), n) for j, a in enumerate(aspects) for n in rivals
                if test(means[salient][j] - means[n][j])]

    return {"means": means, "overall": overall, "salient": salient, "rivals": rivals,
            "behind": where(lambda d: d < -1e-9), "tied": where(lambda d: abs(d) <= 1e-9),
            "pct_oracle": {n: 100 * overall[n] / overall[oracle] if overall[oracle] else 0.0
                           for n in names}}


def paired_gap(results: dict[str, Result], salient: str, rivals: list[str]) -> list[str]:
    """Per aspect: Salient minus the best rival, with a 95% interval over photos."""
    cells = []
    for j in range(results[salient].scores.shape[1]):
        best = max(rivals, key=lambda n: results[n].scores[:, j].mean())
        diff = results[salient].scores[:, j] - results[best].scores[:, j]
        half = 1.96 * diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else float("nan")
        cells.append(f"{100 * diff.mean():+.1f} ± {100 * half:.1f} ({best})")
    return cells


def report(results: dict[str, Result], *, title: str, notes: list[str],
           aspects=ASPECTS) -> str:
    """The markdown report: the table, the verdicts and the notes."""
    s = summary(results, aspects)
    header = ["method"] + [aspect_label(a) for a in aspects] + ["mean", "% of oracle", "ms/photo"]
    rows = [[name] + [f"{100 * v:.1f}" for v in s["means"][name]]
            + [f"{100 * s['overall'][name]:.1f}", f"{s['pct_oracle'][name]:.1f}",
               f"{1000 * results[name].seconds:.0f}"] for name in results]
    lines = [f"## Crop quality: % of human fixations inside the crop ({title})", "",
             markdown_table(header, rows), ""]
    if s["rivals"]:
        gap = paired_gap(results, s["salient"], s["rivals"])
        lines += ["Salient minus the best other method, percentage points (95% interval):",
                  "", markdown_table([a for a in map(aspect_label, aspects)], [gap]), ""]
        lines.append(f"- Salient ahead of {', '.join(s['rivals'])} on every aspect: "
                     + ("yes" if not s["behind"] and not s["tied"] else "no"))
        for key, word in (("behind", "behind"), ("tied", "tied")):
            if s[key]:
                lines.append(f"  - {word} at: " + ", ".join(f"{a} vs {n}" for a, n in s[key]))
    pct = s["pct_oracle"][s["salient"]]
    lines.append(f"- Salient at {pct:.1f}% of the oracle on average "
                 f"(target >= 97%: {'met' if pct >= 97 else 'not met'})")
    lines += [f"- {name}: a box smaller than the largest (to keep a face whole) in "
              f"{r.smaller} photo-aspect cases" for name, r in results.items() if r.smaller]
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines)


def load_samples(workdir: Path, *, shared: Path, all_images: bool, limit: int | None,
                 synthetic: bool) -> list[tuple[list[Sample], str, list[str]]]:
    """The photo sets to score, each with a title for the report and notes on the data:
    OSIE's validation split (or all 700) and Scene's, where ``shared`` has them."""
    if has_osie(shared) and not synthetic:
        samples = osie_samples(shared, all_images=all_images, limit=limit)
        split = "all 700" if all_images else "validation split 1551-1700"
        sets = [(samples, f"OSIE {split}, {len(samples)} photos", [])]
        if (shared / "data" / "scene" / "fixations.json").is_file() and not all_images:
            scene = scene_samples(shared, limit=limit)
            sets.append((scene, f"Scene validation split 451-500, {len(scene)} photos", []))
        return sets
    samples = synthetic_samples(workdir, n=limit or 6)
    title = f"NO OSIE DATA: {len(samples)} generated photos, fixations on their subject"
    return [(samples, title, ["../shared/data/osie is absent, so these are generated photos "
                              "with one subject each, not human fixations"])]


def _sizes_note(samples: list[Sample]) -> str:
    size = samples[0].size
    boxes = ", ".join(f"{aspect_label(a)} {'x'.join(map(str, largest_box(a, size)))}"
                      for a in ASPECTS)
    return (f"{sum(len(s.points) for s in samples)} fixations; "
            f"box sizes at {size[0]}x{size[1]}: {boxes}")


def run(*, shared: Path = SHARED, all_images: bool = False, limit: int | None = None,
        synthetic: bool = False, out_dir: Path | None = None, echo=print) -> str:
    """Run the benchmark on every photo set, print and write the report; return its text."""
    methods, notes = available_methods(shared)
    sections = []
    with tempfile.TemporaryDirectory() as tmp:
        for samples, title, data_notes in load_samples(
                Path(tmp), shared=shared, all_images=all_images, limit=limit,
                synthetic=synthetic):
            more = data_notes + [_sizes_note(samples), "Salient " + faces_status()]
            more += [line for line in [ceiling_note(samples)] if line]
            echo(f"crop quality: {title}, {len(methods)} methods ...")
            results = evaluate(samples, methods, progress=echo)
            sections.append(report(results, title=title, notes=notes + more))
    text = "\n\n".join(sections)
    path = write_report("crop_quality.md", text, out_dir)
    echo(text)
    echo(f"(written to {path})")
    return text


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="all 700 OSIE photos")
    parser.add_argument("--limit", type=int, help="only the first N photos")
    parser.add_argument("--synthetic", action="store_true", help="generated photos only")
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args(argv)
    run(shared=args.shared, all_images=args.all, limit=args.limit, synthetic=args.synthetic)


if __name__ == "__main__":
    main()
