"""The rules of an asset's described fields: which an editor may change, and
their values checked and normalised (``changes_clean``), for every door that
changes them (the API, the admin, bulk edits; ``describing`` writes them).

Values (``changes_clean``): leading and trailing whitespace is stripped; control
characters, lone surrogates and U+FFFE/U+FFFF are refused (not stripped: the caller
hears which field), except a tab anywhere and newlines in the multi-line fields
(``MULTILINE``; CR LF and CR become LF). Keywords: 1-100 characters each, no control
characters, duplicates dropped ignoring case (the first spelling kept), at most 200.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError

from dam.models import Asset

from .engine.metadata import LONG
from .rights_fields import RIGHTS, order_check, rights_clean

#: The asset's text fields an editor may change (besides ``keywords``).
FIELDS = ("title", "alt_text", "headline", "caption", "creator", "credit", "copyright",
          "usage_terms", "source", "instructions", "date_created", "city", "country",
          "licence_note")
#: Fields that keep newlines.
MULTILINE = frozenset({"caption", "usage_terms", "instructions", "copyright",
                       "licence_note"})
KEYWORDS_MAX, KEYWORD_LENGTH = 200, 100

_REFUSED = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
                   r"(?:Z|[+-]\d{2}:\d{2})?)?)?)?")


def changes_clean(changes: dict, *, keywords: bool = True) -> dict:
    """``changes`` (field -> value, ``keywords`` a list) checked and normalised.

    Raises ValidationError naming each bad field (unknown ones included).
    """
    cleaned, errors = {}, {}
    for name, value in changes.items():
        try:
            if name == "keywords" and keywords:
                cleaned[name] = keywords_clean(value)
            elif name in FIELDS:
                cleaned[name] = text_clean(name, value)
            elif name in RIGHTS:
                cleaned[name] = rights_clean(name, value)
            else:
                raise ValidationError("Not a field an editor can change.")
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    order_check(cleaned)
    return cleaned


def text_clean(name: str, value) -> str:
    """One field's value, stripped and checked against its field's rules."""
    if not isinstance(value, str):
        raise ValidationError("Give text.")
    value = value.strip()
    if name in MULTILINE:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _REFUSED.search(value.replace("\n", "") if name in MULTILINE else value):
        raise ValidationError("Control characters are not allowed"
                              + (" (newlines are)." if name in MULTILINE else "."))
    limit = max_length(name)
    if len(value) > limit:
        raise ValidationError(f"At most {limit:,} characters ({len(value):,} given).")
    if name == "date_created" and value:
        date_check(value)
    return value


def max_length(name: str) -> int:
    """The model's limit, or the metadata reader's for text fields (``LONG``)."""
    return Asset._meta.get_field(name).max_length or LONG


def date_check(value: str) -> None:
    """ISO 8601, possibly partial: YYYY, YYYY-MM, YYYY-MM-DD, then Thh:mm[:ss][offset]."""
    match = _DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        year, month, day, time = match.groups()
        if time:
            datetime.fromisoformat(value)
        else:
            date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValidationError("Give an ISO 8601 date: 2021, 2021-10, 2021-10-20 or "
                              "2021-10-20T21:01[:01][+02:00].") from None


def keywords_clean(values) -> list[str]:
    """Keywords stripped, checked, without duplicates that differ only in case."""
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ValidationError("Give a list of keywords (text).")
    kept, seen = [], set()
    for word in (v.strip() for v in values):
        if not 1 <= len(word) <= KEYWORD_LENGTH:
            raise ValidationError(f"A keyword is 1 to {KEYWORD_LENGTH} characters.")
        if _REFUSED.search(word.replace("\t", "\x00")):
            raise ValidationError(f"Control characters are not allowed ({word[:20]!r}).")
        if word.casefold() not in seen:
            seen.add(word.casefold())
            kept.append(word)
    if len(kept) > KEYWORDS_MAX:
        raise ValidationError(f"At most {KEYWORDS_MAX} keywords ({len(kept)} given).")
    return kept
