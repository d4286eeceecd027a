"""Reads for renditions."""
from __future__ import annotations

from dam.models import Asset

from .models import Rendition


def rendition_current(*, asset: Asset, profile_slug: str) -> Rendition | None:
    """The newest stored rendition of an asset for a profile, or None."""
    return (Rendition.objects.filter(asset=asset, profile__slug=profile_slug)
            .select_related("profile").order_by("-created_at", "-id").first())


def asset_payload(*, asset: Asset, build_url) -> dict:
    """The JSON description of an asset and its renditions (delivery API)."""
    renditions = asset.renditions.select_related("profile").order_by("profile__slug")
    return {
        "id": str(asset.uid),
        "title": asset.title,
        "alt_text": asset.alt_text,
        "filename": asset.original_filename,
        "width": asset.width,
        "height": asset.height,
        "format": asset.format,
        "sha256": asset.sha256,
        "status": asset.status,
        "error": asset.error_message or None,
        "created_at": asset.created_at.isoformat(),
        "renditions": {
            r.profile.slug: {
                "url": build_url(asset, r.profile.slug),
                "file_url": r.file.url,
                "width": r.width,
                "height": r.height,
                "format": r.profile.format,
                "crop_box": list(r.crop_box),
                "confidence": round(r.confidence, 4),
                "faces_cut": r.faces_cut,
            }
            for r in renditions
        },
    }
