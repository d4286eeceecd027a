"""Editor pages: upload, the library, one asset."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe

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
        created, errors, duplicates = _create_all(request, form)
        for error in errors:
            messages.error(request, error)
        for asset in duplicates:
            messages.info(request, format_html('Open the existing “<a href="{}">{}</a>”.',
                                               reverse("asset", args=[asset.uid]), asset))
        if created:
            messages.success(request, f"{len(created)} uploaded; renditions are being made.")
            return redirect("dam:library")
    return render(request, "dam/upload.html", {"form": form})


def _upload_json(request, form) -> JsonResponse:
    """The upload page's script sends one file per request and wants JSON back."""
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return JsonResponse({"created": [], "errors": errors}, status=400)
    created, errors, duplicates = _create_all(request, form)
    return JsonResponse({
        "created": [{"id": str(a.uid), "title": a.title,
                     "url": reverse("asset", args=[a.uid])} for a in created],
        "errors": errors,
        "duplicates": [{"id": str(a.uid), "title": a.title,
                        "url": reverse("asset", args=[a.uid])} for a in duplicates],
    }, status=201 if created else 400)


def _create_all(request, form) -> tuple[list[Asset], list[str], list[Asset]]:
    """Store each file on its own; one bad or duplicate file leaves the others."""
    created, errors, duplicates = [], [], []
    for file in form.cleaned_data["files"]:
        try:
            created.append(services.asset_create(
                file=file, uploaded_by=request.user, title=form.cleaned_data["title"],
                allow_duplicate=False))
        except services.DuplicateAsset as exc:
            errors.extend(exc.messages)
            duplicates.append(exc.existing)
        except ValidationError as exc:
            errors.extend(exc.messages)
    return created, errors, duplicates


@login_required
@permission_required("dam.view_asset", raise_exception=True)
def library(request):
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    assets = selectors.asset_list(query=query, status=status)
    page = Paginator(assets, dam_setting("PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(request, "dam/library.html", {
        "page": page, "query": query, "status": status, "statuses": Asset.Status.choices,
    })


@require_POST
@login_required
@permission_required("dam.change_asset", raise_exception=True)
def asset_reprocess(request, uid):
    asset = get_object_or_404(Asset, uid=uid)
    services.asset_enqueue(asset=asset)
    messages.info(request, "Processing queued again.")
    return redirect("asset", uid=asset.uid)


@require_safe
@login_required
@permission_required("dam.change_asset", raise_exception=True)
def original_file(request, name):
    """An original from the private storage, for editors: it keeps its GPS EXIF.

    Only the names of stored originals are served; remote private storages
    give signed URLs of their own and never reach this view.
    """
    asset = Asset.objects.filter(file=name).first()
    if asset is None:
        raise Http404("No such original.")
    response = FileResponse(asset.file.open("rb"), as_attachment=True,
                            filename=asset.original_filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def healthz(request):
    """For load balancers and supervisors: 200 when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return JsonResponse({"ok": False, "database": str(exc)}, status=503)
    return JsonResponse({"ok": True})
