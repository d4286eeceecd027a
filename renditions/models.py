"""Rendition profiles, stored renditions and each asset's saliency analysis.

Coordinates: boxes stored on a Rendition are in pixels of the oriented
original; focal points and faces stored on Analysis are normalised 0-1.
"""
from __future__ import annotations

import hashlib
import json
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from dam.models import Asset
from dam.storage import get_private_storage

from .engine import composition, printing
from .engine.pipeline import FacesOutcome
from .icc import IccProfile  # noqa: F401 - a model of this app, in its own module

#: A frame size in a delivery URL, ``<width>x<height>`` in px.
FRAME_SIZE = re.compile(r"([1-9][0-9]{0,4})x([1-9][0-9]{0,4})")
#: A print frame's size in a delivery URL, ``<width>x<height>mm``, to 0.01 mm.
PRINT_SIZE = re.compile(r"([0-9]{1,5}(?:\.[0-9]{1,2})?)x([0-9]{1,5}(?:\.[0-9]{1,2})?)mm")


def validate_widths(value: str) -> None:
    """Comma-separated positive widths in px, e.g. "400, 800, 1600"."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not all(p.isdigit() and 16 <= int(p) <= 8192 for p in parts):
        raise ValidationError("Give widths in pixels between 16 and 8192, separated by commas.")


class RenditionProfile(models.Model):
    class Format(models.TextChoices):
        JPEG = "jpeg", "JPEG"
        WEBP = "webp", "WebP"
        AVIF = "avif", "AVIF"
        PNG = "png", "PNG"
        TIFF = "tiff", "TIFF"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    aspect_width = models.PositiveIntegerField(null=True, blank=True)
    aspect_height = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(
        null=True, blank=True, help_text="Exact output width in pixels (with height)."
    )
    height = models.PositiveIntegerField(
        null=True, blank=True, help_text="Exact output height in pixels (with width)."
    )
    max_width = models.PositiveIntegerField(
        null=True, blank=True, help_text="Largest output width in pixels."
    )
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.JPEG)
    quality = models.PositiveSmallIntegerField(default=82)
    allow_upscale = models.BooleanField(default=False)
    zoom = models.FloatField(
        default=0.0, help_text="0 keeps the largest crop; up to 1 zooms in on the subject."
    )
    align = models.CharField(
        max_length=8, choices=[("auto", "Most salient"), ("centre", "Subject centred"),
                               ("thirds", "Subject on a thirds line")], default="auto",
        help_text="Where the subject sits in the crop, as far as the image allows.")
    pad = models.CharField(
        max_length=7, blank=True, help_text="Pad instead of cutting a subject that no crop of "
        "this aspect can hold: 'blur' (the photo, blurred) or a colour like '#ffffff'; "
        "empty: crop.")
    srcset_widths = models.CharField(
        max_length=200, blank=True, validators=[validate_widths],
        help_text="Output widths in pixels for srcset, comma-separated; empty: "
                  "DAM['SRCSET_FACTORS'] times the rendition's width. Capped by the crop.")
    negotiate = models.BooleanField(
        default=True, help_text="Serve AVIF or WebP from the stable URL to browsers that "
                                "accept them (Vary: Accept).")
    width_mm = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True,
        help_text="Print: width in millimetres (with height and dpi); sets the pixel size.")
    height_mm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True,
                                    help_text="Print: height in millimetres.")
    dpi = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Print: resolution in dots per inch, recorded in "
        f"the file ({printing.DPI_MIN}-{printing.DPI_MAX}).")
    icc_profile = models.ForeignKey(
        "IccProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="profiles",
        help_text="Print: separate to CMYK with this output profile (JPEG or TIFF).")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        self._clean_print()
        has_aspect = self.aspect_width and self.aspect_height
        has_size = self.width and self.height
        if not (has_aspect or has_size):
            raise ValidationError("Give an aspect ratio or an exact width and height.")
        if bool(self.aspect_width) != bool(self.aspect_height):
            raise ValidationError("Give both sides of the aspect ratio.")
        if bool(self.width) != bool(self.height):
            raise ValidationError("Give both the exact width and height, or neither.")
        if not 1 <= self.quality <= 100:
            raise ValidationError("Quality is between 1 and 100.")
        if not 0.0 <= self.zoom <= 1.0:
            raise ValidationError("Zoom is between 0 and 1.")
        try:
            composition.check(self.align, self.pad)
        except ValueError as exc:
            raise ValidationError(str(exc)[:1].upper() + str(exc)[1:] + ".") from None
        if FRAME_SIZE.fullmatch(self.slug or "") or PRINT_SIZE.fullmatch(self.slug or ""):
            raise ValidationError("A slug like 800x450 or 90x60mm names a frame size in "
                                  "delivery URLs; choose another.")

    def _clean_print(self) -> None:
        """A print profile: mm and dpi set its exact pixel size (width, height)."""
        if not (self.width_mm or self.height_mm or self.dpi or self.icc_profile_id):
            return
        if not (self.width_mm and self.height_mm and self.dpi):
            raise ValidationError("A print profile gives its width and height in mm and a dpi.")
        try:
            printing.check_dpi(self.dpi)
            self.width, self.height = printing.print_size(
                printing.parse_mm(self.width_mm), printing.parse_mm(self.height_mm), self.dpi)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if self.format not in printing.PRINT_FORMATS:
            raise ValidationError("A print profile is JPEG or TIFF.")
        self.aspect_width = self.aspect_height = self.max_width = None

    @property
    def is_print(self) -> bool:
        """Whether the profile is sized in mm at a dpi (a print file)."""
        return bool(self.width_mm and self.height_mm and self.dpi)

    @property
    def widths(self) -> list[int]:
        """The profile's own srcset widths in px (empty: the default ladder)."""
        return [int(w) for w in self.srcset_widths.split(",") if w.strip()]

    @property
    def aspect(self) -> tuple[int, int] | None:
        if self.aspect_width and self.aspect_height:
            return (self.aspect_width, self.aspect_height)
        return None

    @property
    def extension(self) -> str:
        return "jpg" if self.format == self.Format.JPEG else self.format

    @property
    def spec(self) -> dict:
        """Everything that changes the pixels of a rendition."""
        fields = ("aspect_width", "aspect_height", "width", "height", "max_width",
                  "format", "quality", "allow_upscale", "zoom")
        spec = {name: getattr(self, name) for name in fields}
        # Composition only where set, so profiles from before keep their keys.
        spec.update({name: getattr(self, name) for name, default in (("align", "auto"),
                     ("pad", "")) if getattr(self, name) != default})
        if self.is_print:  # only here, so pixel profiles keep their keys
            spec["print"] = [printing.mm_text(self.width_mm), printing.mm_text(self.height_mm),
                             self.dpi, self.icc_profile.sha256 if self.icc_profile else None]
        return spec

    @property
    def spec_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.spec, sort_keys=True).encode()).hexdigest()


class Analysis(models.Model):
    """What the engine found in one asset (its saliency map and faces), computed
    once, and the asset's focal point.

    ``key`` names what produced it (model, face detector and how detection
    ended; ``renditions.engine.pipeline.analysis_key``): a stored fallback (no
    detector, or one that failed) has a key the current set-up does not give, so
    the next run computes the analysis again instead of trusting it.
    """

    class Origin(models.TextChoices):
        AUTO = "auto", "Automatic"
        EDITOR = "editor", "Editor"
        FILE = "file", "From the file"  # an IPTC Image Region the photo carried

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="analysis")
    key = models.CharField(max_length=64, blank=True,
                           help_text="Hash of model version, detector and face outcome.")
    map_file = models.FileField(max_length=255, storage=get_private_storage,
                                help_text="float32 .npy, sums to 1; private.")
    model_name = models.CharField(max_length=64)
    model_version = models.CharField(max_length=64)
    detector = models.CharField(max_length=64, blank=True)
    detector_version = models.CharField(max_length=64, blank=True)
    faces_outcome = models.CharField(max_length=12, blank=True,
                                     choices=[(o.value, o.label) for o in FacesOutcome])
    compute_ms = models.PositiveIntegerField()
    faces = models.JSONField(default=list, help_text="Face boxes, normalised 0-1.")
    focal_x = models.FloatField(help_text="Normalised 0-1 from the left.")
    focal_y = models.FloatField(help_text="Normalised 0-1 from the top.")
    focal_origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.AUTO)
    areas = models.JSONField(default=dict, blank=True, help_text="The subject box and the "
                             "important faces, normalised 0-1 (IPTC Image Regions out).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "analyses"

    def __str__(self) -> str:
        return f"Analysis of {self.asset}"


class Cropped(models.Model):
    """A stored crop: its box in pixels of the oriented original, x1/y1 exclusive."""

    crop_x0 = models.PositiveIntegerField()
    crop_y0 = models.PositiveIntegerField()
    crop_x1 = models.PositiveIntegerField()
    crop_y1 = models.PositiveIntegerField()

    class Meta:
        abstract = True

    @property
    def crop_box(self) -> tuple[int, int, int, int]:
        return (self.crop_x0, self.crop_y0, self.crop_x1, self.crop_y1)


class Rendition(Cropped):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="renditions")
    profile = models.ForeignKey(
        RenditionProfile, on_delete=models.CASCADE, related_name="renditions"
    )
    key = models.CharField(
        max_length=64,
        help_text="sha256 of source checksum, profile spec, focal input and model version.",
    )
    file = models.FileField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    kept = models.FloatField(help_text="Fraction of the saliency mass inside the crop.")
    confidence = models.FloatField()
    faces_cut = models.BooleanField(default=False)
    plan_origin = models.CharField(max_length=8, default="auto")
    content = models.JSONField(null=True, blank=True, help_text="Padded: where the crop "
                               "sits in the rendition, output px (x0, y0, x1, y1).")
    size_bytes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["profile__slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "profile", "key"], name="unique_rendition_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset} · {self.profile.slug}"

    @property
    def format(self) -> str:
        return self.profile.format


class CropDecision(models.Model):
    """A human's word on one asset x profile: an editor's crop and the review.

    An editor box wins over the automatic plan; approving pins the crop that
    was approved, so no later automatic recomputation changes it.
    """

    class Review(models.TextChoices):
        PENDING = "pending", "To review"
        APPROVED = "approved", "Approved"
        NEEDS_WORK = "needs_work", "Needs work"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="decisions")
    profile = models.ForeignKey(RenditionProfile, on_delete=models.CASCADE,
                                related_name="decisions")
    # Crop boxes, normalised 0-1 (x0, y0, x1, y1) of the oriented original: the
    # editor's, and the one a reviewer approved.
    box = models.JSONField(null=True, blank=True)
    approved_box = models.JSONField(null=True, blank=True)
    review = models.CharField(max_length=12, choices=Review.choices, default=Review.PENDING,
                              db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "profile"], name="unique_crop_decision")
        ]

    def __str__(self) -> str:
        return f"{self.asset} · {self.profile.slug}: {self.get_review_display()}"

    @property
    def effective_box(self) -> list[float] | None:
        """The box that wins over the automatic plan, if any."""
        if self.box:
            return self.box
        return self.approved_box if self.review == self.Review.APPROVED else None


class EditEvent(models.Model):
    """History: who changed a focal point, a crop, a review or the description, from
    what to what. A description change ("metadata") holds only the fields it changed,
    keywords as a sorted list (``renditions.describing``)."""

    class Kind(models.TextChoices):
        FOCAL = "focal", "Focal point"
        CROP = "crop", "Crop"
        REVIEW = "review", "Review"
        METADATA = "metadata", "Description"
        TRASH = "trash", "Trash"  # before/after: whether it is in the trash
        FILE = "file", "File replaced"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="edits")
    profile = models.ForeignKey(RenditionProfile, null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Who decided: an editor (``user``), or the photo's own IPTC Image Regions ("file").
    origin = models.CharField(max_length=8, default="editor",
                              choices=[("editor", "Editor"), ("file", "From the file")])
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.asset} by {self.user}"


class Frame(Cropped):
    """A rendition made on first request and stored: a frame of any size (a
    signed URL or an allowed size, planned on the stored analysis), or another
    width or format of a profile's rendition (its srcset, Accept negotiation).

    ``spec`` says what was asked ("800x450.webp", "hero@400.avif"); ``key``
    hashes what went into the pixels, as a Rendition's does, so a new focal
    point makes a new frame and the older one of the same spec is deleted.
    """

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="frames")
    rendition = models.ForeignKey(Rendition, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="frames",
                                  help_text="The profile rendition this is a variant of.")
    spec = models.CharField(max_length=64)
    key = models.CharField(max_length=64)
    file = models.FileField(max_length=255)
    format = models.CharField(max_length=8, choices=RenditionProfile.Format.choices)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "spec", "key"], name="unique_frame_key")
        ]

    def __str__(self) -> str:
        return f"{self.asset} · {self.spec}"
