"""System checks: misconfiguration is caught at start, not on the first upload."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from .conf import DEFAULTS

POSITIVE_INTEGERS = ("MAX_UPLOAD_BYTES", "ANALYSIS_LONGEST", "PAGE_SIZE",
                     "RENDER_THREADS", "TASK_RETRIES", "RETRY_BACKOFF_MAX", "STUCK_AFTER")


@register()
def check_dam_settings(app_configs, **kwargs):
    configured = {**DEFAULTS, **getattr(settings, "DAM", {})}
    errors = []
    unknown = sorted(set(configured) - set(DEFAULTS))
    if unknown:
        errors.append(Error(f"Unknown DAM settings: {', '.join(unknown)}.",
                            hint="dam/conf.py documents the names.", id="dam.E001"))
    for name in POSITIVE_INTEGERS:
        value = configured[name]
        if not isinstance(value, int) or value <= 0:
            errors.append(Error(f"DAM['{name}'] must be a positive integer.", id="dam.E002"))
    pixels = configured["MAX_PIXELS"]
    if pixels is not None and (not isinstance(pixels, int) or pixels <= 0):
        errors.append(Error("DAM['MAX_PIXELS'] must be a positive integer or None.",
                            id="dam.E002"))
    try:
        import_string(configured["IMAGE_PROBE"])
    except ImportError as exc:
        errors.append(Error(f"DAM['IMAGE_PROBE'] cannot be imported ({exc}).", id="dam.E005"))
    backend = str(configured["SALIENCY_BACKEND"])
    if backend.endswith(".onnx") and not Path(backend).is_file():
        errors.append(Error(f"DAM['SALIENCY_BACKEND'] names a missing file: {backend}",
                            id="dam.E003"))
    elif backend not in ("auto", "spectral") and not backend.endswith(".onnx"):
        errors.append(Error("DAM['SALIENCY_BACKEND'] must be 'auto', 'spectral' or an .onnx path.",
                            id="dam.E004"))
    return errors
