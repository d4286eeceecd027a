"""The threads renders run on, started once per process and kept.

A thread start cost 8 ms of wall time on a loaded 2-core machine, and a frame
made on first request started two of them for its strips (``bench delivery``);
the seven renditions of an upload started two more. Each role has its own pool
so that a task on one never waits for a thread of its own pool: the jobs of
``rendering.render_many`` run on "renders", the strips of one job on "strips".
Concurrent callers share a pool of ``threads`` workers, so a process never
runs more render threads than it was told to. A forked child (a Celery
prefork worker) makes pools of its own.
"""
from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor


@functools.cache
def pool(role: str, threads: int) -> ThreadPoolExecutor:
    """The process's pool of ``threads`` threads for ``role``, made on first use."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"salient-{role}")


os.register_at_fork(after_in_child=pool.cache_clear)
