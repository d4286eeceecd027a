"""IPTC Image Regions in: the crops and focal point a photo carried, as decisions.

The regions read from the file (``metadata_raw["regions"]``, read on upload and by
``manage.py read_metadata``; normalised 0-1 of the oriented original) become the crop
of every active profile of the same aspect (in pixels, within ``ASPECT_TOLERANCE``)
and the focal point (the centre of the largest main subject area, else the largest
area of interest). Each change is an EditEvent with origin "file" and no user, in the
shapes ``editing`` records, so the history shows it and an editor can undo or
override it like any decision. The editor's word wins: a profile's crop, or the focal
point, that an editor has ever set (or reset) is never touched by the file again; a
crop a reviewer approved neither.
"""
from __future__ import annotations

from django.db import transaction

from dam.models import Asset
from dam.services import asset_enqueue

from .derive import engine_analysis
from .engine import pipeline
from .engine.regions import CROPPING, Region, aspect_matches, focus, from_iptc
from .models import Analysis, CropDecision, EditEvent, RenditionProfile

#: A cropping region serves a profile whose aspect it matches within this (relative).
ASPECT_TOLERANCE = 0.01
FILE = "file"


def file_regions(asset: Asset) -> list[Region]:
    """The regions the photo carried, as the metadata reader recorded them."""
    found = []
    for entry in (asset.metadata_raw or {}).get("regions", []):
        try:
            found.append(from_iptc(entry))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # the reader wrote it; a record edited by hand may not parse
    return found


@transaction.atomic
def regions_apply(*, asset: Asset, enqueue: bool = True) -> int:
    """Turn the photo's regions into the focal point and the crops editors left
    alone; returns how many decisions changed, and queues the asset when any did
    and ``enqueue``. Without an analysis yet, nothing: processing calls this once
    there is one (with ``enqueue`` False: it renders next)."""
    analysis = Analysis.objects.select_for_update().filter(asset=asset).first()
    if analysis is None:
        return 0
    found = file_regions(asset)
    if not found and not EditEvent.objects.filter(asset=asset, origin=FILE).exists():
        return 0  # the file says nothing, and never did
    touched = set(EditEvent.objects.filter(asset=asset, origin="editor").exclude(
        kind=EditEvent.Kind.METADATA).values_list("kind", "profile_id"))
    changed = 0
    if (EditEvent.Kind.FOCAL, None) not in touched:
        changed += _focal_apply(asset, analysis, found)
    for profile in RenditionProfile.objects.filter(is_active=True):
        if (EditEvent.Kind.CROP, profile.pk) not in touched:
            changed += _crop_apply(asset, profile, found)
    if changed and enqueue:
        asset_enqueue(asset=asset)
    return changed


def _focal_apply(asset: Asset, analysis: Analysis, found: list[Region]) -> int:
    region = focus(found)
    before = _focal_state(analysis)
    if region is None:
        if analysis.focal_origin != Analysis.Origin.FILE:
            return 0
        # the file no longer says (a replaced original): back to automatic
        analysis.focal_x, analysis.focal_y = pipeline.auto_focal(engine_analysis(asset, analysis))
        analysis.focal_origin = Analysis.Origin.AUTO
    else:
        x0, y0, x1, y1 = region.box
        analysis.focal_x, analysis.focal_y = (x0 + x1) / 2, (y0 + y1) / 2
        analysis.focal_origin = Analysis.Origin.FILE
    after = _focal_state(analysis)
    if after == before:
        return 0
    analysis.save(update_fields=["focal_x", "focal_y", "focal_origin", "updated_at"])
    _record(asset, None, EditEvent.Kind.FOCAL, before, after)
    return 1


def _focal_state(analysis: Analysis) -> dict:
    """As ``editing`` records a focal point (its revert reads this shape)."""
    return {"x": round(analysis.focal_x, 4), "y": round(analysis.focal_y, 4),
            "origin": analysis.focal_origin}


def _crop_apply(asset: Asset, profile: RenditionProfile, found: list[Region]) -> int:
    aspect = profile.aspect or ((profile.width, profile.height)
                                if profile.width and profile.height else None)
    size = (asset.width, asset.height)
    box = next(([round(v, 6) for v in r.box] for r in found if CROPPING in r.roles and aspect
                and aspect_matches(r.box, size, aspect, ASPECT_TOLERANCE)), None)
    decision = CropDecision.objects.filter(asset=asset, profile=profile).first()
    if decision is None and box is None:
        return 0
    if decision is None:
        decision = CropDecision.objects.create(asset=asset, profile=profile)
    if decision.review == CropDecision.Review.APPROVED or decision.box == box:
        return 0  # approved: a reviewer pinned it
    before, decision.box = decision.box, box
    decision.save(update_fields=["box", "updated_at"])
    _record(asset, profile, EditEvent.Kind.CROP, before, box)
    return 1


def _record(asset, profile, kind, before, after) -> None:
    EditEvent.objects.create(asset=asset, profile=profile, kind=kind, before=before,
                             after=after, user=None, origin=FILE)


def on_metadata_read(sender, asset_id: int, **kwargs) -> None:
    """dam's ``metadata_read`` signal: apply the regions just read again."""
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is not None:
        regions_apply(asset=asset)
