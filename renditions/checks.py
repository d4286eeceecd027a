"""System checks of the pipeline's DAM keys (``renditions/conf.py``)."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError
from django.utils.module_loading import import_string

from dam.checks import positive_integers

from .conf import DEFAULTS, setting
from .engine import printing

POSITIVE_INTEGERS = ("ANALYSIS_LONGEST", "RENDER_THREADS", "TASK_RETRIES",
                     "RETRY_BACKOFF_MAX", "STUCK_AFTER")


@register()
def check_renditions_settings(app_configs, **kwargs):
    configured = {**DEFAULTS, **getattr(settings, "DAM", {})}
    errors = positive_integers(configured, POSITIVE_INTEGERS, "renditions")
    backend = str(configured["SALIENCY_BACKEND"])
    if backend.endswith(".onnx") and not Path(backend).is_file():
        errors.append(Error(f"DAM['SALIENCY_BACKEND'] names a missing file: {backend}",
                            id="renditions.E003"))
    elif backend not in ("auto", "spectral") and not backend.endswith(".onnx"):
        errors.append(Error("DAM['SALIENCY_BACKEND'] must be 'auto', 'spectral' or an .onnx path.",
                            id="renditions.E004"))
    return errors + _element_widths(configured["ELEMENT_WIDTHS"]) + origin_errors(configured)


def _element_widths(widths) -> list[Error]:
    """DAM['ELEMENT_WIDTHS']: a non-empty list of frame widths (16 px or more)."""
    if (isinstance(widths, (list, tuple)) and widths
            and all(isinstance(w, int) and not isinstance(w, bool) and w >= 16 for w in widths)):
        return []
    return [Error("DAM['ELEMENT_WIDTHS'] must be a non-empty list of widths in px (16 or more).",
                  id="renditions.E025")]


def origin_errors(configured: dict) -> list:
    """The origin's keys (renditions.origin, responses, cdn)."""
    errors = [Error(f"DAM['{name}'] must be an integer of 0 or more.", id="renditions.E005")
              for name in ("STABLE_MAX_AGE", "STABLE_S_MAXAGE", "STALE_WHILE_REVALIDATE",
                           "ORIGIN_CACHE_SECONDS")
              if not isinstance(configured[name], int) or configured[name] < 0]
    accel = configured["ACCEL_REDIRECT"]
    if accel and not (isinstance(accel, str) and accel.startswith("/") and accel.endswith("/")):
        errors.append(Error("DAM['ACCEL_REDIRECT'] is an internal location such as "
                            "'/_protected/' (a leading and a trailing slash), or ''.",
                            id="renditions.E006"))
    if configured["ORIGIN_CACHE"] not in settings.CACHES:
        errors.append(Error(f"DAM['ORIGIN_CACHE'] names no cache in CACHES: "
                            f"{configured['ORIGIN_CACHE']!r}.", id="renditions.E007"))
    elif "locmem" in settings.CACHES[configured["ORIGIN_CACHE"]]["BACKEND"].lower():
        errors.append(Warning(
            "DAM['ORIGIN_CACHE'] is a per-process cache: a change made by a worker or another "
            "web process is not seen, and stable URLs keep answering the old file.",
            hint="Use a file-based or Redis cache shared by every process.",
            id="renditions.W009"))
    try:
        import_string(configured["PURGER"])
    except ImportError as exc:
        errors.append(Error(f"DAM['PURGER'] cannot be imported: {exc}", id="renditions.E008"))
    return errors


@register(Tags.database)
def check_library_thumbnail(app_configs, databases=None, **kwargs):
    """The library's thumbnail profile is a row an admin can delete or deactivate."""
    from .models import RenditionProfile

    if not databases:  # as Django's own database checks: only when asked (migrate, check)
        return []
    slug = setting("LIBRARY_THUMBNAIL")
    try:
        found = RenditionProfile.objects.filter(slug=slug, is_active=True).exists()
    except DatabaseError:  # not migrated yet: nothing to say
        return []
    if found:
        return []
    return [Warning(f"No active rendition profile {slug!r}: the library's tiles show no "
                    "picture.", hint="Add or reactivate it in the admin, or set "
                    "DAM['LIBRARY_THUMBNAIL'] to another profile's slug.",
                    id="renditions.W001")]


@register()
def check_print_settings(app_configs, **kwargs):
    configured = {**DEFAULTS, **getattr(settings, "DAM", {})}
    errors = []
    if configured["PRINT_INTENT"] not in printing.INTENTS:
        errors.append(Error(f"DAM['PRINT_INTENT'] is one of {', '.join(printing.INTENTS)}.",
                            id="renditions.E020"))
    if not isinstance(configured["PRINT_BLACK_POINT_COMPENSATION"], bool):
        errors.append(Error("DAM['PRINT_BLACK_POINT_COMPENSATION'] is True or False.",
                            id="renditions.E021"))
    return errors


@register(Tags.database)
def check_print_profiles(app_configs, databases=None, **kwargs):
    """A print profile saved without the admin's ``clean`` (a shell, a fixture):
    its pixel size must be its mm at its dpi, its format JPEG or TIFF."""
    from django.core.exceptions import ValidationError

    from .models import RenditionProfile

    if not databases:
        return []
    errors = []
    try:
        profiles = list(RenditionProfile.objects.filter(dpi__isnull=False))
    except DatabaseError:
        return []
    for profile in profiles:
        stored = (profile.width, profile.height)
        try:
            profile.clean()
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        else:
            problem = ("" if (profile.width, profile.height) == stored else
                       f"its size is {stored[0]}x{stored[1]} px, not its mm at its dpi "
                       f"({profile.width}x{profile.height} px).")
        if problem:
            errors.append(Error(f"Print profile {profile.slug!r}: {problem}",
                                hint="Save it again in the admin.", id="renditions.E022"))
    return errors


@register()
def check_lean_delivery(app_configs, **kwargs):
    """The stable URL's lean path (``renditions.wsgi``) is off with a middleware it does
    not know: say which, so that the slower path is a choice."""
    from .wsgi import StableURLs, unknown_middleware

    wrapped = any(import_string(path) is StableURLs
                  for path in getattr(settings, "WSGI_MIDDLEWARE", ()))
    if not wrapped or not (unknown := unknown_middleware()):
        return []
    return [Warning(f"The lean path for stable URLs is off: {', '.join(unknown)} may change "
                    "their answers.", hint="Add it to renditions.wsgi.HEADERS or INERT if "
                    "it adds headers only or does nothing to a GET of /d/<id>/<profile>.",
                    id="renditions.W012")]
