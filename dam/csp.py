"""django-csp's middleware with the policy built once, not on every response.

django-csp rebuilds ``Content-Security-Policy`` from the settings on every response
(about 100 µs: a dataclass copied to a dict and the directives joined), which is a
seventh of a cached image's whole answer through the stable URL. The header depends
only on ``CONTENT_SECURITY_POLICY`` (and ``_REPORT_ONLY``) unless a view changed it
(``csp_update``, ``csp_replace``, ``csp_exempt``, its own config) or used a nonce:
such responses go through django-csp unchanged; every other one gets the same string,
built on first use and built again when those settings change (``setting_changed``).
Every response keeps its CSP, images included (the header costs nothing to send).
"""
from __future__ import annotations

from functools import cache

from csp import middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

#: What a view sets on its response (or the request) to have a policy of its own.
_OWN = ("_csp_config", "_csp_update", "_csp_replace",
        "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


class CSPMiddleware(middleware.CSPMiddleware):
    """``csp.middleware.CSPMiddleware``, its header string kept between responses."""

    def process_response(self, request, response):
        if (getattr(request, "_csp_nonce", None) is not None
                or any(getattr(response, name, None) is not None for name in _OWN)):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # django-csp leaves the debug pages alone
        path = request.path_info
        for header, name, exempt in ((HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
                                     (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY",
                                      "_csp_exempt_ro")):
            value, excluded = _policy(header == HEADER_REPORT_ONLY)
            if (value and header not in response and not getattr(response, exempt, False)
                    and not path.startswith(excluded)):
                response[header] = value
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


@cache
def _policy(report_only: bool) -> tuple[str, tuple[str, ...]]:
    """The header's value from the settings and the path prefixes it skips."""
    name = "CONTENT_SECURITY_POLICY" + "_REPORT_ONLY" * report_only
    prefixes = (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
    return build_policy(report_only=report_only), tuple(prefixes)


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policy.cache_clear()
