"""Telling CDNs what changed: ``asset_purge``, the one service every change calls
(renditions remade, rights changed, an asset deleted).

It names the asset's surrogate key (``asset-<uid>``, on every delivery answer:
``renditions.responses``) and its public URLs *when called*, inside the
transaction that makes the change (so a deleted asset's are still known), and once
that transaction commits it renews the asset's generation in the cached lookup
(``renditions.origin``: the next request sees the change) and hands a ``Purge`` to
the purger ``DAM["PURGER"]``: a dotted path to a callable taking one ``Purge``, or
to a class made once with no arguments whose instances are such callables. One
whose ``deferred`` attribute is true does network I/O and is called from a Celery
task (``renditions.tasks.purge_cdn``) with the ``Purge`` rebuilt from JSON.

Shipped: ``webhook_purger`` (the default) sends ``signals.cdn_purge``, which the
webhooks app turns into a ``cdn.purge`` event for the endpoints that want it;
``logging_purger`` logs the keys and URLs (development). README "An origin for a
CDN" shows a Fastly and a Cloudflare purger.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from functools import lru_cache

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.urls import reverse
from django.utils.module_loading import import_string

from dam.conf import public_url
from dam.models import Asset

from . import enqueue, origin, signals
from .conf import setting
from .models import Frame, Rendition, RenditionProfile

log = logging.getLogger(__name__)
REASONS = ("renditions", "rights", "deleted", "replaced")


@dataclass(frozen=True)
class Purge:
    """What to purge: ``keys`` (surrogate keys / cache tags), ``urls`` (absolute, on
    SALIENT_PUBLIC_URL: the stable URLs without a query, and the files' own URLs),
    the asset's id and why (one of REASONS)."""

    asset: str
    keys: list[str]
    urls: list[str]
    reason: str


def asset_purge(*, asset_id: int, reason: str) -> Purge | None:
    """Purge the asset's delivery answers from the origin's cache and from CDNs once
    the current transaction commits; call it inside that transaction (before a
    delete). Returns the Purge, None for an asset that does not exist."""
    if reason not in REASONS:
        raise ValueError(f"reason is one of {', '.join(REASONS)}")
    uid = Asset.objects.filter(pk=asset_id).values_list("uid", flat=True).first()
    if uid is None:
        return None
    purge = Purge(asset=str(uid), keys=[f"asset-{uid}"], urls=_urls(asset_id, uid),
                  reason=reason)
    transaction.on_commit(lambda: _dispatch(purge))
    return purge


def _urls(asset_id: int, uid) -> list[str]:
    base = public_url()
    slugs = (Rendition.objects.filter(asset_id=asset_id)
             .values_list("profile__slug", flat=True).distinct().order_by("profile__slug"))
    files = sorted([*Rendition.objects.filter(asset_id=asset_id).values_list("file", flat=True),
                    *Frame.objects.filter(asset_id=asset_id).values_list("file", flat=True)])
    return ([base + reverse("deliver", args=[uid, slug]) for slug in slugs]
            + [base + reverse("rendition-file", args=[name]) for name in files])


def _dispatch(purge: Purge) -> None:
    origin.asset_forget(purge.asset)
    try:
        purger = _purger(setting("PURGER"))
        if getattr(purger, "deferred", False):
            enqueue.cdn_purge(asdict(purge))
        else:
            purger(purge)
    except Exception:  # noqa: BLE001 - a purge problem never undoes the change
        log.exception("Asset %s: the purge (%s) failed", purge.asset, purge.reason)


def purge_send(payload: dict) -> None:
    """The Celery task's call: a deferred purger with the ``Purge`` from its JSON."""
    _purger(setting("PURGER"))(Purge(**payload))


@lru_cache(maxsize=4)
def _purger(path: str):
    found = import_string(path)
    return found() if isinstance(found, type) else found


def webhook_purger(purge: Purge) -> None:
    """The default: a ``cdn.purge`` webhook event (the webhooks app listens)."""
    signals.cdn_purge.send(sender=Purge, purge=asdict(purge))


def logging_purger(purge: Purge) -> None:
    """For development: the purge in the log, nothing sent."""
    log.info("CDN purge (%s) of asset %s: keys %s, URLs %s", purge.reason, purge.asset,
             " ".join(purge.keys), " ".join(purge.urls))


# -- receivers (connected in RenditionsConfig.ready) -------------------------------

def on_renditions_updated(sender, *, asset_id: int, profiles: list[str], first: bool,
                          **kwargs) -> None:
    if profiles or first:  # first: a CDN may hold the 404 from before
        asset_purge(asset_id=asset_id, reason="renditions")


def on_rights_changed(sender, *, asset_id: int, after: str = "", **kwargs) -> None:
    asset_purge(asset_id=asset_id, reason="deleted" if after == "trashed" else "rights")


def on_asset_deleted(sender, instance: Asset, **kwargs) -> None:
    """Any deletion (the admin's, a cascade): purged once it commits."""
    asset_purge(asset_id=instance.pk, reason="deleted")


def on_asset_saved(sender, instance: Asset, **kwargs) -> None:
    """A save may move the rights dates (the admin's form): the cached lookup's
    window must not outlive it. (``describing`` edits, by bulk update, purge.)"""
    uid = instance.uid
    transaction.on_commit(lambda: origin.asset_forget(uid))


def on_profile_changed(sender, **kwargs) -> None:
    """A profile's widths, format or negotiation change every answer of it."""
    transaction.on_commit(origin.everything_forget)


def connect() -> None:
    signals.renditions_updated.connect(on_renditions_updated, dispatch_uid="renditions.cdn")
    signals.rights_changed.connect(on_rights_changed, dispatch_uid="renditions.cdn")
    pre_delete.connect(on_asset_deleted, sender=Asset, dispatch_uid="renditions.cdn")
    post_save.connect(on_asset_saved, sender=Asset, dispatch_uid="renditions.cdn")
    for signal in (post_save, post_delete):
        signal.connect(on_profile_changed, sender=RenditionProfile,
                       dispatch_uid="renditions.cdn.profile")
