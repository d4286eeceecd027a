"""The rendition pipeline's keys of the ``DAM`` settings dict, with their defaults.

``setting(name)`` reads them; ``renditions/checks.py`` checks them at start.
"""
from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Saliency backend: "auto" (the shipped model, else the classical
    # fallback), "spectral" (classical, no weights) or a path to an .onnx file.
    "SALIENCY_BACKEND": "auto",
    # Longest side, in pixels, of the decoded copy used for saliency and faces;
    # the copy may be down to 3/4 of it where a coarser JPEG DCT scale gets
    # there (pipeline.ANALYSIS_FLOOR). The face detector finds faces down to
    # 1/32 of the copy's longest side (20 px of 640).
    "ANALYSIS_LONGEST": 640,
    # Threads that resample and encode one asset's renditions side by side
    # (kept per process and shared by concurrent requests: engine.workers).
    "RENDER_THREADS": 2,
    # Detect faces and protect them from being cut.
    "DETECT_FACES": True,
    # Where renditions and saliency maps are written inside their storages.
    "RENDITIONS_PREFIX": "renditions",
    "SALIENCY_PREFIX": "saliency",
    # The profile (slug) whose rendition the library shows on each tile; a
    # warning at start when no active profile has it (tiles then show no picture).
    "LIBRARY_THUMBNAIL": "thumb",
    # Reliability. A task that meets a transient error (database, broker or
    # storage unavailable) retries with exponential backoff, capped at
    # RETRY_BACKOFF_MAX seconds, up to TASK_RETRIES times before the asset fails.
    "TASK_RETRIES": 8,
    "RETRY_BACKOFF_MAX": 300,
    # Seconds an asset may stay queued or processing before the periodic sweep
    # (CELERY_BEAT_SCHEDULE) queues it again; longer than CELERY_TASK_TIME_LIMIT.
    "STUCK_AFTER": 900,
    # Delivery (renditions.delivery). Widths of a profile's srcset, as factors of
    # its rendition's width (a profile's own srcset_widths replace them); no
    # width is larger than the crop unless the profile allows upscaling.
    "SRCSET_FACTORS": (0.5, 1.0, 1.5, 2.0),
    # Frame sizes ("800x450") that /d/<id>/<W>x<H> serves without a signature;
    # any other size needs a URL signed with the secret key (manage.py signed_url).
    "FRAME_SIZES": (),
    # Longest side, in pixels, that a frame may ask for, signed or not.
    "FRAME_MAX_SIDE": 4096,
    # Encoder quality (1-100) of frames that no profile describes.
    "FRAME_QUALITY": 80,
    # Print frames (/d/<id>/<W>x<H>mm?dpi=300&icc=<slug>): the rendering intent of
    # the CMYK separation when a URL names none ("perceptual", "relative",
    # "saturation" or "absolute"), and black point compensation.
    "PRINT_INTENT": "perceptual",
    "PRINT_BLACK_POINT_COMPENSATION": True,
    # The <salient-img> element (renditions.element): the widths, in px, of the
    # whole-image frames it crops in the browser (the original's own width closes
    # the ladder; none is wider), and whether any site may fetch an asset's JSON
    # (GET /api/assets/<id>/, anonymous: no cookies) from the browser; the script
    # itself, a static file, is served to any origin.
    "ELEMENT_WIDTHS": (320, 640, 960, 1280, 1920, 2560),
    "ELEMENT_CORS": True,
    # The origin (renditions.origin, renditions.responses, renditions.cdn).
    # Seconds browsers keep a stable or frame URL's answer (Cache-Control max-age).
    "STABLE_MAX_AGE": 60,
    # Seconds a CDN keeps it (s-maxage), and may serve it stale while it fetches it
    # again (stale-while-revalidate); 0 leaves them out. Set them (e.g. 86400 and 60)
    # only with a PURGER that reaches the CDN: a change is then seen at once.
    "STABLE_S_MAXAGE": 0,
    "STALE_WHILE_REVALIDATE": 0,
    # An internal nginx location (e.g. "/_protected/") aliasing the public media
    # folder: files are then answered with X-Accel-Redirect, headers only.
    "ACCEL_REDIRECT": "",
    # The Django cache alias of the stable URLs' cached lookup, and the seconds an
    # entry lives at most (a change makes it a miss at once anyway).
    "ORIGIN_CACHE": "origin",
    "ORIGIN_CACHE_SECONDS": 3600,
    # Dotted path of the callable (or class, made with no arguments) told what to
    # purge from CDNs: renditions.cdn.webhook_purger (a cdn.purge webhook event),
    # renditions.cdn.logging_purger, or your own (README "An origin for a CDN").
    "PURGER": "renditions.cdn.webhook_purger",
}


def setting(name: str):
    """Return ``settings.DAM[name]`` for one of the pipeline's keys, else its default."""
    if name not in DEFAULTS:
        raise KeyError(f"Unknown renditions setting {name!r}")
    return getattr(settings, "DAM", {}).get(name, DEFAULTS[name])
