"""The API's throttles (``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``), and the one for
first requests of new frames (``renditions.views.deliver_frame``).

* ``WriteThrottle``: POST, PUT, PATCH and DELETE under /api/, counted per user
  (token or session), else per address; reads pass uncounted.
* ``NewFrameThrottle``: frames that do not exist yet and must be rendered, per
  address; a frame already made is served without counting.

Rates are ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``dam/settings.py``), read at
each request so ``override_settings`` reaches them; a scope without a rate is not
throttled. Counts live in the default cache (``CACHES``). A cache that is down lets
requests through, with a warning: the throttles guard against floods, and must not
turn a Redis outage into refused uploads.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from access.addresses import client_address
from access.services import CACHE_ERRORS

log = logging.getLogger(__name__)


class _Throttle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request) -> str:
        return client_address(request) or "unknown"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            log.warning("Throttle %s: cache unavailable (%s); request let through",
                        self.scope, exc)
            return True

    def _key(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class WriteThrottle(_Throttle):
    """Writes, per signed-in user (token or session), else per address."""

    scope = "write"

    def get_cache_key(self, request, view) -> str | None:
        if request.method in SAFE_METHODS:
            return None
        user = request.user
        if user and user.is_authenticated:
            return self._key(f"user-{user.pk}")
        return self._key(f"address-{self.get_ident(request)}")


class NewFrameThrottle(_Throttle):
    """Frames rendered on first request, per address."""

    scope = "new_frame"

    def get_cache_key(self, request, view) -> str:
        return self._key(self.get_ident(request))


def new_frame_gate(request) -> Callable[[], None]:
    """What ``frames.frame_ensure(admit=...)`` calls before rendering a new frame:
    raises ``Throttled`` (with ``wait`` in seconds) once this address is over its rate."""
    throttle = NewFrameThrottle()

    def admit() -> None:
        if not throttle.allow_request(request, None):
            raise exceptions.Throttled(throttle.wait())
    return admit
