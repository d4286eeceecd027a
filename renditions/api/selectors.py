"""The API's reads, over the project's own selectors."""
from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

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
