"""One HTTP attempt and what its outcome means (pure: no Django).

Redirects are not followed: a receiver that moved is told to update its URL,
and a signed body is never re-sent to an address nobody configured.
"""
from __future__ import annotations

from dataclasses import dataclass

import requests

EXCERPT = 1000  # characters of the response body kept in the delivery log


@dataclass(frozen=True)
class Outcome:
    """What one POST got back. ``status``: the HTTP status, None when no answer came."""

    status: int | None
    body: str = ""
    error: str = ""
    transient: bool = False  # no answer, for a reason that may pass (timeout, refused)

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """A later attempt may succeed: the receiver is down, overloaded or unreachable.
        Any other answer (4xx, a redirect) is the receiver refusing: it fails at once."""
        if self.status is None:
            return self.transient
        return self.status >= 500 or self.status == 429


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST ``body`` to ``url``; ``timeout`` seconds to connect and to read."""
    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout,
                                 allow_redirects=False, stream=True)
    except requests.Timeout as exc:
        return Outcome(None, error=f"Timed out after {timeout:g} s ({exc})", transient=True)
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        return Outcome(None, error=f"Could not connect ({exc})", transient=True)
    except requests.RequestException as exc:  # a bad URL: retrying cannot help
        return Outcome(None, error=f"{type(exc).__name__}: {exc}")
    with response:
        excerpt = _excerpt(response)
    error = ""
    if response.is_redirect:
        error = (f"Redirected to {response.headers.get('Location', '?')}; redirects are not "
                 "followed: set the endpoint's URL to the final address.")
    return Outcome(response.status_code, excerpt, error)


def _excerpt(response: requests.Response) -> str:
    """The first EXCERPT characters of the body, read no further than needed."""
    raw = b""
    try:  # iter_content also serves a body requests read already (a redirect's)
        for chunk in response.iter_content(EXCERPT * 4):
            raw += chunk
            if len(raw) >= EXCERPT * 4:
                break
    except requests.RequestException as exc:  # the status already tells what happened
        return f"(body unreadable: {exc})"
    return raw.decode(response.encoding or "utf-8", errors="replace")[:EXCERPT]
