"""Delivery's answers, built from an ``origin.Entry`` (cached or fresh): the file
(through Python, or by ``X-Accel-Redirect`` behind nginx), a redirect where a
remote storage serves files, or 410 Gone while the rights forbid delivery; each
with its caching headers and surrogate keys.

Caching (``DAM`` keys, ``renditions/conf.py``): stable and frame URLs say
``public, max-age=STABLE_MAX_AGE``, plus ``s-maxage=STABLE_S_MAXAGE`` and
``stale-while-revalidate=STALE_WHILE_REVALIDATE`` where set (for a CDN that
purges: ``renditions.cdn``); a file's own URL is kept a year, ``immutable``
only for an asset without rights dates. Every lifetime is capped at the seconds
left until the asset's expiry, with ``Expires`` at the same moment, and
``stale-while-revalidate`` is left out while an expiry is set, so no cache keeps
or serves a file past it.
"""
from __future__ import annotations

from urllib.parse import quote

from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from dam import rights
from dam.models import Asset

from . import delivery, origin
from .conf import setting
from .engine.encoding import MEDIA_TYPES
from .models import Frame, Rendition
from .origin import Entry

FILE_CACHE = 31536000
REMOTE = ("http://", "https://")


def surrogate_keys(uid, profile: str | None) -> tuple[str, ...]:
    """``asset-<uid>`` (everything of the asset: what a purge names) and
    ``asset-<uid>-<profile>`` (``-frames`` for a frame of no profile)."""
    return (f"asset-{uid}", f"asset-{uid}-{profile or 'frames'}")


def entry_of(stored: Rendition | Frame, asset: Asset, *, negotiated: bool = False) -> Entry:
    """The entry of a stored rendition or frame (its profile's slug through
    ``stored.profile`` or, for a variant, ``stored.rendition``)."""
    profile = getattr(stored, "profile", None) or getattr(
        getattr(stored, "rendition", None), "profile", None)
    return Entry(name=stored.file.name, key=stored.key, format=stored.format,
                 size=stored.size_bytes if getattr(stored, "size_bytes", None)
                 else stored.file.size, created=stored.created_at.timestamp(),
                 embargo_until=asset.embargo_until, expires_at=asset.expires_at,
                 keys=surrogate_keys(asset.uid, profile and profile.slug),
                 negotiated=negotiated, deleted_at=asset.deleted_at)


#: The headers that carry an answer's surrogate keys (``tagged``), a 304's too.
SURROGATE_HEADERS = ("Surrogate-Key", "Cache-Tag")


def tagged(response: HttpResponse, keys) -> HttpResponse:
    """``Surrogate-Key`` (Fastly, space separated) and ``Cache-Tag`` (Cloudflare,
    comma separated): what a purge by key reaches."""
    response[SURROGATE_HEADERS[0]] = " ".join(keys)
    response[SURROGATE_HEADERS[1]] = ",".join(keys)
    return response


def withheld(window, keys) -> HttpResponse | None:
    """410 Gone with the one-line reason while the rights in ``window`` (anything with
    ``embargo_until``, ``expires_at`` and ``deleted_at``) forbid delivery now, stored by no cache;
    None when it may be served."""
    state = rights.rights_state(window, timezone.now())
    if state == rights.OK:
        return None
    response = HttpResponse(rights.REASONS[state] + "\n", status=410,
                            content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return tagged(response, keys)


def stable_lookup(request, uid, profile: str) -> tuple[str, origin.Found]:
    """The cache key of a stable-URL request and what the cached lookup holds for it
    (``renditions.origin``): the Django view's and the lean path's (``renditions.wsgi``)."""
    key = origin.request_key(uid, profile, width=request.GET.get("w", ""),
                             fmt=request.GET.get("fm", ""),
                             accepted=delivery.negotiate(request.headers.get("Accept", ""),
                                                         default=""))
    return key, origin.entry_get(uid, key)


def stable_answer(request, entry: Entry) -> HttpResponse:
    """A stable URL's whole answer from its entry, the one door of both the Django
    view and the lean path (``renditions.wsgi``): 410 from the moment the rights say
    so, else the file (or its redirect), answered 304 (412) here when the request's
    validators say so. Raises FileNotFoundError for a file gone since the entry."""
    if gone := withheld(entry, entry.keys):
        return gone
    return conditional(request, serve(request, entry, setting("STABLE_MAX_AGE")))


def conditional(request, response: HttpResponse) -> HttpResponse:
    """``response``, or the 304/412 that its ETag and Last-Modified make of it for a
    GET or HEAD with validators (``ConditionalGetMiddleware`` does it for GET only),
    a 304 with the surrogate keys of the 200 (Django's keeps only caching headers)."""
    if request.method not in ("GET", "HEAD") or not (
            "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META
            or "HTTP_IF_MATCH" in request.META or "HTTP_IF_UNMODIFIED_SINCE" in request.META):
        return response
    answer = get_conditional_response(
        request, etag=response.get("ETag"),
        last_modified=parse_http_date_safe(response.get("Last-Modified", "")) or None,
        response=response)
    if answer is not response and (opened := getattr(response, "file_to_stream", None)):
        opened.close()  # the file opened for the 200 (response.close() would end the request)
    if answer.status_code == 304:  # a CDN revalidating keeps the keys a purge reaches
        for name in SURROGATE_HEADERS:
            if name in response:
                answer[name] = response[name]
    return answer


def serve(request, entry: Entry, max_age: int) -> HttpResponse:
    """The file of ``entry`` (or a redirect to it where a remote storage serves files),
    cacheable for ``max_age`` seconds at most."""
    storage = _storage()
    if _elsewhere(storage) and (url := storage.url(entry.name)).startswith(REMOTE):
        response = tagged(_cached(HttpResponseRedirect(url), entry, max_age), entry.keys)
    else:
        response = file_response(request, entry, max_age)
    if entry.negotiated:
        patch_vary_headers(response, ["Accept"])
    return response


def file_response(request, entry: Entry, max_age: int) -> HttpResponse:
    """The file with validators (``conditional`` answers 304 from them).
    With ``DAM["ACCEL_REDIRECT"]`` the body is nginx's: headers only, and
    ``X-Accel-Redirect`` to the file under that internal location."""
    content_type = MEDIA_TYPES[entry.format]
    if accel := setting("ACCEL_REDIRECT"):
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel + quote(entry.name)
    elif request.method == "HEAD":
        response = HttpResponse(content_type=content_type)
        response["Content-Length"] = str(entry.size)
    else:
        response = FileResponse(_storage().open(entry.name, "rb"), content_type=content_type)
    response["ETag"] = f'"{entry.key}"'
    response["Last-Modified"] = http_date(entry.created)
    _cached(response, entry, max_age)
    response["X-Content-Type-Options"] = "nosniff"
    return tagged(response, entry.keys)


def _cached(response: HttpResponse, entry: Entry, max_age: int) -> HttpResponse:
    now = timezone.now()
    seconds = rights.cache_seconds(entry, now, default=max_age)
    parts = ["public", f"max-age={seconds}"]
    if max_age == FILE_CACHE:
        parts += ["immutable"] * rights.may_be_immutable(entry)
    else:
        if shared := setting("STABLE_S_MAXAGE"):
            parts.append(f"s-maxage={rights.cache_seconds(entry, now, default=shared)}")
        if (stale := setting("STALE_WHILE_REVALIDATE")) and entry.expires_at is None:
            parts.append(f"stale-while-revalidate={stale}")
    response["Cache-Control"] = ", ".join(parts)
    if entry.expires_at is not None:
        response["Expires"] = http_date(now.timestamp() + seconds)
    return response


def _elsewhere(storage) -> bool:
    """Whether the storage's URLs may point elsewhere (a redirect, not the file): any
    but the local files' with a path-only ``MEDIA_URL`` (whose ``url()`` costs a
    ``urljoin`` per answer, for a path that would only be thrown away)."""
    return not isinstance(storage, FileSystemStorage) or storage.base_url.startswith(REMOTE)


def _storage():
    return storages["default"]
