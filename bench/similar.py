"""``python -m bench similar`` (``make bench BENCH_ARGS="similar"``): near-duplicates.

1. Recall and false matches per transform: ``--photos`` photos from ../shared (half
   OSIE, half Scene) and transformed copies of each (resize 50 % and 25 %, JPEG q=40,
   crop 5 % and 10 % of each side, brightness and contrast ±15 %, grey, rotation 2°,
   and a horizontal flip as a negative control that should NOT match), all hashed
   by the product's ``renditions.engine.similarity.image_hash``. A copy is recalled
   when it is within the threshold of its own original; a false match is a copy or
   an original within the threshold of a different photo's original. Shown at the
   shipped threshold (``DAM["SIMILAR_DISTANCE"]``) and three others.
2. Lookup time at ``--assets`` stored hashes (the photos' real hashes plus random
   64-bit values) on SQLite and, with a PostgreSQL ``DATABASE_URL``, PostgreSQL (each
   in its own process, bench/similar_run.py): the product's banded lookup
   (``dam.selectors.assets_similar``) against a full scan of every stored hash in
   Python, in the same run; the ratio is banded / scan.
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageEnhance, ImageOps

from . import ROOT, SHARED, machine_line, markdown_table, write_report
from .search import percentiles, setups_run

SHIPPED = 10  # dam.conf DEFAULTS["SIMILAR_DISTANCE"] (bench reads no Django settings here)
THRESHOLDS = (6, 8, SHIPPED, 12)
NEGATIVE = "flip (negative control)"


def _crop(im: Image.Image, share: float) -> Image.Image:
    dx, dy = round(im.width * share), round(im.height * share)
    return im.crop((dx, dy, im.width - dx, im.height - dy))


#: name -> (transform, JPEG quality of the copy)
TRANSFORMS = {
    "resize 50 %": (lambda im: im.resize((im.width // 2, im.height // 2), Image.LANCZOS), 90),
    "resize 25 %": (lambda im: im.resize((im.width // 4, im.height // 4), Image.LANCZOS), 90),
    "JPEG q=40": (lambda im: im, 40),
    "crop 5 % a side": (lambda im: _crop(im, 0.05), 90),
    "crop 10 % a side": (lambda im: _crop(im, 0.10), 90),
    "brightness +15 %": (lambda im: ImageEnhance.Brightness(im).enhance(1.15), 90),
    "brightness -15 %": (lambda im: ImageEnhance.Brightness(im).enhance(0.85), 90),
    "contrast +15 %": (lambda im: ImageEnhance.Contrast(im).enhance(1.15), 90),
    "contrast -15 %": (lambda im: ImageEnhance.Contrast(im).enhance(0.85), 90),
    "grey": (lambda im: ImageOps.grayscale(im).convert("RGB"), 90),
    "rotate 2°": (lambda im: im.rotate(2, resample=Image.BICUBIC), 90),
    NEGATIVE: (ImageOps.mirror, 90),
}


def photos(shared: Path, n: int) -> list[Path]:
    """``n`` photos: the first n/2 of OSIE and of Scene, sorted by name."""
    osie = sorted((shared / "data" / "osie" / "images").glob("*.jpg"))
    scene = sorted((shared / "data" / "scene" / "images").glob("*.jpg"))
    return osie[: n - n // 2] + scene[: n // 2]


def hashes(paths: list[Path]) -> tuple[list[int], dict[str, list[int]], float]:
    """The originals' hashes, each transform's copies' hashes (same order), and the
    mean ms to hash one file (decode included)."""
    from renditions.engine.similarity import image_hash

    started = time.perf_counter()
    originals = [image_hash(p) for p in paths]
    per_file_ms = (time.perf_counter() - started) * 1000 / max(1, len(paths))
    copies = {name: [] for name in TRANSFORMS}
    for path in paths:
        image = Image.open(path).convert("RGB")
        for name, (transform, quality) in TRANSFORMS.items():
            buf = io.BytesIO()
            transform(image).save(buf, "JPEG", quality=quality)
            copies[name].append(image_hash(buf))
    return originals, copies, per_file_ms


def scores(originals: list[int], copies: dict[str, list[int]], threshold: int) -> dict:
    """Per transform: recalled copies and copies matching another photo's original;
    ``originals``: pairs of different originals within the threshold."""
    def near(a, b):
        return (a ^ b).bit_count() <= threshold

    result = {}
    for name, hashed in copies.items():
        recalled = sum(near(h, originals[i]) for i, h in enumerate(hashed))
        false = sum(any(near(h, o) for j, o in enumerate(originals) if j != i)
                    for i, h in enumerate(hashed))
        result[name] = {"recalled": recalled, "false": false, "of": len(hashed)}
    pairs = sum(near(a, b) for i, a in enumerate(originals) for b in originals[i + 1:])
    return {"transforms": result, "original_pairs": pairs}


def overall(score: dict) -> tuple[float, float]:
    """Precision and recall over every positive transform (the negative control out):
    true = copies recalled; false = wrong-photo matches of copies and originals."""
    rows = [s for name, s in score["transforms"].items() if name != NEGATIVE]
    true = sum(s["recalled"] for s in rows)
    false = sum(s["false"] for s in rows) + score["original_pairs"]
    return true / max(1, true + false), true / max(1, sum(s["of"] for s in rows))


def accuracy_report(by_threshold: dict[int, dict], n: int, per_file_ms: float) -> str:
    shipped = by_threshold[SHIPPED]
    header = ["transform", f"recall at ≤{SHIPPED}", f"false matches at ≤{SHIPPED}",
              *[f"recall at ≤{t}" for t in THRESHOLDS if t != SHIPPED]]
    rows = []
    for name, s in shipped["transforms"].items():
        others = [by_threshold[t]["transforms"][name] for t in THRESHOLDS if t != SHIPPED]
        rows.append([name, f"{s['recalled'] / s['of']:.1%}", s["false"],
                     *[f"{o['recalled'] / o['of']:.1%}" for o in others]])
    summary = [[f"≤{t}{' (shipped)' if t == SHIPPED else ''}",
                *[f"{v:.3f}" for v in overall(by_threshold[t])],
                by_threshold[t]["original_pairs"]] for t in THRESHOLDS]
    return "\n".join([
        f"## Recall and false matches: {n} photos, {len(TRANSFORMS)} copies each", "",
        f"pHash of 64 bits; hashing one file (decode included): {per_file_ms:.1f} ms. The "
        "flip is a negative control: its 'recall' is how often a mirrored copy is taken "
        "for the original.", "", markdown_table(header, rows), "",
        markdown_table(["threshold (bits)", "precision", "recall",
                        "pairs of different originals matched"], summary), ""])


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench similar", description=__doc__)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--setups", default="sqlite,postgres")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out-dir", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        from . import similar_run

        data = json.loads(args.input.read_text())
        args.input.write_text(json.dumps(similar_run.run(args.assets, **data)))
        return ""
    paths = photos(args.shared, args.photos)
    if not paths:
        raise SystemExit(f"No photos under {args.shared}/data: this benchmark needs ../shared.")
    originals, copies, per_file_ms = hashes(paths)
    by_threshold = {t: scores(originals, copies, t) for t in THRESHOLDS}
    queries = [h for hashed in copies.values() for h in hashed][: args.queries]
    timings, notes = setups_run(
        args.setups, lambda setup, env: _child(setup, env, args, originals, queries))
    text = "\n".join(["# Near-duplicates (bench/similar.py)", "",
                      accuracy_report(by_threshold, len(paths), per_file_ms),
                      lookup_report(timings, args.assets, notes)])
    print(text)
    write_report("similar.md", text, args.out_dir)
    return text


def _child(setup: str, env: dict, args, originals: list[int], queries: list[int]) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"salient-bench-similar-{setup}-") as tmp:
        env["SALIENT_VAR_DIR"] = tmp
        data = Path(tmp) / "data.json"
        data.write_text(json.dumps({"real": originals, "queries": queries,
                                    "max_distance": SHIPPED}))
        subprocess.run([sys.executable, "-m", "bench", "similar", "--child", setup,
                        "--assets", str(args.assets), "--input", str(data)],
                       cwd=ROOT, env=env, check=True)
        return json.loads(data.read_text())


def lookup_report(timings: dict, assets: int, notes=()) -> str:
    rows = []
    for setup, t in timings.items():
        b50, b95 = percentiles(t["banded"])
        s50, s95 = percentiles(t["scan"])
        rows.append([setup, len(t["banded"]), f"{b50:.2f}", f"{b95:.2f}", f"{s50:.1f}",
                     f"{s95:.1f}", f"{b50 / s50:.4f}", f"{t['candidates']:.0f}",
                     "yes" if t["same"] else "NO"])
    header = ["setup", "queries", "banded p50 ms", "banded p95 ms", "full scan p50 ms",
              "full scan p95 ms", "ratio p50 (banded / scan)", "median candidates",
              "same matches"]
    lines = [f"## Lookup at {assets:,} stored hashes (≤{SHIPPED} bits)", "",
             markdown_table(header, rows), ""]
    lines += [f"- {s}: load {t['load_s']:.0f} s ({t['database']})" for s, t in timings.items()]
    lines += [f"- {note}" for note in notes] + [f"- {machine_line()}"]
    return "\n".join(lines)
