"""The stable URL's lean path: a WSGI wrapper in front of Django's application
(``settings.WSGI_MIDDLEWARE``, applied by ``dam.wsgi``) that answers a warm hit of
``/d/<id>/<profile>`` without Django's handler, URL resolver and middleware chain.

A GET or HEAD without a body whose path is a stable URL, whose entry the cached lookup
holds (``responses.stable_lookup``) and whose file is still there is answered here by
the view's own function, ``responses.stable_answer`` (200, 304, 412, 410); everything
else (a miss, another URL, a bad width, a redirect to HTTPS, a bad Host, any error) goes
to Django unchanged, which answers as it always did and warms the lookup.

The middleware's part of the answer is the middleware's own code: of
``settings.MIDDLEWARE``, those that only add headers to such an answer (``HEADERS``:
security headers, CSP, X-Frame-Options, CORS, the session's and CSRF cookies,
Content-Length, conditional GET) run here too, their ``process_request`` in order and
their ``process_response`` in reverse, as Django runs them; those that do nothing to it
(``INERT``: static files, upload limits, sign-in, messages, audit, lockouts) are
skipped. A ``MIDDLEWARE`` with anything else turns the lean path off (logged, and
``renditions.W012``): its effect on the answer is unknown here.
(``tests/integration/test_lean_path.py`` compares both paths' answers header by header.)
"""
from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.utils.log import log_response
from django.utils.module_loading import import_string

from . import responses

log = logging.getLogger(__name__)
STABLE = re.compile(r"/d/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
                    r"/([-a-zA-Z0-9_]+)")  # renditions.urls' "deliver": uuid, then slug
#: Middleware whose whole work on a stable-URL hit is headers or cookies: run here too.
HEADERS = frozenset({
    "django.middleware.security.SecurityMiddleware",
    "dam.csp.CSPMiddleware", "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",  # the Host check (400) too
    "django.middleware.csrf.CsrfViewMiddleware",
})
#: Middleware that does nothing to a stable-URL hit (a GET or HEAD with no body, not
#: under STATIC_URL, no exception, nobody's user or messages touched): skipped here.
INERT = frozenset({
    # responses.stable_answer answers a conditional GET (and HEAD) itself, as this would:
    "django.middleware.http.ConditionalGetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dam.middleware.UploadLimitMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "access.middleware.RefusalAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dam.middleware.ServiceUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
})
#: Bytes of a file read into one body where the server has no ``wsgi.file_wrapper``
#: (granian: one body crosses into Rust once, where an iterator crosses per chunk).
WHOLE_BODY = 8 * 1024 * 1024


def unknown_middleware() -> list[str]:
    """The entries of ``settings.MIDDLEWARE`` the lean path cannot vouch for."""
    return [path for path in settings.MIDDLEWARE if path not in HEADERS | INERT]


class StableURLs:
    """WSGI middleware: a warm stable-URL hit answered here, the rest by ``application``."""

    def __init__(self, application):
        self.application = application
        unknown = unknown_middleware()
        if unknown:
            log.warning("Lean stable-URL path off: %s may change the answer", ", ".join(unknown))
            self.before = self.after = None
            return
        chain = [_instance(path) for path in settings.MIDDLEWARE if path in HEADERS]
        self.before = [m.process_request for m in chain if hasattr(m, "process_request")]
        self.after = [_response_hook(m) for m in reversed(chain)]

    def __call__(self, environ, start_response):
        if (self.after is not None and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
                and environ.get("CONTENT_LENGTH") in (None, "", "0")
                and (match := STABLE.fullmatch(environ.get("PATH_INFO", "")))):
            try:
                response = self.answer(environ, *match.groups())
            except Exception:  # noqa: BLE001 - Django answers it (a bad Host: 400...)
                log.debug("Lean path declined %s", environ.get("PATH_INFO"), exc_info=True)
                response = None
            if response is not None:
                return _send(environ, start_response, response)
        return self.application(environ, start_response)

    def answer(self, environ, uid: str, profile: str):
        """The whole answer to a warm hit, or None for Django to give."""
        request = WSGIRequest(environ)
        if any(hook(request) is not None for hook in self.before):
            return None  # a redirect, a refusal: Django's
        found = responses.stable_lookup(request, uid, profile)[1]
        if found.entry is None:
            return None
        try:
            response = responses.stable_answer(request, found.entry)
        except FileNotFoundError:
            return None
        for hook in self.after:
            response = hook(request, response)
        if response.status_code >= 400:  # as Django's handler logs them
            log_response("%s: %s", response.reason_phrase, request.path,
                         response=response, request=request)
        return response


def _instance(path: str):
    return import_string(path)(_never)


def _never(request):
    raise AssertionError("the lean path calls no view")


def _response_hook(middleware):
    """``process_response``, or django-cors-headers' equivalent (it has none)."""
    hook = getattr(middleware, "process_response", None)
    if hook is None:
        add = middleware.add_response_headers
        return lambda request, response: add(request, response) or response
    return hook


def _send(environ, start_response, response):
    """``response`` to the server as ``django.core.handlers.wsgi.WSGIHandler`` sends it, a
    file by ``wsgi.file_wrapper``, else (up to ``WHOLE_BODY``) read into one body; without
    ``request_finished``: the lean path opens no database connection to close."""
    status = f"{response.status_code} {response.reason_phrase}"
    headers = [*response.items(),
               *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())]
    start_response(status, headers)
    opened = getattr(response, "file_to_stream", None)
    if opened is None:
        return [response.content]
    if wrapper := environ.get("wsgi.file_wrapper"):
        return wrapper(opened, response.block_size)
    if int(response.get("Content-Length") or WHOLE_BODY + 1) <= WHOLE_BODY:
        with opened:
            return [opened.read()]
    return _chunks(opened, response.block_size)


def _chunks(opened, size: int):
    with opened:
        while chunk := opened.read(size):
            yield chunk
