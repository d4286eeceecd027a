"""``python -m bench.engine_ab --before PATH``: this tree's engine against another's, in one process.

Copies ``renditions/engine`` of both checkouts into a temporary directory as two
packages (the engine imports only itself, numpy, Pillow, onnxruntime and pyvips)
and times the seven default renditions of the speed bench's 12 MP photo with
each, and libvips making the same seven, interleaved round by round so that
background load hits all three alike: best and median wall ms and median CPU ms
(every thread of the process). Then the PSNR of each rendition, after against
before, of the pixels before encoding (PNG) and of the encoded files.
"""
from __future__ import annotations

import argparse
import importlib
import io
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from . import ARTIFACTS, ROOT, default_profiles
from .speed import make_photo, task_vips_renditions


def _engines(before: Path) -> dict[str, dict]:
    root = Path(tempfile.mkdtemp(prefix="salient-engine-ab-"))
    for name, tree in (("before", before), ("after", ROOT)):
        shutil.copytree(tree / "renditions" / "engine", root / f"engine_{name}")
    sys.path.insert(0, str(root))
    return {name: {m: importlib.import_module(f"engine_{name}.{m}")
                   for m in ("pipeline", "rendering", "pyramid", "sizing")}
            for name in ("before", "after")}


def _targets(engine: dict, size) -> list[dict]:
    out = []
    for slug, _name, aspect, exact, max_width, fmt, quality in default_profiles():
        width, height = exact or (None, None)
        spec = engine["pipeline"].RenditionSpec(aspect=aspect, width=width, height=height,
                                                max_width=max_width)
        box = engine["sizing"].box_size(spec.ratio, *size)
        out.append(dict(slug=slug, spec=spec, fmt=fmt, quality=quality, size=engine[
            "sizing"].output_size(box, width=width, height=height, max_width=max_width,
                                  allow_upscale=False, aspect=aspect)))
    return out


def seven(engine: dict, photo: Path, targets, size, png: bool = False) -> list[bytes]:
    """As ``bench.analysis.salient_renditions``, with ``engine``'s modules."""
    pipeline, rendering = engine["pipeline"], engine["rendering"]
    reduce = pipeline.decode_reduction([t["spec"] for t in targets], size)
    decoded = engine["pyramid"].Pyramid.open(photo, max_pixels=None, reduce=reduce)
    planner = pipeline.Planner(pipeline.analyse(decoded))
    jobs = [rendering.Job(plan.box, plan.size, "png" if png else t["fmt"], t["quality"])
            for t in targets for plan in [planner.plan(t["spec"])]]
    return rendering.render_decoded(decoded, photo, jobs, max_pixels=None, threads=2)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _psnr(a: bytes, b: bytes) -> str:
    a, b = (np.asarray(Image.open(io.BytesIO(x)).convert("RGB"), np.float64) for x in (a, b))
    mse = float(((a - b) ** 2).mean())
    return "inf" if mse == 0 else f"{10 * np.log10(255 ** 2 / mse):.1f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="another checkout")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    photo, _ = make_photo(ARTIFACTS)
    with Image.open(photo) as im:
        size = im.size
    engines = _engines(args.before)
    targets = {k: _targets(e, size) for k, e in engines.items()}
    tasks = {k: (lambda k=k: seven(engines[k], photo, targets[k], size)) for k in engines}
    tasks["vips"] = lambda: task_vips_renditions(photo, targets["after"])
    for task in tasks.values():
        task()  # warm-up
    wall, cpu = {k: [] for k in tasks}, {k: [] for k in tasks}
    for _ in range(args.rounds):
        for key, task in tasks.items():
            start, start_cpu = time.perf_counter(), _cpu()
            task()
            wall[key].append(time.perf_counter() - start)
            cpu[key].append(_cpu() - start_cpu)
    print(f"{args.rounds} rounds, load average after: {os.getloadavg()[0]:.1f}")
    for key in tasks:
        ratio = "" if key == "vips" else (
            f"; / vips: best {min(wall[key]) / min(wall['vips']):.2f}x, median "
            f"{statistics.median(wall[key]) / statistics.median(wall['vips']):.2f}x, CPU "
            f"{statistics.median(cpu[key]) / statistics.median(cpu['vips']):.2f}x")
        print(f"{key}: best {1000 * min(wall[key]):.0f} ms, median "
              f"{1000 * statistics.median(wall[key]):.0f} ms, CPU "
              f"{1000 * statistics.median(cpu[key]):.0f} ms{ratio}")
    pixels = [seven(engines[k], photo, targets[k], size, png=True) for k in ("after", "before")]
    files = [seven(engines[k], photo, targets[k], size) for k in ("after", "before")]
    for t, pa, pb, fa, fb in zip(targets["after"], *pixels, *files):
        print(f"{t['slug']} {t['size'][0]}x{t['size'][1]}: PSNR after vs before {_psnr(pa, pb)} dB "
              f"(pixels), {_psnr(fa, fb)} dB (files); bytes {len(fb)} -> {len(fa)}")


if __name__ == "__main__":
    main()
