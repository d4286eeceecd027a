"""System checks for the sign-in policy and the throttles: caught at start, not on
the first sign-in or API write."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from rest_framework.throttling import SimpleRateThrottle

from .conf import DEFAULTS


@register()
def check_access_settings(app_configs, **kwargs):
    configured = {**DEFAULTS, **getattr(settings, "ACCESS", {})}
    errors = []
    unknown = sorted(set(configured) - set(DEFAULTS))
    if unknown:
        errors.append(Error(f"Unknown ACCESS settings: {', '.join(unknown)}.",
                            hint="access/conf.py documents the names.", id="access.E001"))
    count = configured["PROXY_COUNT"]
    if not isinstance(count, int) or count < 0:
        errors.append(Error("ACCESS['PROXY_COUNT'] must be an integer, 0 or more.",
                            id="access.E002"))
    fold = configured["FOLD_SECONDS"]
    if not isinstance(fold, int) or fold <= 0:
        errors.append(Error("ACCESS['FOLD_SECONDS'] must be a positive integer.",
                            id="access.E002"))
    return errors + _rate_errors()


def _rate_errors() -> list[Error]:
    """``access.E003`` for a throttle rate DRF cannot read (it would 500 every write)."""
    rates = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES", {})
    errors = []
    for scope, rate in rates.items():
        try:
            SimpleRateThrottle.parse_rate(None, rate)
        except (ValueError, KeyError, TypeError, AttributeError):
            errors.append(Error(f"Throttle rate {scope}={rate!r} is not like '300/min'.",
                                hint="A count, a slash and one of s, min, h, day.",
                                id="access.E003"))
    return errors
