"""The threads renders run on, started once per process and kept.

A thread start cost 8 ms of wall time on a loaded 2-core machine, and a frame
made on first request started two of them for its strips (``bench delivery``);
the seven renditions of an upload started two more. Each role has its own pool
so that a task on one never waits for a thread of its own pool: the jobs of
``rendering.render_many`` run on "renders", the strips of one job on "strips".
Concurrent callers share a pool of ``threads`` workers, so a process never
runs more render threads than it was told to. A forked child (a Celery
prefork worker) makes pools of its own.

``Shared`` is work one thread offers and another, once free, may take a part
of (the face detector's finest level, in bands).
"""
from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable


@functools.cache
def pool(role: str, threads: int) -> ThreadPoolExecutor:
    """The process's pool of ``threads`` threads for ``role``, made on first use."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"salient-{role}")


os.register_at_fork(after_in_child=pool.cache_clear)


class Shared:
    """Jobs that the thread offering them (``share``) runs, and that another
    thread, once free (``help``), may take: whichever takes one first runs it.
    Neither waits on a job queued behind others, so no pool can deadlock on it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._offered = threading.Event()
        self._todo: list[tuple[Callable, tuple, Future]] = []

    def share(self, run, parts) -> list:
        """Offer ``run(*part)`` for each of ``parts``, take jobs until none is
        left, then wait for the others' and return every result in order (or
        raise the first job's error)."""
        with self._lock:
            jobs = [(run, part, Future()) for part in parts]
            self._todo.extend(jobs)
            self._offered.set()
        self._work()
        return [future.result() for _, _, future in jobs]

    def close(self) -> None:
        """Mark that nothing (more) will be offered: ``help`` waits no longer."""
        self._offered.set()

    def help(self) -> None:
        """Wait until jobs are offered (or none will be), then take jobs."""
        self._offered.wait()
        self._work()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._todo:
                    return
                run, part, future = self._todo.pop(0)
            try:
                future.set_result(run(*part))
            except BaseException as exc:  # noqa: BLE001 - raised to the job's owner
                future.set_exception(exc)
