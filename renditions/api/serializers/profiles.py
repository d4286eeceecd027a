"""Rendition profiles through the API, checked by the model's own ``clean()``, as
the admin does: one rule for both, print profiles included (``width_mm``,
``height_mm`` and ``dpi`` set the pixel size; ``icc_profile`` by its slug)."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from ...icc import IccProfile
from ...models import RenditionProfile

#: What ``RenditionProfile.clean`` works out (a print profile's pixel size, no aspect).
CLEANED = ("width", "height", "aspect_width", "aspect_height", "max_width")


class ProfileSerializer(serializers.ModelSerializer):
    """A rendition profile; checked by the model's own ``clean()``, as the admin does."""
    icc_profile = serializers.SlugRelatedField(
        slug_field="slug", queryset=IccProfile.objects.all(), required=False, allow_null=True,
        help_text="Print: the slug of an ICC output profile (the admin's list) to separate "
                  "to CMYK with (JPEG or TIFF).")

    class Meta:
        model = RenditionProfile
        fields = ["slug", "name", "aspect_width", "aspect_height", "width", "height",
                  "max_width", "format", "quality", "allow_upscale", "zoom", "align", "pad",
                  "srcset_widths",
                  "negotiate", "width_mm", "height_mm", "dpi", "icc_profile",
                  "is_active", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"width": {"help_text": "Exact output width in pixels (with height); "
                                               "a print profile's is its mm at its dpi."}}

    def validate(self, attrs):
        profile = RenditionProfile(**attrs)
        try:
            profile.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return {**attrs, **{name: getattr(profile, name) for name in CLEANED}}


class ProfileCreatedOut(ProfileSerializer):
    queued = serializers.IntegerField(read_only=True,
                                      help_text="Assets queued for this profile's renditions.")

    class Meta(ProfileSerializer.Meta):
        fields = [*ProfileSerializer.Meta.fields, "queued"]
