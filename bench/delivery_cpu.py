"""CPU per warm stable-URL hit, in this process: Django's whole stack (``SALIENT_LEAN_DELIVERY=0``)
and the lean path (``renditions.wsgi``, as ``dam.wsgi`` deploys it), the same request,
interleaved round by round; µs of CPU (getrusage: user + system) and of wall per request,
the best round of each. No web server: what the app itself costs a request."""
from __future__ import annotations

import resource
import time

from . import markdown_table

ROUNDS, REQUESTS = 7, 500


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _environ(path: str) -> dict:
    from django.test import RequestFactory

    environ = RequestFactory().get(path, headers={"Accept": "image/avif,image/webp,*/*"},
                                   SERVER_NAME="127.0.0.1").environ
    environ["wsgi.file_wrapper"] = _Sendfile
    return environ


class _Sendfile:
    """A server's ``wsgi.file_wrapper`` that sends the file by ``sendfile``: the kernel's
    work, not the app's (reading it here would count bytes no server reads)."""

    def __init__(self, opened, block_size):
        self.opened = opened

    def __iter__(self):
        return iter(())

    def close(self):
        self.opened.close()


def _hit(app, environ: dict) -> None:
    def start_response(status, headers, exc_info=None):
        if not status.startswith("200"):
            raise RuntimeError(f"{environ['PATH_INFO']}: {status}")

    body = app(environ, start_response)
    for _ in body:
        pass
    getattr(body, "close", lambda: None)()


def _round(app, path: str) -> tuple[float, float]:
    environs = [_environ(path) for _ in range(REQUESTS)]  # the server's work, not timed
    cpu, wall = _cpu(), time.perf_counter()
    for environ in environs:
        _hit(app, environ)
    return (_cpu() - cpu) / REQUESTS * 1e6, (time.perf_counter() - wall) / REQUESTS * 1e6


def cpu_table(path: str) -> str:
    """µs per request of both paths for ``path`` (a stable URL whose lookup this warms)."""
    from django.core.wsgi import get_wsgi_application

    from renditions.wsgi import StableURLs

    django_app = get_wsgi_application()
    apps = {"Django's stack (before)": django_app, "lean path (dam.wsgi)": StableURLs(django_app)}
    seen = {name: [] for name in apps}
    for app in apps.values():
        _hit(app, _environ(path))  # warm: the lookup, the imports
    for _ in range(ROUNDS):
        for name, app in apps.items():
            seen[name].append(_round(app, path))
    rows = [[name, f"{min(c for c, _ in runs):.0f}", f"{min(w for _, w in runs):.0f}"]
            for name, runs in seen.items()]
    return (f"{ROUNDS} interleaved rounds of {REQUESTS} requests in one process (no server), "
            "best round\n\n" + markdown_table(["path", "µs CPU / request", "µs wall / request"],
                                              rows))
