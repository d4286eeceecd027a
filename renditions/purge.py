"""Out of the trash for good: every row and every file an asset owned, in both storages.

``FILE_FIELDS`` is the one list of the file fields that belong to an asset; from it
``asset_files`` lists what one asset owns per storage (``asset_purge`` deletes those)
and ``files_referenced`` what every row names (``renditions.orphans`` keeps those).
A new model holding an asset's file (an old version...) is one line there.

Crash-safe and idempotent: the purge first claims the asset (``purge_started_at``:
no restore from then on), deletes its files (a missing one is fine), then its rows
in one transaction. Until that commits the rows stay in the trash, seen nowhere and
delivered nowhere, so no visible row ever points at a deleted file; a run that dies
halfway is finished by the next (the beat takes up every purge begun).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dam.conf import dam_setting
from dam.models import Asset, AssetVersion
from dam.storage import private_storage

from . import rights, signals
from .icc import IccProfile
from .models import Analysis, Frame, Rendition

log = logging.getLogger(__name__)

#: (model, its file field, the lookup of the asset's pk, whether the file has a withheld
#: copy in the private storage: ``renditions.rights``). The storage is the field's own.
FILE_FIELDS = [
    (Asset, "file", "pk", False),               # the original (private)
    (Analysis, "map_file", "asset_id", False),  # the saliency map (private)
    (Rendition, "file", "asset_id", True),      # renditions (public)
    (Frame, "file", "asset_id", True),          # frames, srcset widths, formats (public)
    (AssetVersion, "file", "asset_id", False),  # earlier originals (private)
]
#: File fields of rows that belong to no asset: kept by ``files_referenced`` too.
SHARED_FILE_FIELDS = [
    (IccProfile, "file"),  # print output profiles (private)
]


def _storage(model, field: str):
    return model._meta.get_field(field).storage


def _named(model, field: str, rows: Q):
    return (model.objects.filter(rows).exclude(**{field: ""}).exclude(**{field: None})
            .values_list(field, flat=True))


def asset_files(*, asset_id: int) -> list[tuple[object, str]]:
    """Every file the asset owns, as (storage, name): its original, saliency map,
    renditions and frames, and the withheld copy each public file may have. The
    files need not exist."""
    files = []
    for model, field, lookup, withheld in FILE_FIELDS:
        for name in _named(model, field, Q(**{lookup: asset_id})):
            files.append((_storage(model, field), name))
            if withheld:
                files.append((private_storage, rights.withheld_name(name)))
    return files


def files_referenced() -> list[tuple[object, set[str]]]:
    """Every name any row refers to, per storage: (storage, names), a storage once."""
    found: dict[int, tuple[object, set[str]]] = {}
    fields = [*FILE_FIELDS, *((model, field, None, False) for model, field in SHARED_FILE_FIELDS)]
    for model, field, _, withheld in fields:
        names = set(_named(model, field, Q()))
        storage = _storage(model, field)
        found.setdefault(id(storage), (storage, set()))[1].update(names)
        if withheld:
            found.setdefault(id(private_storage), (private_storage, set()))[1].update(
                rights.withheld_name(n) for n in names)
    return list(found.values())


def _shared(files, asset_id: int) -> set[tuple[int, str]]:
    """Of ``files``, those another asset's row names too (two uploads of the same
    bytes may share an original's name): (id of storage, name)."""
    shared = set()
    for model, field, lookup, withheld in FILE_FIELDS:
        storage = _storage(model, field)
        names = {n for s, n in files if s is storage}
        if withheld:
            prefix = rights.withheld_name("")
            names |= {n.removeprefix(prefix) for s, n in files
                      if s is private_storage and n.startswith(prefix)}
        others = set(model.objects.filter(**{f"{field}__in": names}).exclude(
            **{lookup: asset_id}).values_list(field, flat=True)) if names else set()
        shared |= {(id(storage), n) for n in others}
        if withheld:
            shared |= {(id(private_storage), rights.withheld_name(n)) for n in others}
    return shared


def asset_purge(*, asset_id: int) -> bool:
    """Remove the asset (it must be in the trash) and every file it owned; sends
    ``signals.asset_purging`` (webhooks: ``asset.purged``) with the rows. Returns
    whether it removed it (False: not in the trash, or gone already)."""
    claimed = Asset.objects.filter(pk=asset_id, deleted_at__isnull=False).filter(
        purge_started_at__isnull=True).update(purge_started_at=timezone.now())
    if not claimed and not Asset.objects.filter(
            pk=asset_id, purge_started_at__isnull=False).exists():
        return False
    _files_delete(asset_id)
    with transaction.atomic():
        asset = Asset.objects.select_for_update().filter(pk=asset_id).first()
        if asset is None:  # another run finished it
            return False
        _files_delete(asset_id)  # any a worker wrote since (the rows go with the asset)
        signals.asset_purging.send(sender=Asset, asset_id=asset_id)
        asset.delete()
    log.info("Asset %s: purged from the trash", asset_id)
    return True


def _files_delete(asset_id: int) -> int:
    files = asset_files(asset_id=asset_id)
    shared = _shared(files, asset_id)
    kept = 0
    for storage, name in files:
        if (id(storage), name) in shared:
            kept += 1
            continue
        storage.delete(name)  # nothing there is fine: a run before deleted it
    return kept


def trash_due(now: datetime | None = None) -> list[int]:
    """Ids of the assets whose ``DAM["TRASH_DAYS"]`` in the trash are over, and of those
    whose purge began and did not end, oldest first."""
    cutoff = (now or timezone.now()) - timedelta(days=dam_setting("TRASH_DAYS"))
    return list(Asset.objects.filter(Q(deleted_at__lte=cutoff) | Q(
        deleted_at__isnull=False, purge_started_at__isnull=False))
        .order_by("deleted_at", "pk").values_list("pk", flat=True))


def trash_purge_due(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Purge up to ``limit`` assets whose time in the trash is over; their ids."""
    return [pk for pk in trash_due(now)[:limit] if asset_purge(asset_id=pk)]
