"""Webhook endpoints (configured in the admin) and the log of every delivery."""
from __future__ import annotations

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import models


class Event(models.TextChoices):
    """What an endpoint can subscribe to."""

    RENDITIONS_READY = "renditions.ready", "Renditions ready (first processing)"
    RENDITIONS_CHANGED = ("renditions.changed",
                          "Renditions changed (focal point, crop, profile, credit)")
    RENDITION_REVIEWED = "rendition.reviewed", "Crop reviewed (approved, needs work, reopened)"
    ASSET_FAILED = "asset.failed", "Processing failed"
    ASSET_UPDATED = "asset.updated", "Description changed (title, caption, credit, keywords...)"
    ASSET_EMBARGO_LIFTED = "asset.embargo_lifted", "Embargo lifted: the asset may be published"
    ASSET_EXPIRED = "asset.expired", "Licence ended: take the asset down, purge CDNs"
    ASSET_DELETED = "asset.deleted", "Deleted (in the trash): take the asset down, purge CDNs"
    ASSET_RESTORED = "asset.restored", "Restored from the trash"
    ASSET_PURGED = "asset.purged", "Deleted for good: its id will never answer again"
    ASSET_REPLACED = ("asset.replaced",
                      "File replaced or a version restored (same URLs, new pixels)")
    CDN_PURGE = "cdn.purge", "Purge CDNs: an asset's answers changed (surrogate keys, URLs)"


#: The admin's test delivery; sent to the chosen endpoint whatever it subscribes to.
PING = "ping"
#: Sent only to endpoints that tick them: an endpoint with no events chosen gets the
#: others, not these (a CDN purger's traffic is not a site's business).
OPT_IN = {Event.CDN_PURGE}


def secret_new() -> str:
    """A fresh signing secret (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def validate_events(value) -> None:
    if not isinstance(value, list) or not set(value) <= set(Event.values):
        raise ValidationError(f"Give a list of event names out of {', '.join(Event.values)}.")


class Endpoint(models.Model):
    url = models.URLField(max_length=500, help_text="Where the signed JSON POSTs go.")
    secret = models.CharField(max_length=128, default=secret_new,
                              help_text="Key of the HMAC-SHA256 signature; the receiver "
                                        "keeps a copy.")
    events = models.JSONField(default=list, blank=True, validators=[validate_events],
                              help_text="Event names it receives; none ticked: every event.")
    is_active = models.BooleanField(default=True)
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url", "id"]

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event: str) -> bool:
        return event in self.events or (not self.events and event not in OPT_IN)


class Delivery(models.Model):
    """One event for one endpoint: its payload as signed, and how the last attempt went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The first 1000 characters.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True,
                                        help_text="When the receiver answered 2xx.")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text="Pending: when the next attempt is due; the sweep sends again what is "
                  "overdue (a task lost with the broker or a worker).")

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event} ({self.status})"
