"""The caller's IP address: one answer for the sign-in lockout, the throttles and
the audit log, so a client cannot be one address to one and another to the next."""
from __future__ import annotations

import ipaddress

from .conf import access_setting


def client_address(request) -> str | None:
    """The caller's IP, or None when it is not a valid address.

    With ``ACCESS["PROXY_COUNT"]`` = n trusted proxies, the address the outermost
    of them saw: the n-th entry from the right of X-Forwarded-For (entries further
    left are the client's to invent). Takes a Django or a DRF request.
    """
    address = request.META.get("REMOTE_ADDR", "")
    hops = access_setting("PROXY_COUNT")
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if a.strip()]
    if hops and forwarded:
        address = forwarded[-min(hops, len(forwarded))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
