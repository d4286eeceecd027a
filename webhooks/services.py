"""Writes for webhooks: create deliveries, send them, send them again.

A delivery's payload is fixed when it is created (the asset as it was when the
event happened); each attempt signs it anew (``webhooks.signing``).
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dam.models import Asset
from renditions import enqueue

from . import selectors, signing, transport
from .backoff import backoff
from .conf import webhook_setting
from .models import PING, Delivery, Endpoint

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The attempt failed in a way a later one may not: try again in ``countdown`` s."""

    def __init__(self, countdown: float, reason: str):
        super().__init__(reason)
        self.countdown = countdown


@transaction.atomic
def deliveries_create(*, event: str, asset_id: int, extra: dict | None = None) -> list[Delivery]:
    """One delivery of ``event`` about an asset per active endpoint that wants it,
    each sent once the transaction commits. ``extra``: keys added to the payload."""
    endpoints = selectors.endpoints_for(event=event)
    asset = Asset.objects.filter(pk=asset_id).first() if endpoints else None
    if asset is None:  # nobody listens, or the asset was deleted meanwhile
        return []
    fields = {"asset": selectors.asset_json(asset=asset), **(extra or {})}
    return _create([(endpoint, event, fields) for endpoint in endpoints])


@transaction.atomic
def deliveries_create_each(*, event: str, extras: dict[int, dict]) -> list[Delivery]:
    """``deliveries_create`` for many assets (asset id -> its ``extra``), in a fixed
    number of queries whatever their number (a bulk edit's hundreds)."""
    endpoints = selectors.endpoints_for(event=event)
    if not endpoints:
        return []
    described = selectors.assets_json(asset_ids=list(extras))
    return _create([(endpoint, event, {"asset": described[pk], **extras[pk]})
                    for pk in extras if pk in described for endpoint in endpoints])


@transaction.atomic
def deliveries_create_about(*, event: str, fields: dict) -> list[Delivery]:
    """One delivery of ``event`` with ``fields`` (no asset JSON: the asset may be
    gone) per active endpoint that wants it."""
    return _create([(endpoint, event, fields)
                    for endpoint in selectors.endpoints_for(event=event)])


@transaction.atomic
def endpoint_ping(*, endpoint: Endpoint) -> Delivery:
    """A ``ping`` delivery to one endpoint, to check its URL and signature check."""
    return _create([(endpoint, PING, {})])[0]


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """A new delivery of the same payload to the same endpoint (a new id: the log
    keeps the old attempts, and a receiver's dedup by id does not swallow it)."""
    fields = {k: v for k, v in delivery.payload.items() if k not in ("id", "event")}
    return _create([(delivery.endpoint, delivery.event, fields)])[0]


def _create(items: list[tuple[Endpoint, str, dict]]) -> list[Delivery]:
    now = timezone.now()
    deliveries = []
    for endpoint, event, fields in items:
        pk = uuid.uuid4()
        # A redelivery's fields keep the event's own created_at.
        payload = {"id": str(pk), "event": event, "created_at": now.isoformat(), **fields}
        deliveries.append(Delivery(id=pk, endpoint=endpoint, event=event, payload=payload,
                                   next_attempt_at=now))
    Delivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        enqueue.webhook(str(delivery.pk))
    return deliveries


def deliveries_sweep(*, now=None) -> list[str]:
    """Queue again every pending delivery overdue by WEBHOOKS SWEEP_AFTER seconds:
    its task was lost (a broker down when it was queued, a worker killed). Each is
    claimed by moving its due time, so two sweeps queue it once. Receivers may
    see a delivery twice (at least once, as with any retry) and dedupe by its id.
    Returns the ids queued."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=webhook_setting("SWEEP_AFTER"))
    overdue = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lt=cutoff)
    queued = []
    for pk, due in overdue.values_list("pk", "next_attempt_at")[:1000]:
        if Delivery.objects.filter(pk=pk, next_attempt_at=due).update(next_attempt_at=now):
            log.warning("Webhook delivery %s was due at %s and never sent; queued again",
                        pk, due.isoformat(timespec="seconds"))
            enqueue.webhook(str(pk))
            queued.append(str(pk))
    return queued


def delivery_send(*, delivery_id: str) -> None:
    """Make one attempt at a pending delivery and record how it went.

    2xx: succeeded. 5xx, 429, a timeout or a refused connection: raises RetryLater
    with the backoff, until WEBHOOKS MAX_ATTEMPTS attempts, then failed. Any other
    answer (4xx, a redirect): failed at once. A delivery no longer pending (sent
    already, failed, deleted) is left alone, so a redelivered task sends nothing twice.
    """
    delivery = (Delivery.objects.select_related("endpoint")
                .filter(pk=delivery_id, status=Delivery.Status.PENDING).first())
    if delivery is None:
        return
    if not delivery.endpoint.is_active:
        _record(delivery, Delivery.Status.FAILED, transport.Outcome(
            None, error="The endpoint is inactive; redeliver once it is active again."),
            attempts=delivery.attempts)
        return
    _settle(delivery, _attempt(delivery), attempts=delivery.attempts + 1)


def _settle(delivery: Delivery, outcome: transport.Outcome, *, attempts: int) -> None:
    if outcome.succeeded:
        _record(delivery, Delivery.Status.SUCCEEDED, outcome, attempts=attempts)
    elif outcome.retryable and attempts < webhook_setting("MAX_ATTEMPTS"):
        wait = backoff(attempts, base=webhook_setting("BACKOFF_BASE"),
                       cap=webhook_setting("BACKOFF_MAX"))
        _record(delivery, Delivery.Status.PENDING, outcome, attempts=attempts,
                next_attempt_at=timezone.now() + timedelta(seconds=wait))
        raise RetryLater(wait, outcome.error or f"HTTP {outcome.status}")
    else:
        _record(delivery, Delivery.Status.FAILED, outcome, attempts=attempts)


def _attempt(delivery: Delivery) -> transport.Outcome:
    body = signing.body_bytes(delivery.payload)
    headers = signing.headers(secret=delivery.endpoint.secret, event=delivery.event,
                              delivery_id=str(delivery.pk), body=body)
    return transport.post(delivery.endpoint.url, body, headers,
                          timeout=webhook_setting("TIMEOUT"))


def _record(delivery: Delivery, status: str, outcome: transport.Outcome, *,
            attempts: int, next_attempt_at=None) -> None:
    """Store an attempt; only while still pending, so a racing worker's success stays."""
    changed = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(
        status=status, attempts=attempts, next_attempt_at=next_attempt_at,
        response_status=outcome.status, response_body=outcome.body, error=outcome.error,
        delivered_at=timezone.now() if status == Delivery.Status.SUCCEEDED else None)
    if changed and status == Delivery.Status.FAILED:
        log.warning("Webhook delivery %s (%s) to %s failed after %s attempts: %s",
                    delivery.pk, delivery.event, delivery.endpoint.url,
                    attempts, outcome.error or f"HTTP {outcome.status}")
