"""``python -m bench delivery``: what a downstream site's requests cost.

1. **A new frame on first request**: ``renditions.frames.frame_ensure`` for a
   size no profile has (find the stored analysis, plan on it, decode, resize,
   encode JPEG, store), side by side with libvips
   ``thumbnail(path, W, height=H, crop="attention")`` + JPEG encode making the
   same size from the same 12 MP file. Salient analyses nothing at request time
   (the map was stored at upload); libvips computes its attention crop.
2. **A cached rendition through the stable URL** under granian as
   ``manage.py serve`` starts it (2 workers x 2 blocking threads, DEBUG off, no access
   log; and under gunicorn, gthread 2 workers x 4 threads, as ``serve --server gunicorn``
   does), the lookup warm (``renditions.origin``), by the lean path as shipped
   (``renditions.wsgi``) and through Django's whole stack (``SALIENT_LEAN_DELIVERY=0``:
   before): requests per second and p50/p99 latency from wrk on loopback, side by side
   with nginx serving the same file statically, and with nginx in front of granian
   sending the bytes by ``X-Accel-Redirect`` (``DAM["ACCEL_REDIRECT"]``, the README's
   recipe), every server running at once and loaded in turn, ``ROUNDS`` times (the best
   round of each reported: the load of a shared machine changes by the minute); then the
   CPU µs of a warm hit by both paths in this process (``bench.delivery_cpu``), and with
   ``--floors`` a bare WSGI app under each server (``bench.delivery_floors``).

Runs the embedded default in a fresh ``SALIENT_VAR_DIR`` (SQLite, local files);
the asset is processed in this process before anything is timed.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

from . import SHARED, delivery_floors, machine_line, markdown_table, write_report
from .delivery_cpu import cpu_table
from .load import _free_port
from .speed import _vips, _vips_options, make_photo

FRAMES = ((1600, 900), (640, 640), (300, 1000))
REPEATS = 7
WRK = ["-t2", "-c32", "-d10s"]
ROUNDS = 3  # of wrk against every server, in turn


def setup_django(var_dir: Path) -> None:
    os.environ.update(SALIENT_VAR_DIR=str(var_dir), SALIENT_HTTPS="0",
                      DJANGO_SETTINGS_MODULE="dam.settings")
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    from dam import instance

    instance.prepare()
    django.setup()
    call_command("migrate", verbosity=0)


def processed_asset(photo: Path):
    from django.core.files import File

    from dam import services as dam_services
    from renditions import services

    dam_services.asset_enqueue = lambda asset: None  # processed here, not by a worker
    with photo.open("rb") as fp:
        asset = dam_services.asset_create(file=File(fp, name=photo.name))
    services.asset_process(asset_id=asset.pk)
    asset.refresh_from_db()
    if asset.status != "ready":
        raise RuntimeError(f"processing failed: {asset.error_message}")
    return asset


def time_frame(asset, size, repeats: int) -> list[float]:
    """Seconds per first request of a ``size`` frame (rows and files removed between)."""
    from renditions import frames
    from dam.models import Asset
    from renditions.models import Frame

    times = []
    for _ in range(repeats):
        for frame in Frame.objects.all():
            frame.file.storage.delete(frame.file.name)
            frame.delete()
        fresh = Asset.objects.select_related("analysis").get(pk=asset.pk)
        start = time.perf_counter()
        frames.frame_ensure(asset=fresh, width=size[0], height=size[1], fmt="jpeg")
        times.append(time.perf_counter() - start)
    return times


def time_vips(photo: Path, size, repeats: int) -> list[float]:
    """libvips with its cache off and the engine's encoder settings (progressive,
    optimised JPEG at the frame quality)."""
    from renditions.conf import setting

    pyvips, times = _vips(), []
    ext, options = _vips_options("jpeg", setting("FRAME_QUALITY"))
    for _ in range(repeats):
        start = time.perf_counter()
        image = pyvips.Image.thumbnail(str(photo), size[0], height=size[1], crop="attention")
        image.write_to_buffer(ext, **options)
        times.append(time.perf_counter() - start)
    return times


def frame_table(asset, photo: Path, repeats: int) -> str:
    """Salient's and libvips' times, a repeat of each in turn (a shared machine's
    load changes by the second: both meet the same)."""
    rows = []
    for size in FRAMES:
        ours, vips = [], []
        for _ in range(repeats):
            ours += time_frame(asset, size, 1)
            vips += time_vips(photo, size, 1)
        rows.append([f"{size[0]}x{size[1]}", _ms(min(ours)), _ms(statistics.median(ours)),
                     _ms(min(vips)), _ms(statistics.median(vips)),
                     f"{min(ours) / min(vips):.2f}x",
                     f"{statistics.median(ours) / statistics.median(vips):.2f}x"])
    return markdown_table(["frame (JPEG)", "Salient best ms", "median", "libvips attention best",
                           "median", "ratio best", "ratio median"], rows)


# -- the stable URL under load ------------------------------------------------------

@contextlib.contextmanager
def web_server(var_dir: Path, accel: str = "", server: str = "granian", lean: bool = True):
    """The app as ``manage.py serve [--server gunicorn]`` starts it (no access log, its
    default); ``lean=False``: every request through Django (``SALIENT_LEAN_DELIVERY=0``)."""
    from dam.management.commands.serve import web_command

    port = _free_port()
    env = {**os.environ, "SALIENT_VAR_DIR": str(var_dir), "SALIENT_HTTPS": "0",
           "SALIENT_ACCEL_REDIRECT": accel, "SALIENT_LEAN_DELIVERY": "1" if lean else "0"}
    log = (var_dir / f"{server}{'-accel' * bool(accel)}{'-django' * (not lean)}.log").open("w")
    with log, delivery_floors.started(web_command(server, f"127.0.0.1:{port}", 2), env=env,
                                      ready=f"http://127.0.0.1:{port}/healthz", wait=_wait,
                                      out=log):
        yield f"http://127.0.0.1:{port}"


ACCEL = "/_protected/"


def accel_server(port: int, media: Path, upstream: str) -> str:
    """The README's recipe: nginx in front of Salient, files by X-Accel-Redirect."""
    return f"""
  server {{
    listen 127.0.0.1:{port};
    location {ACCEL} {{
      internal;
      alias {media}/;
      etag off;
      add_header ETag $upstream_http_etag;
      add_header Surrogate-Key $upstream_http_surrogate_key;
      add_header Cache-Tag $upstream_http_cache_tag;
      add_header Vary $upstream_http_vary;
      add_header X-Content-Type-Options nosniff;
    }}
    location / {{
      proxy_pass {upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
    }}
  }}"""


@contextlib.contextmanager
def nginx(root: Path, work: Path, upstream: str | None = None):
    """nginx serving ``root`` statically (``yield``s its URL), and with an
    ``upstream`` also the X-Accel-Redirect front of it (the URL of that: ``.accel``)."""
    port, front = _free_port(), _free_port()
    conf = work / "nginx.conf"
    upstreams = (f"upstream salient {{ server {upstream.split('//')[1]}; keepalive 32; }}"
                 + accel_server(front, root, "http://salient")) if upstream else ""
    conf.write_text(f"""
worker_processes 2; daemon off; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off; sendfile on;
  types {{ image/jpeg jpg; image/webp webp; image/avif avif; image/png png; }}
  server {{ listen 127.0.0.1:{port}; root {root}; etag on; }}
  {upstreams}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait(f"http://127.0.0.1:{port}/", ok=(200, 403, 404))
        yield types.SimpleNamespace(static=f"http://127.0.0.1:{port}",
                                    accel=f"http://127.0.0.1:{front}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait(url: str, ok=(200,), timeout: float = 60.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code in ok:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def wrk(url: str) -> dict:
    out = subprocess.run(["wrk", *WRK, "--latency", url], capture_output=True, text=True,
                         check=True).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    """Requests per second, p50 and p99 latency and non-2xx count from wrk's report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)[1]
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)[1]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": int(errors[1]) if errors else 0}


SALIENT = "Salient /d/<id>/hero"


def load_table(asset, var_dir: Path) -> str:
    """wrk against nginx, the stable URL as shipped (the lean path) and through Django's
    whole stack (before), under gunicorn and granian, and behind nginx, in one run."""
    import requests

    from django.urls import reverse

    hero = asset.renditions.get(profile__slug="hero")
    media = Path(hero.file.path).parent.parent.parent  # MEDIA_ROOT
    body = hero.file.open("rb").read()
    path = reverse("deliver", args=[asset.uid, "hero"])
    load = [os.getloadavg()[0]]
    with contextlib.ExitStack() as running:
        behind = running.enter_context(web_server(var_dir, ACCEL))
        front = running.enter_context(nginx(media, var_dir, upstream=behind))
        urls = {"nginx, the same file": f"{front.static}/{hero.file.name}",
                "nginx + Salient by X-Accel-Redirect (granian, lean)": f"{front.accel}{path}"}
        accel_check(requests.get(urls[next(reversed(urls))], timeout=10), hero, asset)
        for server in ("granian", "gunicorn"):
            for lean in (True, False):
                app = running.enter_context(web_server(var_dir, server=server, lean=lean))
                urls[f"{SALIENT} ({server}, {'lean path' if lean else 'Django stack: before'})"] \
                    = f"{app}{path}"
        _check(urls.values(), body)
        # Round by round, each server in turn: a shared machine's load changes by the minute.
        rounds = [{name: wrk(url) for name, url in urls.items()} for _ in range(ROUNDS)]
    results = {name: max((r[name] for r in rounds), key=lambda r: r["rps"]) for name in urls}
    load.append(os.getloadavg()[0])
    nginx_rps = results["nginx, the same file"]["rps"]
    rows = [[name, f"{r['rps']:.0f}", r["p50"], r["p99"], r["errors"],
             f"{r['rps'] / nginx_rps:.3f}x"] for name, r in results.items()]
    size = f"{hero.width}x{hero.height} JPEG, {hero.file.size / 1024:.0f} KiB"
    return (f"wrk {' '.join(WRK)} on loopback, best of {ROUNDS} rounds (each server in turn), "
            f"{size}, servers as `manage.py serve` starts them "
            f"(2 workers, no access log); load average {load[0]:.1f} before, {load[1]:.1f} "
            "after; target: Salient >= 0.10x nginx\n\n"
            + markdown_table(["server", "requests/s", "p50", "p99", "non-2xx", "vs nginx"],
                             rows))


def _check(urls, body: bytes) -> None:
    """Each URL serves the rendition (and its lookup is warm after)."""
    import requests

    for url in urls:
        answer = requests.get(url, timeout=10)
        if answer.status_code != 200 or answer.content != body:
            raise RuntimeError(f"{url} does not serve the rendition ({answer.status_code})")


def accel_check(answer, hero, asset) -> None:
    """What nginx answers by X-Accel-Redirect carries the app's headers."""
    wanted = {"Content-Type": "image/jpeg", "ETag": f'"{hero.key}"',
              "Surrogate-Key": f"asset-{asset.uid} asset-{asset.uid}-hero",
              "Cache-Control": "public, max-age=60"}
    wrong = {k: answer.headers.get(k) for k, v in wanted.items() if answer.headers.get(k) != v}
    if wrong or "X-Accel-Redirect" in answer.headers:
        raise RuntimeError(f"X-Accel-Redirect through nginx: wrong headers {wrong}")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def run(*, shared: Path = SHARED, repeats: int = REPEATS, synthetic: bool = False,
        floors: bool = False, origin_only: bool = False) -> str:
    if not shutil.which("wrk") or not shutil.which("nginx"):
        print("Delivery benchmark skipped: it needs wrk and nginx (apt-get install -y wrk nginx).")
        return ""
    var_dir = Path(tempfile.mkdtemp(prefix="salient-bench-delivery-"))
    var_dir.chmod(0o755)  # nginx's workers read the files as an unprivileged user
    from django.urls import reverse

    try:
        setup_django(var_dir)
        photo, photo_line = make_photo(var_dir, shared=shared, synthetic=synthetic)
        asset = processed_asset(photo)
        parts = ["## Delivery", machine_line(), f"Photo: {photo_line}"]
        if not origin_only:
            parts += ["### A new frame on first request (plan on the stored map + decode + "
                      "resize + encode + store) vs libvips attention",
                      frame_table(asset, photo, repeats)]
        parts += ["### A cached rendition through the stable URL vs nginx",
                  load_table(asset, var_dir),
                  "### CPU per warm hit in one process", cpu_table(
                      reverse("deliver", args=[asset.uid, "hero"]))]
        print("\n\n".join(parts), flush=True)  # the floors take a while more
        if floors:
            parts.append(delivery_floors.run(var_dir / "floors", sys.modules[__name__]))
            print("\n\n" + parts[-1])
        text = "\n\n".join(parts)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    write_report("delivery.md", text)
    return text


def main(argv=None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench delivery")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration per server")
    parser.add_argument("--rounds", type=int, default=ROUNDS,
                        help="wrk rounds per server, in turn (the best is reported)")
    parser.add_argument("--origin-only", action="store_true",
                        help="only the stable URL under load (no new-frame timings)")
    parser.add_argument("--floors", action="store_true",
                        help="also a bare WSGI app under each server vs nginx")
    args = parser.parse_args(argv)
    WRK[-1] = f"-d{args.seconds}s"
    globals()["ROUNDS"] = args.rounds
    run(shared=args.shared, repeats=args.repeats, synthetic=args.synthetic,
        floors=args.floors, origin_only=args.origin_only)


if __name__ == "__main__":
    main()
