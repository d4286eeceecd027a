"""Pure derivations from stored rows, shared by reads and writes: the stored map,
rendition keys, the human boxes that win, and crop plans. Nothing here writes.
"""
from __future__ import annotations

import hashlib
import io
import json

import numpy as np

from dam.models import Asset

from .conf import setting
from .engine import pipeline, planning
from .engine.geometry import NormBox, NormPoint
from .engine.metadata_out import PublicMetadata
from .models import Analysis, RenditionProfile

# Bump when planning or rendering changes the pixels or what a rendition records
# (4: focal centred; 5: calibrated confidence).
ENGINE_VERSION = "5"


def load_map(analysis: Analysis) -> np.ndarray:
    """The stored saliency map as float32, summing to 1."""
    with analysis.map_file.open("rb") as fp:
        return np.load(io.BytesIO(fp.read()), allow_pickle=False)


def rendition_key(*, asset: Asset, profile: RenditionProfile, analysis: Analysis,
                  box: list[float] | None = None) -> str:
    """Content address of a rendition: what went into its pixels, hashed.

    A human's ``box`` (normalised) fixes the crop, so the focal point, faces and
    model no longer matter and a nudge leaves such renditions alone.
    """
    spec_hash = profile.spec_hash
    if profile.is_print and profile.icc_profile_id:  # the separation's settings too
        spec_hash = hashlib.sha256(json.dumps(
            [spec_hash, setting("PRINT_INTENT"),
             bool(setting("PRINT_BLACK_POINT_COMPENSATION"))]).encode()).hexdigest()
    return content_key(asset=asset, spec_hash=spec_hash, analysis=analysis, box=box)


def content_key(*, asset: Asset, spec_hash: str, analysis: Analysis,
                box: list[float] | None = None) -> str:
    """``rendition_key`` for any spec (a profile's, or a frame's), by its hash.

    The public metadata's digest is in it, so a new credit makes new files; an asset
    with none keeps the keys it had before renditions carried metadata.
    """
    if box:
        inputs = ["box", [round(v, 5) for v in box]]
    else:
        focal_input = "auto"
        if analysis.focal_origin != Analysis.Origin.AUTO:  # an editor's, or the file's
            focal_input = [round(analysis.focal_x, 4), round(analysis.focal_y, 4)]
        inputs = [focal_input, analysis.key or analysis.model_version, analysis.faces]
    payload = [asset.sha256, spec_hash, inputs, ENGINE_VERSION]
    if digest := public_metadata(asset).digest():
        payload.append(digest)
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def public_metadata(asset: Asset) -> PublicMetadata:
    """What the asset's renditions, frames and variants carry (``metadata_out``)."""
    return PublicMetadata(creator=asset.creator, credit=asset.credit, copyright=asset.copyright,
                          usage_terms=asset.usage_terms, caption=asset.caption,
                          alt_text=asset.alt_text, headline=asset.headline)


def decided_boxes(asset: Asset) -> dict[int, list[float]]:
    """profile id -> the human crop box (normalised) that wins for it (no query
    when the asset's decisions were prefetched)."""
    return {d.profile_id: d.effective_box for d in asset.decisions.all() if d.effective_box}


def engine_analysis(asset: Asset, analysis: Analysis,
                    saliency_map: np.ndarray | None = None) -> pipeline.ImageAnalysis:
    """The stored analysis as the engine's front door takes it (faces in px)."""
    size = (asset.width, asset.height)
    return pipeline.ImageAnalysis(
        saliency_map=load_map(analysis) if saliency_map is None else saliency_map, size=size,
        faces=tuple(NormBox(*f).to_px(size) for f in analysis.faces),
        model_name=analysis.model_name, model_version=analysis.model_version,
        detector=analysis.detector, detector_version=analysis.detector_version,
        faces_outcome=analysis.faces_outcome or pipeline.FacesOutcome.DETECTED,
        compute_ms=analysis.compute_ms)


def rendition_spec(profile: RenditionProfile) -> pipeline.RenditionSpec:
    return pipeline.RenditionSpec(aspect=profile.aspect, width=profile.width,
                                  height=profile.height, max_width=profile.max_width,
                                  zoom=profile.zoom,
                                  # a print profile's file has its size in mm at its dpi
                                  allow_upscale=profile.allow_upscale or profile.is_print,
                                  align=profile.align, pad=profile.pad)


def plan_profile(planner: pipeline.Planner, analysis: Analysis, profile: RenditionProfile, *,
                 box: list[float] | None = None,
                 focal_point: NormPoint | None = None) -> planning.CropPlan:
    """The crop plan for one profile; its box is in pixels of the original.

    ``box`` is a human crop (normalised) that wins; ``focal_point`` (normalised)
    overrides the stored one, for previews while an editor drags it.
    """
    return plan_spec(planner, analysis, rendition_spec(profile), box=box,
                     focal_point=focal_point)


def plan_spec(planner: pipeline.Planner, analysis: Analysis, spec: pipeline.RenditionSpec, *,
              box: list[float] | None = None,
              focal_point: NormPoint | None = None) -> planning.CropPlan:
    """``plan_profile`` for any spec (a frame's): the stored focal point applies."""
    if focal_point is None and analysis.focal_origin != Analysis.Origin.AUTO:
        focal_point = NormPoint(analysis.focal_x, analysis.focal_y)
    return planner.plan(spec, focal=focal_point, editor_box=NormBox(*box) if box else None)
