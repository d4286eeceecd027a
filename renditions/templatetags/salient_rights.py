"""``{% load salient_rights %}``: an asset's rights as the DAM's pages mark it.

``asset|rights_mark``: "Under embargo", "Expired", "Expires in 3 days" or "" (the
rule is ``dam.rights``, at the time of the request); ``asset|withheld``: whether its
public URLs answer 410 now, so a page shows the private preview instead.
"""
from __future__ import annotations

from django import template
from django.utils import timezone

from dam import rights

register = template.Library()


@register.filter
def rights_mark(asset) -> str:
    now = timezone.now()
    state = rights.rights_state(asset, now)
    if state != rights.OK:
        return rights.LABELS[state]
    if rights.expiring(asset, now):
        days = max(0, (asset.expires_at - now).days)
        return "Expires today" if days == 0 else f"Expires in {days} day{'s' * (days != 1)}"
    return ""


@register.filter
def withheld(asset) -> bool:
    return rights.rights_state(asset, timezone.now()) != rights.OK
