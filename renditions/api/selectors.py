"""The API's reads, over the project's own selectors."""
from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from dam import selectors as dam_selectors
from dam.models import Asset


def asset_sync_list(*, q: str = "", status: str = "",
                    updated_since: datetime | None = None) -> QuerySet[Asset]:
    """The library's list (newest first), and for sync jobs only what changed since then."""
    assets = dam_selectors.asset_list(query=q, status=status)
    if updated_since is not None:
        assets = assets.filter(updated_at__gte=updated_since)
    return assets



def asset_pks_selected(*, user, ids: list | None = None, query: dict | None = None,
                       limit: int) -> list[int]:
    """Primary keys of the assets with these ``ids`` (uuids), or of every asset the
    list's ``query`` (``AssetListQuery``) matches, that ``user`` may describe (the
    others are left out as if unknown): at most ``limit`` + 1, so a caller can tell a
    selection that is too large."""
    assets = Asset.objects.filter(uid__in=ids) if ids is not None else asset_sync_list(**query)
    assets = dam_selectors.assets_visible(user=user, action="edit_metadata", assets=assets)
    return list(assets.values_list("pk", flat=True)[:limit + 1])
