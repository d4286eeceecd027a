"""The pages: the library, one asset's workspace (with its photo and heat map
layers) and the review queue. They change nothing: their scripts write through
the API (``renditions.api``), as downstream sites do.
"""
from __future__ import annotations

import io

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from dam.conf import dam_setting
from dam.models import Asset
from dam.roles import role_required

from . import selectors
from .api.search import AssetListQuery
from .conf import setting
from .derive import load_map
from .engine import confidence, heatmap, loading
from .models import CropDecision, RenditionProfile


@require_safe
@role_required("view")
def library(request):
    """Every asset, newest first, or searched (best match first) and narrowed by the
    facets beside it, with the API's query and search (``?q=&keyword=&creator=...``);
    each tile shows the library's thumbnail profile (``DAM["LIBRARY_THUMBNAIL"]``)
    where the asset has that rendition."""
    filters = _library_query(request.GET)
    query = filters.pop("q")
    assets = selectors.library_search(q=query, **filters)
    page = Paginator(assets, dam_setting("PAGE_SIZE")).get_page(request.GET.get("page"))
    thumb = setting("LIBRARY_THUMBNAIL")
    return render(request, "dam/library.html", {
        "page": page, "query": query, "status": filters["status"],
        "statuses": Asset.Status.choices,
        "tiles": selectors.library_tiles(page.object_list, profile_slug=thumb),
        "thumb_profile": thumb,
        "facets": facet_links(selectors.library_facets(assets), request.GET),
    })


def _library_query(params) -> dict:
    """The API's list query from the page's GET; a bad value is left out, not an error."""
    query = AssetListQuery(data=params)
    if not query.is_valid():
        valid = params.copy()
        for name in query.errors:
            valid.pop(name, None)
        query = AssetListQuery(data=valid)
        query.is_valid()
    data = dict(query.validated_data)
    for name in ("updated_since", "facets"):
        data.pop(name, None)
    return data


#: Facet -> (heading, the query parameter it sets). Years set date_from and date_to.
FACET_PARAMS = {"keyword": ("Keywords", "keyword"), "creator": ("Creators", "creator"),
                "status": ("Status", "status"), "orientation": ("Orientation", "orientation"),
                "review": ("Review", "review"), "year": ("Year taken", "date_from")}


def facet_links(facets: dict[str, list[dict]], params) -> list[dict]:
    """Each facet's heading and values with counts, each value with the query string
    that adds it to the current filters, or takes it away when it is on."""
    groups = []
    for name, values in facets.items():
        heading, param = FACET_PARAMS.get(name, (name.title(), name))
        groups.append({"name": name, "heading": heading, "values": [
            {**v, **_toggle(params, param, v["value"])} for v in values]})
    return groups


def _toggle(params, param: str, value: str) -> dict:
    updated = params.copy()
    updated.pop("page", None)
    current = updated.getlist(param)
    active = value in current
    if param == "keyword":
        updated.setlist(param, [v for v in current if v != value] if active else
                        [*current, value])
    else:
        updated.setlist(param, [] if active else [value])
        if param == "date_from":
            updated.setlist("date_to", [] if active else [value])
    return {"active": active, "query": updated.urlencode()}


@require_safe
@cache_control(private=True, no_cache=True)  # per-user data: no shared cache
@role_required("view")
def heatmap_png(request, uid):
    """The saliency map as a transparent colour layer, to lay over the photo."""
    asset = get_object_or_404(Asset.objects.select_related("analysis"), uid=uid)
    if not hasattr(asset, "analysis"):
        raise Http404("This asset has not been analysed yet.")
    layer = heatmap.layer(load_map(asset.analysis))
    return _png(layer)


@require_safe
@role_required("view")
def preview_jpg(request, uid):
    """The whole photo, oriented, at most 1600 px: the editor's canvas."""
    asset = get_object_or_404(Asset, uid=uid)
    with asset.file.open("rb") as fp:
        image, _ = loading.open_for_analysis(fp, longest=1600,
                                             max_pixels=dam_setting("MAX_PIXELS"))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    response = HttpResponse(buf.getvalue(), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _png(image) -> HttpResponse:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return HttpResponse(buf.getvalue(), content_type="image/png")


@require_safe
@role_required("view")
def asset_detail(request, uid):
    """The editor's workspace for one asset: renditions, crops, heat map, history."""
    asset = get_object_or_404(Asset.objects.select_related("analysis", "uploaded_by"), uid=uid)
    renditions = selectors.current_renditions(asset.renditions.select_related("profile"))
    return render(request, "dam/asset_detail.html", {
        "asset": asset, "renditions": renditions.order_by("profile__slug"),
        "profiles": selectors.profile_cards(asset=asset),
        "edits": asset.edits.select_related("user", "profile")[:50],
        "low_confidence": confidence.LOW_CONFIDENCE,
        "metadata": _metadata_rows(asset),
        "keywords": sorted((t.name for t in asset.tags.all()), key=str.casefold),
    })


#: The asset page's Metadata section: (label, field), in the IPTC's order.
METADATA_ROWS = (("Headline", "headline"), ("Caption", "caption"), ("Alt text", "alt_text"),
                 ("Creator", "creator"), ("Credit", "credit"), ("Copyright", "copyright"),
                 ("Usage terms", "usage_terms"), ("Source", "source"),
                 ("Instructions", "instructions"), ("Date created", "date_created"),
                 ("City", "city"), ("Country", "country"))


def _metadata_rows(asset) -> list[tuple[str, str]]:
    return [(label, getattr(asset, name)) for label, name in METADATA_ROWS
            if getattr(asset, name)]


@require_safe
@role_required("view")
def review_queue(request):
    profile = request.GET.get("profile", "")
    state = request.GET.get("review", "pending")
    queue = selectors.review_queue(profile_slug=profile, review=state)
    page = Paginator(queue, 24).get_page(request.GET.get("page"))
    return render(request, "renditions/review.html", {
        "page": page, "profile": profile, "review": state,
        "profiles": RenditionProfile.objects.filter(is_active=True),
        "reviews": CropDecision.Review.choices,
        "low_confidence": confidence.LOW_CONFIDENCE,
    })
