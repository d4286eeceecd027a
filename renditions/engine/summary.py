"""A compact summary of a planning field, for planners outside Python (the
``<salient-img>`` element plans crops in the browser from it).

What the planner needs of a field for the largest box of an aspect (zoom 0,
what the element and every frame without ``z`` ask for): that box always spans
the whole width or the whole height of the image, so its mass is the mass of a
run of columns (or rows) and only the two marginals of the density (faces'
mass included) matter, not the 2-D grid. They travel as their cumulative sums
quantised to 24 bits (``BITS``): the mass of any box is then exact to about
1e-7 of the image's mass (the size of the planner's own centre tie-break), in
about 900 bytes of base64 for a 128 x 96 map.

Coordinates: ``size`` is (W, H) px of the oriented original; ``faces`` are the
head boxes (``planning.head_box``) of the important faces, integer px, largest
first, exactly as ``planning.Field.faces`` holds them.
"""
from __future__ import annotations

import base64

import numpy as np

from . import planning

BITS = 24
_TOP = (1 << BITS) - 2  # room for one unit of rounding above the largest step


def summarise(field: planning.Field) -> dict:
    """``{"v", "size", "cols", "rows", "faces"}``: the field's column and row
    marginals (base64 of little-endian 24-bit steps of the quantised cumulative
    mass; ``decode_marginal`` reads one) and its faces."""
    return {"v": 1, "size": list(field.size),
            "cols": encode_marginal(field.sat[-1, :]),
            "rows": encode_marginal(field.sat[:, -1]),
            "faces": [list(map(int, face)) for face in field.faces]}


def encode_marginal(cumulative: np.ndarray) -> str:
    """A cumulative mass (starting at 0, non-decreasing) as base64 24-bit steps,
    scaled so the largest step is just below 2**24."""
    cumulative = np.asarray(cumulative, dtype=np.float64)
    steps = np.diff(cumulative).clip(0, None)
    top = steps.max() if steps.size and steps.max() > 0 else 1.0
    quantised = np.round(np.concatenate([[0.0], np.cumsum(steps)]) * (_TOP / top))
    ints = np.diff(quantised).astype(np.uint32)
    raw = np.stack([ints & 0xFF, (ints >> 8) & 0xFF, (ints >> 16) & 0xFF], axis=1)
    return base64.b64encode(raw.astype(np.uint8).tobytes()).decode("ascii")


def decode_marginal(text: str) -> np.ndarray:
    """The cumulative mass of ``encode_marginal``, scaled to end at 1."""
    raw = np.frombuffer(base64.b64decode(text), dtype=np.uint8).reshape(-1, 3).astype(np.int64)
    steps = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
    cumulative = np.concatenate([[0], np.cumsum(steps)]).astype(np.float64)
    return cumulative / max(cumulative[-1], 1.0)
