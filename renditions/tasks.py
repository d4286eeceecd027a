"""Celery tasks: ids in, one service call each. Idempotent, so acks_late is safe."""
from celery import shared_task

from . import services


@shared_task(acks_late=True)
def process_asset(asset_id: int) -> None:
    services.asset_process(asset_id=asset_id)
