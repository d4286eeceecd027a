"""Reads for assets."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Asset


def asset_list(*, query: str = "", status: str = "") -> QuerySet[Asset]:
    """Assets newest first, filtered by a search over title and file name."""
    assets = Asset.objects.all()
    if query:
        assets = assets.filter(Q(title__icontains=query) | Q(original_filename__icontains=query))
    if status:
        assets = assets.filter(status=status)
    return assets.order_by("-created_at", "-id")
