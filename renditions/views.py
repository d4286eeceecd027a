"""Delivery: a stable URL per asset x profile (any srcset width, AVIF or WebP by
``Accept``), a URL per frame size (signed, or on the allow-list), and the
stored files' own content-addressed URLs.

The JSON description of an asset is the API's (``renditions.api``, ``asset-json``).
Only renditions and frames are public here; originals and saliency maps never are.

Rights (``dam.rights``): every URL here answers 410 Gone with one plain line while
the asset is under embargo or after its licence ended, and no answer lets a cache
keep a file past the asset's expiry (``renditions.responses``). Every answer
carries surrogate keys (``Surrogate-Key``, ``Cache-Tag``) that ``renditions.cdn``
names when the asset changes.
"""
from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe
from rest_framework.exceptions import Throttled

from dam.models import Asset

from . import delivery, frames, origin, print_frames, responses, selectors
from .api.throttling import new_frame_gate
from .conf import setting
from .engine.encoding import FORMATS
from .icc import IccProfile
from .models import Frame, Rendition

# A file's own URL names its bytes, so it never changes; the stable and frame URLs
# revalidate after DAM["STABLE_MAX_AGE"] (their content changes with the focal point).
FILE_CACHE = responses.FILE_CACHE


@require_safe
def deliver(request, uid, profile):
    """The current rendition of a profile, at a srcset width ``w`` and in format
    ``fm`` (else the best the browser accepts, where the profile allows it);
    answered from the cached lookup (``renditions.origin``) when it can be."""
    key, found = responses.stable_lookup(request, uid, profile)
    if found.entry is not None:
        try:
            return responses.stable_answer(request, found.entry)
        except FileNotFoundError:  # moved or deleted since: ask the database
            pass
    answer = _deliver(request, uid, profile)
    if isinstance(answer, origin.Entry):
        origin.entry_put(key, found, answer)
        return responses.stable_answer(request, answer)
    return answer


def _deliver(request, uid, profile) -> origin.Entry | HttpResponse:
    """The entry of what the stable URL serves, from the database, or the refusal."""
    rendition = selectors.rendition_current(asset_uid=uid, profile_slug=profile)
    if rendition is None:
        raise Http404("No such asset, or its rendition does not exist yet.")
    asset = rendition.asset
    if gone := responses.withheld(asset, responses.surrogate_keys(uid, profile)):
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
        served.rendition = rendition
    return responses.entry_of(served, asset, negotiated=negotiated)


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
    if gone := responses.withheld(asset, responses.surrogate_keys(uid, None)):
        return gone
    try:
        frame = frames.frame_ensure(asset=asset, width=width, height=height, fmt=fmt,
                                    compose=wanted, admit=new_frame_gate(request))
    except frames.NotReady as exc:
        raise Http404(str(exc)) from None
    except Throttled as exc:
        return _too_many(exc.wait)
    entry = responses.entry_of(frame, asset, negotiated=negotiated)
    return responses.conditional(request, responses.serve(request, entry,
                                                          setting("STABLE_MAX_AGE")))


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
    if gone := responses.withheld(asset, responses.surrogate_keys(uid, None)):
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
    return responses.conditional(request, responses.serve(
        request, responses.entry_of(frame, asset), setting("STABLE_MAX_AGE")))


@require_safe
def rendition_file(request, name):
    """A rendition's or frame's own file by its content-addressed name (``file_url``)."""
    stored = (Rendition.objects.select_related("profile", "asset").filter(file=name).first()
              or Frame.objects.select_related("asset", "rendition__profile")
              .filter(file=name).first())
    if stored is None:
        raise Http404("No such rendition.")
    entry = responses.entry_of(stored, stored.asset)
    if gone := responses.withheld(entry, entry.keys):
        return gone
    return responses.conditional(request, responses.file_response(request, entry, FILE_CACHE))


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
