"""The API's bodies for describing assets: a PATCH of one asset, the parts of a bulk
edit, an upload's metadata template, and keyword suggestions.

The rules are ``renditions.describing_fields``' (``changes_clean``), so a value refused here
is refused for the same reason by every other door. A body naming a field it may not
change is refused with that field named (read-only fields said so).
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dam import roles
from dam.models import Collection
from dam.services import TEMPLATE_FIELDS, MetadataTemplate

from .. import describing, describing_fields

#: The JSON fields of an asset that no one writes through the API.
READ_ONLY = frozenset({"id", "width", "height", "status", "created_at", "progress",
                       "renditions", "filename", "format", "sha256", "error", "saliency",
                       "metadata_problems"})

_HELP = {
    "title": "Shown in the library.", "alt_text": "For people who cannot see the photo.",
    "caption": "Newlines kept.", "copyright": "Newlines kept.",
    "usage_terms": "Newlines kept.", "instructions": "For the desk; private. Newlines kept.",
    "licence_note": "The licence's particulars; private. Newlines kept.",
    "date_created": "ISO 8601, possibly partial: 2021, 2021-10, 2021-10-20, "
                    "2021-10-20T21:01[:01][+02:00]; empty clears it.",
}


class TextField(serializers.CharField):
    """Text only: a number or a boolean is refused, not turned into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _text(name: str) -> serializers.CharField:
    carried = " Every rendition carries it." if name in describing.CARRIED else ""
    return TextField(
        required=False, allow_blank=True, trim_whitespace=False,
        max_length=describing_fields.max_length(name),
        help_text=f"{_HELP.get(name, '')}{carried} No control characters; leading and "
                  "trailing whitespace is stripped.".strip())


class _Passed(serializers.Field):
    """A value handed to ``describing`` as it came (its rules check it)."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True})
class LicenceIn(_Passed):
    pass


@extend_schema_field(serializers.DateTimeField(allow_null=True))
class MomentIn(_Passed):
    pass


_RIGHTS = {
    "licence": LicenceIn(required=False, allow_null=True,
                         help_text="A licence's name (any case) or id, of the list the "
                                   "admins keep; null clears it."),
    "embargo_until": MomentIn(required=False, allow_null=True,
                              help_text="ISO 8601 with its offset; not delivered before it "
                                        "(410 Gone). null or empty clears it."),
    "expires_at": MomentIn(required=False, allow_null=True,
                           help_text="ISO 8601 with its offset; not delivered from it on "
                                     "(410 Gone). null or empty clears it."),
}


def _keywords(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=describing_fields.KEYWORD_LENGTH,
                                    trim_whitespace=False),
        max_length=describing_fields.KEYWORDS_MAX, required=False, help_text=help_text,
        **kwargs)


class Strict(serializers.Serializer):
    """Refuses keys it does not declare: a typo must not pass as 'nothing to change'."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({
                    name: ["Read-only." if name in READ_ONLY else "Unknown field."]
                    for name in unknown})
        return super().to_internal_value(data)


class _Described(Strict):
    def validate(self, attrs):
        return describing_fields.changes_clean(attrs, keywords="keywords" in self.fields)


#: Text fields of an asset, any subset: one per ``describing_fields.FIELDS``, so this body
#: and the service never disagree on what may change.
MetadataSetIn = type(Strict)("MetadataSetIn", (_Described,), {
    "__module__": __name__, "__doc__": "Text fields of an asset; any subset.",
    **{name: _text(name) for name in describing_fields.FIELDS}, **_RIGHTS})


def CollectionField(help_text: str) -> serializers.PrimaryKeyRelatedField:  # noqa: N802
    return serializers.PrimaryKeyRelatedField(queryset=Collection.objects.all(),
                                              required=False, help_text=help_text)


def move_check(user, collection: Collection | None) -> None:
    """A move needs the right to edit in the collection moved to."""
    if collection is not None and not roles.can(user, "edit_metadata", collection=collection):
        raise serializers.ValidationError({"collection": [
            f"You may not move assets into “{collection.label}”."]})


class MetadataIn(MetadataSetIn):
    """A PATCH of one asset: any subset of its fields; ``keywords`` replaces its set;
    ``collection`` moves it."""
    keywords = _keywords("Replaces the asset's keywords: each "
                         f"1-{describing_fields.KEYWORD_LENGTH} characters, at most "
                         f"{describing_fields.KEYWORDS_MAX}; duplicates that differ only in "
                         "case are dropped.")
    collection = CollectionField(help_text="Move the asset into this collection (its id); "
                                           "you need the right to edit there.")

    def validate(self, attrs):
        collection = attrs.pop("collection", None)
        attrs = super().validate(attrs)
        if collection is not None:
            attrs["collection"] = collection
        return attrs


class CommaListField(serializers.ListField):
    """A list, from JSON or repeated form fields; each item may hold several, comma-separated."""

    def to_internal_value(self, data):
        items = super().to_internal_value(data)
        return [part.strip() for item in items for part in item.split(",") if part.strip()]


class _TemplateIn(serializers.Serializer):
    """An upload's metadata template: what every file of the batch should say."""
    keywords = CommaListField(
        child=serializers.CharField(max_length=1000, allow_blank=True), required=False,
        max_length=200,
        help_text="Added to each file's own keywords (replacing them with overwrite); "
                  "repeat the field or separate them with commas.")
    overwrite = serializers.BooleanField(
        required=False, default=False,
        help_text="False: the template fills only what a file's own metadata left empty. "
                  "True: the template's values win.")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        given = {k: attrs[k] for k in (*TEMPLATE_FIELDS, "keywords") if k in attrs}
        cleaned = describing_fields.changes_clean(given)
        attrs["template"] = MetadataTemplate(
            fields={k: v for k, v in cleaned.items() if k != "keywords"},
            keywords=tuple(cleaned.get("keywords", ())), overwrite=attrs["overwrite"])
        return attrs


TemplateIn = type(_TemplateIn)("TemplateIn", (_TemplateIn,), {
    "__module__": __name__, "__doc__": _TemplateIn.__doc__,
    **{name: _text(name) for name in TEMPLATE_FIELDS}})


class KeywordsQuery(serializers.Serializer):
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=100,
                              help_text="The start of a keyword, any case; empty: the most "
                                        "used keywords.")
    limit = serializers.IntegerField(required=False, default=20, min_value=1, max_value=100)


class KeywordOut(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField(help_text="Assets that have it.")


class KeywordsOut(serializers.Serializer):
    results = KeywordOut(many=True, help_text="Most used first.")
