"""Speed on a 12-megapixel JPEG: Salient against libvips' attention crop.

Side by side in one process, methods interleaved round by round so that
background load hits them alike; best and median of the repeats:

(a) ``suggest`` for the five aspects of ``bench.ASPECTS`` (analysis decode,
    saliency map, faces when the detector is installed, five plans) against ONE
    ``pyvips.Image.thumbnail(path, 1600, height=900, crop="attention")`` with its
    pixels forced (in memory, and again encoded to JPEG);
(b) the app's seven default renditions: Salient (one decode and its reduction
    pyramid, the analysis from it, seven plans and renders) against libvips
    making the same seven sizes with ``thumbnail(..., crop="attention")`` and
    the same encoders, and a Pillow centre-crop baseline.

Besides wall time, each run's CPU time (all threads of the process) is
reported: on a shared machine it moves far less than wall time.

Peak memory: each method once more in a fresh subprocess, read from the
kernel (``VmHWM``, and ``VmRSS`` after the imports), since tracemalloc
misses C allocations. libvips' operation cache is off so repeats are honest.

The test photo: an OSIE photo upscaled to 4000x3000 with grain added, so the
JPEG has realistic entropy; without ``../shared``, a generated photo.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from . import (ARTIFACTS, ASPECTS, ROOT, SHARED, default_profiles, has_osie,
               machine_line, markdown_table, osie_dir, synthetic_photo, write_report)
from . import analysis

REPEATS = 7
SIZE = (4000, 3000)
SOURCE_PHOTO = "1551.jpg"  # the first validation photo: never seen in training


# -- the test photo -------------------------------------------------------------

def make_photo(out_dir: Path, *, shared: Path = SHARED, synthetic: bool = False,
               size=SIZE) -> tuple[Path, str]:
    """Write (once) and return the 12 MP test JPEG and a line describing it."""
    use_osie = has_osie(shared) and not synthetic
    name = f"photo-{size[0]}x{size[1]}-{'osie' if use_osie else 'generated'}.jpg"
    path = Path(out_dir) / name
    if use_osie:
        what = f"OSIE {SOURCE_PHOTO} upscaled (bicubic) with grain sigma 5"
    else:
        what = "a generated photo (no ../shared)"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        if use_osie:
            with Image.open(osie_dir(shared) / "images" / SOURCE_PHOTO) as src:
                base = np.asarray(src.convert("RGB").resize(size, Image.Resampling.BICUBIC),
                                  np.float32)
        else:
            base = np.asarray(synthetic_photo(*size, seed=1, grain=0)[0], np.float32)
        rng = np.random.default_rng(0)
        base += 5 * rng.standard_normal(base.shape, dtype=np.float32)
        Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)).save(path, quality=92)
    return path, f"{what}: {size[0]}x{size[1]}, {path.stat().st_size / 1e6:.1f} MB"


# -- the tasks ------------------------------------------------------------------

def _vips():
    import pyvips

    pyvips.cache_set_max(0)
    return pyvips


def _vips_options(fmt: str, quality: int, size: tuple[int, int] = (0, 0)) -> tuple[str, dict]:
    """libvips encoder settings matching the engine's for a ``size`` px output
    (optimised JPEG, progressive from ``encoding.PROGRESSIVE_FROM`` px)."""
    from renditions.engine import encoding

    if fmt == "jpeg":
        options = encoding.save_options(fmt, quality, size)
        return ".jpg", dict(Q=quality, optimize_coding=options["optimize"],
                            interlace=options["progressive"])
    return f".{fmt}", dict(Q=quality)


def task_suggest(path, targets):
    return analysis.suggest(path, ASPECTS)


def task_vips_one(path, targets):
    return _vips().Image.thumbnail(str(path), 1600, height=900, crop="attention").copy_memory()


def task_vips_one_jpeg(path, targets):
    image = _vips().Image.thumbnail(str(path), 1600, height=900, crop="attention")
    return image.write_to_buffer(".jpg", Q=82)


def task_salient_renditions(path, targets):
    return analysis.salient_renditions(path, targets)


def task_vips_renditions(path, targets):
    pyvips, out = _vips(), []
    for t in targets:
        ext, options = _vips_options(t["fmt"], t["quality"], t["size"])
        image = pyvips.Image.thumbnail(str(path), t["size"][0], height=t["size"][1],
                                       crop="attention")
        out.append(image.write_to_buffer(ext, **options))
    return out


def task_centre_renditions(path, targets):
    """Pillow: decode once, centre box of each aspect, Lanczos, same encoders."""
    import io

    from renditions.engine import encoding, sizing

    with Image.open(path) as im:
        im.load()
        out = []
        for t in targets:
            w, h = sizing.box_size(t["aspect"], *im.size)
            x0, y0 = (im.width - w) // 2, (im.height - h) // 2
            small = im.resize(t["size"], Image.Resampling.LANCZOS, box=(x0, y0, x0 + w, y0 + h),
                              reducing_gap=3.0)
            buf = io.BytesIO()
            small.save(buf, t["fmt"].upper(), **encoding.save_options(t["fmt"], t["quality"],
                                                                   t["size"]))
            out.append(buf.getvalue())
    return out


TASKS = {
    "suggest": ("Salient suggest, 5 aspects", task_suggest),
    "vips1": ("libvips thumbnail 1600x900 attention, 1 aspect (pixels in memory)", task_vips_one),
    "vips1jpeg": ("libvips thumbnail 1600x900 attention, 1 aspect, + JPEG encode",
                  task_vips_one_jpeg),
    "salient7": ("Salient, 7 default renditions", task_salient_renditions),
    "vips7": ("libvips thumbnail attention, the same 7 renditions", task_vips_renditions),
    "centre7": ("Pillow centre crop, the same 7 renditions", task_centre_renditions),
}
#: (task, baseline, label, target ratio or None): issue 26's targets.
RATIOS = (("suggest", "vips1", "suggest 5 aspects / vips attention 1 aspect (pixels)", 0.7),
          ("suggest", "vips1jpeg", "suggest 5 aspects / vips attention 1 aspect + JPEG", 0.7),
          ("salient7", "vips7", "Salient 7 renditions / vips attention 7 renditions", 0.5),
          ("salient7", "centre7", "Salient 7 renditions / Pillow centre crop 7 renditions", None))


def available_tasks() -> tuple[list[str], list[str]]:
    """Task ids that can run here, and notes on those that cannot."""
    import importlib.util

    keys, notes = list(TASKS), []
    if importlib.util.find_spec("pyvips") is None:
        keys = [k for k in keys if not k.startswith("vips")]
        notes.append("pyvips not installed (pip install -e '.[bench]'): no libvips rows")
    if importlib.util.find_spec("renditions.engine.rendering") is None:
        keys = [k for k in keys if k != "salient7"]
        notes.append("renditions.engine.rendering is missing: no Salient renditions row")
    return keys, notes


# -- timing ---------------------------------------------------------------------

def time_tasks(keys, path, targets, repeats: int, cpu: dict | None = None
               ) -> dict[str, list[float]]:
    """Seconds per run of each task: one warm-up, then ``repeats`` interleaved rounds
    (the order rotated round by round).

    ``cpu``, when given, receives each run's CPU seconds (user + system, every
    thread of the process: libvips', onnxruntime's, the render threads): a
    figure that other work on a shared machine barely moves, unlike wall time.
    """
    for key in keys:
        TASKS[key][1](path, targets)  # warm-up: imports, model sessions, page cache
    times = {key: [] for key in keys}
    cpu = {} if cpu is None else cpu
    for round_ in range(repeats):
        # each round starts one task later, so that no task always follows the
        # same one: a task that frees a lot (the Pillow baseline's full decode)
        # has the next one fault its memory back in
        for key in keys[round_ % len(keys):] + keys[:round_ % len(keys)]:
            start, start_cpu = time.perf_counter(), _cpu_seconds()
            TASKS[key][1](path, targets)
            times[key].append(time.perf_counter() - start)
            cpu.setdefault(key, []).append(_cpu_seconds() - start_cpu)
    return times


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def suggest_stages(path, repeats: int) -> dict[str, float]:
    """Median seconds of each stage of ``suggest``: decode, the front door's
    analysis without and with faces (their difference is the detector), 5 plans."""
    from renditions.engine import pipeline

    stages = {"decode for analysis": [], "saliency map": [], "map + faces": [], "5 plans": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        small, size = pipeline.analysis_copy(path)
        t1 = time.perf_counter()
        pipeline.analyse_image(small, size, detect_faces=False)
        t2 = time.perf_counter()
        planner = pipeline.Planner(pipeline.analyse_image(small, size))
        t3 = time.perf_counter()
        for aspect in ASPECTS:
            planner.plan(pipeline.RenditionSpec(aspect=aspect))
        t4 = time.perf_counter()
        for key, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            stages[key].append(dt)
    return {k: statistics.median(v) for k, v in stages.items()}


def render_stages(path, targets, repeats: int) -> dict[str, float]:
    """Median seconds of the one decode, its pyramid's levels and each rendition's
    plan + render from them (one thread)."""
    from renditions.engine import pipeline, pyramid, rendering

    planner = pipeline.Planner(analysis.analyse(path))
    stages: dict[str, list] = {"decode": [], "levels 1/2-1/8": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        decoded = pyramid.Pyramid.open(path, max_pixels=None)
        t1 = time.perf_counter()
        decoded.level(pyramid.MAX_LEVEL)
        stages["decode"].append(t1 - t0)
        stages["levels 1/2-1/8"].append(time.perf_counter() - t1)
        for t in targets:
            t0 = time.perf_counter()
            plan = planner.plan(t["spec"])
            rendering.render(decoded, plan.box, plan.size, fmt=t["fmt"], quality=t["quality"])
            stages.setdefault(f"plan+render {t['slug']}", []).append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in stages.items()}


# -- memory: one fresh process per method -----------------------------------------

def _status_kb(field: str) -> int:
    """A ``/proc/self/status`` figure in kB (Linux), or 0 where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def child(key: str, path: str) -> dict:
    """Run one task once in this (fresh) process; report its memory in kB.

    Peak is ``VmHWM``, the high-water mark of this process's memory since its
    exec; ``ru_maxrss`` would not do, as Linux carries it over from the
    forking parent.
    """
    _prepare_imports(key)
    targets = _targets(path)
    before = _status_kb("VmRSS")
    TASKS[key][1](path, targets)
    peak = _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"key": key, "after_imports_kb": before, "peak_kb": peak}


def _prepare_imports(key: str) -> None:
    """Import what the task needs before the baseline is read."""
    if key.startswith("vips"):
        _vips()
    else:
        from renditions.engine import loading, pipeline, planning, saliency  # noqa: F401
        if key != "centre7":
            import onnxruntime  # noqa: F401
            pipeline.analyse_image(Image.new("RGB", (8, 8)), (8, 8))  # imports the detector


def measure_memory(keys, path) -> dict[str, dict]:
    """Peak RSS per task, each in its own subprocess."""
    out = {}
    for key in keys:
        proc = subprocess.run([sys.executable, "-m", "bench.speed", "--child", key, str(path)],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        if proc.returncode == 0:
            out[key] = json.loads(proc.stdout.strip().splitlines()[-1])
        else:
            out[key] = {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
    return out


# -- report -----------------------------------------------------------------------

def _targets(path) -> list[dict]:
    with Image.open(path) as im:
        size = im.size
    return analysis.profile_targets(default_profiles(), size)


def _threads_line() -> str:
    from renditions.engine import saliency

    parts = []
    try:
        parts.append(f"libvips {_vips().concurrency_get()} threads")
    except ImportError:
        pass
    backend = saliency.get_backend(None)
    if hasattr(backend, "threads"):
        model = f"onnxruntime {backend.threads} intra-op threads ({Path(backend.path).name})"
    else:
        model = f"saliency backend {backend.name} (numpy, 1 thread)"
    parts += [model, f"Pillow decode 1 thread, resize (libvips lanczos3 where it applies: "
                     f"engine.resample) + encode on {analysis.RENDER_THREADS} render threads"]
    return "Threads: " + "; ".join(parts) + "."


def report(times, memory, stages, *, photo: str, targets, notes, cpu=None) -> str:
    ms = lambda s: f"{1000 * s:.0f}"  # noqa: E731
    mb = lambda kb: f"{kb / 1024:.0f}"  # noqa: E731
    cpu = cpu or {}
    rows = []
    for key, runs in times.items():
        mem = memory.get(key, {})
        peak = [mb(mem["peak_kb"]), mb(mem["peak_kb"] - mem["after_imports_kb"])] \
            if "peak_kb" in mem else ["n/a", "n/a"]
        used = ms(statistics.median(cpu[key])) if key in cpu else "n/a"
        rows.append([TASKS[key][0], ms(min(runs)), ms(statistics.median(runs)), used] + peak)
    header = ["task", "best ms", "median ms", "CPU ms (median)", "peak RSS MB",
              "peak above imports MB"]
    lines = [f"## Speed on a 12 MP JPEG ({photo})", "",
             markdown_table(header, rows), "",
             "Ratios (best / best; median / median; CPU time median / median):", ""]
    for a, b, label, target in RATIOS:
        if a in times and b in times:
            best = min(times[a]) / min(times[b])
            med = statistics.median(times[a]) / statistics.median(times[b])
            used = (f"; CPU {statistics.median(cpu[a]) / statistics.median(cpu[b]):.2f}x"
                    if a in cpu and b in cpu else "")
            verdict = "" if target is None else \
                f" (target <= {target}: {'met' if best <= target else 'NOT met'})"
            lines.append(f"- {label} = {best:.2f}x (median {med:.2f}x{used}){verdict}")
    lines += ["", "Where Salient's time goes (median ms): "
              + ", ".join(f"{k} {ms(v)}" for k, v in stages.items()), "",
              "Renditions: " + ", ".join(
                  f"{t['slug']} {t['size'][0]}x{t['size'][1]} {t['fmt']} q{t['quality']}"
                  for t in targets) + ".",
              _threads_line(), f"Salient {analysis.faces_status()}.",
              f"Machine: {machine_line()}.",
              f"Repeats: {len(next(iter(times.values())))} per task after one warm-up, "
              "tasks interleaved, their order rotated each round; libvips operation cache "
              "off (cache_set_max(0)); the file "
              "is in the page cache for every task."]
    lines += [f"- {n}" for n in notes]
    lines += [f"- memory of {TASKS[k][0]} not measured: {m['error']}"
              for k, m in memory.items() if "error" in m]
    return "\n".join(lines)


#: The worker's memory bound for the largest photo the default limit admits
#: (``loading.DEFAULT_MAX_PIXELS`` = 100 MP, which DAM["MAX_PIXELS"] None means);
#: tests/integration/test_bad_inputs.py holds it too.
HUGE_SIZE = (12240, 8160)
HUGE_BOUND_MB = 400


def huge_photo_memory(out_dir: Path, keys) -> str:
    """Peak RSS of the 7 renditions of a 99.9 MP JPEG: Salient against libvips."""
    path = Path(out_dir) / f"photo-{HUGE_SIZE[0]}x{HUGE_SIZE[1]}-generated.jpg"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        synthetic_photo(*HUGE_SIZE)[0].save(path, quality=88)
    mem = measure_memory([k for k in ("salient7", "vips7", "centre7") if k in keys], path)
    rows = [[TASKS[k][0], f"{m['peak_kb'] / 1024:.0f}"] for k, m in mem.items() if "peak_kb" in m]
    lines = [f"## Peak memory on a {HUGE_SIZE[0] * HUGE_SIZE[1] / 1e6:.1f} MP JPEG "
             f"({path.stat().st_size / 2**20:.0f} MB, generated)", "",
             markdown_table(["task", "peak RSS MB"], rows), ""]
    if "salient7" in mem and "peak_kb" in mem["salient7"]:
        peak = mem["salient7"]["peak_kb"] / 1024
        verdict = "held" if peak <= HUGE_BOUND_MB else "NOT held"
        lines.append(f"- Salient's bound {HUGE_BOUND_MB} MB: {verdict} ({peak:.0f} MB); it "
                     "decodes a JPEG this large at 1/4, the largest size its renditions need "
                     "(rendering.decode_reduction).")
        if "vips7" in mem and "peak_kb" in mem["vips7"]:
            ratio = peak * 1024 / mem["vips7"]["peak_kb"]
            lines.append(f"- Salient / libvips peak = {ratio:.2f}x (target <= 1.0: "
                         f"{'met' if ratio <= 1 else 'NOT met'})")
    return "\n".join(lines)


def run(*, shared: Path = SHARED, repeats: int = REPEATS, synthetic: bool = False,
        memory: bool = True, out_dir: Path | None = None, work_dir: Path | None = None,
        size=SIZE, echo=print) -> str:
    """Run the speed benchmark, print and write the report; return its text."""
    path, photo = make_photo(work_dir or ARTIFACTS, shared=shared, synthetic=synthetic, size=size)
    targets = _targets(path)
    keys, notes = available_tasks()
    echo(f"speed: {photo}; {len(keys)} tasks x {repeats} repeats ...")
    cpu: dict[str, list[float]] = {}
    times = time_tasks(keys, path, targets, repeats, cpu)
    stages = suggest_stages(path, repeats)
    if "salient7" in keys:
        stages.update(render_stages(path, targets, max(1, repeats // 2)))
    mem = measure_memory(keys, path) if memory else {}
    if not memory:
        notes.append("quick run: no memory measurement")
    text = report(times, mem, stages, photo=photo, targets=targets, notes=notes, cpu=cpu)
    if memory:
        text += "\n\n" + huge_photo_memory(work_dir or ARTIFACTS, keys)
    written = write_report("speed.md", text, out_dir)
    echo(text)
    echo(f"(written to {written})")
    return text


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--child", nargs=2, metavar=("TASK", "IMAGE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    run(shared=args.shared, repeats=args.repeats, synthetic=args.synthetic,
        memory=not args.no_memory)


if __name__ == "__main__":
    main()
