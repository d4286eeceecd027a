"""Answers every part of the API shares: the root's links and the error body."""
from __future__ import annotations

from rest_framework import serializers


class RootOut(serializers.Serializer):
    assets = serializers.URLField(help_text="The library: list (viewers) and upload (editors).")
    keywords = serializers.URLField(help_text="Keyword suggestions, for autocomplete.")
    profiles = serializers.URLField(help_text="The rendition profiles.")
    collections = serializers.URLField(help_text="The collections you may view.")
    licences = serializers.URLField(help_text="The licences an asset can be under.")
    schema = serializers.URLField(help_text="This API's OpenAPI 3 schema.")
    docs = serializers.URLField(help_text="The schema in Swagger UI.")


class ErrorOut(serializers.Serializer):
    error = serializers.CharField(help_text="What went wrong, in words a person can act on.")
    fields = serializers.DictField(required=False, child=serializers.JSONField(),
                                   help_text="Bad input: each field's messages.")
