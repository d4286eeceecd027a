"""The trash (issue 24, must-have 5): deleting an asset moves it here, restorable,
for ``DAM["TRASH_DAYS"]``; then ``renditions.purge`` removes it for good.

An asset in the trash has ``deleted_at`` set. ``dam.selectors.assets_visible`` leaves
it out of every list, search, facet, count, selection and page; ``dam.rights`` calls
its state "trashed", so every delivery URL answers 410 and ``renditions.rights``
withholds its public files as it does an embargoed asset's (moved to the private
storage, back under the same names on restore). The page, the API and the admin all
come here (one door).
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dam import usages
from dam.models import Asset, Usage

from . import rights
from .models import EditEvent


class InUse(Exception):
    """Deleting an asset that sites say they use: ``pages`` (their URLs) name where;
    the caller confirms (``force``) to go on."""

    def __init__(self, pages: list[str]):
        self.pages = pages
        super().__init__(f"This photo is used on {len(pages)} page"
                         f"{'s' * (len(pages) != 1)}: {', '.join(pages[:10])}"
                         f"{' …' * (len(pages) > 10)}. Confirm to delete it anyway.")


class Purging(Exception):
    """The asset's purge began: it cannot come back (its files may be gone)."""


def asset_pages(*, asset: Asset) -> list[str]:
    """The distinct pages that use ``asset``, most recently seen first."""
    return usages.pages_of(list(usages.usages_of(asset=asset)))


def asset_trash(*, asset: Asset, user, force: bool = False) -> Asset:
    """Move ``asset`` to the trash: delivered nowhere from now on, its public files
    withheld before this returns; recorded in its history; ``asset.deleted`` sent
    (webhooks, with its usages). InUse unless ``force`` when sites use it.
    Idempotent: an asset in the trash stays as it is."""
    if asset.deleted_at is not None:
        return asset
    try:
        assets_trash(asset_ids=[asset.pk], user=user, force=force)
    except InUseMany as exc:
        raise InUse(exc.pages[asset.pk]) from None
    asset.refresh_from_db(fields=["deleted_at", "deleted_by", "rights_applied"])
    return asset


def asset_restore(*, asset: Asset, user) -> Asset:
    """Take ``asset`` out of the trash: listed and delivered again (as its rights
    allow), its files back under their own names before this returns; recorded in
    its history; ``asset.restored`` sent. Purging once its purge began."""
    if not assets_restore(asset_ids=[asset.pk], user=user) and Asset.objects.filter(
            pk=asset.pk, purge_started_at__isnull=False).exists():
        raise Purging("This photo is being deleted for good; it cannot be restored.")
    asset.refresh_from_db(fields=["deleted_at", "deleted_by", "rights_applied"])
    return asset


# --- Many at once (``POST /api/assets/bulk`` with ``trash`` or ``restore``) -----------

class InUseMany(Exception):
    """Deleting assets that sites say they use: ``pages`` maps each one's id to its
    pages' URLs; nothing was deleted, the caller confirms (``force``) to go on."""

    def __init__(self, pages: dict[int, list[str]]):
        self.pages = pages
        super().__init__(f"{len(pages)} of these photos {'is' if len(pages) == 1 else 'are'} "
                         "used on pages. Confirm to delete them anyway.")


def assets_pages(*, asset_ids: list[int]) -> dict[int, list[str]]:
    """The distinct pages that use each of ``asset_ids`` that some page uses, most
    recently seen first (one query)."""
    pages: dict[int, dict[str, None]] = {}
    for asset_id, url in (Usage.objects.filter(asset_id__in=asset_ids)
                          .order_by("-last_seen_at", "-id").values_list("asset_id", "url")):
        pages.setdefault(asset_id, {})[url] = None
    return {asset_id: list(urls) for asset_id, urls in pages.items()}


def assets_trash(*, asset_ids: list[int], user, force: bool = False) -> list[int]:
    """``asset_trash`` for each of ``asset_ids``, in one transaction: the ids of those
    that went to the trash (those already there stay as they are). InUseMany, and
    nothing moved, unless ``force`` when sites use any of them."""
    if not force and (pages := assets_pages(asset_ids=asset_ids)):
        raise InUseMany(pages)
    now = timezone.now()
    with transaction.atomic():
        claimed = list(Asset.objects.select_for_update().filter(
            pk__in=asset_ids, deleted_at__isnull=True).order_by("pk").values_list("pk", flat=True))
        Asset.objects.filter(pk__in=claimed).update(deleted_at=now, deleted_by=user)
        _history(claimed, user, before=False)
        _rights_apply(claimed, now)
    return claimed


def assets_restore(*, asset_ids: list[int], user) -> list[int]:
    """``asset_restore`` for each of ``asset_ids`` in the trash whose purge has not
    begun, in one transaction: the ids of those that came back."""
    with transaction.atomic():
        claimed = list(Asset.objects.select_for_update().filter(
            pk__in=asset_ids, deleted_at__isnull=False, purge_started_at__isnull=True)
            .order_by("pk").values_list("pk", flat=True))
        Asset.objects.filter(pk__in=claimed).update(deleted_at=None, deleted_by=None)
        _history(claimed, user, before=True)
        _rights_apply(claimed, None)
    return claimed


def _history(asset_ids: list[int], user, *, before: bool) -> None:
    EditEvent.objects.bulk_create(
        [EditEvent(asset_id=pk, kind=EditEvent.Kind.TRASH, before=before, after=not before,
                   user=user) for pk in asset_ids])


#: ``rights.rights_apply`` takes at most this many assets a call.
_RIGHTS_BATCH = 500


def _rights_apply(asset_ids: list[int], now) -> None:
    """Every asset's files as its new state says, before the caller returns."""
    for start in range(0, len(asset_ids), _RIGHTS_BATCH):
        rights.rights_apply(asset_ids=asset_ids[start:start + _RIGHTS_BATCH], now=now)
