"""The editor's requests: focal point, crop, review, plans, regenerate and revert.

Points and boxes are normalised 0-1 from the top left.
"""
from __future__ import annotations

from rest_framework import serializers

from dam.models import Asset

from ...models import Analysis, CropDecision


def _unit(**kwargs) -> serializers.FloatField:
    """A normalised coordinate, checked to lie in 0-1."""
    return serializers.FloatField(min_value=0.0, max_value=1.0, **kwargs)


class _Resettable(serializers.Serializer):
    reset = serializers.BooleanField(required=False, default=False,
                                     help_text="True returns to the automatic value.")


class FocalIn(_Resettable):
    x = _unit(required=False, help_text="0-1 from the left.")
    y = _unit(required=False, help_text="0-1 from the top.")

    def validate(self, attrs):
        if not attrs["reset"] and ("x" not in attrs or "y" not in attrs):
            raise serializers.ValidationError("Give x and y, or reset: true.")
        return attrs


class FocalOut(serializers.Serializer):
    focal = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    focal_origin = serializers.ChoiceField(Analysis.Origin.choices)


class CropIn(_Resettable):
    box = serializers.ListField(child=_unit(), min_length=4, max_length=4, required=False,
                                help_text="x0, y0, x1, y1, normalised 0-1.")

    def validate(self, attrs):
        if not attrs["reset"] and "box" not in attrs:
            raise serializers.ValidationError("Give a box, or reset: true.")
        return attrs


class CropOut(serializers.Serializer):
    box = serializers.ListField(child=serializers.FloatField(), allow_null=True,
                                help_text="The editor's box, or null when automatic.")


class ReviewState(serializers.Serializer):
    review = serializers.ChoiceField(CropDecision.Review.choices)


class RegenerateOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(Asset.Status.choices)


class PlansQuery(serializers.Serializer):
    x = _unit(required=False, help_text="A focal point to try, 0-1 from the left.")
    y = _unit(required=False, help_text="0-1 from the top.")

    def validate(self, attrs):
        if ("x" in attrs) != ("y" in attrs):
            raise serializers.ValidationError("Give both x and y, or neither.")
        if "x" in attrs:
            attrs["point"] = (attrs["x"], attrs["y"])
        return attrs


class PlanOut(serializers.Serializer):
    box = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4,
                                help_text="x0, y0, x1, y1, normalised 0-1.")
    kept = serializers.FloatField(help_text="Share of the saliency inside the box, 0-1.")
    confidence = serializers.FloatField()
    faces_cut = serializers.BooleanField()
    origin = serializers.CharField(help_text="What placed the box: auto, focal, editor...")
    padded = serializers.CharField(help_text="The profile's pad when the plan pads, else ''.")


class PlansOut(serializers.Serializer):
    plans = serializers.DictField(child=PlanOut(), help_text="Keyed by profile slug.")


class RevertOut(serializers.Serializer):
    reverted = serializers.IntegerField(help_text="The history entry that was undone.")
