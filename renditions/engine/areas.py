"""The areas a photo's IPTC Image Regions describe besides crops: its subject and the
faces that matter, normalised 0-1 of the oriented original.

The subject is ``composition.subject_box`` (the cells of at least its share of the
peak density, faces' mass included); the faces are the important ones' heads, as the
planner protects them (``planning.Field.faces``).
"""
from __future__ import annotations

from . import composition, planning
from .geometry import PxBox


def image_areas(field: planning.Field) -> dict:
    """``{"subject": [x0, y0, x1, y1], "faces": [[...], ...]}`` of the image ``field``
    was built for, normalised 0-1 and rounded to 4 places."""
    size = field.size
    subject = composition.subject_box(field).to_norm(size)
    return {"subject": _rounded(subject),
            "faces": [_rounded(PxBox(*face).to_norm(size)) for face in field.faces]}


def _rounded(box) -> list[float]:
    return [round(v, 4) for v in box]
