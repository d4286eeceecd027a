"""Heat-map overlays for the editor UI and the CLI.

The saliency map is drawn in the *inferno* colour map (perceptually uniform,
readable in greyscale; its 11 published stops are interpolated here, so no
matplotlib) over a dimmed copy of the photo, with crop boxes on top. Boxes
are in pixels of the image passed in.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# inferno at 0, 0.1, ..., 1 (matplotlib's colour map, CC0)
_INFERNO_STOPS = np.array([
    (0, 0, 4), (22, 11, 57), (66, 10, 104), (106, 23, 110), (147, 38, 103),
    (188, 55, 84), (221, 81, 58), (243, 120, 25), (252, 165, 10),
    (246, 215, 70), (252, 255, 164)], dtype=np.float64)
BOX_COLOURS = ((0, 229, 255), (118, 255, 3), (255, 255, 255), (255, 64, 129), (255, 234, 0))
DIM = 0.45


def inferno_lut() -> np.ndarray:
    """(256, 3) uint8 lookup table of the inferno colour map."""
    pos = np.linspace(0, 1, len(_INFERNO_STOPS))
    t = np.linspace(0, 1, 256)
    lut = np.stack([np.interp(t, pos, _INFERNO_STOPS[:, i]) for i in range(3)], axis=1)
    return np.round(lut).astype(np.uint8)


_LUT = inferno_lut()


def overlay(img: Image.Image, saliency_map: np.ndarray, *,
            boxes: Sequence[Sequence[int]] = (), labels: Sequence[str] = ()) -> Image.Image:
    """Return an RGB image: the map in colour over the dimmed ``img``.

    ``saliency_map`` may have any size (it is stretched over the image);
    ``boxes`` (x0, y0, x1, y1) in ``img`` px are outlined, each with the label
    of the same index, if any.
    """
    photo = np.asarray(img.convert("RGB"), dtype=np.float32)
    level = _levels(saliency_map, (img.height, img.width))
    colour = _LUT[np.round(level * 255).astype(np.uint8)].astype(np.float32)
    alpha = (0.85 * np.sqrt(level))[..., None]
    mixed = photo * DIM * (1 - alpha) + colour * alpha
    out = Image.fromarray(np.clip(mixed + 0.5, 0, 255).astype(np.uint8), "RGB")
    _draw_boxes(out, boxes, labels)
    return out


def layer(saliency_map: np.ndarray, *, longest: int = 320) -> Image.Image:
    """Return the map alone as an RGBA image for the editor to lay over a photo.

    Colour is inferno, alpha grows with saliency as in :func:`overlay`; the
    layer has the map's aspect, ``longest`` px on its long side (the browser
    stretches it over the photo).
    """
    rows, cols = np.asarray(saliency_map).shape
    scale = longest / max(rows, cols)
    level = _levels(saliency_map, (max(1, round(rows * scale)), max(1, round(cols * scale))))
    colour = _LUT[np.round(level * 255).astype(np.uint8)]
    alpha = np.round(255 * 0.85 * np.sqrt(level)).astype(np.uint8)[..., None]
    return Image.fromarray(np.concatenate([colour, alpha], axis=-1), "RGBA")


def _levels(saliency_map: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The map at ``shape`` (rows, cols), scaled to 0-1 by its maximum."""
    small = np.asarray(saliency_map, dtype=np.float32)
    small = small / max(float(small.max()), 1e-12)
    layer = Image.fromarray(np.clip(small, 0, 1).astype(np.float32))
    big = layer.resize((shape[1], shape[0]), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(big, dtype=np.float32), 0.0, 1.0)


def _draw_boxes(img: Image.Image, boxes, labels) -> None:
    draw = ImageDraw.Draw(img)
    line = max(2, min(img.size) // 200)
    font = _font(max(12, min(img.size) // 30))
    for i, box in enumerate(boxes):
        colour = BOX_COLOURS[i % len(BOX_COLOURS)]
        x0, y0, x1, y1 = (int(v) for v in box)
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=colour, width=line)
        if i < len(labels) and labels[i]:
            at = (x0 + line + 2, y0 + line + 1)
            draw.text(at, str(labels[i]), fill=colour, font=font,
                      stroke_width=max(1, line // 2), stroke_fill=(0, 0, 0))


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # Pillow built without FreeType
        return ImageFont.load_default()

