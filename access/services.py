"""Writes to the audit log; the one door every recorder goes through."""
from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from .addresses import client_address
from .conf import access_setting
from .models import AuditEvent

log = logging.getLogger(__name__)

#: What a cache that is down raises (file cache: OSError; Redis: RedisError).
try:
    from redis.exceptions import RedisError
    CACHE_ERRORS: tuple[type[Exception], ...] = (OSError, RedisError)
except ImportError:  # pragma: no cover - celery[redis] installs it
    CACHE_ERRORS = (OSError,)

#: Kinds that a client can repeat in a loop; repeats fold into one row.
FOLDED = {AuditEvent.Kind.SIGNIN_FAILED, AuditEvent.Kind.LOCKED_OUT, AuditEvent.Kind.REFUSED}


def audit_record(*, kind: str, request=None, user=None, username: str = "",
                 detail: str = "") -> AuditEvent | None:
    """Record ``kind``; ``request`` (Django or DRF) gives the address, the path and,
    unless ``user`` is given, the signed-in user. Returns the row written, or
    None when the event was added to the count of a recent identical one."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    fields = {
        "kind": kind,
        "user": user if user is not None and user.is_authenticated else None,
        "username": (username or "")[:150],
        "ip_address": client_address(request) if request is not None else None,
        "path": request.path[:255] if request is not None else "",
        "detail": detail,
    }
    if kind in FOLDED and _folded(fields):
        return None
    event = AuditEvent.objects.create(**fields)
    if kind in FOLDED:
        _remember(fields, event.pk)
    return event


def _fold_key(fields: dict) -> str:
    parts = [fields["kind"], fields["user"] and fields["user"].pk, fields["username"],
             fields["ip_address"], fields["path"], fields["detail"]]
    return "audit-fold-" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _folded(fields: dict) -> bool:
    """Add one to the count of the same event's row, if that was written less than
    ``FOLD_SECONDS`` ago."""
    try:
        pk = cache.get(_fold_key(fields))
    except CACHE_ERRORS as exc:
        log.warning("Audit log: cache unavailable (%s); writing a row", exc)
        return False
    if pk is None:
        return False
    now = timezone.now()
    since = now - timedelta(seconds=access_setting("FOLD_SECONDS"))
    return bool(AuditEvent.objects.filter(pk=pk, at__gte=since, **fields)
                .update(count=F("count") + 1, last_at=now))


def _remember(fields: dict, pk: int) -> None:
    try:
        cache.set(_fold_key(fields), pk, access_setting("FOLD_SECONDS"))
    except CACHE_ERRORS as exc:
        log.warning("Audit log: cache unavailable (%s)", exc)


def refusal_record(*, request, status: int, reason: str) -> None:
    """A 401 or 403 answered to ``request`` (a page's or the API's)."""
    audit_record(kind=AuditEvent.Kind.REFUSED, request=request,
                 detail=f"{status} {request.method}: {reason}")
