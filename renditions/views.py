"""Delivery: a stable URL per asset x profile and the renditions' own files.

The JSON description of an asset is the API's (``renditions.api``, ``asset-json``).

Only renditions are public here; originals and saliency maps never are.
"""
from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from dam.models import Asset

from . import selectors
from .models import Rendition

STABLE_CACHE = "public, max-age=60"  # revalidates: the current rendition may change
FILE_CACHE = "public, max-age=31536000, immutable"  # content-addressed: never changes


@require_safe
def deliver(request, uid, profile):
    """Serve the current rendition; remote storages get a redirect to the file."""
    asset = get_object_or_404(Asset, uid=uid)
    rendition = selectors.rendition_current(asset=asset, profile_slug=profile)
    if rendition is None:
        raise Http404("This rendition does not exist yet.")
    url = rendition.file.url
    if url.startswith(("http://", "https://")):
        return HttpResponseRedirect(url)
    return _file_response(request, rendition, STABLE_CACHE)


@require_safe
def rendition_file(request, name):
    """A rendition's own file by its content-addressed name (the JSON's ``file_url``)."""
    rendition = Rendition.objects.select_related("profile").filter(file=name).first()
    if rendition is None:
        raise Http404("No such rendition.")
    return _file_response(request, rendition, FILE_CACHE)


def _file_response(request, rendition: Rendition, cache_control: str) -> HttpResponse:
    """The file with validators; ConditionalGetMiddleware answers 304 from them."""
    content_type = f"image/{rendition.profile.format}"
    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type)
        response["Content-Length"] = str(rendition.file.size)
    else:
        response = FileResponse(rendition.file.open("rb"), content_type=content_type)
    response["ETag"] = f'"{rendition.key}"'
    response["Last-Modified"] = http_date(rendition.created_at.timestamp())
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response

