"""IPTC Image Regions out (``regions_in`` reads them; ``engine.regions`` holds the
standard's side).

Out: each profile's current crop as a ``cropping`` rectangle named after the profile,
the subject as ``mainSubjectArea`` and the important faces as ``areaOfInterest``, all
relative to the oriented original; in the asset JSON (``image_regions``) and in the
XMP of the original an editor downloads (``original_chunks``, dam's hook). Faces and
the subject are for the asset's viewers only; crops are as public as the renditions.
"""
from __future__ import annotations

import logging

from django.db.models import Prefetch

from dam.models import Asset

from . import selectors
from .engine import regions_embed
from .engine.geometry import NormBox, PxBox
from .engine.regions import AREA_OF_INTEREST, CROPPING, MAIN_SUBJECT, Region
from .models import Rendition

log = logging.getLogger(__name__)


def asset_regions(asset: Asset, *, private: bool) -> list[Region]:
    """The asset's regions (no query after ``assets_described``); ``private`` adds
    the subject and the important faces."""
    size = (asset.width, asset.height)
    found = [Region(box=PxBox(*r.crop_box).to_norm(size), roles=(CROPPING,),
                    name=r.profile.name, rid=f"crop-{r.profile.slug}")
             for r in selectors.renditions_current_of(asset)]
    analysis = getattr(asset, "analysis", None)
    if private and analysis is not None and analysis.areas:
        if subject := analysis.areas.get("subject"):
            found.append(Region(box=NormBox(*subject), roles=(MAIN_SUBJECT,),
                                name="Subject", rid="subject"))
        found += [Region(box=NormBox(*face), roles=(AREA_OF_INTEREST,), name="Face",
                         rid=f"face-{number}")
                  for number, face in enumerate(analysis.areas.get("faces", ()), 1)]
    return found


def image_regions(asset: Asset, *, private: bool) -> list[dict]:
    """``asset_regions`` in the IPTC Photo Metadata JSON form."""
    return [region.iptc() for region in asset_regions(asset, private=private)]


def original_chunks(asset: Asset, fp):
    """dam's ``original_rewriter``: the original ``fp`` with the asset's regions in its
    XMP (JPEG, PNG), or None to serve it as it is (other formats, no regions)."""
    fetched = Asset.objects.filter(pk=asset.pk).select_related("analysis").prefetch_related(
        Prefetch("renditions", Rendition.objects.select_related("profile"))).first()
    regions = asset_regions(fetched or asset, private=True)
    if not regions:
        return None
    try:
        return regions_embed.with_regions(fp, regions)
    except (OSError, ValueError, EOFError) as exc:  # a damaged header: serve it as stored
        log.warning("Regions not written into %s: %s", asset.file.name, exc)
        fp.seek(0)
        return None
