"""Reads for assets: the library's list, search, filters and facets."""
from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, Count, F, Min, QuerySet, Value, When
from django.db.models.functions import Substr

from .models import Asset
from .search import index as search_index

#: Date filters and the year facet read ``date_created``'s ISO prefix: 2021, 2021-10...
DATE_PREFIX = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
FACET_TOP = 20


def asset_list(*, query: str = "", status: str = "") -> QuerySet[Asset]:
    """Assets newest first or, with a ``query``, best match first (:func:`asset_search`)."""
    assets = Asset.objects.all()
    if status:
        assets = assets.filter(status=status)
    return asset_search(assets, query)


def asset_search(assets: QuerySet[Asset], q: str) -> QuerySet[Asset]:
    """``assets`` holding every word of ``q`` in a searched field (title, headline,
    caption, alt text, keywords, creator, credit, city, country, file name), case,
    accents and word endings aside; the last word also matches a word's start.

    Best match first (annotated ``search_rank``, higher is better), then newest. A
    blank ``q`` returns ``assets`` newest first; a ``q`` with no word in it (``"*!"``)
    matches nothing.
    """
    if not q.strip():
        return assets.order_by("-created_at", "-id")
    return search_index.matching(assets, q).order_by("-search_rank", "-created_at", "-id")


def asset_filter(assets: QuerySet[Asset], *, keyword=(), creator: str = "", status: str = "",
                 orientation: str = "", date_from: str = "",
                 date_to: str = "") -> QuerySet[Asset]:
    """``assets`` narrowed by facet values, each exactly as :func:`asset_facets` names
    it; ``keyword`` is a list, all required. ``date_from``/``date_to``: ISO prefixes
    (2021, 2021-10, 2021-10-20), both ends included; an asset without a date is out."""
    for name in keyword:
        assets = assets.filter(tags__name=name)
    if creator:
        assets = assets.filter(creator=creator)
    if status:
        assets = assets.filter(status=status)
    if orientation:
        assets = assets.alias(orientation=_orientation()).filter(orientation=orientation)
    for bound, lookup in ((date_from, "gte"), (date_to, "lte")):
        if bound:  # same-length digit prefixes compare alike under every collation
            assets = assets.filter(date_created__regex=DATE_PREFIX).alias(
                **{f"date_{lookup}": Substr("date_created", 1, len(bound))}).filter(
                **{f"date_{lookup}__{lookup}": bound})
    return assets


def _orientation() -> Case:
    return Case(When(width__gt=F("height"), then=Value("landscape")),
                When(width__lt=F("height"), then=Value("portrait")),
                default=Value("square"), output_field=CharField())


def facet_counts(assets: QuerySet, value, *, top: int | None = None) -> list[dict]:
    """``[{"value", "count"}]`` of ``value`` (an expression) over ``assets``, most
    first; ties by first asset id, then by value, so both databases cut the same ``top``."""
    rows = (assets.order_by().annotate(facet=value).exclude(facet="").exclude(facet=None)
            .values("facet").annotate(count=Count("pk", distinct=True), first=Min("pk"))
            .order_by("-count", "first", "facet"))
    rows = rows[:top] if top else rows
    return [{"value": row["facet"], "count": row["count"]} for row in rows]


def keyword_facet(assets: QuerySet[Asset]) -> list[dict]:
    """Counted over the tagged items of ``assets`` (a subquery), so that a keyword
    filter's joins do not narrow the counts to the filtered keyword."""
    items = Asset.tags.through.objects.filter(
        content_type=ContentType.objects.get_for_model(Asset),  # cached: no join to misjudge
        object_id__in=assets.order_by().values("pk"))
    rows = (items.values("tag__name").annotate(count=Count("object_id"), first=Min("object_id"))
            .order_by("-count", "first", "tag__name")[:FACET_TOP])
    return [{"value": row["tag__name"], "count": row["count"]} for row in rows]


def creator_facet(assets: QuerySet[Asset]) -> list[dict]:
    return facet_counts(assets, F("creator"), top=FACET_TOP)


def status_facet(assets: QuerySet[Asset]) -> list[dict]:
    return facet_counts(assets, F("status"))


def orientation_facet(assets: QuerySet[Asset]) -> list[dict]:
    return facet_counts(assets, _orientation())


def year_facet(assets: QuerySet[Asset]) -> list[dict]:
    """Assets by the year they were taken (``date_created``), newest year first."""
    rows = facet_counts(assets.filter(date_created__regex=DATE_PREFIX), Substr("date_created", 1, 4))
    return sorted(rows, key=lambda row: row["value"], reverse=True)


#: name -> function(assets) -> [{"value", "count"}]: one query each. Other apps add
#: theirs by passing ``{**ASSET_FACETS, ...}`` to :func:`asset_facets`.
ASSET_FACETS = {
    "keyword": keyword_facet, "creator": creator_facet, "status": status_facet,
    "orientation": orientation_facet, "year": year_facet,
}


def asset_facets(assets: QuerySet[Asset], facets: dict | None = None) -> dict[str, list[dict]]:
    """Counts of each facet's values over ``assets`` (searched and filtered already),
    one query per facet: ``{"keyword": [{"value": "harbour", "count": 12}, ...], ...}``.
    Keyword and creator give the top :data:`FACET_TOP`."""
    return {name: facet(assets) for name, facet in (facets or ASSET_FACETS).items()}
