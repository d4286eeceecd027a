"""Salient's settings: the ``DAM`` dict in Django settings, over these defaults.

These are the asset library's; the rendition pipeline's keys of the same dict
are documented in ``renditions/conf.py`` and registered here (``extend``) when
that app starts, so the checks know every name.
"""
from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Largest image accepted, in pixels (width x height after orientation).
    # Bigger files are refused with a message instead of exhausting a worker.
    # None: the engine's limit (renditions.engine.loading.DEFAULT_MAX_PIXELS, 100 MP).
    "MAX_PIXELS": None,
    # Largest upload accepted, in bytes.
    "MAX_UPLOAD_BYTES": 200 * 1024 * 1024,
    # Where originals are written inside the private storage.
    "ORIGINALS_PREFIX": "originals",
    # Where an asset's previous originals (replaced files, dam.versions) are kept inside
    # the private storage: <prefix>/<asset uid>/<sha256>.<ext>.
    "VERSIONS_PREFIX": "versions",
    # Assets per page in the library grid.
    "PAGE_SIZE": 24,
    # The Snowball stemmer of search (dam.search.text): "english", "german", "french"...
    # (snowballstemmer.algorithms()). After a change, `manage.py search_refresh`.
    "SEARCH_LANGUAGE": "english",
    # Near-duplicates: two photos whose perceptual hashes (64 bits) are at most this
    # many bits apart "look like" each other (dam.hamming; bench/similar.py measures
    # recall and false matches per threshold). 0 turns the search off.
    "SIMILAR_DISTANCE": 10,
    # Days a deleted asset stays in the trash (restorable, delivered nowhere) before the
    # hourly beat task removes its rows and files for good (renditions.purge). 0: at the
    # next run.
    "TRASH_DAYS": 30,
    # One ZIP of originals (POST /api/assets/download, the library's *Download
    # originals*): at most this many assets, and this many bytes of originals.
    "DOWNLOAD_MAX": 500,
    "DOWNLOAD_MAX_BYTES": 4 * 1024 ** 3,
}


PUBLIC_URL_DEFAULT = "http://127.0.0.1:8000"


#: Defaults of the DAM keys that other apps own (``extend``).
EXTENDED: dict = {}


def extend(defaults: dict) -> None:
    """Register another app's DAM keys and their defaults (from its ``ready()``)."""
    EXTENDED.update(defaults)


def dam_setting(name: str):
    """Return ``settings.DAM[name]``, falling back to :data:`DEFAULTS`."""
    if name not in DEFAULTS:
        raise KeyError(f"Unknown DAM setting {name!r}")
    return getattr(settings, "DAM", {}).get(name, DEFAULTS[name])


def public_url() -> str:
    """The site's address as others reach it (``SALIENT_PUBLIC_URL``), without a
    trailing slash: for absolute URLs built outside a request."""
    return getattr(settings, "SALIENT_PUBLIC_URL", PUBLIC_URL_DEFAULT).rstrip("/")
