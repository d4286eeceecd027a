"""The API's reads, over the project's own selectors."""
from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from dam import selectors as dam_selectors
from dam.models import Asset

from .. import selectors as rendition_selectors


def asset_sync_list(*, q: str = "", updated_since: datetime | None = None,
                    **filters) -> QuerySet[Asset]:
    """The library's list (newest first, or best match first with ``q``), narrowed by
    the facet ``filters`` (``renditions.selectors.library_search``), and for sync jobs
    only what changed since ``updated_since``."""
    assets = Asset.objects.all()
    if updated_since is not None:
        assets = assets.filter(updated_at__gte=updated_since)
    return rendition_selectors.library_search(assets, q=q, **filters)


def asset_pks_selected(*, user, ids: list | None = None, query: dict | None = None,
                       limit: int, action: str = "edit_metadata",
                       trashed: bool = False) -> list[int]:
    """Primary keys of the assets with these ``ids`` (uuids), or of every asset the
    list's ``query`` (``AssetListQuery``) matches, that ``user`` may do ``action`` to
    (the others are left out as if unknown), of those in the trash with ``trashed``:
    at most ``limit`` + 1, so a caller can tell a selection that is too large."""
    if ids is not None:
        assets = Asset.objects.filter(uid__in=ids)
    else:  # the list's query, but for its answer's shape
        assets = asset_sync_list(**{k: v for k, v in query.items() if k != "facets"})
    assets = dam_selectors.assets_visible(user=user, action=action, assets=assets,
                                           trashed=trashed)
    return list(assets.values_list("pk", flat=True)[:limit + 1])
