"""Delivery: a stable URL per asset x profile (any srcset width, AVIF or WebP by
``Accept``), a URL per frame size (signed, or on the allow-list), and the
stored files' own content-addressed URLs.

The JSON description of an asset is the API's (``renditions.api``, ``asset-json``).
Only renditions and frames are public here; originals and saliency maps never are.

Rights (``dam.rights``): every URL here answers 410 Gone with one plain line while
the asset is under embargo or after its licence ended, and no answer lets a cache
keep a file past the asset's expiry (``_cached``).
"""
from __future__ import annotations

from django.http import (FileResponse, Http404, HttpResponse, HttpResponseBadRequest,
                         HttpResponseForbidden, HttpResponseRedirect)
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from rest_framework.exceptions import Throttled

from dam import rights
from dam.models import Asset

from . import delivery, frames, print_frames, selectors
from .api.throttling import new_frame_gate
from .engine.rendering import FORMATS, MEDIA_TYPES
from .icc import IccProfile
from .models import Frame, Rendition

# The stable and frame URLs revalidate (their content changes with the focal
# point); a file's own URL names its bytes, so it never changes.
STABLE_CACHE = 60
FILE_CACHE = 31536000


@require_safe
def deliver(request, uid, profile):
    """The current rendition of a profile, at a srcset width ``w`` and in format
    ``fm`` (else the best the browser accepts, where the profile allows it)."""
    rendition = selectors.rendition_current(asset_uid=uid, profile_slug=profile)
    if rendition is None:
        raise Http404("No such asset, or its rendition does not exist yet.")
    if gone := _withheld(rendition.asset):
        return gone
    fmt, negotiated = _format(request, rendition.profile.format,
                              may_negotiate=delivery.negotiates(rendition.profile))
    if fmt is None:
        return _bad_format()
    width = request.GET.get("w") or str(rendition.width)
    widths = delivery.srcset_widths(rendition)
    if not width.isdigit() or int(width) not in widths:
        return _refuse(f"This profile comes in widths {', '.join(map(str, widths))}; "
                       "other sizes need a signed frame URL.")
    served = rendition
    if int(width) != rendition.width or fmt != rendition.format:
        served = frames.variant_ensure(rendition=rendition, width=int(width), fmt=fmt)
    return _serve(request, served, rendition.asset, STABLE_CACHE, negotiated)


@require_safe
def deliver_frame(request, uid, width, height):
    """A ``width`` x ``height`` px frame of the asset, made on first request, with
    the composition controls ``z``, ``align`` and ``pad`` of a signed URL; first
    requests are throttled per address (429), stored frames never are."""
    try:
        wanted = delivery.check_frame(uid, width, height, request.GET)
    except delivery.Refused as exc:
        return _refuse(str(exc))
    fmt, negotiated = _format(request, "jpeg", may_negotiate=True)
    if fmt is None:
        return _bad_format()
    asset = get_object_or_404(Asset.objects.select_related("analysis"), uid=uid)
    if gone := _withheld(asset):
        return gone
    try:
        frame = frames.frame_ensure(asset=asset, width=width, height=height, fmt=fmt,
                                    compose=wanted, admit=new_frame_gate(request))
    except frames.NotReady as exc:
        raise Http404(str(exc)) from None
    except Throttled as exc:
        return _too_many(exc.wait)
    return _serve(request, frame, asset, STABLE_CACHE, negotiated)


@require_safe
def deliver_print(request, uid, width, height):
    """A print frame: ``width`` x ``height`` mm at ``dpi``, JPEG or TIFF, in CMYK
    through the output profile ``icc`` (``renditions.print_frames``); a signed
    URL only. A bad value is 400, a bad or missing signature 403."""
    try:
        wanted, compose = print_frames.check_print(uid, width, height, request.GET)
    except ValueError as exc:
        return HttpResponseBadRequest(f"{exc}\n", content_type="text/plain; charset=utf-8")
    except delivery.Refused as exc:
        return _refuse(str(exc))
    asset = get_object_or_404(Asset.objects.select_related("analysis"), uid=uid)
    if gone := _withheld(asset):
        return gone
    try:
        press = print_frames.press(wanted)
    except IccProfile.DoesNotExist:
        raise Http404(f"No ICC output profile {wanted.icc!r}.") from None
    try:
        frame = frames.frame_ensure(asset=asset, width=wanted.size[0], height=wanted.size[1],
                                    fmt=wanted.fmt, compose=compose, press=press,
                                    name=wanted.spec, admit=new_frame_gate(request))
    except frames.NotReady as exc:
        raise Http404(str(exc)) from None
    except Throttled as exc:
        return _too_many(exc.wait)
    return _serve(request, frame, asset, STABLE_CACHE, False)


@require_safe
def rendition_file(request, name):
    """A rendition's or frame's own file by its content-addressed name (``file_url``)."""
    stored = (Rendition.objects.select_related("profile", "asset").filter(file=name).first()
              or Frame.objects.select_related("asset").filter(file=name).first())
    if stored is None:
        raise Http404("No such rendition.")
    if gone := _withheld(stored.asset):
        return gone
    return _file_response(request, stored, stored.asset, FILE_CACHE)


def _format(request, default: str, *, may_negotiate: bool) -> tuple[str | None, bool]:
    """The format asked for with ``fm`` (None if unknown), else negotiated by
    ``Accept``; and whether the answer depends on ``Accept``."""
    asked = request.GET.get("fm")
    if asked:
        asked = asked.lower().replace("jpg", "jpeg")
        return (asked if asked in FORMATS else None), False
    if not may_negotiate:
        return default, False
    return delivery.negotiate(request.headers.get("Accept", ""), default=default), True


def _withheld(asset: Asset) -> HttpResponse | None:
    """410 Gone with the one-line reason while the asset's rights forbid delivery,
    stored by no cache (a lifted embargo is seen at once); None when it may be served."""
    state = rights.rights_state(asset, timezone.now())
    if state == rights.OK:
        return None
    response = HttpResponse(rights.REASONS[state] + "\n", status=410,
                            content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _cached(response: HttpResponse, asset: Asset, max_age: int) -> HttpResponse:
    """``Cache-Control`` public for ``max_age`` seconds, capped at the seconds left until
    the asset's expiry, with ``Expires`` at the same moment; ``immutable`` only for the
    long-lived file URLs of an asset without rights dates."""
    now = timezone.now()
    seconds = rights.cache_seconds(asset, now, default=max_age)
    immutable = max_age == FILE_CACHE and rights.may_be_immutable(asset)
    response["Cache-Control"] = f"public, max-age={seconds}" + (", immutable" * immutable)
    if asset.expires_at is not None:
        response["Expires"] = http_date(now.timestamp() + seconds)
    return response


def _serve(request, stored, asset: Asset, max_age: int, negotiated: bool) -> HttpResponse:
    """The file itself, or a redirect to it where a remote storage serves files."""
    url = stored.file.url
    if url.startswith(("http://", "https://")):
        response = _cached(HttpResponseRedirect(url), asset, max_age)
    else:
        response = _file_response(request, stored, asset, max_age)
    if negotiated:
        patch_vary_headers(response, ["Accept"])
    return response


def _file_response(request, stored: Rendition | Frame, asset: Asset,
                   max_age: int) -> HttpResponse:
    """The file with validators; ConditionalGetMiddleware answers 304 from them."""
    content_type = MEDIA_TYPES[stored.format]
    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type)
        response["Content-Length"] = str(stored.file.size)
    else:
        response = FileResponse(stored.file.open("rb"), content_type=content_type)
    response["ETag"] = f'"{stored.key}"'
    response["Last-Modified"] = http_date(stored.created_at.timestamp())
    _cached(response, asset, max_age)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _refuse(reason: str) -> HttpResponse:
    return HttpResponseForbidden(reason + "\n", content_type="text/plain; charset=utf-8")


def _too_many(wait: int | None) -> HttpResponse:
    wait = wait or 1
    response = HttpResponse(f"Too many new frames from this address; try again in {wait} s.\n",
                            status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response


def _bad_format() -> HttpResponse:
    return HttpResponseBadRequest(f"fm is one of {', '.join(FORMATS)}.\n",
                                  content_type="text/plain; charset=utf-8")
