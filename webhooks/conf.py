"""Webhook settings: the ``WEBHOOKS`` dict in Django settings, over these defaults
(the site's address is ``dam.conf.public_url``)."""
from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Attempts (the first one included) before a delivery that keeps meeting a
    # 5xx, a 429, a timeout or a refused connection is marked failed.
    "MAX_ATTEMPTS": 8,
    # Seconds to connect and, separately, to wait for the answer, per attempt.
    "TIMEOUT": 10,
    # The wait after the first failed attempt, in seconds; it doubles after each
    # one (the upper half jittered) up to BACKOFF_MAX. With the defaults the
    # eight attempts span 30 minutes to an hour.
    "BACKOFF_BASE": 30,
    "BACKOFF_MAX": 1800,
    # Seconds past its due time after which a pending delivery counts as lost
    # (its task died with a worker, or the broker was down when it was queued)
    # and the periodic sweep (CELERY_BEAT_SCHEDULE) queues it again.
    "SWEEP_AFTER": 300,
}


def webhook_setting(name: str):
    """Return ``settings.WEBHOOKS[name]``, falling back to :data:`DEFAULTS`."""
    if name not in DEFAULTS:
        raise KeyError(f"Unknown WEBHOOKS setting {name!r}")
    return getattr(settings, "WEBHOOKS", {}).get(name, DEFAULTS[name])

