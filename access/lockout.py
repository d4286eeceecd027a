"""What a locked-out sign-in gets (``AXES_LOCKOUT_CALLABLE``): 429 with Retry-After,
and a page (or, to a script, JSON) that says why and for how long."""
from __future__ import annotations

from axes.helpers import get_cool_off
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    message = lockout_message(seconds)
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"error": message}, status=429)
    else:
        response = render(request, "registration/locked_out.html",
                          {"message": message, "seconds": seconds}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def lockout_message(seconds: int | None) -> str:
    """The reason in words; ``seconds`` of cool-off, None for a lock until an admin lifts it."""
    reason = "There were too many failed sign-ins for this account or from this address"
    if seconds is None:
        return f"{reason}, so sign-in is locked. Ask an administrator to unlock it."
    return (f"{reason}, so sign-in is paused for {_duration(seconds)}. Try again after "
            "that, or ask an administrator to unlock it sooner.")


def _duration(seconds: int) -> str:
    if seconds % 60:
        return f"{seconds} seconds"
    minutes = seconds // 60
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
