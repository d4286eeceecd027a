"""Composition controls on a planned crop: where the subject sits in the frame
(``align``), and pad instead of cut when the subject cannot fit the frame's
aspect (``pad``). Zoom toward the subject is the planner's (``zoom``).

Boxes and points are px of the oriented original, x1/y1 exclusive; a padded
plan's ``content`` is where its box goes inside the rendition, in output px.

* ``align="auto"`` keeps the planner's placement (most saliency, faces whole;
  an editor's focal point centred). ``"centre"`` centres the subject,
  ``"thirds"`` puts it on the nearest third lines, each as far as the image
  allows. The subject is the editor's focal point, else the saliency centroid
  inside the crop. A placement that would cut a face the planner kept is not
  taken.
* ``pad`` ("blur", or a colour "#rrggbb"): when the subject (the cells of at
  least ``SUBJECT_LEVEL`` of the peak density, faces included) is too wide or
  too tall for any box of the aspect and the crop cuts it, the crop grows
  to hold it (with ``PAD_MARGIN``) and the rest of the frame is filled.
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from . import planning
from .geometry import PxBox
from .sizing import box_size

ALIGNS = ("auto", "centre", "thirds")
#: A colour fill: "#rrggbb"; the other fill is "blur" (the photo, blurred).
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
#: Cells at or above this share of the peak density are the subject.
SUBJECT_LEVEL = 0.25
#: A crop that keeps less of the subject's area than this cuts it.
SUBJECT_KEEP = 0.95
#: Room kept around a padded subject, as a share of its size on each side.
PAD_MARGIN = 0.05


def check(align: str = "auto", pad: str = "") -> None:
    """Raise ValueError naming a bad ``align`` or ``pad``."""
    if align not in ALIGNS:
        raise ValueError(f"align is one of {', '.join(ALIGNS)}, not {align!r}")
    if pad and pad != "blur" and not COLOUR.fullmatch(pad):
        raise ValueError(f"pad is 'blur' or a colour like '#ffffff', not {pad!r}")


def aligned(field: planning.Field, plan: planning.CropPlan, align: str,
            focal_px: tuple[float, float] | None = None) -> planning.CropPlan:
    """``plan`` with its box moved so the subject sits where ``align`` says."""
    check(align)
    if align == "auto":
        return plan
    box, (width, height) = plan.box, field.size
    px, py = focal_px or subject_point(field, box)
    tx = _target(px - box.x0, box.width, px / width, align)
    ty = _target(py - box.y0, box.height, py / height, align)
    moved = planning.place_box(px - tx, py - ty, box.width, box.height, (width, height))
    if moved == tuple(box):
        return plan
    new = planning.plan_box(field, moved, plan.origin)
    if new.faces_cut and not plan.faces_cut:
        return plan
    return replace(new, confidence=min(new.confidence, plan.confidence))


def _target(offset: float, span: int, place: float, align: str) -> float:
    """Where along a ``span`` px side the subject goes: it is ``offset`` px in, at
    ``place`` (0-1) of the image's side. Thirds: the line on the subject's side
    of the crop's middle; a subject in the middle (a centred focal point) takes
    the line on its side of the image's middle."""
    if align == "centre":
        return span / 2
    share = offset / span
    left = share < 0.5 if abs(share - 0.5) > 0.01 else place < 0.5
    return span / 3 if left else 2 * span / 3


def subject_point(field: planning.Field, box: PxBox) -> tuple[float, float]:
    """The saliency centroid inside ``box``, in px (the box centre if it is empty)."""
    c0, c1 = int(box.x0 * field.sx), max(int(box.x0 * field.sx) + 1, round(box.x1 * field.sx))
    r0, r1 = int(box.y0 * field.sy), max(int(box.y0 * field.sy) + 1, round(box.y1 * field.sy))
    cells = field.density[r0:r1, c0:c1]
    total = float(cells.sum())
    if total <= 0:
        return (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    rows, cols = np.mgrid[r0:r0 + cells.shape[0], c0:c0 + cells.shape[1]]
    cx = float((cells * (cols + 0.5)).sum() / total) / field.sx
    cy = float((cells * (rows + 0.5)).sum() / total) / field.sy
    return (min(max(cx, box.x0), box.x1 - 0.5), min(max(cy, box.y0), box.y1 - 0.5))


def subject_box(field: planning.Field) -> PxBox:
    """The bounding box (px) of the cells holding at least SUBJECT_LEVEL of the peak."""
    hot = field.density >= SUBJECT_LEVEL * field.density.max()
    rows, cols = np.nonzero(hot)
    x0, x1 = cols.min() / field.sx, (cols.max() + 1) / field.sx
    y0, y1 = rows.min() / field.sy, (rows.max() + 1) / field.sy
    width, height = field.size
    return PxBox(max(0, int(x0)), max(0, int(y0)), min(width, round(x1)), min(height, round(y1)))


def padded(field: planning.Field, plan: planning.CropPlan,
           ratio: tuple[int, int]) -> planning.CropPlan | None:
    """A plan that holds the whole subject in a box of another aspect, to be
    padded to ``ratio``; None when a box of the aspect holds it, or this one does."""
    subject = subject_box(field)
    if _share_inside(subject, plan.box) >= SUBJECT_KEEP:
        return None
    width, height = field.size
    mx, my = subject.width * PAD_MARGIN, subject.height * PAD_MARGIN
    need_w, need_h = min(width, round(subject.width + 2 * mx)), min(height,
                                                                   round(subject.height + 2 * my))
    largest_w, largest_h = box_size(ratio, width, height, 1.0)
    if need_w <= largest_w and need_h <= largest_h:
        return None  # a crop of the aspect can hold it: the planner chose otherwise
    w, h = max(need_w, largest_w), max(need_h, largest_h)
    cx, cy = (subject.x0 + subject.x1) / 2, (subject.y0 + subject.y1) / 2
    box = planning.place_box(cx - w / 2, cy - h / 2, w, h, (width, height))
    return planning.plan_box(field, box, plan.origin)


def content_box(box_size_px: tuple[int, int], out: tuple[int, int]) -> PxBox:
    """Where a crop of ``box_size_px`` goes inside an ``out`` (w, h) px frame:
    as large as fits, centred (output px)."""
    (bw, bh), (ow, oh) = box_size_px, out
    scale = min(ow / bw, oh / bh)
    w, h = min(ow, max(1, round(bw * scale))), min(oh, max(1, round(bh * scale)))
    x0, y0 = (ow - w) // 2, (oh - h) // 2
    return PxBox(x0, y0, x0 + w, y0 + h)


def _share_inside(inner: PxBox, outer) -> float:
    ox = max(0, min(inner.x1, outer[2]) - max(inner.x0, outer[0]))
    oy = max(0, min(inner.y1, outer[3]) - max(inner.y0, outer[1]))
    return ox * oy / max(1, inner.width * inner.height)
