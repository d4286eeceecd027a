"""The one place that sends work to the workers.

Tasks go by name, after the current transaction commits (Celery's guide: a
worker must find the rows it is sent). Nothing of the project imports
``renditions.tasks``: the worker finds them by autodiscovery, so the tasks may
call the services and the services may enqueue without an import circle.
"""
from __future__ import annotations

import logging
from datetime import datetime

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)

PROCESS_ASSET = "renditions.tasks.process_asset"
SWEEP_STUCK_ASSETS = "renditions.tasks.sweep_stuck_assets"
WEBHOOK_DELIVER = "webhooks.tasks.deliver"
RIGHTS_APPLY = "renditions.tasks.apply_rights"
CDN_PURGE = "renditions.tasks.purge_cdn"


def processing(asset_id: int, profile_ids: list[int] | None = None) -> None:
    """Process an asset (only ``profile_ids``, or every active profile) once the
    transaction commits; a broker outage is logged and left to the sweep."""
    def send():
        try:
            send_task(PROCESS_ASSET, asset_id, profile_ids)
        except Exception as exc:  # noqa: BLE001 - kombu raises many kinds
            log.warning("Asset %s: could not reach the broker (%s); the sweep will queue it",
                        asset_id, exc)
    transaction.on_commit(send)


def webhook(delivery_id: str) -> None:
    """Send one webhook delivery once the transaction commits; with the broker
    down it is logged and stays pending (the admin's Redeliver sends it)."""
    def send():
        try:
            send_task(WEBHOOK_DELIVER, str(delivery_id))
        except Exception as exc:  # noqa: BLE001 - kombu raises many kinds
            log.warning("Webhook delivery %s: could not reach the broker (%s); it stays "
                        "pending", delivery_id, exc)
    transaction.on_commit(send)


def rights(asset_ids: list[int]) -> None:
    """Put these assets' files as their rights say, once the transaction commits; with
    the broker down the beat task does it within a minute."""
    def send():
        try:
            send_task(RIGHTS_APPLY, list(asset_ids))
        except Exception as exc:  # noqa: BLE001 - kombu raises many kinds
            log.warning("Assets %s: could not reach the broker (%s); the rights beat will "
                        "apply their rights", asset_ids[:10], exc)
    transaction.on_commit(send)


def cdn_purge(payload: dict) -> None:
    """Hand a purge (``renditions.cdn.Purge`` as a dict) to a deferred purger's task
    once the transaction commits; with the broker down it is logged and lost (CDNs
    then keep the answers until their s-maxage ends)."""
    def send():
        try:
            send_task(CDN_PURGE, payload)
        except Exception as exc:  # noqa: BLE001 - kombu raises many kinds
            log.error("Asset %s: could not reach the broker (%s); CDN purge not sent",
                      payload.get("asset"), exc)
    transaction.on_commit(send)


def sweep(before: datetime | None = None) -> None:
    """Queue the sweep of stuck assets now (``before``: see tasks.sweep_stuck_assets)."""
    send_task(SWEEP_STUCK_ASSETS, before.isoformat() if before else None)


def send_task(name: str, *args) -> None:
    """Send one task by name with positional arguments."""
    current_app.send_task(name, args=args)


def on_processing_requested(sender, *, asset_id: int, profile_ids=None, **kwargs) -> None:
    """Receiver of ``dam.signals.processing_requested``."""
    processing(asset_id, profile_ids)


def on_sweep_requested(sender, *, before=None, **kwargs) -> None:
    """Receiver of ``dam.signals.sweep_requested``."""
    sweep(before)
