"""Reads for assets and their keywords."""
from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Value
from taggit.models import Tag

from . import roles
from .folding import Folded
from .models import Asset, Collection


def asset_list(*, query: str = "", status: str = "") -> QuerySet[Asset]:
    """Assets newest first, filtered by a search over title and file name."""
    assets = Asset.objects.all()
    if query:
        assets = assets.filter(Q(title__icontains=query) | Q(original_filename__icontains=query))
    if status:
        assets = assets.filter(status=status)
    return assets.order_by("-created_at", "-id")


def assets_visible(*, user, action: str = "view",
                   assets: QuerySet[Asset] | None = None) -> QuerySet[Asset]:
    """``assets`` (default: all) in the collections where ``user`` may do ``action``
    (``dam.roles.scope``): all of them through a role, none for anonymous users."""
    assets = Asset.objects.all() if assets is None else assets
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
    every = {c.path: c for c in Collection.objects.get_tree()} if collections else {}
    rows = []
    for c in collections:
        parents = [every[c.path[:end]] for end in range(Collection.steplen, len(c.path),
                                                        Collection.steplen)]
        rows.append({"id": c.pk, "name": c.name, "depth": c.depth,
                     "parent": parents[-1].pk if parents else None,
                     "label": " / ".join([p.name for p in parents[1:]] + [c.name]),
                     "assets": counts.get(c.pk, 0)})
    return rows


def keyword_suggestions(*, user, prefix: str = "", limit: int = 20) -> list[dict]:
    """Keywords of the assets ``user`` may view starting with ``prefix``, most used
    first: ``name``, ``count`` (of those assets).

    Case- and accent-insensitive ("el" finds "Élan"; ``folding``); an empty prefix
    gives the most used keywords.
    """
    used = Q(taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(Asset))
    if roles.scope(user, "view") is not roles.EVERYWHERE:
        used &= Q(taggit_taggeditem_items__object_id__in=assets_visible(user=user).values("pk"))
    tags = Tag.objects.annotate(count=Count("taggit_taggeditem_items", filter=used))
    if prefix:
        tags = tags.alias(folded=Folded("name")).filter(
            folded__startswith=Folded(Value(prefix)))
    return list(tags.filter(count__gt=0).order_by("-count", "name")
                .values("name", "count")[:limit])
