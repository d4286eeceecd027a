"""Celery tasks: ids in, one service call each. Idempotent, so acks_late is safe."""
from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from dam.conf import dam_setting

from . import services


@shared_task(bind=True, acks_late=True)
def process_asset(self, asset_id: int, profile_ids: list[int] | None = None) -> None:
    """Process one asset; a transient outage is retried with backoff, then given up."""
    try:
        services.asset_process(asset_id=asset_id, profile_ids=profile_ids)
    except services.TransientError as exc:
        if self.request.retries >= dam_setting("TASK_RETRIES"):
            services.asset_give_up(asset_id=asset_id, reason=str(exc))
            return
        countdown = get_exponential_backoff_interval(
            factor=1, retries=self.request.retries, maximum=dam_setting("RETRY_BACKOFF_MAX"),
            full_jitter=True)
        raise self.retry(countdown=countdown, max_retries=None) from exc


@shared_task
def sweep_stuck_assets(older_than: float | None = None) -> int:
    """Periodic (Celery beat): queue again the assets that lost their task."""
    return len(services.assets_sweep(older_than=older_than))
