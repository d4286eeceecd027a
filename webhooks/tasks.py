"""Celery tasks: ids in, one service call. Idempotent, so acks_late is safe."""
from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, max_retries=None)  # WEBHOOKS MAX_ATTEMPTS counts
def deliver(self, delivery_id: str) -> None:
    """POST one delivery; a receiver that is down is tried again after the backoff."""
    try:
        services.delivery_send(delivery_id=delivery_id)
    except services.RetryLater as exc:
        raise self.retry(countdown=exc.countdown) from exc


@shared_task
def sweep_pending_deliveries() -> int:
    """Periodic (Celery beat): send again the deliveries whose task was lost."""
    return len(services.deliveries_sweep())
