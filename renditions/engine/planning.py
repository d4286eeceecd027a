"""Crop planning: choose the crop box that keeps the most saliency.

Plan, then pixels: everything here is geometry on small arrays and returns a
``CropPlan``; ``rendering`` applies it. Boxes are ``(x0, y0, x1, y1)`` in px
of the oriented source image, x1/y1 exclusive. Normalised 0-1 values come in
only as editor input (``focal``, ``editor_box``) and say so.

How a box is found: the field (``field``: the saliency map resampled to the
source's aspect, face boxes' Gaussian mass added, built once per image) gives
the mass of any box. The mass of a box of fixed size is piecewise bilinear in its
position, so its maximum lies where a box edge meets a cell edge: those
positions (plus face edges and the focal point) are the only candidates, and
the search is exact to a pixel while working at map resolution.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import confidence as _confidence
from .field import Box, Field, build_field, head_box, worst_share
from .geometry import NormPoint, PxBox
from .sizing import box_size

__all__ = ["CropPlan", "Field", "plan_on", "build_field", "head_box", "worst_share",
           "plan_box", "place_box"]

#: A face is cut when a box overlaps its head (``head_box``) but holds less than
#: this much of it.
FACE_KEEP = 0.9
#: Score lost when the focal point sits on the box edge instead of its centre.
FOCAL_PULL = 0.1
#: Zoom 1 shrinks the box until it keeps this share of the largest box's mass.
ZOOM_KEEP = 0.6
#: Smallest box scale tried, relative to the largest box of the aspect.
MIN_SCALE = 0.2
#: Box scales tried, largest first, when the largest box must cut a face.
FACE_LADDER = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6)


@dataclass(frozen=True)
class CropPlan:
    """A crop decision.

    ``box``: source px, x1/y1 exclusive; ``kept``: fraction (0-1) of the
    saliency mass (faces included) inside; ``faces_cut``: the box cuts through
    a face; ``confidence``: 0-1, the chance that the crop keeps at least 90 % of
    what the best crop of its size would keep (``confidence``; 1.0 for an
    editor's box), below ``confidence.LOW_CONFIDENCE`` worth a reviewer's look;
    ``origin``: 'auto', 'focal' or 'editor'; ``size``: the rendition's (w, h)
    px when the plan was made for a rendition spec (``pipeline.Planner``),
    else the box's own size.
    """

    box: PxBox
    kept: float
    faces_cut: bool
    confidence: float
    origin: str
    size: tuple[int, int] = (0, 0)
    content: PxBox | None = None  # padded: where ``box`` goes in the output (output px)


def plan_on(field: Field, *, aspect: tuple[int, int] | None = None,
            exact: tuple[int, int] | None = None,
            focal: tuple[float, float] | None = None,
            editor_box: tuple[float, float, float, float] | None = None,
            zoom: float = 0.0, allow_upscale: bool = False) -> CropPlan:
    """Plan the crop of the image ``field`` was built for (``build_field``).

    ``aspect`` (a, b), else that of ``exact`` (the rendition's exact (w, h) px),
    else the image's. ``focal`` (x, y) normalised 0-1 is an editor's: the box
    (of the size ``zoom`` gives) is centred on it as far as the frame allows,
    and moved inside the image where it would overhang, as Wagtail, Cloudinary
    and imgix place a focal point; saliency and faces no longer move it.
    ``editor_box`` (x0, y0, x1, y1) normalised 0-1 wins outright (snapped to the
    exact aspect around its centre). ``zoom`` 0 gives the largest box of the
    aspect; 1 the smallest box holding ``ZOOM_KEEP`` of its mass, never smaller
    than ``exact`` unless ``allow_upscale``. A box that cuts a face slides to
    spare it where a box of its size can; it shrinks further (``FACE_LADDER``)
    only when ``zoom`` is above 0, since a profile without zoom asked for the
    largest box. Only ``pipeline.Planner.plan`` calls this: alignment, padding
    and the rendition's size are its.
    """
    image_size, faces = field.size, field.faces
    width, height = image_size
    ratio = _ratio(aspect, exact, image_size)
    if editor_box is not None:
        box = _editor_box(editor_box, ratio, image_size)
        return _plan(field, box, faces, "editor", confidence=1.0)
    focal_px = None if focal is None else _focal_px(focal, image_size)
    floor = _scale_floor(ratio, image_size, exact, allow_upscale)
    scale = _zoom_scale(field, ratio, floor, zoom, focal_px)
    if focal_px is not None:  # the editor's word: centred, as far as the frame allows
        w, h = box_size(ratio, width, height, scale)
        box = _place(focal_px[0] - w / 2, focal_px[1] - h / 2, w, h, image_size)
        return _plan(field, box, faces, "focal")
    box = _best_box(field, box_size(ratio, width, height, scale), faces)
    if faces and zoom > 0 and _cuts(box, faces):  # a box shrinks only where zoom allows
        box = _avoid_faces(field, ratio, faces, floor, scale) or box
    return _plan(field, box, faces, "auto")


# -- geometry helpers ---------------------------------------------------------

def _ratio(aspect, exact, image_size) -> tuple[int, int]:
    a, b = aspect or exact or image_size
    if a <= 0 or b <= 0:
        raise ValueError(f"aspect must be positive, got {a}:{b}")
    return a, b


def _focal_px(focal, image_size) -> tuple[float, float]:
    """Normalised 0-1 (x, y) to source px, kept inside the image."""
    (fx, fy), (width, height) = NormPoint(*focal).to_px(image_size), image_size
    # just inside the far edge, so that x1/y1 (exclusive) can still hold it
    return (min(max(fx, 0.0), width - 0.5), min(max(fy, 0.0), height - 0.5))


def _editor_box(box, ratio, image_size) -> Box:
    """An editor's normalised box in px, snapped to ``ratio`` around its centre.

    The snapped box has the same area (so float rounding in the database
    costs at most a pixel or two) and is moved inside the image if needed.
    """
    width, height = image_size
    (x0, y0), (x1, y1) = (NormPoint(*box[:2]).to_px(image_size),
                          NormPoint(*box[2:]).to_px(image_size))
    a, b = ratio
    h = math.sqrt(max(x1 - x0, 1.0) * max(y1 - y0, 1.0) * b / a)
    largest_h = box_size(ratio, width, height, 1.0)[1]
    scale = min(1.0, h / largest_h)
    if a * height >= b * width:  # width-limited: scale is along the width
        scale = min(1.0, h * a / b / width)
    w, h = box_size(ratio, width, height, scale)
    return _place((x0 + x1) / 2 - w / 2, (y0 + y1) / 2 - h / 2, w, h, image_size)


def _place(x: float, y: float, w: int, h: int, image_size) -> Box:
    """Box of w x h px at about (x, y), moved inside the image."""
    width, height = image_size
    x0 = min(max(round(x), 0), width - w)
    y0 = min(max(round(y), 0), height - h)
    return x0, y0, x0 + w, y0 + h


def _cuts(box: Box, faces: Sequence[Box]) -> bool:
    """Whether ``box`` cuts any of ``faces`` (``_cut_matrix``'s rule for one box)."""
    x0, y0, x1, y1 = box
    for fx0, fy0, fx1, fy1 in faces:
        overlap = max(min(x1, fx1) - max(x0, fx0), 0) * max(min(y1, fy1) - max(y0, fy0), 0)
        if 0 < overlap < FACE_KEEP * (fx1 - fx0) * (fy1 - fy0):
            return True
    return False


def _cut_matrix(xs, ys, w, h, face: Box) -> np.ndarray:
    """(len(ys), len(xs)) bools: the box at (x, y) overlaps ``face`` but holds < FACE_KEEP."""
    overlap = _overlap(xs, ys, w, h, face)
    area = (face[2] - face[0]) * (face[3] - face[1])
    return (overlap > 0) & (overlap < FACE_KEEP * area)


def _overlap(xs, ys, w, h, face: Box) -> np.ndarray:
    """(len(ys), len(xs)) px^2 shared by ``face`` and the w x h box at (x, y)."""
    fx0, fy0, fx1, fy1 = face
    ox = np.clip(np.minimum(xs + w, fx1) - np.maximum(xs, fx0), 0, None)
    oy = np.clip(np.minimum(ys + h, fy1) - np.maximum(ys, fy0), 0, None)
    return np.outer(oy, ox)


# -- the search -----------------------------------------------------------------

def _best_box(field: Field, size, faces, focal_px=None, *, strict=False) -> Box | None:
    """The w x h box of most mass (faces and focal rules applied).

    ``focal_px`` (source px; the zoom search's, for an editor's focal point):
    only boxes holding it are tried, and they are pulled toward centring it.
    Boxes that cut faces are excluded when any candidate avoids them (largest
    face first). With ``strict``, only boxes that cut no face and hold at
    least one are allowed, and None is returned when there is none.
    """
    w, h = size
    xs = _candidates(field, w, faces, 0, focal_px)
    ys = _candidates(field, h, faces, 1, focal_px)
    score = field.masses(xs, ys, w, h) - _pull(xs, ys, w, h, field.size, focal_px)
    if strict:
        allowed = _clean_mask(xs, ys, w, h, faces)
        if not allowed.any():
            return None
    else:
        allowed = _face_mask(xs, ys, w, h, faces)
    score = np.where(allowed, score, -np.inf)
    r, c = divmod(int(score.argmax()), score.shape[1])
    return int(xs[c]), int(ys[r]), int(xs[c]) + w, int(ys[r]) + h


def _candidates(field: Field, span: int, faces, axis: int, focal_px) -> np.ndarray:
    """Box starts (px) along one axis where the best box can lie."""
    length = field.size[axis]
    low, high = 0, length - span
    if focal_px is not None:
        f = focal_px[axis]
        low, high = max(low, math.floor(f) - span + 1), min(high, math.floor(f))
    if low == high:  # a box as long as the side (or pinned by the focal point)
        return np.array([float(low)])
    edges = field.edges[axis]
    starts = [edges, edges - span, [(length - span) / 2]]
    for face in faces:
        lo, hi = face[axis], face[axis + 2]
        starts.append([lo, hi, lo - span, hi - span])
    if focal_px is not None:
        starts.append([focal_px[axis] - span / 2])
    return np.unique(np.concatenate(starts).round().clip(low, high))


def _pull(xs, ys, w, h, image_size, focal_px) -> np.ndarray:
    """Score penalty: toward the focal point, or a tiny tie-break toward the centre."""
    fx, fy = focal_px or (image_size[0] / 2, image_size[1] / 2)
    dx = ((xs + w / 2 - fx) / (w / 2)) ** 2
    dy = ((ys + h / 2 - fy) / (h / 2)) ** 2
    weight = FOCAL_PULL if focal_px else 1e-7
    return weight * (dy[:, None] + dx[None, :])


def _face_mask(xs, ys, w, h, faces) -> np.ndarray:
    """Allowed candidates: each face, largest first, uncut where still possible.

    A face too big for the box cannot be kept whole; leaving it out entirely
    would be worse than cutting it, so the saliency mass decides instead.
    """
    allowed = np.ones((len(ys), len(xs)), dtype=bool)
    for face in _fitting(faces, w, h):
        keeps = allowed & ~_cut_matrix(xs, ys, w, h, face)
        if keeps.any():
            allowed = keeps
    return allowed


def _clean_mask(xs, ys, w, h, faces) -> np.ndarray:
    """Candidates that cut no face that fits and hold at least one face."""
    clean = np.ones((len(ys), len(xs)), dtype=bool)
    holds = np.zeros_like(clean)
    for face in _fitting(faces, w, h):
        clean &= ~_cut_matrix(xs, ys, w, h, face)
        holds |= _overlap(xs, ys, w, h, face) > 0
    return clean & holds


def _fitting(faces, w: int, h: int) -> list[Box]:
    """The faces a w x h px box can hold (FACE_KEEP of their area or more)."""
    return [f for f in faces
            if min(f[2] - f[0], w) * min(f[3] - f[1], h)
            >= FACE_KEEP * (f[2] - f[0]) * (f[3] - f[1])]


def _avoid_faces(field, ratio, faces, floor, scale) -> Box | None:
    """The largest box, below ``scale``, that holds a face and cuts none; or None."""
    width, height = field.size
    for step in FACE_LADDER[1:]:
        if step * scale < floor:
            break
        size = box_size(ratio, width, height, step * scale)
        box = _best_box(field, size, faces, strict=True)
        if box is not None:
            return box
    return None


def _scale_floor(ratio, image_size, exact, allow_upscale) -> float:
    """The smallest box scale allowed: MIN_SCALE, or the exact output size's."""
    if exact is None or allow_upscale:
        return MIN_SCALE
    w, h = box_size(ratio, *image_size, 1.0)
    margin = 1.0 / min(w, h)  # rounding must never leave the box a pixel short
    return min(1.0, max(MIN_SCALE, exact[0] / w + margin, exact[1] / h + margin))


def _zoom_scale(field, ratio, floor, zoom, focal_px) -> float:
    """Box scale for ``zoom`` (0-1): 1 at 0, the subject's scale at 1."""
    zoom = min(max(float(zoom), 0.0), 1.0)
    if zoom == 0 or floor >= 1.0:
        return 1.0
    return 1.0 - zoom * (1.0 - _subject_scale(field, ratio, floor, focal_px))


def _subject_scale(field, ratio, floor, focal_px) -> float:
    """Smallest scale >= floor whose best box keeps ZOOM_KEEP of the largest's mass."""
    def kept(scale):
        size = box_size(ratio, *field.size, scale)
        return field.mass(_best_box(field, size, (), focal_px))

    target, lo, hi = ZOOM_KEEP * kept(1.0), floor, 1.0
    if kept(lo) >= target:
        return lo
    for _ in range(6):  # kept() grows with the scale: bisect
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if kept(mid) >= target else (mid, hi)
    return hi


def _plan(field, box, faces, origin, confidence=None) -> CropPlan:
    mass = field.mass(box)
    kept = min(1.0, max(0.0, mass))
    if confidence is None:
        confidence = _confidence.confidence(field.stats, box, kept, field.sx, field.sy,
                                            worst_share(field, box, mine=mass),
                                            model_version=field.model_version)
    box = PxBox(*box)
    return CropPlan(box, round(kept, 6), _cuts(box, faces), round(confidence, 4), origin,
                    box.size)


def plan_box(field: Field, box, origin: str) -> CropPlan:
    """The plan of a given ``box`` (source px): kept mass, cut faces, confidence."""
    return _plan(field, box, field.faces, origin)


def place_box(x: float, y: float, w: int, h: int, image_size) -> Box:
    """A w x h px box at about (x, y) px, moved inside the image."""
    return _place(x, y, w, h, image_size)
