"""Services for editors and reviewers: focal point, crop override, review, revert.

Every change is recorded as an EditEvent (who, when, from what to what) and
queues the asset so its renditions follow. Points and boxes are normalised 0-1.
A description's changes are ``describing``'s; undoing one goes through it too.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dam.models import Asset
from dam.services import asset_enqueue

from . import describing, replacing, signals
from .derive import engine_analysis, rendition_key
from .engine import pipeline
from .engine.geometry import PxBox
from .models import Analysis, CropDecision, EditEvent, Rendition, RenditionProfile
from .selectors import rendition_current


class Conflict(ValidationError):
    """The change collides with the state it would change (answered with 409)."""


def parse_point(value) -> list[float] | None:
    if value is None:
        return None
    x, y = (float(v) for v in value)
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise ValidationError("A focal point is two numbers between 0 and 1.")
    return [x, y]


def parse_box(value) -> list[float] | None:
    if value is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    if not (0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0):
        raise ValidationError("A crop box is x0 < x1 and y0 < y1, all between 0 and 1.")
    return [x0, y0, x1, y1]


@transaction.atomic
def focal_set(*, asset: Asset, point, user) -> Analysis:
    """Set the editor's focal point (x, y), or None to return to the automatic one."""
    point = parse_point(point)
    analysis = Analysis.objects.select_for_update().get(asset=asset)
    before = _focal_state(analysis)
    if point is None:
        analysis.focal_x, analysis.focal_y = pipeline.auto_focal(
            engine_analysis(asset, analysis))
        analysis.focal_origin = Analysis.Origin.AUTO
    else:
        analysis.focal_x, analysis.focal_y = point
        analysis.focal_origin = Analysis.Origin.EDITOR
    analysis.save(update_fields=["focal_x", "focal_y", "focal_origin", "updated_at"])
    _record(asset, None, EditEvent.Kind.FOCAL, before, _focal_state(analysis), user)
    asset_enqueue(asset=asset)
    return analysis


def _focal_state(analysis: Analysis) -> dict:
    return {"x": round(analysis.focal_x, 4), "y": round(analysis.focal_y, 4),
            "origin": analysis.focal_origin}


@transaction.atomic
def crop_set(*, asset: Asset, profile: RenditionProfile, box, user) -> CropDecision:
    """Set the editor's crop for one profile, or None to reset it to automatic.

    Reviewers own approval: an approved crop is refused until a reviewer sets it
    back to review, so the delivered file never changes behind their back.
    """
    box = parse_box(box)
    decision = _decision(asset, profile)
    if decision.review == CropDecision.Review.APPROVED:
        raise Conflict(f"A reviewer approved the {profile.name} crop; ask a reviewer to set it "
                       "back to review before changing it.")
    before = decision.box
    decision.box = box
    decision.review, decision.approved_box = CropDecision.Review.PENDING, None
    decision.save()
    _record(asset, profile, EditEvent.Kind.CROP, before, box, user)
    asset_enqueue(asset=asset)
    return decision


@transaction.atomic
def review_set(*, asset: Asset, profile: RenditionProfile, review: str, user) -> CropDecision:
    """Mark one rendition approved, needing work, or back to review.

    Approving pins the crop now stored and re-keys its rendition to that box, so
    automatic recomputation keeps it and nothing needs rendering; reopening an
    approved crop queues the asset, since the automatic crop may differ now.
    """
    if review not in CropDecision.Review.values:
        raise ValidationError(f"Unknown review state {review!r}.")
    decision = _decision(asset, profile)
    before = decision.review
    decision.review = review
    decision.approved_box = _current_box(asset, profile) if review == "approved" else None
    decision.reviewed_by, decision.reviewed_at = user, timezone.now()
    decision.save()
    if review == CropDecision.Review.APPROVED:
        _pin(asset, profile, decision.effective_box)
    elif before == CropDecision.Review.APPROVED:
        asset_enqueue(asset=asset)
    _record(asset, profile, EditEvent.Kind.REVIEW, before, review, user)
    transaction.on_commit(lambda: signals.crop_reviewed.send(
        sender=CropDecision, asset_id=asset.pk, profile=profile.slug, review=review))
    return decision


#: The ``dam.roles`` action that undoing an event of each kind takes.
REVERT_ACTIONS = {EditEvent.Kind.FOCAL: "edit", EditEvent.Kind.CROP: "edit",
                  EditEvent.Kind.REVIEW: "review", EditEvent.Kind.METADATA: "edit_metadata",
                  EditEvent.Kind.FILE: "edit_metadata"}


def revert_action(event: EditEvent) -> str:
    """The ``dam.roles`` action that undoing ``event`` takes: reviews are
    reviewers' to undo, focal points and crops editors', descriptions too."""
    return REVERT_ACTIONS[event.kind]


def edit_revert(*, event: EditEvent, user) -> None:
    """Undo one recorded change by applying its 'before' value (itself recorded)."""
    if event.kind == EditEvent.Kind.METADATA:
        describing.metadata_revert(event=event, user=user)
    elif event.kind == EditEvent.Kind.FOCAL:
        before = event.before
        point = None if before["origin"] == "auto" else (before["x"], before["y"])
        focal_set(asset=event.asset, point=point, user=user)
    elif event.kind == EditEvent.Kind.FILE:  # undo a replacement: restore what it kept
        version = event.asset.versions.filter(number=(event.before or {}).get("version")).first()
        if version is None:
            raise ValidationError("The version this replacement kept no longer exists.")
        replacing.version_restore(version=version, user=user)
    elif event.kind == EditEvent.Kind.CROP:
        crop_set(asset=event.asset, profile=event.profile, box=event.before, user=user)
    else:
        review_set(asset=event.asset, profile=event.profile, review=event.before, user=user)


def _decision(asset: Asset, profile: RenditionProfile) -> CropDecision:
    decision, _ = CropDecision.objects.select_for_update().get_or_create(
        asset=asset, profile=profile)
    return decision


def _pin(asset: Asset, profile: RenditionProfile, box: list[float] | None) -> None:
    """Give the current rendition the key of the box that now wins for it."""
    rendition = rendition_current(asset=asset, profile_slug=profile.slug)
    if rendition is None or box is None:
        return
    key = rendition_key(asset=asset, profile=profile, analysis=asset.analysis, box=box)
    if not Rendition.objects.filter(asset=asset, profile=profile, key=key).exists():
        Rendition.objects.filter(pk=rendition.pk).update(key=key)


def _current_box(asset: Asset, profile: RenditionProfile) -> list[float] | None:
    rendition = rendition_current(asset=asset, profile_slug=profile.slug)
    if rendition is None:
        return None
    return list(PxBox(*rendition.crop_box).to_norm((asset.width, asset.height)))


def _record(asset, profile, kind, before, after, user) -> None:
    if before != after:
        EditEvent.objects.create(asset=asset, profile=profile, kind=kind, before=before,
                                 after=after, user=user)
