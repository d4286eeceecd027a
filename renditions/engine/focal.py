"""The automatic focal point of a saliency map."""
from __future__ import annotations

import numpy as np


def auto_focal(saliency_map: np.ndarray) -> tuple[float, float]:
    """Return the focal point (x, y), normalised 0-1, of a saliency map.

    The peak of the map after a 5x5-cell box blur, so a single hot cell does not
    win over a salient region. Cell centres map to ((c + 0.5) / w, (r + 0.5) / h).
    """
    m = np.asarray(saliency_map, dtype=np.float64)
    h, w = m.shape
    padded = np.pad(m, 2, mode="edge")
    table = padded.cumsum(0).cumsum(1)
    table = np.pad(table, ((1, 0), (1, 0)))
    blurred = table[5:, 5:] - table[:-5, 5:] - table[5:, :-5] + table[:-5, :-5]
    r, c = np.unravel_index(int(np.argmax(blurred)), blurred.shape)
    return float((c + 0.5) / w), float((r + 0.5) / h)
