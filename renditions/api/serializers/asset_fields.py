"""The asset's computed fields and the shapes they document in the schema.

Each field is worked out from the whole asset (``source="*"``); ``_described`` is what
every asset of one answer shares, worked out once. Points and boxes are normalised 0-1;
``width``, ``height`` and ``crop_box`` are pixels (``crop_box`` of the oriented original).
"""
from __future__ import annotations

from functools import cached_property

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dam import rights, roles
from dam.models import Asset

from ... import element, regions, selectors
from ...models import Analysis, RenditionProfile


class RenditionOut(serializers.Serializer):
    url = serializers.URLField(help_text="Stable delivery URL: always the current rendition.")
    file_url = serializers.URLField(help_text="This file's own, content-addressed URL.")
    width = serializers.IntegerField(help_text="Pixels.")
    height = serializers.IntegerField(help_text="Pixels.")
    format = serializers.ChoiceField(RenditionProfile.Format.choices)
    crop_box = serializers.ListField(child=serializers.IntegerField(), min_length=4,
                                     max_length=4, help_text="x0, y0, x1, y1 in pixels of the "
                                     "oriented original; x1 and y1 exclusive.")
    confidence = serializers.FloatField(help_text="0-1: the chance that this crop keeps at least "
                                        "90 % of what the best crop of its aspect would keep "
                                        "(calibrated on eye-tracking photos).")
    faces_cut = serializers.BooleanField()
    key = serializers.CharField(help_text="Hash of source, profile, focal input and model.")
    widths = serializers.ListField(child=serializers.IntegerField(),
                                   help_text="The widths (px) the stable URL serves with ?w=.")
    srcset = serializers.CharField(help_text="For <img srcset>: the stable URL at each width.")
    sources = serializers.DictField(child=serializers.CharField(),
                                    help_text="Media type -> srcset, for <picture><source>s "
                                              "(AVIF, WebP) where the profile allows them.")
    object_position = serializers.CharField(help_text="CSS object-position that keeps the "
                                                      "focal point in view, e.g. '48% 31%'.")


class ProgressOut(serializers.Serializer):
    renditions = serializers.IntegerField(help_text="Active profiles with a fresh rendition.")
    profiles = serializers.IntegerField(help_text="Active profiles.")
    done = serializers.BooleanField(help_text="Processing ended (ready or failed).")


class SaliencyOut(serializers.Serializer):
    focal = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2,
                                  help_text="x, y normalised 0-1 from the top left.")
    focal_origin = serializers.ChoiceField(Analysis.Origin.choices)
    faces = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()),
                                  help_text="Face boxes x0, y0, x1, y1, normalised 0-1.")
    model = serializers.CharField()
    model_version = serializers.CharField()
    compute_ms = serializers.IntegerField()


class _Described:
    """What every asset of one answer shares, worked out once: how URLs are made
    absolute, the active profiles, and whether the caller sees private fields."""

    def __init__(self, context: dict):
        self.context = context

    @cached_property
    def absolute(self):
        return self.context.get("absolute") or self.context["request"].build_absolute_uri

    @cached_property
    def profiles(self) -> list[RenditionProfile]:
        return list(RenditionProfile.objects.filter(is_active=True))

    def private(self, asset: Asset) -> bool:
        """Whether the caller sees ``asset``'s private fields: viewers of its collection."""
        if "private" in self.context:
            return self.context["private"]
        return roles.can(self.context["request"].user, "view", collection=asset.collection)


def _described(context: dict) -> _Described:
    """The serializer tree's one ``_Described`` (the root's context is shared)."""
    return context.setdefault("_described", _Described(context))


class _OfAsset(serializers.Field):
    """A read-only field worked out from the whole asset."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)


@extend_schema_field(serializers.DictField(child=RenditionOut()))
class RenditionsField(_OfAsset):
    """The asset's current renditions, keyed by profile slug."""

    def to_representation(self, asset):
        absolute = _described(self.context).absolute
        return {r.profile.slug: selectors.rendition_description(
                    r, absolute(reverse("deliver", args=[asset.uid, r.profile.slug])), absolute)
                for r in selectors.renditions_current_of(asset)}


@extend_schema_field(serializers.ListField(child=serializers.DictField()))
class ImageRegionsField(_OfAsset):
    """IPTC Image Regions (``renditions.regions``), the IPTC JSON form's ``imageRegion``."""

    def to_representation(self, asset):
        return regions.image_regions(asset, private=_described(self.context).private(asset))


@extend_schema_field(ProgressOut)
class ProgressField(_OfAsset):
    def to_representation(self, asset):
        return selectors.asset_progress(asset, _described(self.context).profiles)


@extend_schema_field(SaliencyOut(allow_null=True))
class SaliencyField(_OfAsset):
    def to_representation(self, asset):
        a = getattr(asset, "analysis", None)
        if a is None:
            return None
        return {"focal": [a.focal_x, a.focal_y], "focal_origin": a.focal_origin,
                "faces": a.faces, "model": a.model_name, "model_version": a.model_version,
                "compute_ms": a.compute_ms}


@extend_schema_field(serializers.DictField(allow_null=True))
class ElementField(_OfAsset):
    """What the <salient-img> element plans and draws from (``renditions.element``);
    in the one asset's answer only (context ``element``), null until analysed."""

    def to_representation(self, asset):
        if not self.context.get("element"):
            return None
        return element.element_description(asset, absolute=_described(self.context).absolute)


class SimilarOut(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    distance = serializers.IntegerField(help_text="Perceptual hashes' bits apart, of 64.")


@extend_schema_field(SimilarOut(many=True))
class SimilarField(_OfAsset):
    """The assets this one looks like (near-duplicates), nearest first: only those the
    caller may view; no query after ``assets_described``."""

    def to_representation(self, asset):
        described = _described(self.context)
        return [{"id": r.other.uid, "title": str(r.other), "distance": r.distance}
                for r in asset.resemblances.all() if described.private(r.other)]


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class KeywordsField(_OfAsset):
    """The asset's keywords (tags), sorted; no query after ``assets_described``."""

    def to_representation(self, asset):
        return sorted((t.name for t in asset.tags.all()), key=str.casefold)


@extend_schema_field(serializers.ChoiceField([*rights.STATES, rights.EXPIRING]))
class RightsField(_OfAsset):
    """The rights state now (``dam.rights``): "embargoed" and "expired" are not
    delivered; "expiring" is delivered but ends within 7 days."""

    def to_representation(self, asset):
        now = timezone.now()
        return rights.EXPIRING if rights.expiring(asset, now) else rights.rights_state(asset, now)
