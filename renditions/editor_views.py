"""The editor's workspace and the review queue: pages and their JSON actions.

Actions take and return JSON; points and boxes are normalised 0-1.
"""
from __future__ import annotations

import io
import json

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from dam.models import Asset

from . import editing, selectors
from .engine import confidence, heatmap, loading
from .models import CropDecision, EditEvent, RenditionProfile
from .derive import load_map

VIEW = "dam.view_asset"
EDIT = "renditions.change_analysis"
REVIEW = "renditions.change_rendition"


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ValidationError("The request body is not JSON.") from exc
    if not isinstance(body, dict):
        raise ValidationError("The request body must be a JSON object.")
    return body


class NotAnalysed(editing.Conflict):
    """The asset has no saliency analysis yet (queued, processing or failed)."""


def _analysed(uid) -> Asset:
    asset = get_object_or_404(Asset.objects.select_related("analysis"), uid=uid)
    if not hasattr(asset, "analysis"):
        raise NotAnalysed("This asset has not been analysed yet; wait for processing to finish.")
    return asset


def _asset_and_profile(uid, slug) -> tuple[Asset, RenditionProfile]:
    return (get_object_or_404(Asset, uid=uid),
            get_object_or_404(RenditionProfile, slug=slug))


def _action(func):
    """Run an action; a ValidationError becomes a 400 with its message."""
    def wrapper(request, *args, **kwargs):
        try:
            return func(request, *args, **kwargs)
        except ValidationError as exc:
            status = 409 if isinstance(exc, editing.Conflict) else 400
            return JsonResponse({"error": " ".join(exc.messages)}, status=status)
    wrapper.__name__ = func.__name__
    return wrapper


@require_GET
@cache_control(private=True, no_cache=True)  # per-user data: no shared cache
@login_required
@permission_required(VIEW, raise_exception=True)
@_action
def plans(request, uid):
    """Where each profile would crop for a focal point ?x=&y= (or the stored one)."""
    asset = _analysed(uid)
    point = None
    if "x" in request.GET and "y" in request.GET:
        try:
            point = editing.parse_point((request.GET["x"], request.GET["y"]))
        except (ValueError, ValidationError):
            return JsonResponse({"error": "x and y are numbers between 0 and 1."}, status=400)
    return JsonResponse({"plans": selectors.plans_preview(asset=asset, focal_point=point)})


@require_POST
@login_required
@permission_required(EDIT, raise_exception=True)
@_action
def focal(request, uid):
    """{"x": .., "y": ..} sets the focal point; {"reset": true} returns to automatic."""
    asset = _analysed(uid)
    body = _json_body(request)
    point = None if body.get("reset") else (body.get("x"), body.get("y"))
    try:
        analysis = editing.focal_set(asset=asset, point=point, user=request.user)
    except (TypeError, ValueError) as exc:
        raise ValidationError("x and y are numbers between 0 and 1.") from exc
    return JsonResponse({"focal": [analysis.focal_x, analysis.focal_y],
                         "focal_origin": analysis.focal_origin})


@require_POST
@login_required
@permission_required(EDIT, raise_exception=True)
@_action
def crop(request, uid, profile):
    """{"box": [x0, y0, x1, y1]} overrides one profile's crop; {"reset": true} undoes it."""
    asset, profile = _asset_and_profile(uid, profile)
    body = _json_body(request)
    try:
        box = None if body.get("reset") else body["box"]
        decision = editing.crop_set(asset=asset, profile=profile, box=box, user=request.user)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError("box is [x0, y0, x1, y1], numbers between 0 and 1.") from exc
    return JsonResponse({"box": decision.box})


@require_POST
@login_required
@permission_required(REVIEW, raise_exception=True)
@_action
def review(request, uid, profile):
    """{"review": "approved" | "needs_work" | "pending"} for one rendition."""
    asset, profile = _asset_and_profile(uid, profile)
    decision = editing.review_set(asset=asset, profile=profile,
                                  review=str(_json_body(request).get("review")),
                                  user=request.user)
    return JsonResponse({"review": decision.review})


@require_POST
@login_required
@_action
def revert(request, event_id):
    """Undo one change: reviews are reviewers' to undo, the rest editors'."""
    if not (request.user.has_perm(EDIT) or request.user.has_perm(REVIEW)):
        raise PermissionDenied
    event = get_object_or_404(EditEvent, pk=event_id)
    if event.kind == EditEvent.Kind.REVIEW and not request.user.has_perm(REVIEW):
        raise PermissionDenied("Only reviewers can undo a review.")
    if event.kind != EditEvent.Kind.REVIEW and not request.user.has_perm(EDIT):
        raise PermissionDenied("Only editors can undo a focal point or crop change.")
    editing.edit_revert(event=event, user=request.user)
    return JsonResponse({"reverted": event.pk})


@require_GET
@cache_control(private=True, no_cache=True)  # per-user data: no shared cache
@login_required
@permission_required(VIEW, raise_exception=True)
@_action
def heatmap_png(request, uid):
    """The saliency map as a transparent colour layer, to lay over the photo."""
    asset = _analysed(uid)
    layer = heatmap.layer(load_map(asset.analysis))
    return _png(layer)


@require_GET
@login_required
@permission_required(VIEW, raise_exception=True)
def preview_jpg(request, uid):
    """The whole photo, oriented, at most 1600 px: the editor's canvas."""
    from dam.conf import dam_setting

    asset = get_object_or_404(Asset, uid=uid)
    with asset.file.open("rb") as fp:
        image, _ = loading.open_for_analysis(fp, longest=1600,
                                             max_pixels=dam_setting("MAX_PIXELS"))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    response = HttpResponse(buf.getvalue(), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _png(image) -> HttpResponse:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return HttpResponse(buf.getvalue(), content_type="image/png")


@require_GET
@login_required
@permission_required(VIEW, raise_exception=True)
def asset_detail(request, uid):
    """The editor's workspace for one asset: renditions, crops, heat map, history."""
    asset = get_object_or_404(Asset, uid=uid)
    renditions = selectors.current_renditions(asset.renditions.select_related("profile"))
    return render(request, "dam/asset_detail.html", {
        "asset": asset, "renditions": renditions.order_by("profile__slug"),
        "profiles": selectors.profile_cards(asset=asset),
        "edits": asset.edits.select_related("user", "profile")[:50],
        "low_confidence": confidence.LOW_CONFIDENCE,
    })


@require_GET
@login_required
@permission_required(VIEW, raise_exception=True)
def review_queue(request):
    profile = request.GET.get("profile", "")
    state = request.GET.get("review", "pending")
    queue = selectors.review_queue(profile_slug=profile, review=state)
    page = Paginator(queue, 24).get_page(request.GET.get("page"))
    return render(request, "renditions/review.html", {
        "page": page, "profile": profile, "review": state,
        "profiles": RenditionProfile.objects.filter(is_active=True),
        "reviews": CropDecision.Review.choices,
        "low_confidence": confidence.LOW_CONFIDENCE,
    })
