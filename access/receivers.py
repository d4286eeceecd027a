"""Signals to the audit log: Django's sign-ins and failures, django-axes' lockouts,
DRF's tokens; connected in ``AccessConfig.ready``. A try that the lockout refused
unchecked (``backends.LockoutBackend``) is a lockout row, not a failed sign-in."""
from __future__ import annotations

from .models import AuditEvent
from .services import audit_record


def on_signed_in(sender, request, user, **kwargs):
    audit_record(kind=AuditEvent.Kind.SIGNED_IN, request=request, user=user,
                 username=user.get_username())


def on_signin_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")
    if getattr(request, "access_locked", False):
        audit_record(kind=AuditEvent.Kind.LOCKED_OUT, request=request, username=username,
                     detail="Refused unchecked: this name or address is locked out.")
    else:
        audit_record(kind=AuditEvent.Kind.SIGNIN_FAILED, request=request, username=username,
                     detail="Wrong name or password.")


def on_locked_out(sender, request, username, ip_address, **kwargs):
    """axes locks out; sent again for each refused try, which ``on_signin_failed`` records."""
    if not getattr(request, "access_locked", False):
        audit_record(kind=AuditEvent.Kind.LOCKED_OUT, request=request, username=username or "",
                     detail="Lockout began: too many failed sign-ins for this name or "
                            "from this address.")


def on_token_saved(sender, instance, created, **kwargs):
    if created:
        audit_record(kind=AuditEvent.Kind.TOKEN_CREATED, user=instance.user,
                     username=instance.user.get_username(),
                     detail="API token created (the admin's history names who made it).")
