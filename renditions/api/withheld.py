"""What someone who may not view an asset reads of it while its rights withhold it.

Under embargo the caption is the news that may not run yet; after the licence ends
the photo may not be shown. The asset JSON then tells a site why and until when
(``rights``, ``embargo_until``, ``expires_at``, ``licence``: what it needs to take
the image down or schedule it) and blanks what the photo shows and says: its title,
description, renditions and regions. Viewers of its collection see it all, marked.
"""
from __future__ import annotations

from django.utils import timezone

from dam import rights

#: What a withheld asset's public JSON keeps as it is.
KEPT = frozenset({"id", "width", "height", "status", "created_at", "progress", "licence",
                  "embargo_until", "expires_at", "rights", "usage_count", "element"})


def withheld_redacted(data: dict, asset) -> dict:
    """``data`` (the public asset JSON) blanked but for ``KEPT`` while ``asset``'s
    rights withhold it (embargoed, expired, in the trash); as it is otherwise."""
    if rights.rights_state(asset, timezone.now()) == rights.OK:
        return data
    return {name: value if name in KEPT else _blank(value) for name, value in data.items()}


def _blank(value):
    return type(value)() if isinstance(value, (str, list, dict)) else None
