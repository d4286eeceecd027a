"""System checks: misconfiguration is caught at start, not on the first upload."""
from __future__ import annotations

import snowballstemmer
from django.conf import settings
from django.core.checks import Error, register

from . import services
from .conf import DEFAULTS, EXTENDED

POSITIVE_INTEGERS = ("MAX_UPLOAD_BYTES", "PAGE_SIZE", "DOWNLOAD_MAX", "DOWNLOAD_MAX_BYTES")


def positive_integers(configured: dict, names, app: str) -> list[Error]:
    """``<app>.E002`` for each of ``names`` that is not a positive integer."""
    return [Error(f"DAM['{name}'] must be a positive integer.", id=f"{app}.E002")
            for name in names
            if not isinstance(configured[name], int) or configured[name] <= 0]


@register()
def check_dam_settings(app_configs, **kwargs):
    configured = {**DEFAULTS, **getattr(settings, "DAM", {})}
    errors = []
    unknown = sorted(set(configured) - set(DEFAULTS) - set(EXTENDED))
    if unknown:
        errors.append(Error(f"Unknown DAM settings: {', '.join(unknown)}.",
                            hint="dam/conf.py and renditions/conf.py document the names.",
                            id="dam.E001"))
    errors += positive_integers(configured, POSITIVE_INTEGERS, "dam")
    pixels = configured["MAX_PIXELS"]
    if pixels is not None and (not isinstance(pixels, int) or pixels <= 0):
        errors.append(Error("DAM['MAX_PIXELS'] must be a positive integer or None.",
                            id="dam.E002"))
    if configured["SEARCH_LANGUAGE"] not in snowballstemmer.algorithms():
        errors.append(Error(f"DAM['SEARCH_LANGUAGE'] {configured['SEARCH_LANGUAGE']!r} has no "
                            "Snowball stemmer.",
                            hint="One of: " + ", ".join(snowballstemmer.algorithms()) + ".",
                            id="dam.E006"))
    distance = configured["SIMILAR_DISTANCE"]
    if not isinstance(distance, int) or isinstance(distance, bool) or not 0 <= distance <= 15:
        errors.append(Error("DAM['SIMILAR_DISTANCE'] must be an integer from 0 to 15 (bits "
                            "of 64; 0 turns near-duplicates off).", id="dam.E007"))
    days = configured["TRASH_DAYS"]
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        errors.append(Error("DAM['TRASH_DAYS'] must be a whole number of days, 0 or more "
                            "(0: purge at the next run).", id="dam.E008"))
    if services.image_probe is None:
        errors.append(Error("No image probe is registered: uploads cannot be read.",
                            hint="renditions registers the engine's in its ready().",
                            id="dam.E005"))
    return errors
