"""``python -m bench load --assets N``: regeneration throughput at archive scale.

In a fresh ``SALIENT_VAR_DIR`` (SQLite, local files) the app's migrations run,
``N`` assets are created through ``dam.services.asset_create`` (nothing queued:
no broker) from a few generated 12 MP JPEGs, each copy its own file (a JPEG
comment segment naming it), and then ``manage.py generate_renditions`` runs in
its own process, as an operator runs it, and is timed: wall time, and its CPU
time (user + system of the process and every thread, from ``wait4``). Each
asset gets its analysis and its seven default renditions, as after an upload.

Reported: assets per minute (one process), CPU seconds per asset, assets per
minute per core (60 / CPU seconds per asset: what each core of a machine given
over to workers makes) and the time to regenerate 100,000 assets extrapolated
from both. ``--root`` measures another checkout (a "before" tree) with the same
photos and the same harness.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import ARTIFACTS, ROOT, machine_line, markdown_table, write_report
from .load_stages import SIZE, base_photos

ASSETS = 1000
BASES = 4
ARCHIVE = 100_000

_CREATE = """
import os
from pathlib import Path
from django.core.files.base import ContentFile
from dam import services
from bench.load_stages import distinct

services.asset_enqueue = lambda asset: None  # processed by generate_renditions
photos = [Path(p).read_bytes() for p in os.environ["SALIENT_BENCH_PHOTOS"].split(os.pathsep)]
for i in range(int(os.environ["SALIENT_BENCH_ASSETS"])):
    data = distinct(photos[i % len(photos)], i)
    services.asset_create(file=ContentFile(data, name=f"regenerate-{i:06d}.jpg"))
"""


def _env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(SALIENT_VAR_DIR=str(var_dir), SALIENT_HTTPS="0")
    return env


def _manage(root: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=root, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return done


def _timed(root: Path, env: dict, *args: str) -> tuple[float, float, str]:
    """Wall and CPU seconds of one ``manage.py`` run, and its output."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "manage.py", *args], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{output[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, output


def measure(*, assets: int, photo_paths: list[Path], root: Path = ROOT, keep: bool = False,
            echo=print) -> dict:
    """Create ``assets`` assets in a fresh instance of ``root`` and time their
    regeneration; return the figures."""
    var_dir = Path(tempfile.mkdtemp(prefix="salient-regenerate-"))
    env = _env(var_dir)
    try:
        _manage(root, env, "migrate", "--noinput")
        echo(f"regenerate: creating {assets} assets in {var_dir} ...")
        script = var_dir / "create_assets.py"
        script.write_text(_CREATE)
        _manage(root, {**env, "SALIENT_BENCH_ASSETS": str(assets),
                       "SALIENT_BENCH_PHOTOS": os.pathsep.join(map(str, photo_paths))},
                "shell", "-c", f"exec(open({str(script)!r}).read())")
        load_before = os.getloadavg()
        echo(f"regenerate: manage.py generate_renditions on {assets} assets ...")
        wall, cpu, output = _timed(root, env, "generate_renditions")
        load_after = os.getloadavg()
    finally:
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)
    return dict(root=str(root), assets=assets, wall_s=wall, cpu_s=cpu,
                assets_per_min=60 * assets / wall, cpu_s_per_asset=cpu / assets,
                assets_per_min_per_core=60 * assets / cpu,
                archive_hours_one_process=ARCHIVE * wall / assets / 3600,
                archive_core_hours=ARCHIVE * cpu / assets / 3600,
                load_before=load_before, load_after=load_after,
                summary=output.strip().splitlines()[-1] if output.strip() else "")


def report(results: list[dict], *, photo_line: str) -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = []
    for r in results:
        rows.append([r["root"], r["assets"], f"{r['wall_s']:.1f}", f"{r['assets_per_min']:.1f}",
                     f"{r['cpu_s_per_asset']:.2f}", f"{r['assets_per_min_per_core']:.1f}",
                     f"{r['archive_hours_one_process']:.1f}",
                     f"{r['archive_core_hours'] / cores:.1f}",
                     " / ".join(f"{x:.1f}" for x in (r["load_before"][0], r["load_after"][0]))])
    header = ["tree", "assets", "wall s", "assets/min (1 process)", "CPU s/asset",
              "assets/min per core", f"{ARCHIVE:,} assets: h (1 process)",
              f"h on {cores} cores (CPU-bound)", "load avg before / after"]
    lines = [f"## Regeneration throughput: `generate_renditions` ({photo_line})", "",
             markdown_table(header, rows), "",
             "- Each asset: analysis (saliency map, faces) and the 7 default renditions, "
             "stored on the local filesystem, SQLite.",
             "- Per core = 60 / CPU seconds per asset (the process's user + system time, all "
             "threads): the rate each core of a machine running one worker per core gives; "
             f"the {ARCHIVE:,}-asset figures extrapolate linearly from the measured run.",
             f"- Machine: {machine_line()}."]
    for r in results:
        if r["summary"]:
            lines.append(f"- {r['root']}: {r['summary']}")
    return "\n".join(lines)


def run(*, assets: int = ASSETS, bases: int = BASES, roots=(ROOT,), out_dir: Path | None = None,
        keep: bool = False, echo=print) -> dict:
    """Measure each tree in ``roots`` on the same photos; print and write the report."""
    out_dir = Path(out_dir) if out_dir else ARTIFACTS
    cache = out_dir / "load-photos"
    photos = base_photos(bases, cache=cache)
    paths = []
    for i, data in enumerate(photos):
        path = cache / f"regenerate-base-{i}.jpg"
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        paths.append(path)
    photo_line = (f"{len(photos)} generated {SIZE[0]}x{SIZE[1]} JPEGs of "
                  + ", ".join(f"{len(p) / 1e6:.1f}" for p in photos) + " MB")
    results = [measure(assets=assets, photo_paths=paths, root=Path(root), keep=keep, echo=echo)
               for root in roots]
    text = report(results, photo_line=photo_line)
    (out_dir / "regenerate.json").write_text(json.dumps(results, indent=2) + "\n")
    written = write_report("regenerate.md", text, out_dir)
    echo(text)
    echo(f"(written to {written})")
    return {"results": results, "text": text}
