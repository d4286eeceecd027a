"""How a webhook request is signed (pure: no Django).

Every delivery is a ``POST`` with a JSON body and these headers:

    Content-Type:         application/json
    X-Salient-Event:      the event name, e.g. ``renditions.ready``
    X-Salient-Delivery:   the delivery's id (a UUID; the body's ``"id"``)
    X-Salient-Timestamp:  when this attempt was signed, in Unix seconds
    X-Salient-Signature:  ``sha256=`` + hex HMAC-SHA256, keyed with the endpoint's
                          secret, of ``f"{timestamp}.".encode() + body``

``body`` is the exact bytes sent. A receiver recomputes the HMAC over the raw
body it read (before parsing it), compares with ``hmac.compare_digest``, and
rejects a timestamp more than a few minutes from its clock, so a captured request
cannot be replayed later. Retries are signed again with a new timestamp; the
delivery id stays, so a receiver that saw it already can answer 2xx and skip it
(delivery is at least once).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time

SCHEME = "sha256"
TOLERANCE = 300  # seconds a receiver accepts between the timestamp and its clock


def body_bytes(payload: dict) -> bytes:
    """The JSON body as sent: compact, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Salient-Signature`` value for ``body`` signed at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body,
                   hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def headers(*, secret: str, event: str, delivery_id: str, body: bytes,
            timestamp: int | None = None) -> dict[str, str]:
    """Every header of one attempt; ``timestamp`` (Unix seconds) defaults to now."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": "Salient-Webhooks/1",
        "X-Salient-Event": event,
        "X-Salient-Delivery": delivery_id,
        "X-Salient-Timestamp": str(timestamp),
        "X-Salient-Signature": signature(secret=secret, timestamp=timestamp, body=body),
    }


def verify(*, secret: str, body: bytes, timestamp: str, signed: str,
           tolerance: int = TOLERANCE, now: float | None = None) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    return hmac.compare_digest(signature(secret=secret, timestamp=ts, body=body), signed or "")
