"""``AssetSerializer``: the one description of an asset that the delivery JSON,
the webhooks and this API share, and the schema documents it as it is."""
from __future__ import annotations

from rest_framework import serializers

from dam.models import Asset

from ..withheld import withheld_redacted
from .asset_fields import (ElementField, ImageRegionsField, KeywordsField, ProgressField,
                           RenditionsField, RightsField, SaliencyField, SimilarField,
                           _described)


#: The photo's own metadata (IPTC/XMP/EXIF, read on upload), public. Its instructions
#: are for the desk (viewers only); the raw record, GPS and serials are never served.
METADATA = ("headline", "caption", "creator", "credit", "copyright", "usage_terms",
            "source", "date_created", "city", "country", "keywords")
#: Rights: public, so that sites know when to take an image down (``rights``: the state now).
RIGHTS = ("licence", "embargo_until", "expires_at", "rights")

#: The asset's fields for callers who may view it (its collection) only.
PRIVATE = ("filename", "format", "sha256", "error", "saliency", "instructions",
           "metadata_problems", "collection", "similar", "licence_note")


class CollectionRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AssetSerializer(serializers.ModelSerializer):
    """An asset and its current renditions: the JSON of ``/api/assets/<id>/``, of the
    list, of an upload's answer and of every webhook.

    Give it assets from ``selectors.assets_described`` (a fixed number of queries
    for any number of them). Context: ``request`` (URLs on its host; the private
    fields for viewers), or ``absolute`` (url -> absolute url) and ``private``.
    """
    id = serializers.UUIDField(source="uid", read_only=True)
    progress = ProgressField()
    renditions = RenditionsField()
    image_regions = ImageRegionsField(help_text="IPTC Image Regions, relative to the oriented "
                                      "original: each profile's crop (role cropping); for "
                                      "viewers also the subject (mainSubjectArea) and the "
                                      "important faces (areaOfInterest).")
    filename = serializers.CharField(source="original_filename", read_only=True,
                                     required=False, help_text="Viewers only.")
    format = serializers.CharField(read_only=True, required=False,
                                   help_text="The original's. Viewers only.")
    sha256 = serializers.CharField(read_only=True, required=False, help_text="Viewers only.")
    error = serializers.CharField(source="error_message", read_only=True, required=False,
                                  allow_null=True, help_text="Viewers only.")
    saliency = SaliencyField(required=False, help_text="Viewers only.")
    keywords = KeywordsField(help_text="Keywords: the photo's own (IPTC/XMP) on upload, then "
                                       "as editors set them.")
    collection = CollectionRef(read_only=True, required=False, help_text="Viewers only.")
    metadata_problems = serializers.ListField(
        child=serializers.CharField(), read_only=True, required=False,
        help_text="What was wrong with the photo's metadata (trimmed, refused). Viewers only.")
    similar = SimilarField(required=False, help_text="Near-duplicates: the assets this photo "
                           "looks like (resized, recompressed, colour-adjusted), nearest "
                           "first, of those the caller may view. Viewers only.")
    licence = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True,
        help_text="The licence's name (the admins' list); null: none said.")
    rights = RightsField()
    element = ElementField(required=False, help_text="For the <salient-img> element: the "
                           "compact summary of the analysis it plans crops from and its signed "
                           "whole-image frames (README 'Any box'). In GET /api/assets/<id>/ only.")
    usage_count = serializers.IntegerField(
        read_only=True, help_text="How many pages sites recorded that they show this asset "
                                  "on (GET /api/assets/<id>/usages lists them, for viewers).")

    class Meta:
        model = Asset
        fields = ["id", "title", "alt_text", "width", "height", "status", "created_at",
                  "progress", "renditions", "image_regions", *METADATA, *RIGHTS, "usage_count",
                  "element",
                  *PRIVATE]
        read_only_fields = fields
        extra_kwargs = {"width": {"help_text": "Pixels, after EXIF orientation."},
                        "height": {"help_text": "Pixels, after EXIF orientation."},
                        "instructions": {"help_text": "For the desk. Viewers only.",
                                         "required": False},
                        "licence_note": {"help_text": "The licence's particulars (fees, "
                                         "contract): private, viewers only.",
                                         "required": False},
                        "embargo_until": {"help_text": "UTC; not delivered before it."},
                        "expires_at": {"help_text": "UTC; not delivered from it on."},
                        "date_created": {"help_text": "ISO 8601 as the photo says it, "
                                         "possibly partial (2021, 2021-10, 2021-10-20T21:01:01"
                                         "+00:00)."}}

    def to_representation(self, asset):
        data = super().to_representation(asset)
        data["error"] = data["error"] or None
        if not self.context.get("element"):
            del data["element"]
        if not _described(self.context).private(asset):
            for name in PRIVATE:
                del data[name]
            data = withheld_redacted(data, asset)
        return data
