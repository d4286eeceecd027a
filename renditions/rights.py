"""Rights at rest: an asset's public files withheld while its rights forbid delivery,
restored when they allow it again, and the change announced once.

Delivery refuses a withheld asset's URLs itself (``renditions.views``, 410); this
module handles what delivery cannot see: files a storage serves without us (an S3
bucket's objects, by their public or presigned URL). Withholding *moves* each
rendition's and frame's file from the public storage to the private one, under
``withheld/<its name>``; restoring moves it back under the same name, so every URL
is the same again. A move, not an ACL: a presigned URL stays valid after its object
is made private (it is signed by the owner), and buckets with "Bucket owner
enforced" object ownership (AWS's default since 2023) refuse ACLs altogether; a
move works on both, on moto, and on the file system.

``rights_applied`` on the asset is the state its files were last put in; a change
of state is claimed by a conditional update, so two runs (or a late one) move and
announce it once.
"""
from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dam import rights
from dam.models import Asset
from dam.storage import private_storage

from . import signals
from .models import Frame, Rendition

log = logging.getLogger(__name__)
WITHHELD_PREFIX = "withheld"


def rights_apply(*, asset_ids: list[int] | None = None, now=None) -> list[tuple[int, str, str]]:
    """Put the files of every asset whose rights state changed (of ``asset_ids``, else
    of all) as that state says; returns (asset id, state before, state now) per change.
    Sends ``signals.rights_changed`` for each after it commits."""
    now = now or timezone.now()
    changed = Q()
    for state in rights.STATES:
        changed |= rights.rights_q(state, now) & ~Q(rights_applied=state)
    assets = Asset.objects.filter(changed)
    if asset_ids is not None:
        assets = assets.filter(pk__in=asset_ids)
    done = []
    for asset in assets.only("pk", "embargo_until", "expires_at", "deleted_at",
                             "rights_applied")[:500]:
        after = rights.rights_state(asset, now)
        if _apply_one(asset, after):
            done.append((asset.pk, asset.rights_applied, after))
    return done


def _apply_one(asset: Asset, after: str) -> bool:
    before = asset.rights_applied
    with transaction.atomic():
        claimed = Asset.objects.filter(pk=asset.pk, rights_applied=before).update(
            rights_applied=after)
        if not claimed:  # another run took it
            return False
        if after == rights.OK:
            files_restore(asset_id=asset.pk)
        elif before == rights.OK:
            files_withhold(asset_id=asset.pk)
        transaction.on_commit(lambda: signals.rights_changed.send(
            sender=Asset, asset_id=asset.pk, before=before, after=after))
    log.info("Asset %s: rights %s -> %s", asset.pk, before, after)
    return True


def on_renditions_updated(sender, *, asset_id: int, **kwargs) -> None:
    """New renditions of an asset whose files are withheld are withheld too (a focal
    point moved during an embargo): a remade file never waits in public for the beat."""
    if Asset.objects.filter(pk=asset_id).exclude(rights_applied=rights.OK).exists():
        files_withhold(asset_id=asset_id)


def public_files(*, asset_id: int) -> list:
    """The FieldFiles of every rendition and frame of the asset (public storage)."""
    return ([r.file for r in Rendition.objects.filter(asset_id=asset_id)]
            + [f.file for f in Frame.objects.filter(asset_id=asset_id)])


def files_withhold(*, asset_id: int) -> int:
    """Move the asset's public files to the private storage; returns how many moved.
    Idempotent: a file already moved is skipped."""
    moved = 0
    for file in public_files(asset_id=asset_id):
        moved += _move(file.storage, file.name, private_storage, withheld_name(file.name))
    return moved


def files_restore(*, asset_id: int) -> int:
    """Move the asset's withheld files back under their own names; returns how many."""
    moved = 0
    for file in public_files(asset_id=asset_id):
        moved += _move(private_storage, withheld_name(file.name), file.storage, file.name)
    return moved


def files_delete(storage, names: list[str]) -> None:
    """Delete superseded files: from ``storage`` (public), and their withheld copies, so
    that a rendition replaced while its asset was withheld leaves nothing behind."""
    for name in names:
        storage.delete(name)
        private_storage.delete(withheld_name(name))


def file_read(file) -> bytes:
    """A rendition's or frame's bytes, where it is now: public, or withheld."""
    if file.storage.exists(file.name):
        with file.storage.open(file.name, "rb") as fp:
            return fp.read()
    with private_storage.open(withheld_name(file.name), "rb") as fp:
        return fp.read()


def withheld_name(name: str) -> str:
    return f"{WITHHELD_PREFIX}/{name}"


def _move(source, name: str, target, to: str) -> bool:
    if not source.exists(name):
        return False
    if not target.exists(to):
        with source.open(name, "rb") as fp:
            saved = target.save(to, ContentFile(fp.read()))
        if saved != to:  # the storage renamed it: a copy appeared meanwhile
            target.delete(saved)
    source.delete(name)
    return True
