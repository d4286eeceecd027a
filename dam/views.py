"""The library's own pages: upload, an original's download, the health check."""
from __future__ import annotations

import mimetypes

from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.defaults import server_error
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from . import services
from .middleware import wants_json
from .roles import role_required
from .selectors import assets_visible, collection_rows


@require_safe
@role_required("upload")
def upload(request):
    """The upload page; its script sends each file to the API (``POST /api/assets/``)."""
    return render(request, "dam/upload.html", {
        "collections": collection_rows(user=request.user, action="upload")})


@require_safe
@role_required("download_original")
def original_file(request, name):
    """An original from the private storage, for editors: it keeps its GPS EXIF.

    Only the names of stored originals are served; remote private storages
    give signed URLs of their own and never reach this view. The file carries the
    asset's IPTC Image Regions in its XMP (``services.original_rewriter``), its
    pixels as stored; ``?as=stored`` gives it byte for byte (its sha256).
    """
    asset = assets_visible(user=request.user, action="download_original").filter(
        file=name).first()
    if asset is None:
        raise Http404("No such original.")
    fp = asset.file.open("rb")
    chunks = None
    if services.original_rewriter and request.GET.get("as") != "stored":
        chunks = services.original_rewriter(asset, fp)
    if chunks is None:
        response = FileResponse(fp, as_attachment=True, filename=asset.original_filename)
    else:  # with the asset's IPTC Image Regions in its XMP; the pixels as stored
        response = StreamingHttpResponse(_closing(chunks, fp), content_type=mimetypes.guess_type(
            asset.original_filename)[0] or "application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(
            True, asset.original_filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _closing(chunks, fp):
    try:
        yield from chunks
    finally:
        fp.close()


@require_safe
def healthz(request):
    """For load balancers and supervisors: 200 when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return JsonResponse({"ok": False, "database": str(exc)}, status=503)
    return JsonResponse({"ok": True})


def server_error_json(request, template_name="500.html"):
    """A crash answers the API and the pages' scripts in the API's error shape."""
    if wants_json(request):
        return JsonResponse({"error": "Something went wrong on the server; the error was "
                                      "logged. Try again, and tell an administrator if it "
                                      "keeps happening."}, status=500)
    return server_error(request, template_name)
