"""The pages: the library, one asset's workspace (with its photo and heat map
layers) and the review queue. They change nothing: their scripts write through
the API (``renditions.api``), as downstream sites do.
"""
from __future__ import annotations

import io
from datetime import timedelta

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from dam import rights, roles, usages
from dam import selectors as dam_selectors
from dam.conf import dam_setting
from dam.models import Asset, Collection, Licence
from dam.roles import role_required

from . import rights as rights_files
from . import selectors
from .api.search import AssetListQuery
from .conf import setting
from .derive import load_map
from .engine import confidence, heatmap, loading
from .engine.encoding import MEDIA_TYPES
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
    assets = selectors.library_search(dam_selectors.assets_visible(user=request.user),
                                      q=query, **filters)
    page = Paginator(assets, dam_setting("PAGE_SIZE")).get_page(request.GET.get("page"))
    thumb = setting("LIBRARY_THUMBNAIL")
    return render(request, "dam/library.html", {
        "page": page, "query": query, "status": filters["status"],
        "statuses": Asset.Status.choices,
        "tiles": selectors.library_tiles(page.object_list, profile_slug=thumb),
        "thumb_profile": thumb, "bulk_fields": EDITABLE_FIELDS, "licences": Licence.objects.all(),
        "move_to": dam_selectors.collection_rows(user=request.user, action="edit_metadata"),
        "facets": facet_links(selectors.library_facets(assets), request.GET),
        # a new search keeps the facet filters that are on
        "kept_filters": [(name, value) for name, values in request.GET.lists()
                         if name not in ("q", "status", "page") for value in values],
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
                "review": ("Review", "review"), "year": ("Year taken", "date_from"),
                "collection": ("Collections", "collection"), "rights": ("Rights", "rights"),
                "usage": ("Use", "usage")}

#: Facets whose values are words of ours, shown by their label.
FACET_LABELS = {"rights": rights.LABELS, "usage": usages.LABELS}


def facet_links(facets: dict[str, list[dict]], params) -> list[dict]:
    """Each facet's heading and values with counts, each value with the query string
    that adds it to the current filters, or takes it away when it is on."""
    groups = []
    for name, values in facets.items():
        heading, param = FACET_PARAMS.get(name, (name.title(), name))
        groups.append({"name": name, "heading": heading, "values": [
            {**v, **_toggle(params, param, v["value"]),
             **({"label": FACET_LABELS[name][v["value"]]} if name in FACET_LABELS else {})}
            for v in values]})
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
    asset = _visible(request, uid, Asset.objects.select_related("analysis"))
    if not hasattr(asset, "analysis"):
        raise Http404("This asset has not been analysed yet.")
    layer = heatmap.layer(load_map(asset.analysis))
    return _png(layer)


@require_safe
@role_required("view")
def preview_jpg(request, uid):
    """The whole photo, oriented, at most 1600 px: the editor's canvas."""
    asset = _visible(request, uid)
    with asset.file.open("rb") as fp:
        image, _ = loading.open_for_analysis(fp, longest=1600,
                                             max_pixels=dam_setting("MAX_PIXELS"))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    response = HttpResponse(buf.getvalue(), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_safe
@role_required("view")
def rendition_preview(request, uid, profile):
    """A profile's current rendition for those who may view the asset, also while its
    rights withhold it from the public (then from the private storage); no shared cache
    keeps it."""
    asset = _visible(request, uid)
    rendition = selectors.rendition_current(asset=asset, profile_slug=profile)
    if rendition is None:
        raise Http404("This profile has no rendition yet.")
    response = HttpResponse(rights_files.file_read(rendition.file),
                            content_type=MEDIA_TYPES[rendition.format])
    response["Cache-Control"] = "private, no-store"
    return response


def _visible(request, uid, assets=None) -> Asset:
    """The asset ``uid`` if the user may view its collection; 404 otherwise, as if
    it did not exist (its existence is not theirs to know)."""
    return get_object_or_404(dam_selectors.assets_visible(user=request.user, assets=assets),
                             uid=uid)


def _png(image) -> HttpResponse:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return HttpResponse(buf.getvalue(), content_type="image/png")


@require_safe
@role_required("view")
def asset_detail(request, uid):
    """The editor's workspace for one asset: renditions, crops, heat map, history."""
    asset = _visible(request, uid, Asset.objects.select_related("analysis", "uploaded_by",
                                                                "collection", "licence"))
    renditions = selectors.current_renditions(asset.renditions.select_related("profile"))
    return render(request, "dam/asset_detail.html", {
        "asset": asset, "can": roles.Can(request.user, asset.collection), "renditions": renditions.order_by("profile__slug"),
        "profiles": selectors.profile_cards(asset=asset),
        "edits": _history(asset),
        "versions": asset.versions.select_related("created_by"),
        "low_confidence": confidence.LOW_CONFIDENCE,
        "metadata": _metadata_rows(asset),
        "metadata_form": _metadata_form(asset),
        "move_to": _move_to(request.user, asset),
        "licences": Licence.objects.all(),
        "rights_dates": [(name, label, (getattr(asset, name) or "") and getattr(
            asset, name).isoformat()) for name, label in RIGHTS_DATES],
        "keywords": sorted((t.name for t in asset.tags.all()), key=str.casefold),
        "similar": dam_selectors.resemblances_visible(asset=asset, user=request.user),
        **_usages(asset),
    })


def _usages(asset: Asset) -> dict:
    """The asset page's usages (rows) and the distinct pages they are on."""
    rows = list(usages.usages_of(asset=asset))
    return {"usages": rows, "used_on": usages.pages_of(rows)}


#: The asset page's Metadata section: (label, field), in the IPTC's order.
METADATA_ROWS = (("Headline", "headline"), ("Caption", "caption"), ("Alt text", "alt_text"),
                 ("Creator", "creator"), ("Credit", "credit"), ("Copyright", "copyright"),
                 ("Usage terms", "usage_terms"), ("Source", "source"),
                 ("Instructions", "instructions"), ("Date created", "date_created"),
                 ("City", "city"), ("Country", "country"))
#: The rights dates of the form and the page: (field, label).
RIGHTS_DATES = (("embargo_until", "Embargo until"), ("expires_at", "Expires at"))
#: Fields edited in a textarea: those that keep newlines
#: (renditions.describing_fields.MULTILINE).
LONG_FIELDS = {"caption", "copyright", "usage_terms", "instructions"}
#: What editors change (the asset page's form, the library's bulk bar): (field, label).
EDITABLE_FIELDS = [(name, label) for label, name in (("Title", "title"), *METADATA_ROWS)]
LABELS = {name: label for name, label in EDITABLE_FIELDS} | {
    "keywords": "Keywords", "collection": "Collection", "licence": "Licence",
    "licence_note": "Licence note", "embargo_until": "Embargo until (UTC)",
    "expires_at": "Expires at (UTC)"}


def _metadata_rows(asset) -> list[tuple[str, str]]:
    return [(label, getattr(asset, name)) for label, name in METADATA_ROWS
            if getattr(asset, name)] + [("Collection", asset.collection.label)]


def _move_to(user, asset) -> list[dict]:
    """Where the user may move the asset: the collections they may edit in, and the
    one it is in (so the form never moves it by itself)."""
    rows = dam_selectors.collection_rows(user=user, action="edit_metadata")
    if not any(row["id"] == asset.collection_id for row in rows):
        rows.insert(0, {"id": asset.collection_id, "label": asset.collection.label})
    return rows


def _metadata_form(asset) -> list[dict]:
    """The edit form's fields: the title, then the IPTC's, with their limits."""
    return [{"name": name, "label": label, "value": getattr(asset, name),
             "long": name in LONG_FIELDS, "max_length": Asset._meta.get_field(name).max_length}
            for name, label in EDITABLE_FIELDS]


def _history(asset) -> list:
    """The asset's last 50 edits; a metadata edit carries ``changes``, field by field."""
    edits = list(asset.edits.select_related("user", "profile")[:50])
    moves = {pk for e in edits if e.kind == "metadata"
             for pk in ((e.before or {}).get("collection"), (e.after or {}).get("collection"))}
    names = dict(Collection.objects.filter(pk__in=moves - {None}).values_list("pk", "name"))
    licences = dict(Licence.objects.values_list("pk", "name"))
    for event in edits:
        if event.kind == "metadata":
            event.changes = metadata_changes(event.before or {}, event.after or {}, names,
                                             licences)
    return edits


def metadata_changes(before: dict, after: dict, collections: dict | None = None,
                     licences: dict | None = None) -> list[dict]:
    """A metadata event, readable: {label, before, after} per field (a collection or a
    licence by its name in ``collections`` / ``licences``, pk -> name), and for the
    keywords {label, added, removed} (each sorted)."""
    rank = {name: i for i, name in enumerate(LABELS)}
    changes = []
    for name in sorted(set(before) | set(after), key=lambda n: (rank.get(n, len(rank)), n)):
        old, new = before.get(name), after.get(name)
        if name == "keywords":
            old, new = set(old or ()), set(new or ())
            changes.append({"label": LABELS[name], "keywords": True,
                            "added": sorted(new - old, key=str.casefold),
                            "removed": sorted(old - new, key=str.casefold)})
        else:
            if name in ("collection", "licence"):
                known = (collections if name == "collection" else licences) or {}
                old, new = (known.get(pk, "(deleted)") if pk else None for pk in (old, new))
            changes.append({"label": LABELS.get(name, name), "before": old or "",
                            "after": new or ""})
    return changes


@require_safe
@role_required("view")
def review_queue(request):
    profile = request.GET.get("profile", "")
    state = request.GET.get("review", "pending")
    queue = selectors.review_queue(profile_slug=profile, review=state).filter(
        asset__in=dam_selectors.assets_visible(user=request.user))
    page = Paginator(queue, 24).get_page(request.GET.get("page"))
    return render(request, "renditions/review.html", {
        "page": page, "profile": profile, "review": state,
        "profiles": RenditionProfile.objects.filter(is_active=True),
        "reviews": CropDecision.Review.choices,
        "low_confidence": confidence.LOW_CONFIDENCE,
    })


@require_safe
@role_required("delete_asset")
def trash_list(request):
    """The assets in the trash the user may restore, most recently deleted first; its
    buttons call the API (restore; "delete now" for administrators)."""
    trashed = dam_selectors.assets_visible(
        user=request.user, action="delete_asset", trashed=True,
        assets=Asset.objects.select_related("deleted_by")).order_by("-deleted_at", "-id")
    page = Paginator(trashed, dam_setting("PAGE_SIZE")).get_page(request.GET.get("page"))
    days = timedelta(days=dam_setting("TRASH_DAYS"))
    for asset in page.object_list:
        asset.purge_after = asset.deleted_at + days
    return render(request, "renditions/trash.html", {
        "page": page, "trash_days": dam_setting("TRASH_DAYS")})
