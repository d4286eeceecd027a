"""The wait between delivery attempts (pure: no Django)."""
from __future__ import annotations

import random


def backoff(attempt: int, *, base: float, cap: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1 = the first).

    ``base * 2 ** (attempt - 1)`` capped at ``cap``; the upper half is jittered, so
    endpoints that failed together are not all retried at the same instant, yet the
    wait never falls below half the ceiling.
    """
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)
