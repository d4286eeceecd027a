"""Pure derivations from stored rows, shared by reads and writes: the stored map,
rendition keys, the human boxes that win, and crop plans. Nothing here writes.
"""
from __future__ import annotations

import hashlib
import io
import json

import numpy as np

from dam.models import Asset

from .engine import planning
from .models import CropDecision, RenditionProfile, Analysis

ENGINE_VERSION = "3"  # bump when planning or rendering changes the pixels (3: no upscaling)


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
    if box:
        inputs = ["box", [round(v, 5) for v in box]]
    else:
        focal_input = "auto"
        if analysis.focal_origin == Analysis.Origin.EDITOR:
            focal_input = [round(analysis.focal_x, 4), round(analysis.focal_y, 4)]
        inputs = [focal_input, analysis.model_version, analysis.faces]
    payload = [asset.sha256, profile.spec_hash, inputs, ENGINE_VERSION]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def decided_boxes(asset: Asset) -> dict[int, list[float]]:
    """profile id -> the human crop box (normalised) that wins for it."""
    decisions = CropDecision.objects.filter(asset=asset)
    return {d.profile_id: d.effective_box for d in decisions if d.effective_box}


def output_size(profile: RenditionProfile, box) -> tuple[int, int]:
    x0, y0, x1, y1 = box
    return planning.output_size((x1 - x0, y1 - y0), width=profile.width, height=profile.height,
                                max_width=profile.max_width, allow_upscale=profile.allow_upscale,
                                aspect=profile.aspect)


def plan_profile(asset: Asset, analysis: Analysis, profile: RenditionProfile, sal_map, *,
                 box: list[float] | None = None, focal_point=None) -> planning.CropPlan:
    """The crop plan for one profile; its box is in pixels of the original.

    ``box`` is a human crop (normalised) that wins; ``focal_point`` (normalised)
    overrides the stored one, for previews while an editor drags it.
    """
    w, h = asset.width, asset.height
    faces = [(round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h))
             for x0, y0, x1, y1 in analysis.faces]
    if focal_point is None and analysis.focal_origin == Analysis.Origin.EDITOR:
        focal_point = (analysis.focal_x, analysis.focal_y)
    aspect = planning.profile_aspect(aspect=profile.aspect, width=profile.width,
                                     height=profile.height)
    exact = (profile.width, profile.height) if profile.width and profile.height else None
    return planning.plan_crop(sal_map, (w, h), aspect=aspect, output_size=exact, faces=faces,
                              focal=focal_point, editor_box=box, zoom=profile.zoom,
                              allow_upscale=profile.allow_upscale)


