"""The rights fields as ``renditions.describing`` edits them: their values cleaned
and as the history records them.

``licence``: a licence's id or name (any case), or None; recorded by its id.
``embargo_until``, ``expires_at``: ISO 8601 with a time zone offset ("Z",
"+02:00"), or None / "" to clear; stored in UTC and recorded as UTC ISO strings,
to the second. A naive time is refused: which zone it meant is not ours to guess.
"""
from __future__ import annotations

from datetime import datetime, timezone as dt_timezone

from django.core.exceptions import ValidationError

from dam.models import Licence

#: Rights fields that are not plain text (``licence_note`` is text: describing_fields.FIELDS).
DATES = ("embargo_until", "expires_at")
RIGHTS = ("licence", *DATES)


def rights_clean(name: str, value):
    """One rights field's value in its recorded form (an id, an ISO string or None)."""
    if name == "licence":
        return licence_clean(value)
    return moment_clean(value)


def licence_clean(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError("Give a licence's id or name, or null.")
    found = (Licence.objects.filter(pk=value) if isinstance(value, int)
             else Licence.objects.filter(name__iexact=value.strip()))
    pk = found.values_list("pk", flat=True).first()
    if pk is None:
        names = ", ".join(Licence.objects.values_list("name", flat=True)[:20])
        raise ValidationError(f"No such licence; the licences are: {names or 'none yet'}.")
    return pk


def moment_clean(value) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError("Give an ISO 8601 time with its offset, or null.")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationError("Give an ISO 8601 time with its offset: "
                              "2026-12-24T18:00:00+01:00 or 2026-12-24T17:00:00Z.")
    return recorded(moment)


def recorded(moment: datetime | None) -> str | None:
    """A stored time as the history and the cleaned values have it (UTC, seconds)."""
    if moment is None:
        return None
    return moment.astimezone(dt_timezone.utc).replace(microsecond=0).isoformat()


def stored(name: str, value):
    """A recorded value as the model stores it (a datetime for the dates)."""
    if name in DATES and value is not None:
        return datetime.fromisoformat(value)
    return value


def order_check(cleaned: dict) -> None:
    """An embargo that lifts only after the licence ends is a mistake: refused."""
    start, end = cleaned.get("embargo_until"), cleaned.get("expires_at")
    if start and end and start >= end:
        raise ValidationError({"expires_at": ["The licence ends before the embargo lifts."]})
