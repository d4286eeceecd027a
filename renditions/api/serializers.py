"""The API's bodies: what requests carry in, and (for the schema) what comes back.

``AssetSerializer`` is the one description of an asset that the delivery JSON,
the webhooks and this API share, and the schema documents it as it is. Points and boxes are normalised 0-1; ``width``,
``height`` and ``crop_box`` are pixels (``crop_box`` of the oriented original).
"""
from __future__ import annotations


from functools import cached_property

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from django.utils import timezone

from dam import rights, roles
from dam.models import Asset, Collection

from .. import element, regions, selectors
from ..engine import composition, printing
from ..engine.rendering import FORMATS
from ..models import FRAME_SIZE, PRINT_SIZE, Analysis, CropDecision, RenditionProfile
from .metadata_in import TemplateIn
from .search import AssetListQuery  # noqa: F401  (the list's query, s.AssetListQuery)
from .withheld import withheld_redacted

def _unit(**kwargs) -> serializers.FloatField:
    """A normalised coordinate, checked to lie in 0-1."""
    return serializers.FloatField(min_value=0.0, max_value=1.0, **kwargs)


# --- Responses -------------------------------------------------------------------

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


# --- Upload -------------------------------------------------------------------

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


# --- Editing ------------------------------------------------------------------

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


# --- Frames -------------------------------------------------------------------

def page_url_field(**kwargs) -> serializers.CharField:
    """A web page's URL: http or https, at most 2000 characters (a usage's ``url``)."""
    return serializers.CharField(max_length=2000, validators=[URLValidator(
        schemes=["http", "https"], message="Enter a page's URL: http:// or https://.")],
        **kwargs)


class FrameUrlQuery(serializers.Serializer):
    size = serializers.RegexField(rf"^({FRAME_SIZE.pattern}|{PRINT_SIZE.pattern})$",
                                  required=False, help_text="WxH in pixels, e.g. 800x450; or "
                                  "WxHmm for a print frame, e.g. 90.5x60mm, with dpi.")
    width = serializers.IntegerField(required=False, min_value=1,
                                     help_text="With aspect, instead of size.")
    aspect = serializers.RegexField(r"^[1-9][0-9]*:[1-9][0-9]*$", required=False,
                                    help_text="A:B, e.g. 16:9, with width.")
    fm = serializers.ChoiceField(FORMATS, required=False, default=None, allow_null=True,
                                 help_text="Fixed format (``format`` is DRF's own); without "
                                           "it the Accept header of whoever fetches the URL "
                                           "picks one.")
    expires = serializers.IntegerField(required=False, default=None, allow_null=True,
                                       min_value=1, help_text="Seconds the URL works.")
    z = serializers.FloatField(required=False, default=0.0, min_value=0.0, max_value=1.0,
                               help_text="Zoom toward the subject, 0-1.")
    align = serializers.ChoiceField(composition.ALIGNS, required=False, default="auto",
                                    help_text="Where the subject sits in the frame.")
    pad = serializers.RegexField(r"^(blur|#[0-9a-fA-F]{6})$", required=False, default="",
                                 help_text="Pad instead of cutting the subject: 'blur' or "
                                           "'#rrggbb'.")
    dpi = serializers.IntegerField(required=False, default=None, allow_null=True,
                                   min_value=printing.DPI_MIN, max_value=printing.DPI_MAX,
                                   help_text="Print (size in mm): dots per inch; default 300.")
    icc = serializers.SlugField(required=False, default="", allow_blank=True,
                                help_text="Print: an ICC output profile's slug; CMYK.")
    intent = serializers.ChoiceField(list(printing.INTENTS), required=False, default="",
                                     allow_blank=True, help_text="Print, with icc: the "
                                     "rendering intent (default DAM['PRINT_INTENT']).")
    used_on = page_url_field(
        required=False, default="",
        help_text="The page that will show the frame: records it as a usage of the asset "
                  "(GET /api/assets/<id>/usages), rendition WxH; needs the right to record "
                  "usages (editors, sites).")
    site = serializers.CharField(max_length=255, required=False, default="", allow_blank=True,
                                 help_text="With used_on: the site, e.g. www.example.com.")

    def validate(self, attrs):
        attrs["print"] = PRINT_SIZE.fullmatch(attrs.get("size", ""))
        if attrs["print"] is None and (attrs["dpi"] or attrs["icc"] or attrs["intent"]):
            raise serializers.ValidationError("dpi, icc and intent go with a size in mm.")
        if attrs["print"]:
            attrs.update(width=None, height=None, aspect=None)
        elif "size" in attrs:
            w, h = FRAME_SIZE.fullmatch(attrs["size"]).groups()
            attrs.update(width=int(w), height=int(h), aspect=None)
        elif "width" in attrs and "aspect" in attrs:
            a, b = attrs["aspect"].split(":")
            attrs.update(height=None, aspect=(int(a), int(b)))
        else:
            raise serializers.ValidationError("Give size (WxH), or width and aspect.")
        return attrs


class FrameUrlOut(serializers.Serializer):
    url = serializers.URLField(help_text="Signed; works for anyone who has it.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    dpi = serializers.IntegerField(required=False, help_text="Print frames only.")


# --- Profiles -----------------------------------------------------------------

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
