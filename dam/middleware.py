"""Guard upload bodies before anything reads them; answer 503, not 500, to an outage.

``UploadLimitMiddleware`` must come before the CSRF and view code, which read
(and spool to disk) the whole body on first touch of ``request.POST``.
"""
from __future__ import annotations

import logging
import os

from django import db
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape

log = logging.getLogger(__name__)

from .conf import dam_setting

#: Bytes allowed on top of ``MAX_UPLOAD_BYTES`` for the multipart envelope
#: and the form's other fields (title, CSRF token).
ENVELOPE_BYTES = 1024 * 1024


class UploadLimitMiddleware:
    """Refuse an over-limit body unread; spool uploads under safe temporary names.

    A request whose Content-Length is over ``DAM["MAX_UPLOAD_BYTES"]`` plus
    ``ENVELOPE_BYTES`` gets 413 (the API's JSON error under /api/ or when the
    Accept header asks for JSON) naming the limit in MB. A missing or malformed
    Content-Length is left alone: Django then reads no body at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = dam_setting("MAX_UPLOAD_BYTES")
        declared = _content_length(request)
        if declared > limit + ENVELOPE_BYTES:
            return _too_large(request, declared, limit)
        if declared and request.content_type == "multipart/form-data":
            request.upload_handlers = [_safe(h, request) for h in request.upload_handlers]
        return self.get_response(request)


class ShortSuffixUploadHandler(TemporaryFileUploadHandler):
    """Django's handler, without the HTTP 500 on a long extension.

    Django names the temporary file ``tmpXXXX.upload<ext>`` with the upload's
    own extension, so a name like ``photo.jjj…`` (250 characters after the
    dot) is too long for the file system: OSError while parsing the body. The
    temporary file gets at most 16 characters of it; the upload keeps its name.
    """

    def new_file(self, field_name, file_name, *args, **kwargs):
        ext = os.path.splitext(file_name)[1]
        super().new_file(field_name, "upload" + ext[:16], *args, **kwargs)
        self.file_name = self.file.name = file_name


def _safe(handler, request):
    if type(handler) is TemporaryFileUploadHandler:
        return ShortSuffixUploadHandler(request)
    return handler


def wants_json(request) -> bool:
    """The API, and any script that asks for JSON, get the API's error shape
    (``{"error": "..."}``); a person's browser gets a page."""
    return (request.path.startswith("/api/")
            or "application/json" in request.headers.get("Accept", "")
            or request.content_type == "application/json")


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large(request, declared: int, limit: int) -> HttpResponse:
    message = (f"The upload is {declared / 2**20:.1f} MB, over the limit of "
               f"{limit / 2**20:.0f} MB per file; send a smaller file, or fewer files at once.")
    if wants_json(request):
        return JsonResponse({"error": message}, status=413)
    return HttpResponse(
        f"<!doctype html><title>Upload too large</title><p>{escape(message)}</p>",
        status=413, content_type="text/html; charset=utf-8")


class ServiceUnavailableMiddleware:
    """A database that is down or busy past its timeout gets 503 with Retry-After.

    Nothing was written (the request's transaction rolled back), so the client
    may simply try again; the upload page's script and the API read the JSON.
    """

    RETRY_AFTER = 5  # seconds

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (db.OperationalError, db.InterfaceError)):
            return None
        log.warning("503 for %s %s: %s", request.method, request.path, exception)
        message = "The database is busy or unavailable; nothing was changed. Try again in a moment."
        if wants_json(request):
            response = JsonResponse({"error": message}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": message}),
                                    status=503)
        response["Retry-After"] = str(self.RETRY_AFTER)
        return response
