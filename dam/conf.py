"""Salient's settings: the ``DAM`` dict in Django settings, over these defaults."""
from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Largest image accepted, in pixels (width x height after orientation).
    # Bigger files are refused with a message instead of exhausting a worker.
    # None: the engine's limit (renditions.engine.loading.DEFAULT_MAX_PIXELS, 100 MP).
    "MAX_PIXELS": None,
    # What reads an upload's header: a callable (file, *, max_pixels) returning
    # width, height and format, raising ValueError with a message an editor can act on.
    "IMAGE_PROBE": "renditions.engine.loading.probe",
    # Largest upload accepted, in bytes.
    "MAX_UPLOAD_BYTES": 200 * 1024 * 1024,
    # Saliency backend: "auto" (the shipped model, else the classical
    # fallback), "spectral" (classical, no weights) or a path to an .onnx file.
    "SALIENCY_BACKEND": "auto",
    # Longest side, in pixels, of the decoded copy used for saliency and faces
    # (the face detector finds faces down to 20 px of it).
    "ANALYSIS_LONGEST": 640,
    # Threads that resample and encode one asset's renditions side by side.
    "RENDER_THREADS": 2,
    # Detect faces and protect them from being cut.
    "DETECT_FACES": True,
    # Where assets and renditions are written inside the default storage.
    "ORIGINALS_PREFIX": "originals",
    "RENDITIONS_PREFIX": "renditions",
    "SALIENCY_PREFIX": "saliency",
    # Assets per page in the library grid.
    "PAGE_SIZE": 24,
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
}


PUBLIC_URL_DEFAULT = "http://127.0.0.1:8000"


def dam_setting(name: str):
    """Return ``settings.DAM[name]``, falling back to :data:`DEFAULTS`."""
    if name not in DEFAULTS:
        raise KeyError(f"Unknown DAM setting {name!r}")
    return getattr(settings, "DAM", {}).get(name, DEFAULTS[name])


def public_url() -> str:
    """The site's address as others reach it (``SALIENT_PUBLIC_URL``), without a
    trailing slash: for absolute URLs built outside a request."""
    return getattr(settings, "SALIENT_PUBLIC_URL", PUBLIC_URL_DEFAULT).rstrip("/")
