"""Editor pages: upload, the library, one asset."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from renditions.selectors import current_renditions, profile_cards

from . import selectors, services
from .conf import dam_setting
from .forms import UploadForm
from .models import Asset


@login_required
@permission_required("dam.add_asset", raise_exception=True)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and "application/json" in request.headers.get("Accept", ""):
        return _upload_json(request, form)
    if request.method == "POST" and form.is_valid():
        created, errors = _create_all(request, form)
        for error in errors:
            messages.error(request, error)
        if created:
            messages.success(request, f"{len(created)} uploaded; renditions are being made.")
            return redirect("dam:library")
    return render(request, "dam/upload.html", {"form": form})


def _upload_json(request, form) -> JsonResponse:
    """The upload page's script sends one file per request and wants JSON back."""
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return JsonResponse({"created": [], "errors": errors}, status=400)
    created, errors = _create_all(request, form)
    return JsonResponse({
        "created": [{"id": str(a.uid), "title": a.title,
                     "url": reverse("dam:asset", args=[a.uid])} for a in created],
        "errors": errors,
    }, status=201 if created else 400)


def _create_all(request, form) -> tuple[list[Asset], list[str]]:
    created, errors = [], []
    for file in form.cleaned_data["files"]:
        try:
            created.append(services.asset_create(
                file=file, uploaded_by=request.user, title=form.cleaned_data["title"]))
        except ValidationError as exc:
            errors.extend(exc.messages)
    return created, errors


@login_required
def library(request):
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    assets = selectors.asset_list(query=query, status=status)
    page = Paginator(assets, dam_setting("PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(request, "dam/library.html", {
        "page": page, "query": query, "status": status, "statuses": Asset.Status.choices,
    })


@login_required
def asset_detail(request, uid):
    asset = get_object_or_404(Asset, uid=uid)
    renditions = current_renditions(asset.renditions.select_related("profile"))
    return render(request, "dam/asset_detail.html", {
        "asset": asset, "renditions": renditions.order_by("profile__slug"),
        "profiles": profile_cards(asset=asset),
        "edits": asset.edits.select_related("user", "profile")[:50],
    })


@require_POST
@login_required
@permission_required("dam.change_asset", raise_exception=True)
def asset_reprocess(request, uid):
    asset = get_object_or_404(Asset, uid=uid)
    services.asset_enqueue(asset=asset)
    messages.info(request, "Processing queued again.")
    return redirect("dam:asset", uid=asset.uid)
