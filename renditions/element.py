"""What the ``<salient-img>`` element (static/salient/salient-img.js) needs of an
asset: the compact summary it plans crops from, and the bounded ladder of
signed frames it takes pixels from. Reads only.

``element_description(asset, absolute=...)`` is the ``element`` object of the
asset JSON (``/api/assets/<id>/``) and of the template tag's inline
``summary``; None while the asset has no analysis or its rights withhold it.
It is safe for anyone holding the asset's id, as the JSON is: a coarse saliency
profile, the heads' boxes, the focal point and the editors' crops by aspect,
without the private fields (faces as detected, profile names, who decided).

The ladder is the whole image (signed frames of its own aspect with ``whole=1``,
which no editor's crop for that aspect replaces) at ``DAM["ELEMENT_WIDTHS"]`` px
wide and no wider than the original; the element crops it in the browser, so
the frames a page can make are these few per asset, whatever its CSS boxes.
"""
from __future__ import annotations

import hashlib
import json
import math
import re

from django.core.cache import cache
from django.utils import timezone

from dam import rights
from dam.models import Asset

from . import delivery, derive, frames
from .conf import setting
from .engine import pipeline, summary
from .engine.sizing import box_size, profile_aspect
from .models import CropDecision

WHOLE = delivery.Composition(whole=True)
#: The asset JSON's detail answers cross-origin GETs for the element (``cors_allowed``).
JSON_PATH = re.compile(r"^/api/assets/[0-9a-f-]{36}/$")


def element_description(asset: Asset, *, absolute=None) -> dict | None:
    """``{"summary", "frames"}`` for the element; ``absolute`` makes a path absolute
    (None: the frame URLs are absolute on SALIENT_PUBLIC_URL)."""
    analysis = getattr(asset, "analysis", None)
    if analysis is None or rights.rights_state(asset, timezone.now()) != rights.OK:
        return None
    crops = _crops(asset)
    engine, boxes = _planned(asset, analysis)
    focal = {"x": round(analysis.focal_x, 6), "y": round(analysis.focal_y, 6),
             "origin": analysis.focal_origin}
    return {"summary": {**engine, "focal": focal,
                        "crops": [{"aspect": list(ratio), "box": [round(v, 6) for v in box]}
                                  for ratio, box in crops]},
            "frames": [{"width": w, "height": h, "box": box, "url": _url(asset, w, h, absolute)}
                       for (w, h), box in zip(ladder(asset.width, asset.height), boxes)]}


def ladder(width: int, height: int) -> list[tuple[int, int]]:
    """The frames' (w, h) px for an original of ``width`` x ``height`` px: the
    ELEMENT_WIDTHS below its width, then its own width, capped by FRAME_MAX_SIDE."""
    longest = setting("FRAME_MAX_SIDE")
    cap = min(width, longest, int(longest * width / height))
    widths = sorted({w for w in setting("ELEMENT_WIDTHS") if w < cap} | {cap})
    return [(w, _whole_height(w, width, height)) for w in widths]


def _whole_height(w: int, width: int, height: int) -> int:
    """The height of a ``w`` px wide frame whose aspect's largest box is the whole
    ``width`` x ``height`` photo, where one is (else the nearest)."""
    exact = w * height / width
    options = [max(1, round(exact)), max(1, math.floor(exact)), math.ceil(exact)]
    return next((h for h in options if box_size((w, h), width, height) == (width, height)),
                options[0])


def cors_allowed(sender=None, *, request, **kwargs) -> bool:
    """django-cors-headers' ``check_request_enabled``: any origin may GET an asset's
    JSON when ``DAM["ELEMENT_CORS"]`` is on (no credentials: the anonymous answer)."""
    return bool(setting("ELEMENT_CORS") and request.method in ("GET", "HEAD")
                and JSON_PATH.match(request.path_info))


def _crops(asset: Asset) -> list[tuple[tuple[int, int], list[float]]]:
    """(profile aspect, normalised box) of each human crop, by profile slug (the
    order in which ``frames`` tries them for a frame of the same aspect)."""
    decisions = (CropDecision.objects.filter(asset=asset).select_related("profile")
                 .order_by("profile__slug"))
    out = []
    for decision in decisions:
        ratio = profile_aspect(aspect=decision.profile.aspect, width=decision.profile.width,
                               height=decision.profile.height)
        if decision.effective_box and ratio:
            out.append((ratio, decision.effective_box))
    return out


def _planned(asset: Asset, analysis) -> tuple[dict, list[list[int]]]:
    """The engine's summary and the ladder frames' boxes (px: the whole photo, to a
    pixel of rounding and the decode's grid; ``frames.frame_plan``'s, which the frames
    are cut with), cached until the analysis or that plan changes."""
    key = (f"salient-element:{analysis.pk}:{analysis.key}:{analysis.updated_at.timestamp()}:"
           f"{derive.ENGINE_VERSION}:{frames.PLAN_VERSION}:{_digest(setting('ELEMENT_WIDTHS'))}")
    found = cache.get(key)
    if found is None:
        planner = pipeline.Planner(derive.engine_analysis(asset, analysis))
        boxes = [list(frames.frame_plan(asset=asset, width=w, height=h, compose=WHOLE,
                                        planner=planner).box)
                 for w, h in ladder(asset.width, asset.height)]
        found = (summary.summarise(planner.field), boxes)
        cache.set(key, found, 24 * 3600)
    return found


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def _url(asset: Asset, width: int, height: int, absolute) -> str:
    url = delivery.signed_url(asset.uid, width, height, compose=WHOLE,
                              absolute=absolute is None)
    return url if absolute is None else absolute(url)
