"""``python -m bench delivery --floors``: what the web servers themselves allow.

A bare WSGI app (``bench.floor_app``: a few lines that send one file by
``wsgi.file_wrapper``) under gunicorn and granian exactly as ``manage.py serve`` starts
them (``serve.web_command``, the app path swapped), with and without the access log,
side by side with nginx serving the same file statically, under the bench's wrk load.
No Django request cycle, no lookup: the ceiling of any app on that server.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from . import ROOT, markdown_table
from .load import _free_port

FILE_BYTES = 64 * 1024


@contextlib.contextmanager
def bare(path: Path, server: str, *, access_log: bool, wait):
    """The bare app serving ``path`` under ``server`` as ``serve`` starts it."""
    from dam.management.commands.serve import web_command

    port = _free_port()
    command = [{"dam.wsgi:application": "bench.floor_app:application"}.get(arg, arg)
               for arg in web_command(server, f"127.0.0.1:{port}", 2, access_log=access_log)]
    url = f"http://127.0.0.1:{port}/"
    with started(command, env={**os.environ, "FLOOR_FILE": str(path)}, ready=url, wait=wait):
        yield url


@contextlib.contextmanager
def started(command: list[str], *, env: dict, ready: str, wait, out=subprocess.DEVNULL):
    """``python -m <command>`` run from the checkout, its output to ``out``, held from
    the moment ``ready`` (a URL) answers (``wait``) until the block ends."""
    proc = subprocess.Popen([sys.executable, "-m", *command], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT)
    try:
        wait(ready)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def floors_table(work: Path, tools) -> str:
    """wrk against nginx and the bare app under each server, in one run; ``tools``:
    ``bench.delivery`` (its ``nginx``, ``wrk``, ``_wait`` and ``WRK``)."""
    root = work / "static"
    root.mkdir(parents=True)
    path = root / "file.jpg"
    path.write_bytes(os.urandom(FILE_BYTES))
    results = {}
    with tools.nginx(root, work) as front:
        results["nginx, static"] = tools.wrk(f"{front.static}/file.jpg")
    for server in ("granian", "gunicorn"):
        for access_log in (True, False):
            with bare(path, server, access_log=access_log, wait=tools._wait) as url:
                name = f"bare WSGI app, {server}, access log {'on' if access_log else 'off'}"
                results[name] = tools.wrk(url)
    base = results["nginx, static"]["rps"]
    rows = [[name, f"{r['rps']:.0f}", r["p50"], r["p99"], r["errors"],
             f"{r['rps'] / base:.3f}x"] for name, r in results.items()]
    return (f"wrk {' '.join(tools.WRK)} on loopback, a {FILE_BYTES // 1024} KiB file; servers as "
            "`manage.py serve [--server gunicorn]` starts them (2 workers; granian 2 blocking "
            "threads, gunicorn gthread x4)\n\n"
            + markdown_table(["server", "requests/s", "p50", "p99", "non-2xx", "vs nginx"],
                             rows))


def run(work: Path, tools) -> str:
    """The floors' section of the delivery report (files made under ``work``)."""
    return "### Floors: a bare WSGI app vs nginx\n\n" + floors_table(work, tools)
