"""The audit log: who crossed the door, or was turned back, when and from where."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGNIN_FAILED = "signin_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out"
        TOKEN_CREATED = "token_created", "API token created"
        REFUSED = "refused", "Permission refused"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+",
                             help_text="The signed-in user or the token's owner, if any.")
    username = models.CharField(max_length=150, blank=True,
                                help_text="The name given at sign-in (it may not exist).")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=255, blank=True)
    detail = models.TextField(blank=True)
    count = models.PositiveIntegerField(
        default=1, help_text="Times it happened: the same event within "
                             "ACCESS['FOLD_SECONDS'] of the first adds here, not a row.")
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit event"

    def __str__(self) -> str:
        who = self.username or (self.user and self.user.get_username()) or "anonymous"
        return f"{self.get_kind_display()}: {who} from {self.ip_address or '?'}"
