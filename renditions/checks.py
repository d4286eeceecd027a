"""System checks of the pipeline's DAM keys (``renditions/conf.py``)."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

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
    return errors + _element_widths(configured["ELEMENT_WIDTHS"])


def _element_widths(widths) -> list[Error]:
    """DAM['ELEMENT_WIDTHS']: a non-empty list of frame widths (16 px or more)."""
    if (isinstance(widths, (list, tuple)) and widths
            and all(isinstance(w, int) and not isinstance(w, bool) and w >= 16 for w in widths)):
        return []
    return [Error("DAM['ELEMENT_WIDTHS'] must be a non-empty list of widths in px (16 or more).",
                  id="renditions.E025")]


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
