"""Delivery: a stable URL per asset x profile, and a JSON description."""
from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET

from dam.models import Asset

from . import selectors


def _stable_url(request):
    def build(asset, slug):
        return request.build_absolute_uri(reverse("deliver", args=[asset.uid, slug]))
    return build


@require_GET
def deliver(request, uid, profile):
    """Serve the current rendition; remote storages get a redirect to the file."""
    asset = get_object_or_404(Asset, uid=uid)
    rendition = selectors.rendition_current(asset=asset, profile_slug=profile)
    if rendition is None:
        raise Http404("This rendition does not exist yet.")
    url = rendition.file.url
    if url.startswith(("http://", "https://")):
        return HttpResponseRedirect(url)
    response = FileResponse(rendition.file.open("rb"),
                            content_type=f"image/{rendition.profile.format}")
    response["ETag"] = f'"{rendition.key}"'
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_GET
def asset_json(request, uid):
    """Public like the delivery URL: whoever knows the asset id may read it."""
    asset = get_object_or_404(Asset, uid=uid)
    return JsonResponse(selectors.asset_payload(asset=asset, build_url=_stable_url(request)))
