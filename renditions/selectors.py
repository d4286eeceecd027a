"""Reads for renditions."""
from __future__ import annotations

from django.db.models import (Case, CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet,
                              Subquery, Value, When)

from dam import selectors as dam_selectors
from dam import usages
from dam.models import Asset, AssetVersion, Resemblance

from . import delivery
from .derive import decided_boxes, engine_analysis, plan_profile, rendition_key
from .engine.geometry import NormPoint
from .engine.pipeline import Planner
from .engine.sizing import profile_aspect
from .models import CropDecision, EditEvent, Rendition, RenditionProfile


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


def rendition_stale(rendition: Rendition) -> bool:
    """Whether ``rendition`` was made from an earlier original: the asset's file was
    replaced (a version kept) after it was made, and processing has not replaced it yet."""
    return AssetVersion.objects.filter(asset_id=rendition.asset_id,
                                       created_at__gt=rendition.created_at).exists()


def assets_described(assets: QuerySet[Asset]) -> QuerySet[Asset]:
    """``assets`` with what their description needs (analysis, renditions with their
    profiles, resemblances with the other asset and its collection, decisions,
    keywords) and their ``usage_count`` fetched in a fixed number of queries, whatever
    their number."""
    return assets.select_related("analysis", "collection", "licence").annotate(
        usage_count=usages.usage_count()).prefetch_related(
        Prefetch("renditions", Rendition.objects.select_related("profile").order_by()),
        Prefetch("resemblances", Resemblance.objects.filter(  # not those in the trash
            other__deleted_at__isnull=True).select_related("other__collection")),
        "decisions", "tags")


def renditions_current_of(asset: Asset) -> list[Rendition]:
    """``current_renditions`` of one asset from its fetched renditions (no query
    after ``assets_described``), ordered by profile slug."""
    newest: dict[int, Rendition] = {}
    for r in asset.renditions.all():
        kept = newest.get(r.profile_id)
        if kept is None or (r.created_at, r.pk) > (kept.created_at, kept.pk):
            newest[r.profile_id] = r
    return sorted(newest.values(), key=lambda r: r.profile.slug)


def asset_progress(asset: Asset, profiles: list[RenditionProfile]) -> dict:
    """How many of the active ``profiles`` have an up-to-date rendition; 'done'
    when processing ended. No query after ``assets_described``."""
    analysis = getattr(asset, "analysis", None)
    fresh = 0
    if analysis is not None:
        boxes = decided_boxes(asset)
        keys = {rendition_key(asset=asset, profile=p, analysis=analysis, box=boxes.get(p.pk))
                for p in profiles}
        fresh = len({r.profile_id for r in asset.renditions.all() if r.key in keys})
    return {"renditions": fresh, "profiles": len(profiles),
            "done": asset.status in (Asset.Status.READY, Asset.Status.FAILED)}


def rendition_description(r: Rendition, url: str, absolute) -> dict:
    """One rendition as the asset JSON gives it: ``url`` is its stable URL,
    ``absolute(url)`` makes a file URL absolute; ``crop_box`` in px of the original."""
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
        **delivery.responsive(r, url, getattr(r.asset, "analysis", None),
                              (r.asset.width, r.asset.height)),
    }


def library_tiles(assets, *, profile_slug: str) -> list[tuple[Asset, Rendition | None, int]]:
    """Each of ``assets`` (a page of them) with its current rendition of the
    library's thumbnail profile (or None) and how many profiles it has renditions
    of; two queries for the page."""
    assets = list(assets)
    thumbs = current_renditions(Rendition.objects.filter(
        asset__in=assets, profile__slug=profile_slug, profile__is_active=True))
    by_asset = {r.asset_id: r for r in thumbs}
    counts = dict(Rendition.objects.filter(asset__in=assets).values_list("asset")
                  .annotate(Count("profile", distinct=True)).order_by())
    return [(asset, by_asset.get(asset.pk), counts.get(asset.pk, 0)) for asset in assets]


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


def profile_cards(*, asset: Asset) -> list[dict]:
    """Each active profile with its aspect (w / h), the human decision on it and who
    set its crop box: "editor", or "file" (the photo's IPTC cropping region); "" for none."""
    decisions = {d.profile_id: d for d in asset.decisions.select_related("reviewed_by")}
    set_by = {}
    for profile_id, origin in (EditEvent.objects.filter(asset=asset, kind=EditEvent.Kind.CROP)
                               .order_by("-created_at", "-id")
                               .values_list("profile_id", "origin")):
        set_by.setdefault(profile_id, origin)
    cards = []
    for profile in RenditionProfile.objects.filter(is_active=True).order_by("slug"):
        a, b = profile_aspect(aspect=profile.aspect, width=profile.width,
                              height=profile.height) or (asset.width, asset.height)
        decision = decisions.get(profile.pk)
        crop_by = set_by.get(profile.pk, "editor") if decision and decision.box else ""
        cards.append({"profile": profile, "aspect": a / b, "decision": decision,
                      "crop_by": crop_by})
    return cards


# --- The library's search: dam's filters and facets, plus the review state --------

def _review_state() -> Case:
    """An asset's review state over its crop decisions (one per profile): "needs_work"
    if any needs work, "approved" if it has some and all are approved, else "pending"."""
    decisions = CropDecision.objects.filter(asset=OuterRef("pk"))
    return Case(
        When(Exists(decisions.filter(review=CropDecision.Review.NEEDS_WORK)),
             then=Value(CropDecision.Review.NEEDS_WORK)),
        When(Exists(decisions) & ~Exists(decisions.exclude(review=CropDecision.Review.APPROVED)),
             then=Value(CropDecision.Review.APPROVED)),
        default=Value(CropDecision.Review.PENDING), output_field=CharField())


def review_facet(assets: QuerySet[Asset]) -> list[dict]:
    return dam_selectors.facet_counts(assets, _review_state())


#: The library's facets: dam's and the review state.
LIBRARY_FACETS = {**dam_selectors.ASSET_FACETS, "review": review_facet}


def library_search(assets: QuerySet[Asset] | None = None, *, q: str = "", review: str = "",
                   **filters) -> QuerySet[Asset]:
    """The library's (and the API's) search: ``assets`` (default all) searched with
    ``q``, best match first (``dam.selectors.asset_search``), narrowed by
    ``dam.selectors.asset_filter``'s ``filters`` and by ``review`` (a review state)."""
    assets = dam_selectors.asset_filter(Asset.objects.all() if assets is None else assets,
                                        **filters)
    if review:
        assets = assets.alias(review_state=_review_state()).filter(review_state=review)
    return dam_selectors.asset_search(assets, q)


def library_facets(assets: QuerySet[Asset]) -> dict[str, list[dict]]:
    """:data:`LIBRARY_FACETS` counted over ``assets`` (searched and filtered)."""
    return dam_selectors.asset_facets(assets, LIBRARY_FACETS)
