"""Which detected faces matter to a crop: the ones people look at.

A face is *important* when it is a sizeable part of the picture, at least
``MIN_SHARE`` of the image's area (in a crowd, more than ``CROWD`` faces, also
``NEAR_LARGEST`` of the largest face's), or when the saliency map says it draws
the eye: its mean density at least ``DRAWS_EYE`` times the image's. The others
(a crowd's small background faces) neither add mass to the planning field nor
are protected from cuts, so they cannot pull or shrink a box. Boxes are px of
the oriented original.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

#: Smallest share of the image's area that makes a face important by size.
MIN_SHARE = 0.002
#: More faces than this make a crowd, where a face must also be NEAR_LARGEST of the
#: largest face's area to count by size.
CROWD = 6
NEAR_LARGEST = 0.25
#: Mean saliency inside the face, relative to the image's mean, that draws the eye.
DRAWS_EYE = 3.0


def important(faces: Sequence[Sequence[int]], saliency_map: np.ndarray,
              image_size: tuple[int, int]) -> list:
    """The ``faces`` (boxes in px of ``image_size``) that matter, in their order."""
    if not faces:
        return []
    width, height = image_size
    areas = [(f[2] - f[0]) * (f[3] - f[1]) for f in faces]
    floor = MIN_SHARE * width * height
    if len(faces) > CROWD:
        floor = max(floor, NEAR_LARGEST * max(areas))
    return [f for f, area in zip(faces, areas)
            if area >= floor or draw(saliency_map, f, image_size) >= DRAWS_EYE]


def draw(saliency_map: np.ndarray, face: Sequence[int], image_size: tuple[int, int]) -> float:
    """The map's mean density over ``face`` relative to its mean over the image."""
    rows, cols = saliency_map.shape
    sx, sy = cols / image_size[0], rows / image_size[1]
    c0, r0 = int(face[0] * sx), int(face[1] * sy)
    c1, r1 = max(c0 + 1, int(np.ceil(face[2] * sx))), max(r0 + 1, int(np.ceil(face[3] * sy)))
    inside = saliency_map[r0:r1, c0:c1]
    total = float(saliency_map.sum())
    if total <= 0 or inside.size == 0:
        return 0.0
    return float(inside.mean()) / (total / saliency_map.size)


def eye_region(saliency_map: np.ndarray, image_size: tuple[int, int]
               ) -> tuple[float, float, float, float]:
    """The box (px of ``image_size``) around every map cell at least ``DRAWS_EYE``
    times the mean density: a face that draws the eye overlaps one of them
    (``draw`` averages the cells a face overlaps), so a face too small to matter
    by size matters only there. Empty (0, 0, 0, 0) when no cell is that dense."""
    hot = saliency_map >= DRAWS_EYE * float(saliency_map.mean())
    if not hot.any():
        return 0.0, 0.0, 0.0, 0.0
    rows, cols = np.nonzero(hot)
    sx, sy = image_size[0] / saliency_map.shape[1], image_size[1] / saliency_map.shape[0]
    return (cols.min() * sx, rows.min() * sy, (cols.max() + 1) * sx, (rows.max() + 1) * sy)
