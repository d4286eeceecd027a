"""Celery tasks: ids in, one service call each. Idempotent, so acks_late is safe."""
import random
from datetime import datetime

from celery import shared_task

from . import cdn, purge, rights, services
from .conf import setting


@shared_task(bind=True, acks_late=True, max_retries=None)  # DAM TASK_RETRIES counts, not Celery
def process_asset(self, asset_id: int, profile_ids: list[int] | None = None) -> None:
    """Process one asset; a transient outage is retried with backoff, then given up."""
    try:
        services.asset_process(asset_id=asset_id, profile_ids=profile_ids)
    except services.TransientError as exc:
        if self.request.retries >= setting("TASK_RETRIES"):
            services.asset_give_up(asset_id=asset_id, reason=str(exc))
            return
        raise self.retry(countdown=backoff(self.request.retries)) from exc


def backoff(retries: int) -> float:
    """Seconds before retry number ``retries`` + 1: 2^n capped, the upper half jittered,
    so retries spread out yet the window never collapses (8 retries span 2 to 4 minutes)."""
    ceiling = min(setting("RETRY_BACKOFF_MAX"), 2 ** retries)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


@shared_task
def sweep_stuck_assets(before: str | None = None) -> int:
    """Periodic (Celery beat): queue again the assets that lost their task.

    ``before`` (ISO 8601) replaces the STUCK_AFTER cutoff: serve sends the moment
    it restarted the only worker, so what was queued again since is not sent twice.
    """
    cutoff = datetime.fromisoformat(before) if before else None
    return len(services.assets_sweep(before=cutoff))


@shared_task
def apply_rights(asset_ids: list[int] | None = None) -> int:
    """Periodic (Celery beat, every minute), and after an edit of rights dates: withhold
    or restore the files of assets whose embargo lifted or licence ended, and announce it."""
    return len(rights.rights_apply(asset_ids=asset_ids))


@shared_task
def purge_trash() -> int:
    """Periodic (Celery beat, hourly): remove for good the assets whose DAM["TRASH_DAYS"]
    in the trash are over, and finish any purge that a crash cut short."""
    return len(purge.trash_purge_due())


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True,
             retry_backoff_max=600, max_retries=8)
def purge_cdn(payload: dict) -> None:
    """A deferred purger's network call (``renditions.cdn``); idempotent, so a CDN
    API that fails is asked again with backoff (about an hour in all)."""
    cdn.purge_send(payload)
