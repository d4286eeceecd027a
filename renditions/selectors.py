"""Reads for renditions."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from dam.models import Asset

from . import delivery
from .derive import decided_boxes, engine_analysis, plan_profile, rendition_key
from .engine.geometry import NormPoint
from .engine.pipeline import Planner
from .models import Rendition, RenditionProfile


def current_renditions(queryset=None):
    """Renditions that no newer one of the same asset and profile replaces.

    While a regeneration runs, a profile briefly has its old and new file.
    """
    newer = Rendition.objects.filter(asset=OuterRef("asset"), profile=OuterRef("profile")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")))
    return (Rendition.objects.all() if queryset is None else queryset).exclude(Exists(newer))


def rendition_current(*, asset: Asset | None = None, asset_uid=None,
                      profile_slug: str) -> Rendition | None:
    """The newest stored rendition of an asset (or of the asset with ``asset_uid``,
    fetched with it in one query) for a profile, or None."""
    found = Rendition.objects.filter(profile__slug=profile_slug).select_related("profile")
    if asset is None:
        found = found.filter(asset__uid=asset_uid).select_related("asset")
    else:
        found = found.filter(asset=asset)
    return found.order_by("-created_at", "-id").first()


def asset_payload(*, asset: Asset, build_url, absolute=str, private: bool = True) -> dict:
    """The JSON description of an asset and its renditions (delivery API).

    ``build_url(asset, slug)`` gives a stable URL, ``absolute(url)`` makes a file
    URL absolute. Without ``private`` the original's checksum, file name and
    format, the error and the analysis are left out: they are for logged-in viewers.
    """
    renditions = current_renditions(asset.renditions.select_related("profile"))
    analysis = getattr(asset, "analysis", None)
    payload = {
        "id": str(asset.uid),
        "title": asset.title,
        "alt_text": asset.alt_text,
        "width": asset.width,
        "height": asset.height,
        "status": asset.status,
        "created_at": asset.created_at.isoformat(),
        "progress": _progress(asset),
        "renditions": {r.profile.slug: _rendition_payload(r, build_url(asset, r.profile.slug),
                                                          absolute, analysis)
                       for r in renditions},
    }
    if private:
        payload.update({
            "filename": asset.original_filename, "format": asset.format, "sha256": asset.sha256,
            "error": asset.error_message or None, "saliency": _saliency_payload(asset),
        })
    return payload


def _rendition_payload(r: Rendition, url: str, absolute, analysis) -> dict:
    return {
        "url": url,
        "file_url": absolute(r.file.url),
        "width": r.width,
        "height": r.height,
        "format": r.profile.format,
        "crop_box": list(r.crop_box),
        "confidence": round(r.confidence, 4),
        "faces_cut": r.faces_cut,
        "key": r.key,
        **delivery.responsive(r, url, analysis, (r.asset.width, r.asset.height)),
    }


def plans_preview(*, asset: Asset, focal_point=None) -> dict[str, dict]:
    """Where every active profile would crop, without rendering anything.

    ``focal_point`` (normalised) replaces the stored one, so the editor sees
    the boxes move while dragging. Boxes are returned normalised 0-1.
    """
    analysis = asset.analysis
    planner = Planner(engine_analysis(asset, analysis))
    boxes = decided_boxes(asset)
    focal = None if focal_point is None else NormPoint(*focal_point)
    plans = {}
    for profile in RenditionProfile.objects.filter(is_active=True):
        plan = plan_profile(planner, analysis, profile, box=boxes.get(profile.pk),
                            focal_point=focal)
        plans[profile.slug] = {
            "box": list(plan.box.to_norm((asset.width, asset.height))),
            "kept": round(plan.kept, 4),
            "confidence": round(plan.confidence, 4), "faces_cut": plan.faces_cut,
            "origin": plan.origin, "padded": profile.pad if plan.content else "",
        }
    return plans


def review_queue(*, profile_slug: str = "", review: str = ""):
    """Current renditions, least confident first, with their review decision."""
    from django.db.models import OuterRef, Subquery

    from .models import CropDecision

    decisions = CropDecision.objects.filter(asset=OuterRef("asset"), profile=OuterRef("profile"))
    queue = (current_renditions().select_related("asset", "profile")
             .annotate(review=Subquery(decisions.values("review")[:1])))
    if profile_slug:
        queue = queue.filter(profile__slug=profile_slug)
    if review == "pending":
        queue = queue.filter(Q(review="pending") | Q(review__isnull=True))
    elif review:
        queue = queue.filter(review=review)
    return queue.order_by("confidence", "-created_at", "id")


def _progress(asset: Asset) -> dict:
    """How many active profiles have an up-to-date rendition; 'done' when processing ended."""
    profiles = list(RenditionProfile.objects.filter(is_active=True))
    analysis = getattr(asset, "analysis", None)
    fresh = 0
    if analysis is not None:
        boxes = decided_boxes(asset)
        keys = {rendition_key(asset=asset, profile=p, analysis=analysis, box=boxes.get(p.pk))
                for p in profiles}
        fresh = asset.renditions.filter(key__in=keys).values("profile").distinct().count()
    return {"renditions": fresh, "profiles": len(profiles),
            "done": asset.status in (Asset.Status.READY, Asset.Status.FAILED)}


def _saliency_payload(asset: Asset) -> dict | None:
    analysis = getattr(asset, "analysis", None)
    if analysis is None:
        return None
    return {"focal": [analysis.focal_x, analysis.focal_y], "focal_origin": analysis.focal_origin,
            "faces": analysis.faces, "model": analysis.model_name,
            "model_version": analysis.model_version, "compute_ms": analysis.compute_ms}


def profile_cards(*, asset: Asset) -> list[dict]:
    """Each active profile with its aspect (w / h) and the human decision on it."""
    from .engine.planning import profile_aspect

    decisions = {d.profile_id: d for d in asset.decisions.select_related("reviewed_by")}
    cards = []
    for profile in RenditionProfile.objects.filter(is_active=True).order_by("slug"):
        a, b = profile_aspect(aspect=profile.aspect, width=profile.width,
                              height=profile.height) or (asset.width, asset.height)
        cards.append({"profile": profile, "aspect": a / b,
                      "decision": decisions.get(profile.pk)})
    return cards
