"""The asset list's query (search and facet filters) and its facets, for the API's
schema; the search itself is ``renditions.selectors.library_search``."""
from __future__ import annotations

import re

from rest_framework import serializers

from dam.models import Asset

from ..models import CropDecision
from ..selectors import LIBRARY_FACETS

_OFFSET_WITHOUT_PLUS = re.compile(r" (\d\d:?\d\d)$")
_ISO_PREFIX = r"^\d{4}(-\d{2}(-\d{2})?)?$"
ORIENTATIONS = ("landscape", "portrait", "square")
MAX_KEYWORDS = 10


class SinceField(serializers.DateTimeField):
    """ISO 8601; an unescaped '+' of the offset arrives as a space and is put back."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            value = _OFFSET_WITHOUT_PLUS.sub(r"+\1", value.strip())
        return super().to_internal_value(value)


def _date(end: str) -> serializers.RegexField:
    return serializers.RegexField(
        _ISO_PREFIX, required=False, default="", allow_blank=True,
        help_text=f"Date created {end}, included: an ISO prefix, 2021, 2021-10 or 2021-10-20 "
                  "(compared on as many characters). Assets without a date are left out.")


class AssetListQuery(serializers.Serializer):
    q = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=True, max_length=10_000,
        help_text="Search: every word must be in the headline, caption, title, alt text, "
                  "keywords, creator, credit, city, country or file name; case, accents and "
                  "word endings do not matter (\"Zürich\" finds \"zurich\", \"running\" finds "
                  "\"runs\"); the last word also matches a word's start. Best match first "
                  "(title and headline, then caption, keywords and alt text, then the rest), "
                  "then newest. Text without a word in it (\"*!\") matches nothing.")
    status = serializers.ChoiceField(Asset.Status.choices, required=False, default="",
                                     allow_blank=True)
    keyword = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False, default=list,
        max_length=MAX_KEYWORDS,  # a join each; SQLite joins at most 64 tables
        help_text=f"Repeatable, up to {MAX_KEYWORDS}; assets with every keyword given, "
                  "exactly as named.")
    creator = serializers.CharField(required=False, default="", allow_blank=True,
                                    max_length=255, help_text="Exactly as named.")
    orientation = serializers.ChoiceField(ORIENTATIONS, required=False, default="",
                                          allow_blank=True, help_text="Of the oriented photo.")
    review = serializers.ChoiceField(
        CropDecision.Review.choices, required=False, default="", allow_blank=True,
        help_text="needs_work: a crop needs work; approved: every crop decided is "
                  "approved (at least one); pending: the others.")
    collection = serializers.IntegerField(
        required=False, default=None, allow_null=True, min_value=1,
        help_text="A collection's id (GET /api/collections/); its sub-collections included.")
    rights = serializers.ChoiceField(
        ("embargoed", "expired", "expiring", "ok"), required=False, default="",
        allow_blank=True,
        help_text="Now: embargoed or expired (neither delivered: 410 Gone), expiring "
                  "(delivered, licence ends within 7 days), ok (delivered).")
    usage = serializers.ChoiceField(
        ("in_use", "unused"), required=False, default="", allow_blank=True,
        help_text="in_use: a site recorded that it uses the asset (GET /api/assets/<id>/"
                  "usages); unused: none did.")
    date_from = _date("from")
    date_to = _date("to")
    updated_since = SinceField(required=False, default=None, allow_null=True,
                               help_text="ISO 8601; only assets changed at or after it "
                                         "(naive times are UTC). For sync jobs.")
    facets = serializers.BooleanField(
        required=False, default=False,
        help_text="true: the response has `facets`, each facet's values with their "
                  "counts over every asset found (not only this page).")


def facets_schema() -> dict:
    """The OpenAPI schema of the list's ``facets`` (drf-spectacular, raw)."""
    counts = {"type": "array", "items": {
        "type": "object", "required": ["value", "count"],
        "properties": {"value": {"type": "string"}, "count": {"type": "integer"},
                       "label": {"type": "string", "description": "collection: its name "
                                 "under its parents' ('Sport / Football')."}}}}
    return {"type": "object", "required": list(LIBRARY_FACETS),
            "properties": {name: counts for name in LIBRARY_FACETS},
            "description": "With ?facets=true: per facet, its values and how many assets "
                           "found have each, most first (keyword and creator: the top 20; "
                           "year: of date created, newest first)."}
