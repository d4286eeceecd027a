"""What webhooks do when renditions say something happened (``renditions.signals``).

The signals come after the change committed, from inside the sender's commit
hook; a webhook problem is logged here and never reaches the processing that
sent the signal.
"""
from __future__ import annotations

import logging

from dam import rights, usages

from . import services
from .models import Event

log = logging.getLogger(__name__)


def on_renditions_updated(sender, *, asset_id: int, profiles: list[str], first: bool,
                          **kwargs) -> None:
    if first:
        _create(Event.RENDITIONS_READY, asset_id, {})
    elif profiles:
        _create(Event.RENDITIONS_CHANGED, asset_id, {"profiles": list(profiles)})


def on_processing_failed(sender, *, asset_id: int, error: str, **kwargs) -> None:
    _create(Event.ASSET_FAILED, asset_id, {"error": error})


def on_crop_reviewed(sender, *, asset_id: int, profile: str, review: str, **kwargs) -> None:
    _create(Event.RENDITION_REVIEWED, asset_id, {"profile": profile, "review": review})


def on_asset_described(sender, *, changes: dict[int, list[str]], **kwargs) -> None:
    """One ``asset.updated`` per asset whose public description changed (a bulk edit
    of many: one each, as their payloads differ), with the names of those fields."""
    try:
        services.deliveries_create_each(event=str(Event.ASSET_UPDATED), extras={
            asset_id: {"fields": list(fields)} for asset_id, fields in changes.items()})
    except Exception:  # noqa: BLE001 - see the module docstring
        log.exception("Assets %s: could not create the asset.updated webhook deliveries",
                      sorted(changes)[:10])


def on_asset_replaced(sender, *, asset_id: int, version: int, restored_from: int | None,
                      **kwargs) -> None:
    """``asset.replaced``: the asset's URLs now serve pixels of another file (once its
    renditions are remade: ``renditions.changed`` follows); ``version``: the number
    the previous file is kept under, ``restored_from``: the version restored, if any."""
    _create(Event.ASSET_REPLACED, asset_id, {"version": version,
                                             "restored_from": restored_from})


def on_rights_changed(sender, *, asset_id: int, before: str, after: str, **kwargs) -> None:
    """``asset.embargo_lifted`` when an embargoed asset may be delivered, ``asset.expired``
    when its licence ended; each with ``usages``, where sites recorded that they use the
    asset (``[{"url", "site", "rendition"}]``, ``dam.usages``), and the states. The trash
    is a state too: ``asset.deleted`` when an asset goes there, ``asset.restored`` when
    it comes back (whatever its rights then)."""
    if after == rights.TRASHED:
        event = Event.ASSET_DELETED
    elif before == rights.TRASHED:
        event = Event.ASSET_RESTORED
    elif after == rights.EXPIRED:
        event = Event.ASSET_EXPIRED
    elif before == rights.EMBARGOED and after == rights.OK:
        event = Event.ASSET_EMBARGO_LIFTED
    else:  # an embargo set, an expiry moved later: nothing for sites to do
        return
    _create(event, asset_id, {"usages": usages.usages_payload(asset_id=asset_id),
                              "rights": {"before": before, "after": after}})


def on_cdn_purge(sender, *, purge: dict, **kwargs) -> None:
    """``cdn.purge`` with ``purge``: ``asset`` (its id), ``keys`` (the surrogate keys
    to purge), ``urls`` and ``reason`` (renditions, rights, deleted, replaced)."""
    try:
        services.deliveries_create_about(event=str(Event.CDN_PURGE), fields={"purge": purge})
    except Exception:  # noqa: BLE001 - see the module docstring
        log.exception("Asset %s: could not create the cdn.purge webhook deliveries",
                      purge.get("asset"))


def _create(event: str, asset_id: int, extra: dict) -> None:
    try:
        services.deliveries_create(event=str(event), asset_id=asset_id, extra=extra)
    except Exception:  # noqa: BLE001 - see the module docstring
        log.exception("Asset %s: could not create the %s webhook deliveries", asset_id, event)


def on_asset_purging(sender, *, asset_id: int, **kwargs) -> None:
    """``asset.purged``, with the usages sites recorded, while the asset's rows still exist:
    the deliveries commit with the purge."""
    _create(Event.ASSET_PURGED, asset_id, {"usages": usages.usages_payload(asset_id=asset_id)})
