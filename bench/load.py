"""``python -m bench load``: regeneration throughput, then a burst of 12 MP uploads.

First ``generate_renditions`` over ``--assets`` (default 1,000) assets: assets per
minute per core and the time for 100,000 (bench/regenerate.py; ``--assets 0``
skips it); then the burst below (``--uploads 0`` skips it).

For each worker concurrency (1 and 2 by default) the app is started exactly as
``make run`` does (``migrate``, ``ensure_editor``, ``serve ADDR --concurrency C``,
``SALIENT_HTTPS=0``) in a fresh ``SALIENT_VAR_DIR``; parallel clients log in as
the editor through the login form and POST one file per request to
``/upload/`` with ``Accept: application/json``, as the upload page's script
does. Every upload is a distinct file (duplicates are refused): a few generated
4000x3000 JPEGs, each copy with its own JPEG comment segment.

Measured: uploads per minute accepted by the web, upload-to-last-rendition time
per asset (``Asset.created_at`` to its newest ``Rendition.created_at``, read
from the database at the end), wall time until every asset is done, peak RSS of
the worker's process tree (sampled every 0.2 s), failures, and what the serve
log says (5xx, tracebacks, locks, retries, restarts). The share of time per
stage is measured in-process on a few of the same photos with the engine
functions that ``renditions.services`` calls, so it comes from the same code.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import ARTIFACTS, ROOT, machine_line, markdown_table, regenerate, write_report
from .load_stages import (SIZE, STAGES, base_photos, distinct, measure_stages, percentile,
                          pipeline_settings, stage_shares)

UPLOADS = 200
CLIENTS = 4
WORKERS = (1, 2)
BASES = 4  # distinct generated photos; uploads cycle through them
STAGE_PHOTOS = 4
STALL = 300.0  # s without a finished asset before the run is declared stuck
SAMPLE_EVERY = 0.2  # s between RSS samples


# -- the app ----------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class App:
    """The embedded default, started as ``make run`` starts it, in ``var_dir``."""

    def __init__(self, concurrency: int, var_dir: Path, log_path: Path):
        self.concurrency, self.var_dir, self.log_path = concurrency, var_dir, log_path
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
        self.env.update(SALIENT_VAR_DIR=str(var_dir), SALIENT_HTTPS="0")
        self.proc = None

    def __enter__(self) -> "App":
        self.log = self.log_path.open("w")
        for command in (["migrate", "--noinput"], ["ensure_editor"]):
            done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT,
                                  env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
            if done.returncode:
                raise RuntimeError(f"manage.py {command[0]} failed:\n{self.log_text()[-3000:]}")
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}",
             "--concurrency", str(self.concurrency)], cwd=ROOT, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()
        self.password = (self.var_dir / "editor-password.txt").read_text().strip()
        return self

    def _wait_ready(self, timeout: float = 180.0) -> None:
        """Until the web answers /login/ and the worker has said it is ready."""
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(requests.RequestException):
                if (requests.get(f"{self.base}/login/", timeout=5).status_code == 200
                        and re.search(r"salient@\S+ ready\.", self.log_text())):
                    return
            time.sleep(0.5)
        raise RuntimeError(f"the app did not start:\n{self.log_text()[-3000:]}")

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    @property
    def db_path(self) -> Path:
        return self.var_dir / "db.sqlite3"

    def __exit__(self, *exc) -> None:
        """Ctrl-C, as a person stops ``make run``; KILL whatever is left after 60 s."""
        import psutil

        left = []
        with contextlib.suppress(psutil.Error):
            left = psutil.Process(self.proc.pid).children(recursive=True)
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for child in left:
            with contextlib.suppress(psutil.Error):
                child.kill()
        self.log.close()


class TreeSampler(threading.Thread):
    """Peak RSS (bytes) of the worker's and the web server's process trees."""

    def __init__(self, serve_pid: int, every: float = SAMPLE_EVERY):
        super().__init__(daemon=True)
        self.serve_pid, self.every, self.halt = serve_pid, every, threading.Event()
        self.peak = {"worker": 0, "pool child": 0, "web": 0}
        self.samples = 0

    def run(self) -> None:
        while not self.halt.wait(self.every):
            with contextlib.suppress(Exception):  # a process went away mid-sample
                self._sample()

    def _sample(self) -> None:
        import psutil

        for top in psutil.Process(self.serve_pid).children():
            kind = _kind(top.cmdline())
            if kind is None:
                continue
            kids = [p.memory_info().rss for p in top.children(recursive=True)]
            total = top.memory_info().rss + sum(kids)
            self.peak[kind] = max(self.peak[kind], total)
            if kind == "worker" and kids:
                self.peak["pool child"] = max(self.peak["pool child"], max(kids))
        self.samples += 1


def _kind(cmdline: list[str]) -> str | None:
    if "celery" in cmdline and "worker" in cmdline:
        return "worker"
    return "web" if "gunicorn" in cmdline or "granian" in cmdline else None


# -- clients ----------------------------------------------------------------------

@dataclass
class Upload:
    index: int
    started: float  # epoch s
    seconds: float
    status: int | None
    uid: str | None
    error: str = ""


def login(base: str, password: str):
    """A requests session logged in as the editor through the login form."""
    import requests

    http = requests.Session()
    http.get(f"{base}/login/", timeout=30)
    answer = http.post(f"{base}/login/", timeout=30, data={
        "username": "editor", "password": password,
        "csrfmiddlewaretoken": http.cookies["csrftoken"]})
    if answer.url.rstrip("/") != base:
        raise RuntimeError(f"login failed: {answer.status_code} at {answer.url}")
    return http


def upload_one(http, base: str, index: int, data: bytes) -> Upload:
    """POST one file as the upload page's script does; never raises."""
    started, clock = time.time(), time.perf_counter()
    token = http.cookies.get("csrftoken", "")
    try:
        answer = http.post(f"{base}/upload/", timeout=300,
                           headers={"Accept": "application/json", "X-CSRFToken": token},
                           files={"files": (f"load-{index:04d}.jpg", data, "image/jpeg")},
                           data={"title": "", "csrfmiddlewaretoken": token})
    except Exception as exc:  # noqa: BLE001 - the report names it
        return Upload(index, started, time.perf_counter() - clock, None, None, repr(exc))
    seconds = time.perf_counter() - clock
    try:
        body = answer.json()
    except ValueError:
        body = {"errors": [answer.text[:300]]}
    created = body.get("created") or []
    uid = created[0]["id"] if answer.status_code == 201 and created else None
    error = "" if uid else f"HTTP {answer.status_code}: {' '.join(body.get('errors', []))}"
    return Upload(index, started, seconds, answer.status_code, uid, error)


def upload_all(app: App, photos: list[bytes], n: int, clients: int) -> list[Upload]:
    """``n`` distinct uploads from ``clients`` logged-in sessions in parallel."""
    sessions = queue.Queue()
    for _ in range(clients):
        sessions.put(login(app.base, app.password))

    def task(index: int) -> Upload:
        http = sessions.get()
        try:
            return upload_one(http, app.base, index, distinct(photos[index % len(photos)], index))
        finally:
            sessions.put(http)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(task, range(n)))


# -- the database and the log -------------------------------------------------------

def _connect(db_path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(db_path, timeout=30)
    con.execute("PRAGMA query_only = 1")
    return con


def wait_done(db_path: Path, expected: int, stall: float = STALL) -> bool:
    """Until ``expected`` assets are ready or failed; False after ``stall`` s without one."""
    last, since = -1, time.monotonic()
    with contextlib.closing(_connect(db_path)) as con:
        while True:
            done = con.execute("SELECT COUNT(*) FROM dam_asset WHERE status IN "
                               "('ready', 'failed')").fetchone()[0]
            if done >= expected:
                return True
            if done != last:
                last, since = done, time.monotonic()
            elif time.monotonic() - since > stall:
                return False
            time.sleep(1.0)


def _epoch(stamp: str | None) -> float | None:
    """A Django SQLite datetime (UTC, naive or with offset) as epoch seconds."""
    if not stamp:
        return None
    parsed = datetime.fromisoformat(stamp)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp()


def asset_rows(db_path: Path) -> list[dict]:
    """Per asset: uid, status, error, created and last rendition (epoch s), renditions."""
    sql = ("SELECT a.uid, a.status, a.error_message, a.created_at, MAX(r.created_at), "
           "COUNT(r.id) FROM dam_asset a LEFT JOIN renditions_rendition r "
           "ON r.asset_id = a.id GROUP BY a.id")
    with contextlib.closing(_connect(db_path)) as con:
        rows = con.execute(sql).fetchall()
        profiles = con.execute("SELECT COUNT(*) FROM renditions_renditionprofile "
                               "WHERE is_active").fetchone()[0]
    return [dict(uid=uid, status=status, error=error, created=_epoch(created),
                 last=_epoch(last), renditions=count, profiles=profiles)
            for uid, status, error, created, last, count in rows]


LOG_SIGNS = {
    "HTTP 5xx": re.compile(r'" 5\d\d \d'),
    "tracebacks": re.compile(r"^Traceback"),
    "database is locked": re.compile(r"database is locked"),
    "transient retries": re.compile(r"will retry|Retry in"),
    "supervisor restarts": re.compile(r"restarting it"),
    "sweep re-queues": re.compile(r"Sweep: asset"),
    "errors logged": re.compile(r"ERROR/|\bERROR\b|CRITICAL"),
}
TASK_DONE = re.compile(r"renditions\.tasks\.process_asset\[[^]]*\] succeeded in ([\d.]+)s")


def log_findings(text: str, examples: int = 3) -> dict[str, dict]:
    """Count of each sign of trouble in the serve log, with a few example lines."""
    lines = text.splitlines()
    found = {}
    for name, pattern in LOG_SIGNS.items():
        hits = [line for line in lines if pattern.search(line)]
        if hits:
            found[name] = {"count": len(hits), "examples": [h[:300] for h in hits[:examples]]}
    return found


# -- one configuration --------------------------------------------------------------

def run_one(concurrency: int, photos: list[bytes], *, uploads: int, clients: int,
            out_dir: Path, keep: bool, echo=print) -> dict:
    """Start the app with ``concurrency`` workers, send the burst, wait, measure."""
    var_dir = Path(tempfile.mkdtemp(prefix=f"salient-load-{concurrency}w-"))
    log_path = out_dir / f"load-{concurrency}-workers.log"
    try:
        with App(concurrency, var_dir, log_path) as app:
            sampler = TreeSampler(app.proc.pid)
            sampler.start()
            echo(f"load: {concurrency} worker(s): {uploads} uploads from {clients} clients ...")
            sent = upload_all(app, photos, uploads, clients)
            accepted = [u for u in sent if u.uid]
            finished = wait_done(app.db_path, len(accepted))
            sampler.halt.set()
            sampler.join()
            rows = asset_rows(app.db_path)
            log = app.log_text()
    finally:
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)
    result = summarise(concurrency, sent, rows, finished, sampler)
    tasks = [float(s) for s in TASK_DONE.findall(log)]
    busy = sum(tasks) / (result["wall_s"] * concurrency) if result["wall_s"] else None
    result.update(task_median_s=statistics.median(tasks) if tasks else None,
                  worker_busy=busy, log=str(log_path), log_findings=log_findings(log),
                  var_dir=str(var_dir) if keep else None)
    return result


def summarise(concurrency, sent: list[Upload], rows, finished: bool, sampler) -> dict:
    """The figures of one configuration from its uploads and the database rows."""
    accepted = [u for u in sent if u.uid]
    first = min(u.started for u in sent)
    last_answer = max(u.started + u.seconds for u in sent)
    ready = [r for r in rows if r["status"] == "ready" and r["last"]]
    latency = [r["last"] - r["created"] for r in ready]
    problems = [f"upload {u.index}: {u.error}" for u in sent if not u.uid]
    problems += [f"asset {r['uid']}: {r['status']}: {r['error'] or 'no message'}"
                 for r in rows if r["status"] != "ready"]
    problems += [f"asset {r['uid']}: {r['renditions']} of {r['profiles']} renditions"
                 for r in ready if r["renditions"] != r["profiles"]]
    wall = max(r["last"] for r in ready) - first if ready else None
    mb = 1024 * 1024
    return dict(
        workers=concurrency, uploads=len(sent), accepted=len(accepted), ready=len(ready),
        all_finished=finished,
        uploads_per_min=len(accepted) / (last_answer - first) * 60,
        upload_request_median_s=statistics.median(u.seconds for u in sent),
        latency_median_s=statistics.median(latency) if latency else None,
        latency_p95_s=percentile(latency, 95),
        wall_s=wall, ready_per_min=len(ready) / wall * 60 if wall else None,
        peak_worker_rss_mb=sampler.peak["worker"] / mb,
        peak_pool_child_rss_mb=sampler.peak["pool child"] / mb,
        peak_web_rss_mb=sampler.peak["web"] / mb, rss_samples=sampler.samples,
        failures=len(problems), problems=problems)


# -- report -------------------------------------------------------------------------

def _fmt(value, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ratio(results, key) -> float | None:
    by = {r["workers"]: r.get(key) for r in results}
    if by.get(1) and by.get(2):
        return by[2] / by[1]
    return None


def report(results: list[dict], stages: dict[str, float], *, photo_line: str,
           clients: int, stage_photos: int) -> str:
    header = ["workers", "uploads accepted", "uploads/min", "upload→last rendition median s",
              "p95 s", "wall s (all done)", "assets done/min", "peak worker RSS MB",
              "peak pool child MB", "peak web RSS MB", "task s (Celery)", "pool busy %",
              "failures"]
    rows = [[r["workers"], f"{r['accepted']}/{r['uploads']}", _fmt(r["uploads_per_min"]),
             _fmt(r["latency_median_s"]), _fmt(r["latency_p95_s"]), _fmt(r["wall_s"]),
             _fmt(r["ready_per_min"]), _fmt(r["peak_worker_rss_mb"], 0),
             _fmt(r["peak_pool_child_rss_mb"], 0), _fmt(r["peak_web_rss_mb"], 0),
             _fmt(r["task_median_s"], 2),
             _fmt(None if r["worker_busy"] is None else 100 * r["worker_busy"], 0),
             r["failures"]] for r in results]
    lines = [f"## Load: {results[0]['uploads']} uploads of 12 MP JPEGs from {clients} clients",
             "", markdown_table(header, rows), ""]
    for key, label in (("uploads_per_min", "uploads/min"),
                       ("latency_median_s", "median upload→last rendition"),
                       ("ready_per_min", "assets done/min")):
        ratio = _ratio(results, key)
        if ratio is not None:
            lines.append(f"- {label}, 2 workers / 1 worker = {ratio:.2f}x")
    lines += ["", *_stage_lines(stages, stage_photos), "", *_notes(results, photo_line)]
    for r in results:
        lines += _trouble_lines(r)
    return "\n".join(lines)


def _stage_lines(stages: dict[str, float], k: int) -> list[str]:
    shares = stage_shares(stages)
    rows = [[name, f"{1000 * stages[name]:.0f}", f"{100 * shares[name]:.1f}"] for name in STAGES]
    rows.append(["total", f"{1000 * sum(stages.values()):.0f}", "100.0"])
    return [f"Where a worker's time goes: measured in-process on {k} of the same photos "
            "(median per photo, in the bench's own process before the app starts), with the engine "
            "functions that renditions.services calls:", "",
            markdown_table(["stage", "ms per photo", "share %"], rows)]


def _notes(results, photo_line: str) -> list[str]:
    cfg = pipeline_settings()
    return [
        f"- Photos: {photo_line}; every upload distinct (its own JPEG comment segment).",
        "- App: the embedded default as `make run` starts it (migrate, ensure_editor, "
        "`serve --concurrency C`: granian 2 workers x 2 threads, Celery prefork worker, beat; "
        "SQLite, filesystem broker) in a fresh SALIENT_VAR_DIR each run.",
        "- Latency: Asset.created_at (the web stored the upload) to the asset's newest "
        "Rendition.created_at; under a burst it is mostly time in the queue. Wall: first upload "
        "sent to the last rendition stored. Task s: median of Celery's 'succeeded in' for "
        "process_asset; pool busy: the sum of those over (wall x workers).",
        "- RSS: sum over the worker's process tree (main + pool children; shared pages count "
        f"once per process), sampled every {SAMPLE_EVERY} s; web = the web server's tree.",
        f"- Pipeline settings: RENDER_THREADS {cfg['RENDER_THREADS']}, ANALYSIS_LONGEST "
        f"{cfg['ANALYSIS_LONGEST']}, DETECT_FACES {cfg['DETECT_FACES']}; resize and encode "
        "split render_many's time in the ratio of a one-thread run of rendering's steps; "
        "decode = open_for_analysis + open_full; storage = FileSystemStorage saves.",
        f"- Machine: {machine_line()}. Logs: " + ", ".join(r["log"] for r in results) + "."]


def _trouble_lines(result: dict) -> list[str]:
    lines = []
    if result["problems"]:
        lines += ["", f"Failures with {result['workers']} worker(s):"]
        lines += [f"- {p}" for p in result["problems"][:20]]
    if not result["all_finished"]:
        lines.append(f"- stuck: no asset finished for {STALL:.0f} s; gave up waiting")
    findings = result["log_findings"]
    if findings:
        lines += ["", f"Serve log with {result['workers']} worker(s):"]
        for name, hit in findings.items():
            lines.append(f"- {name}: {hit['count']}, e.g. `{hit['examples'][0]}`")
    return lines


# -- entry point ----------------------------------------------------------------------

def run(*, uploads: int = UPLOADS, clients: int = CLIENTS, workers=WORKERS,
        bases: int = BASES, stage_photos: int = STAGE_PHOTOS, out_dir: Path | None = None,
        keep: bool = False, echo=print) -> dict:
    """Run the load benchmark, print and write the report (load.md, load.json)."""
    out_dir = Path(out_dir) if out_dir else ARTIFACTS
    out_dir.mkdir(parents=True, exist_ok=True)
    photos = base_photos(bases, cache=out_dir / "load-photos")
    photo_line = (f"{len(photos)} generated {SIZE[0]}x{SIZE[1]} JPEGs of "
                  + ", ".join(f"{len(p) / 1e6:.1f}" for p in photos) + " MB")
    echo(f"load: stages in-process on {stage_photos} photos ...")
    stages = measure_stages([photos[i % len(photos)] for i in range(stage_photos)])
    results = [run_one(c, photos, uploads=uploads, clients=clients, out_dir=out_dir,
                       keep=keep, echo=echo) for c in workers]
    text = report(results, stages, photo_line=photo_line, clients=clients,
                  stage_photos=stage_photos)
    data = dict(photos=photo_line, clients=clients, stage_photos=stage_photos,
                stages_s=stages, stage_shares=stage_shares(stages), results=results,
                ratios_2_over_1={k: _ratio(results, k) for k in
                                 ("uploads_per_min", "latency_median_s", "ready_per_min")},
                machine=machine_line())
    (out_dir / "load.json").write_text(json.dumps(data, indent=2) + "\n")
    written = write_report("load.md", text, out_dir)
    echo(text)
    echo(f"(written to {written} and {out_dir / 'load.json'})")
    return data


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench load",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=UPLOADS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--workers", default=",".join(map(str, WORKERS)),
                        help="worker concurrencies to run, comma-separated (default 1,2)")
    parser.add_argument("--bases", type=int, default=BASES, help="distinct generated photos")
    parser.add_argument("--stage-photos", type=int, default=STAGE_PHOTOS)
    parser.add_argument("--keep", action="store_true", help="keep each run's SALIENT_VAR_DIR")
    parser.add_argument("--assets", type=int, default=regenerate.ASSETS,
                        help="assets for the generate_renditions throughput run (0: skip it)")
    parser.add_argument("--root", action="append", type=Path,
                        help="a checkout to time generate_renditions in (repeatable; default "
                             "this one): a 'before' tree beside this one")
    args = parser.parse_args(argv)
    if args.assets:
        regenerate.run(assets=args.assets, bases=args.bases, roots=args.root or [ROOT],
                       keep=args.keep)
    if args.uploads:
        run(uploads=args.uploads, clients=args.clients,
            workers=[int(w) for w in args.workers.split(",")], bases=args.bases,
            stage_photos=args.stage_photos, keep=args.keep)


if __name__ == "__main__":
    main()
