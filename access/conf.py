"""Access settings: the ``ACCESS`` dict in Django settings, over these defaults.

The sign-in limits themselves are django-axes' own settings (``AXES_FAILURE_LIMIT``,
``AXES_COOLOFF_TIME``) and the API's are DRF's (``DEFAULT_THROTTLE_RATES``); both
are set, with their environment variables, in ``dam/settings.py``.
"""
from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Trusted reverse proxies in front of the app, each appending to
    # X-Forwarded-For. 0: the caller's address is the connection's (REMOTE_ADDR),
    # and X-Forwarded-For, which anyone can send, is ignored.
    "PROXY_COUNT": 0,
    # Seconds after an audit row during which the same refusal, failed sign-in or
    # lockout (same kind, user, name tried, address, path and detail) adds to that row's
    # count instead of writing another: a client retrying in a loop cannot fill
    # the table, and the count still says how often it tried.
    "FOLD_SECONDS": 60,
}


def access_setting(name: str):
    """Return ``settings.ACCESS[name]``, falling back to :data:`DEFAULTS`."""
    if name not in DEFAULTS:
        raise KeyError(f"Unknown ACCESS setting {name!r}")
    return getattr(settings, "ACCESS", {}).get(name, DEFAULTS[name])
