"""Rights: whether an asset may be delivered now, from its embargo and expiry.

One rule, ``rights_state``, pure (no database, no clock of its own: ``now`` is given),
used by delivery, the library's marks and filter (``rights_q``, the same rule as a
query), and the beat task that withholds and restores files. Times are aware
datetimes (UTC in storage); seconds are wall-clock seconds.

- "expired": an expiry is set and ``now`` is at or after it (this wins over an
  embargo: a photo whose licence ended is never published again by its embargo lifting);
- "embargoed": an embargo is set and ``now`` is before it;
- "ok": anything else, no dates included.

"trashed" wins over all three: an asset in the trash (``deleted_at`` set; ``renditions.trash``)
is delivered nowhere, and the same mechanism withholds its files.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import Q

OK, EMBARGOED, EXPIRED, TRASHED = "ok", "embargoed", "expired", "trashed"
STATES = (OK, EMBARGOED, EXPIRED, TRASHED)
#: "Expires within 7 days": the library's warning and filter ("expiring").
EXPIRING = "expiring"
EXPIRING_WITHIN = timedelta(days=7)

#: How the DAM's pages and the library's facet name the states.
LABELS = {EMBARGOED: "Under embargo", EXPIRED: "Expired", EXPIRING: "Expires within 7 days",
          OK: "Delivered", TRASHED: "In the trash"}

#: The one line a withheld public URL answers (410 Gone), nothing of the asset in it.
REASONS = {EMBARGOED: "This image is under embargo.",
           EXPIRED: "This image's licence has ended.",
           TRASHED: "This image was deleted."}


def rights_state(asset, now: datetime) -> str:
    """OK, EMBARGOED or EXPIRED for ``asset`` (anything with ``embargo_until`` and
    ``expires_at``, aware datetimes or None, and maybe ``deleted_at``) at ``now`` (aware)."""
    if getattr(asset, "deleted_at", None) is not None:
        return TRASHED
    if asset.expires_at is not None and now >= asset.expires_at:
        return EXPIRED
    if asset.embargo_until is not None and now < asset.embargo_until:
        return EMBARGOED
    return OK


def expiring(asset, now: datetime) -> bool:
    """Delivered now, but its licence ends within EXPIRING_WITHIN."""
    return (rights_state(asset, now) == OK and asset.expires_at is not None
            and asset.expires_at - now <= EXPIRING_WITHIN)


def cache_seconds(asset, now: datetime, *, default: int) -> int:
    """How long a cache may keep a file of ``asset`` delivered at ``now``: ``default``
    seconds, capped at the seconds left until its expiry (rounded down, so a cache
    never keeps it past the expiry). Only for an asset in state OK."""
    if asset.expires_at is None:
        return default
    left = math.floor((asset.expires_at - now).total_seconds())
    return max(0, min(default, left))


def may_be_immutable(asset) -> bool:
    """``immutable`` only when no date can ever withhold the file."""
    return asset.expires_at is None and asset.embargo_until is None


def rights_q(state: str, now: datetime, prefix: str = "") -> Q:
    """``rights_state(asset, now) == state`` as a query (also EXPIRING); ``prefix``
    reaches the asset through a relation ("asset__")."""
    expires, embargo = f"{prefix}expires_at", f"{prefix}embargo_until"
    if state == TRASHED:
        return Q(**{f"{prefix}deleted_at__isnull": False})
    kept = Q(**{f"{prefix}deleted_at__isnull": True})
    return kept & _dated_q(state, now, expires, embargo)


def _dated_q(state: str, now: datetime, expires: str, embargo: str) -> Q:
    expired = Q(**{f"{expires}__lte": now})
    if state == EXPIRED:
        return expired
    if state == EMBARGOED:
        return Q(**{f"{embargo}__gt": now}) & ~expired
    ok = ~expired & ~Q(**{f"{embargo}__gt": now})
    if state == EXPIRING:
        return ok & Q(**{f"{expires}__lte": now + EXPIRING_WITHIN})
    if state == OK:
        return ok
    raise ValueError(f"Unknown rights state {state!r}.")
