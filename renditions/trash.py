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
from dam.models import Asset

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
    pages = asset_pages(asset=asset)
    if pages and not force:
        raise InUse(pages)
    now = timezone.now()
    with transaction.atomic():
        claimed = Asset.objects.filter(pk=asset.pk, deleted_at__isnull=True).update(
            deleted_at=now, deleted_by=user)
        if claimed:
            EditEvent.objects.create(asset=asset, kind=EditEvent.Kind.TRASH, before=False,
                                     after=True, user=user)
            rights.rights_apply(asset_ids=[asset.pk], now=now)
    asset.refresh_from_db(fields=["deleted_at", "deleted_by", "rights_applied"])
    return asset


def asset_restore(*, asset: Asset, user) -> Asset:
    """Take ``asset`` out of the trash: listed and delivered again (as its rights
    allow), its files back under their own names before this returns; recorded in
    its history; ``asset.restored`` sent. Purging once its purge began."""
    with transaction.atomic():
        claimed = Asset.objects.filter(pk=asset.pk, deleted_at__isnull=False,
                                       purge_started_at__isnull=True).update(
            deleted_at=None, deleted_by=None)
        if not claimed and Asset.objects.filter(
                pk=asset.pk, purge_started_at__isnull=False).exists():
            raise Purging("This photo is being deleted for good; it cannot be restored.")
        if claimed:
            EditEvent.objects.create(asset=asset, kind=EditEvent.Kind.TRASH, before=True,
                                     after=False, user=user)
            rights.rights_apply(asset_ids=[asset.pk])
    asset.refresh_from_db(fields=["deleted_at", "deleted_by", "rights_applied"])
    return asset
