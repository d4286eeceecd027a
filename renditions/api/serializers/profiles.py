"""Rendition profiles through the API, checked by the model's own ``clean()``."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from ...models import RenditionProfile


class ProfileSerializer(serializers.ModelSerializer):
    """A rendition profile; checked by the model's own ``clean()``, as the admin does."""

    class Meta:
        model = RenditionProfile
        fields = ["slug", "name", "aspect_width", "aspect_height", "width", "height",
                  "max_width", "format", "quality", "allow_upscale", "zoom", "align", "pad",
                  "srcset_widths",
                  "negotiate", "is_active", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs):
        try:
            RenditionProfile(**attrs).clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return attrs


class ProfileCreatedOut(ProfileSerializer):
    queued = serializers.IntegerField(read_only=True,
                                      help_text="Assets queued for this profile's renditions.")

    class Meta(ProfileSerializer.Meta):
        fields = [*ProfileSerializer.Meta.fields, "queued"]
