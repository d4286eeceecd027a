"""Run the embedded default: the web server (granian), a Celery worker and Celery beat,
supervised (see dam.supervisor); Ctrl-C or TERM stops them all.

granian (a Rust HTTP server) runs ``dam.wsgi:application``: 2 workers x ``--web-threads``
2 blocking threads, about twice gunicorn's requests per second on cached images through
the stable URL for six tenths of its CPU per request (README "An origin for a CDN").
Each thread holds one request from its first body byte to its last answer byte, so
workers x threads slow uploads at once hold every thread (behind nginx, which buffers
request bodies, none do); ``--web-threads 4`` holds as many as gunicorn's 2 x 4 for a
fifth fewer requests per second. ``--server gunicorn`` runs the same application under
gunicorn (gthread, ``--web-threads`` default 4). Requests are not logged unless
``--access-log`` (the log costs a third of the requests per second a bare app gets from
either server; the proxy or CDN in front logs them).
"""
import logging
import signal
import sys
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dam.signals import sweep_requested
from dam.supervisor import Child, supervise


class Command(BaseCommand):
    help = ("Start the web server (granian), a Celery worker and Celery beat, and restart "
            "any of them that dies; Ctrl-C stops all.")

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--concurrency", type=int, default=2,
                            help="Worker pool processes (default 2).")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian",
                            help="The web server running the app (default granian).")
        parser.add_argument("--web-threads", type=int, default=None,
                            help="Requests at once per web worker (default: granian 2, "
                                 "gunicorn 4); each slow upload holds one.")
        parser.add_argument("--access-log", action="store_true",
                            help="Log every request to stdout (off: a third of a cached "
                                 "image's requests per second; the proxy or CDN in front "
                                 "logs them).")

    def handle(self, *args, addrport, concurrency, web_workers, server, web_threads,
               access_log, **options):
        if web_threads is not None and web_threads < 1:
            raise CommandError("--web-threads must be 1 or more.")
        logging.basicConfig(level=logging.INFO, format="[%(asctime)s: %(levelname)s/serve] "
                                                       "%(message)s")
        # Stop the children on Ctrl-C and TERM alike, even where the shell that
        # started us in the background set SIGINT to be ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        python = [sys.executable, "-m"]
        var = settings.VAR_DIR
        children = [
            Child("web", python + web_command(server, addrport, web_workers,
                                              threads=web_threads, access_log=access_log)),
            Child("worker", python + [
                "celery", "-A", "dam", "worker", "--loglevel", "INFO", "-Q", "salient",
                "--concurrency", str(concurrency), "--hostname", "salient@%h"],
                watch_pool=settings.CELERY_BROKER_URL.startswith("filesystem://"),
                after_restart=_queue_orphans),
            Child("beat", python + [
                "celery", "-A", "dam", "beat", "--loglevel", "INFO",
                "--schedule", str(var / "celerybeat-schedule")]),
        ]
        self.stdout.write(self.style.SUCCESS(
            f"Salient at http://{addrport}/  (web, worker and beat supervised); "
            "Ctrl-C stops all."))
        try:
            supervise(children)
        except KeyboardInterrupt:
            pass


#: Requests at once per worker when ``--web-threads`` is not given.
DEFAULT_THREADS = {"granian": 2, "gunicorn": 4}


def web_command(server: str, addrport: str, workers: int, *, threads: int | None = None,
                access_log: bool = False) -> list[str]:
    """The arguments after ``python -m`` that start the web server (the bench's too).

    granian closes a connection whose headers take over 30 s (its default) and, on TERM,
    gives requests in flight 10 s; it has no limit on a request's time once its headers
    are in (nor has gunicorn's gthread worker, whose ``--timeout`` only catches a worker
    that stops answering its arbiter): a proxy's body and read timeouts bound those.
    """
    threads = str(threads or DEFAULT_THREADS[server])
    if server == "granian":
        host, _, port = addrport.rpartition(":")
        return ["granian", "--interface", "wsgi", "--host", host or "127.0.0.1",
                "--port", port, "--workers", str(workers), "--blocking-threads", threads,
                "--workers-kill-timeout", "10",
                "--access-log" if access_log else "--no-access-log", "dam.wsgi:application"]
    return ["gunicorn", "dam.wsgi:application", "--bind", addrport,
            "--workers", str(workers), "--threads", threads, "--worker-class", "gthread",
            "--timeout", "300", "--graceful-timeout", "10",
            *(["--access-logfile", "-"] if access_log else [])]


def _queue_orphans(died_at: datetime) -> None:
    """The restarted worker was the only one: what it held is lost; queue it again."""
    sweep_requested.send(sender=Command, before=died_at)
