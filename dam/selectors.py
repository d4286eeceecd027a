"""Reads for assets: who sees which (collections), the library's list, search,
filters and facets, and keyword suggestions."""
from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, Count, F, Min, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from taggit.models import Tag

from . import hamming, roles
from . import rights as rules
from . import usages
from .folding import Folded
from .models import Asset, Collection, Resemblance
from .search import index as search_index


#: Date filters and the year facet read ``date_created``'s ISO prefix: 2021, 2021-10...
DATE_PREFIX = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
FACET_TOP = 20


def assets_visible(*, user, action: str = "view", assets: QuerySet[Asset] | None = None,
                   trashed: bool = False) -> QuerySet[Asset]:
    """``assets`` (default: all) in the collections where ``user`` may do ``action``
    (``dam.roles.scope``): all of them through a role, none for anonymous users.
    Those in the trash are left out (the one place that hides them), or with
    ``trashed`` are the only ones given."""
    assets = Asset.objects.all() if assets is None else assets
    assets = assets.filter(deleted_at__isnull=not trashed)
    return _within(assets, roles.scope(user, action), "collection__path")


def collections_visible(*, user, action: str = "view") -> QuerySet[Collection]:
    """The collections where ``user`` may do ``action``, in tree order."""
    return _within(Collection.objects.get_tree(), roles.scope(user, action), "path")


def _within(rows: QuerySet, paths: list[str] | None, field: str) -> QuerySet:
    """``rows`` whose ``field`` (a collection path) lies under one of ``paths``."""
    if paths is roles.EVERYWHERE:
        return rows
    where = Q(pk__in=[])
    for path in paths:
        where |= Q(**{f"{field}__startswith": path})
    return rows.filter(where)


def collection_rows(*, user, action: str = "view") -> list[dict]:
    """The collections where ``user`` may do ``action``, in tree order, each with its
    label ("Sport / Football"), parent id and how many assets it holds itself (that
    the user may view); three queries."""
    collections = list(collections_visible(user=user, action=action))
    counts = dict(assets_visible(user=user).filter(collection__in=collections)
                  .values_list("collection").annotate(n=Count("id")).order_by())
    parents = _parents(collections)
    return [{"id": c.pk, "name": c.name, "depth": c.depth,
             "parent": parents[c.pk][-1].pk if parents[c.pk] else None,
             "label": c.label_under(parents[c.pk]), "assets": counts.get(c.pk, 0)}
            for c in collections]


def _parents(collections, every: list[Collection] | None = None) -> dict[int, list[Collection]]:
    """Each collection's ancestors, root first, from ``every`` collection (default:
    one query of the tree)."""
    if not collections:
        return {}
    every = {c.path: c for c in (Collection.objects.all() if every is None else every)}
    step = Collection.steplen
    return {c.pk: [every[c.path[:end]] for end in range(step, len(c.path), step)]
            for c in collections}


def keyword_suggestions(*, user, prefix: str = "", limit: int = 20) -> list[dict]:
    """Keywords of the assets ``user`` may view starting with ``prefix``, most used
    first: ``name``, ``count`` (of those assets).

    Case- and accent-insensitive ("el" finds "Élan"; ``folding``); an empty prefix
    gives the most used keywords.
    """
    used = Q(taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(Asset))
    used &= Q(taggit_taggeditem_items__object_id__in=assets_visible(user=user).values("pk"))
    tags = Tag.objects.annotate(count=Count("taggit_taggeditem_items", filter=used))
    if prefix:
        tags = tags.alias(folded=Folded("name")).filter(
            folded__startswith=Folded(Value(prefix)))
    return list(tags.filter(count__gt=0).order_by("-count", "name")
                .values("name", "count")[:limit])



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
                 orientation: str = "", date_from: str = "", date_to: str = "",
                 collection: int | None = None, rights: str = "",
                 usage: str = "") -> QuerySet[Asset]:
    """``assets`` narrowed by facet values, each exactly as :func:`asset_facets` names
    it; ``keyword`` is a list, all required. ``date_from``/``date_to``: ISO prefixes
    (2021, 2021-10, 2021-10-20), both ends included; an asset without a date is out.
    ``collection``: a collection's pk, its sub-collections included. ``rights``:
    "embargoed", "expired", "expiring" (expires within 7 days) or "ok", now. ``usage``:
    "in_use" (a site recorded a usage) or "unused"."""
    if rights:
        assets = assets.filter(rules.rights_q(rights, timezone.now()))
    if usage:
        assets = assets.filter(usages.in_use() if usage == usages.IN_USE else ~usages.in_use())
    if collection is not None:
        path = Collection.objects.filter(pk=collection).values_list("path", flat=True).first()
        assets = assets.filter(collection__path__startswith=path) if path else assets.none()
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


def collection_facet(assets: QuerySet[Asset]) -> list[dict]:
    """Assets by the collection they are in (not counting sub-collections); each value
    a collection's pk (text) with its ``label``. Two queries."""
    rows = list(assets.order_by().values("collection")
                .annotate(count=Count("pk", distinct=True), first=Min("pk"))
                .order_by("-count", "first", "collection")[:FACET_TOP])
    every = list(Collection.objects.all()) if rows else []
    collections = {c.pk: c for c in every}
    parents = _parents([collections[row["collection"]] for row in rows], every)
    return [{"value": str(row["collection"]), "count": row["count"],
             "label": collections[row["collection"]].label_under(parents[row["collection"]])}
            for row in rows]


#: name -> function(assets) -> [{"value", "count"}]: one query each. Other apps add
def rights_facet(assets: QuerySet[Asset]) -> list[dict]:
    """How many are embargoed, expired, expiring within 7 days now (those not 0), one query."""
    now = timezone.now()
    states = (rules.EMBARGOED, rules.EXPIRED, rules.EXPIRING)
    counts = assets.order_by().aggregate(**{
        state: Count("pk", filter=rules.rights_q(state, now), distinct=True)
        for state in states})
    return [{"value": state, "count": counts[state]} for state in states if counts[state]]


def usage_facet(assets: QuerySet[Asset]) -> list[dict]:
    """How many are in use (a site recorded a usage) and unused (those not 0), one query."""
    counts = assets.order_by().aggregate(
        in_use=Count("pk", filter=Q(usages__isnull=False), distinct=True),
        total=Count("pk", distinct=True))
    rows = {usages.IN_USE: counts["in_use"], usages.UNUSED: counts["total"] - counts["in_use"]}
    return [{"value": value, "count": count} for value, count in rows.items() if count]


#: theirs by passing ``{**ASSET_FACETS, ...}`` to :func:`asset_facets`.
ASSET_FACETS = {
    "keyword": keyword_facet, "creator": creator_facet, "status": status_facet,
    "orientation": orientation_facet, "year": year_facet, "collection": collection_facet,
    "rights": rights_facet, "usage": usage_facet,
}


def asset_facets(assets: QuerySet[Asset], facets: dict | None = None) -> dict[str, list[dict]]:
    """Counts of each facet's values over ``assets`` (searched and filtered already),
    one query per facet: ``{"keyword": [{"value": "harbour", "count": 12}, ...], ...}``.
    Keyword and creator give the top :data:`FACET_TOP`."""
    return {name: facet(assets) for name, facet in (facets or ASSET_FACETS).items()}


def assets_similar(*, image_hash: int, max_distance: int,
                   assets: QuerySet[Asset] | None = None) -> list[tuple[Asset, int]]:
    """Assets of ``assets`` (default: all) whose perceptual hash is at most
    ``max_distance`` bits from ``image_hash`` (unsigned 64 bits), nearest first, as
    (asset, distance). The candidates' ids and hashes in one query
    (``assets_similar_candidates``), the distance checked here, then the near ones
    fetched (a second query, only when there are some)."""
    assets = Asset.objects.all() if assets is None else assets
    near = {}
    for pk, stored in assets_similar_candidates(
            image_hash=image_hash, max_distance=max_distance,
            assets=assets).values_list("pk", "image_hash"):
        bits = hamming.distance(image_hash, hamming.to_unsigned(stored))
        if bits <= max_distance:
            near[pk] = bits
    found = assets.filter(pk__in=near) if near else []
    return sorted(((asset, near[asset.pk]) for asset in found),
                  key=lambda pair: (pair[1], pair[0].pk))


def assets_similar_candidates(*, image_hash: int, max_distance: int,
                              assets: QuerySet[Asset] | None = None) -> QuerySet[Asset]:
    """Every asset that may lie within ``max_distance`` bits of ``image_hash`` (and a
    few more): exact matches on the four indexed bands, each within the radius that
    cannot miss (``dam.hamming``)."""
    assets = Asset.objects.all() if assets is None else assets
    where = Q()
    for i, values in enumerate(hamming.band_probes(image_hash, max_distance)):
        where |= Q(**{f"hash_band{i}__in": values})
    return assets.filter(where).order_by()


def resemblances_visible(*, asset: Asset, user) -> QuerySet[Resemblance]:
    """What ``asset`` looks like (near-duplicates), nearest first, among the assets
    ``user`` may view, with the other asset fetched."""
    return Resemblance.objects.filter(
        asset=asset, other__in=assets_visible(user=user)).select_related("other")
