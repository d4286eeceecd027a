"""Reads for assets and their keywords."""
from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Value
from taggit.models import Tag

from .folding import Folded
from .models import Asset


def asset_list(*, query: str = "", status: str = "") -> QuerySet[Asset]:
    """Assets newest first, filtered by a search over title and file name."""
    assets = Asset.objects.all()
    if query:
        assets = assets.filter(Q(title__icontains=query) | Q(original_filename__icontains=query))
    if status:
        assets = assets.filter(status=status)
    return assets.order_by("-created_at", "-id")


def keyword_suggestions(*, prefix: str = "", limit: int = 20) -> list[dict]:
    """Keywords of assets starting with ``prefix``, most used first: ``name``, ``count``.

    Case- and accent-insensitive ("el" finds "Élan"; ``folding``); an empty prefix
    gives the most used keywords.
    """
    used = Q(taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(Asset))
    tags = Tag.objects.annotate(count=Count("taggit_taggeditem_items", filter=used))
    if prefix:
        tags = tags.alias(folded=Folded("name")).filter(
            folded__startswith=Folded(Value(prefix)))
    return list(tags.filter(count__gt=0).order_by("-count", "name")
                .values("name", "count")[:limit])
