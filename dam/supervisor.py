"""Keep the embedded default's processes running: the web server, the worker, beat.

Each child runs in its own process group, so a stop or restart reaches the
worker's pool processes too. A child that exits is started again (with a pause
when it keeps dying). The worker gets one more rule: on a broker without an
event loop (the filesystem broker of the embedded default) Celery's prefork pool
hands out tasks through one queue guarded by a lock that an idle pool process
holds while it waits; a pool process killed then takes the lock with it and the
pool never runs another task, while ``celery inspect ping`` still answers. So
when a pool process dies there, the whole worker is restarted, and the work it
held is queued again (``after_restart``). That step needs the broker, which may be
what the worker died of (Celery's consumer can die of a lost Redis): while it fails
it is tried again every second, and it never stops the other children.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import psutil

log = logging.getLogger("dam.supervisor")

FAST_EXIT = 10.0  # seconds: a child that dies sooner than this counts as a crash loop
BACKOFF_MAX = 30.0


@dataclass
class Child:
    """One supervised command. ``watch_pool``: restart it when a pool process dies."""

    name: str
    argv: list[str]
    watch_pool: bool = False
    after_restart: object = None  # called with the time it died, once restarted
    proc: subprocess.Popen | None = None
    started: float = 0.0
    crashes: int = 0
    pool: set[int] = field(default_factory=set)
    hook_due: datetime | None = None  # the death whose after_restart has not run yet
    hook_failing: bool = False

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, env=os.environ.copy(), start_new_session=True)
        self.started, self.pool = time.monotonic(), set()
        log.info("%s started (pid %s)", self.name, self.proc.pid)

    def stop(self, timeout: float = 20.0) -> None:
        """TERM the child, then KILL its process group (pool processes left behind, too).

        A child that already died is not waited for, but its group is still killed:
        granian's workers outlive a killed main process and keep its port.
        """
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()  # the main process only: a Celery pool TERMed hangs its shutdown
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in %.0f s; killing it", self.name, timeout)
        _signal_group(self.proc.pid, signal.SIGKILL)  # pool processes left behind, too
        self.proc.wait()

    def trouble(self) -> str | None:
        """Why the child needs a restart, or None while it is healthy."""
        code = self.proc.poll()
        if code is not None:
            return f"exited with status {code}"
        if self.watch_pool:
            return self._pool_lost()
        return None

    def _pool_lost(self) -> str | None:
        try:
            current = {p.pid for p in psutil.Process(self.proc.pid).children()}
        except psutil.Error:
            return None
        lost, self.pool = self.pool - current, current
        if lost:
            return f"pool process {', '.join(map(str, sorted(lost)))} died"
        return None

    def restart(self, reason: str) -> None:
        died_at = datetime.now(timezone.utc)
        fast = time.monotonic() - self.started < FAST_EXIT
        self.crashes = self.crashes + 1 if fast else 0
        pause = min(BACKOFF_MAX, 2.0 ** self.crashes - 1) if fast else 0.0
        log.warning("%s %s; restarting it%s", self.name, reason,
                    f" in {pause:.0f} s" if pause else "")
        # A pool that lost a process is wedged and ignores TERM: do not wait for it.
        self.stop(timeout=1.0 if self.watch_pool else 5.0)
        time.sleep(pause)
        self.start()
        if self.after_restart is not None:
            self.hook_due = died_at
            self.run_after_restart()

    def run_after_restart(self) -> None:
        """Run ``after_restart`` for the last death, if it is due. When it fails (the
        worker's hook needs the broker, which may be what killed the worker) it stays
        due and ``supervise`` tries again every tick: it must never stop the others."""
        if self.hook_due is None:
            return
        try:
            self.after_restart(self.hook_due)
        except Exception as exc:  # noqa: BLE001 - the other children must stay up
            if not self.hook_failing:
                log.warning("%s restarted, but the step after its restart failed (%s); "
                            "trying again every second", self.name, exc)
            self.hook_failing = True
            return
        if self.hook_failing:
            log.info("%s: the step after its restart went through", self.name)
        self.hook_due, self.hook_failing = None, False


def supervise(children: list[Child], *, interval: float = 1.0) -> None:
    """Start the children and keep them up until KeyboardInterrupt or SystemExit."""
    for child in children:
        child.start()
    try:
        while True:
            time.sleep(interval)
            for child in children:
                reason = child.trouble()
                if reason:
                    child.restart(reason)
                else:
                    child.run_after_restart()
    finally:
        for child in children:
            child.stop()


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
