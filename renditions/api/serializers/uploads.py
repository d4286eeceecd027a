"""Upload: the files and what every one of them should say in; what was stored out."""
from __future__ import annotations

from rest_framework import serializers

from dam.models import Collection

from ..metadata_in import TemplateIn
from .assets import AssetSerializer


class UploadIn(TemplateIn):
    """Files, and what every one of them should say (``TemplateIn``)."""
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False), allow_empty=False,
        help_text="One or several photos; each is stored or refused on its own.")
    title = serializers.CharField(required=False, default="", allow_blank=True, max_length=255,
                                  help_text="For every file; each file's name when empty.")
    alt_text = serializers.CharField(required=False, default="", allow_blank=True)
    collection = serializers.PrimaryKeyRelatedField(
        queryset=Collection.objects.all(), required=False, default=None, allow_null=True,
        help_text="The collection's id (GET /api/collections/); default: the root, "
                  "'Library'. The uploader needs the right to upload there.")


class FileErrorOut(serializers.Serializer):
    file = serializers.CharField()
    error = serializers.CharField()
    existing = serializers.UUIDField(allow_null=True,
                                     help_text="A duplicate's asset already in the library.")


class UploadOut(serializers.Serializer):
    created = AssetSerializer(many=True)
    errors = FileErrorOut(many=True, help_text="The files that were refused.")


class UploadFailedOut(UploadOut):
    error = serializers.CharField()
