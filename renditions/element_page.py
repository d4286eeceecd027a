"""The ``<salient-img>`` demo page: one asset in boxes of several aspects, each
resizable (CSS ``resize: both``), re-planned live as they change."""
from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from dam.models import Asset
from dam.roles import role_required

from .pages import _visible


@require_safe
@role_required("view")
def asset_element(request, uid):
    asset = _visible(request, uid, Asset.objects.select_related("analysis"))
    return render(request, "renditions/element_demo.html", {
        "asset": asset, "boxes": [("Square", "square"), ("Wide, 16:9", "wide"),
                                  ("Tall, 9:16", "tall"), ("Banner, 3:1", "banner"),
                                  ("Width only", "auto")]})
