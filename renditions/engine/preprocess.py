"""Model input preparation shared by the engine and the training code.

One function, so training, evaluation and the product feed a saliency model
exactly the same pixels (a test compares them on a fixture image).
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from .geometry import fit_longest


def to_model_input(img: Image.Image, longest: int) -> np.ndarray:
    """Resize ``img`` to fit ``longest`` and return float32 NCHW RGB 0..255.

    ``img`` must already be oriented and RGB. Resampling is Pillow's BILINEAR
    with ``reducing_gap=None`` so that the result does not depend on JPEG draft
    decoding choices beyond the decoded pixels themselves.
    """
    if img.mode != "RGB":
        img = img.convert("RGB")
    size = fit_longest(img.size, longest)
    if img.size != size:
        img = img.resize(size, Image.Resampling.BILINEAR)
    # one pass from the uint8 pixels (a float32 copy first, then a transposed
    # copy, cost 9x as much: 1.4 ms on a 320 px input)
    return np.ascontiguousarray(np.asarray(img).transpose(2, 0, 1)[None], dtype=np.float32)
