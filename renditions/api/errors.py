"""Every API error is JSON: ``{"error": "<reason>"}``, plus ``"fields"`` for bad input.

DRF's own exceptions (401, 403, 404, 405, 415, 429, 400) and Django's ValidationError
raised by the services all come through here; ``renditions.editing.Conflict``
(and an asset not analysed yet) is a 409, as in the editor's JSON actions.
Refusals (401, 403) also go to the audit log (``access``).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from access.services import refusal_record

from .. import editing, replacing


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change collides with the asset's current state."
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, with Django's ValidationError mapped and one body shape."""
    response = drf_exception_handler(_as_api_exception(exc), context)
    if response is not None:
        response.data = error_body(response.data)
        if isinstance(exc, exceptions.Throttled):
            response.data["error"] = ("Too many requests; try again in "
                                      + (f"{exc.wait} s." if exc.wait else "a moment."))
        if response.status_code in (401, 403):
            refusal_record(request=context["request"], status=response.status_code,
                           reason=response.data["error"])
        if isinstance(exc, exceptions.UnsupportedMediaType):
            takes = ", ".join(p.media_type for p in context["view"].get_parsers())
            response.data["error"] += f" This endpoint takes {takes}."
    return response


def _as_api_exception(exc):
    if isinstance(exc, (editing.Conflict, replacing.Conflict)):
        return Conflict(" ".join(exc.messages))
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail)
    return exc


def error_body(data) -> dict:
    """``{"error": ...}`` from what DRF would send: a detail, a list or field errors."""
    if isinstance(data, dict) and set(data) == {"detail"}:
        return {"error": str(data["detail"])}
    if isinstance(data, dict):
        parts = [" ".join(_messages(v)) if k == "non_field_errors"
                 else f"{k}: {' '.join(_messages(v))}" for k, v in data.items()]
        return {"error": " ".join(p if p.endswith(".") else p + "." for p in parts),
                "fields": data}
    return {"error": " ".join(_messages(data))}


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


@csrf_exempt  # it changes nothing, whatever the method
def not_found(request):
    """Any other path under /api/: a JSON 404 (a missing slash is named)."""
    message = "No such API endpoint; /api/docs/ lists them."
    try:
        if resolve(request.path + "/").func is not not_found:
            message = f"No such API endpoint; did you mean {request.path}/ ?"
    except Resolver404:
        pass
    return JsonResponse({"error": message}, status=404)
