"""Run the web server and a Celery worker together (the embedded default)."""
import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the development web server and a Celery worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, addrport, concurrency, **options):
        # Stop the children on Ctrl-C and TERM alike, even where the shell that
        # started us in the background set SIGINT to be ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        python = [sys.executable, "-m"]
        procs = [subprocess.Popen(python + [
            "celery", "-A", "dam", "worker", "--loglevel", "INFO",
            "--concurrency", str(concurrency), "-Q", "salient",
        ], env=os.environ.copy())]
        self.stdout.write(self.style.SUCCESS(
            f"Salient at http://{addrport}/  (worker pid {procs[0].pid}); Ctrl-C stops both."))
        try:
            procs.append(subprocess.Popen(python + ["django", "runserver", "--noreload",
                                                    addrport], env=os.environ.copy()))
            procs[-1].wait()
        except KeyboardInterrupt:
            pass
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
