"""The planning field: the saliency map on a grid over the source, with the
faces' mass added, and the mass of any box in source px.

Built once per image (``build_field``) and shared by the plans of every aspect
(``planning``); everything per image that a plan reads is worked out here, once,
so a plan only does what depends on its box. The field is not changed after it
is built, so threads may share it.

Boxes are ``(x0, y0, x1, y1)`` in px of the oriented source image, x1/y1
exclusive. The mass of a box comes from a summed-area table (SAT) over the
cells: exact for the piecewise-constant density, as the SAT is bilinear in
each cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field as _dataclass_field

import numpy as np

from . import confidence as _confidence
from . import grid, importance
from .geometry import outward_box

Box = tuple[int, int, int, int]

#: Saliency mass a face adds per unit of image area it covers (map sums to 1).
FACE_GAIN = 4.0
FACE_MASS_RANGE = (0.03, 0.6)
#: Places per axis that ``worst_share`` tries.
WORST_STEPS = 40


@dataclass
class Field:
    """The saliency map on a grid over the source, with face mass and its SAT.

    ``sat[r, c]`` is the mass of cells above row r and left of column c;
    ``faces``: the head boxes (``head_box``, source px) of the important faces,
    largest first, which a crop must not cut; ``sx``/``sy`` are cells per source
    px; ``model_version``: the saliency backend's version that made the map, for
    ``confidence`` (None: the shipped model). ``edges``: the cell edges along x
    and along y, rounded to source px (where a best box's edges can lie).
    """

    density: np.ndarray
    sat: np.ndarray
    size: tuple[int, int]
    faces: list[Box]
    sx: float
    sy: float
    stats: _confidence.MapStats
    model_version: str | None = None
    edges: tuple[np.ndarray, np.ndarray] = _dataclass_field(init=False, repr=False)

    def __post_init__(self):
        self.edges = (_cell_edges(self.size[0], self.sx), _cell_edges(self.size[1], self.sy))

    def masses(self, xs: np.ndarray, ys: np.ndarray, w: int, h: int) -> np.ndarray:
        """Mass of every box [x, x+w) x [y, y+h): array (len(ys), len(xs)).

        Each box is the SAT at its right edge less at its left, interpolated along
        x, then at its bottom less at its top along y; both edges of an axis are
        interpolated in one call.
        """
        rows, cols = self.sat.shape
        k, m = len(xs), len(ys)
        ends = grid.lerp_weights(np.concatenate([ys + h, ys]) * self.sy, rows)
        sat = self.sat
        if 4 * m < rows:  # few places down: interpolate along x only the rows read
            sat = sat.take(np.concatenate(ends[:2]), 0)
            ends = (np.arange(2 * m), np.arange(2 * m, 4 * m), ends[2])
        sides = grid.lerp_weights(np.concatenate([xs + w, xs]) * self.sx, cols)
        both = grid.lerp(sat, sides, 1)
        both = grid.lerp(both[:, :k] - both[:, k:], ends, 0)
        return both[:m] - both[m:]

    def mass(self, box: Box) -> float:
        """Mass (0-1) inside ``box`` (source px): ``masses`` of the one box, the same
        operations in the same order (so the same bits), on Python floats."""
        x0, y0, x1, y1 = box
        rows, cols = self.sat.shape
        right, left = grid.lerp_weight(x1 * self.sx, cols), grid.lerp_weight(x0 * self.sx, cols)

        def strip(r: int) -> float:  # the mass above row r between x0 and x1
            row = self.sat[r]
            return _lerp(row.item, right) - _lerp(row.item, left)

        bottom, top = grid.lerp_weight(y1 * self.sy, rows), grid.lerp_weight(y0 * self.sy, rows)
        return float(_lerp(strip, bottom) - _lerp(strip, top))


def _lerp(value, weight) -> float:
    """``value(lo) * (1 - frac) + value(hi) * frac`` for ``grid.lerp_weight``'s."""
    lo, hi, frac = weight
    return value(lo) * (1 - frac) + value(hi) * frac


def _cell_edges(length: int, cells_per_px: float) -> np.ndarray:
    """The px (rounded) of the cell edges along a side of ``length`` px."""
    cells = int(round(length * cells_per_px))
    return np.round(np.arange(cells + 1) / cells_per_px)


def build_field(saliency_map, image_size, faces=(), *,
                model_version: str | None = None) -> Field:
    """The field of a map for a source of ``image_size`` (W, H) px with ``faces``
    (boxes in source px, cleaned here: clipped, integer, largest first), made by
    the saliency model ``model_version`` (None: the shipped one)."""
    faces = importance.important(_clean_faces(faces, image_size), saliency_map, image_size)
    built = _grid_field(np.ascontiguousarray(saliency_map, dtype=np.float32), image_size, faces)
    built.faces = [head_box(face, image_size) for face in faces]
    built.model_version = model_version
    return built


def head_box(face: Box, image_size) -> Box:
    """The head around a detected face box (source px): the square about its
    centre on its longer side, clipped to the image.

    MTCNN's boxes run brow to chin and are about 0.8 times as wide as tall, so a
    crop edge just outside the face box still slices off an ear and the hair: on
    the faces bench's hand-labelled heads (bench/face_cuts.py), protecting the
    face boxes let 18 of 250 crops cut an attended head, 17 of them avoidably;
    protecting the squares, 10 and 9 (4 faces the detector missed).
    """
    x0, y0, x1, y1 = face
    side = max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return outward_box((cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), image_size)


def worst_share(field: Field, box, steps: int = WORST_STEPS, *,
                mine: float | None = None) -> float:
    """The mass of the worst-placed box of ``box``'s size (source px) over this box's,
    0-1, on a ``steps`` x ``steps`` grid of places: near 1 where no place of that
    size could lose much (a box nearly as large as the photo, a flat map).
    ``mine``: ``field.mass(box)`` where the caller has it already."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    width, height = field.size
    xs, ys = _places(width - w, steps), _places(height - h, steps)
    mine = field.mass(box) if mine is None else mine
    return float(min(1.0, field.masses(xs, ys, w, h).min() / mine)) if mine > 0 else 1.0


def _places(free: int, steps: int) -> np.ndarray:
    """``steps`` starts spread evenly over [0, free] px (all of them when fewer), rounded."""
    if free == 0:  # a box as long as the side: one place
        return np.zeros(1)
    return np.linspace(0, free, min(steps, free + 1)).round()


def _clean_faces(faces, image_size) -> list[Box]:
    """Integer face boxes clipped to the image, empty ones dropped, largest first."""
    boxes = (outward_box(face, image_size) for face in faces)
    out = [box for box in boxes if box.width > 0 and box.height > 0]
    return sorted(out, key=lambda f: -f.width * f.height)


def _grid_field(saliency_map, image_size, faces) -> Field:
    """Resample the map to the source aspect, add face mass, build the SAT."""
    width, height = image_size
    cols, rows = grid.fit_cells(width, height, max(saliency_map.shape))
    density = grid.normalise(grid.resize(saliency_map, (rows, cols))).astype(np.float64)
    sx, sy = cols / width, rows / height
    for face in faces:
        density += _face_blob(face, (rows, cols), sx, sy, image_size)
    density /= density.sum()
    sat = np.zeros((rows + 1, cols + 1))
    cells = sat[1:, 1:]  # density.cumsum(0).cumsum(1), summed in place: no temporaries
    np.cumsum(density, axis=0, out=cells)
    np.cumsum(cells, axis=1, out=cells)
    return Field(density, sat, image_size, faces, sx, sy, _confidence.map_stats(density))


def _face_blob(face: Box, shape, sx, sy, image_size) -> np.ndarray:
    """Gaussian mass over ``face``, proportional to its share of the image area."""
    x0, y0, x1, y1 = face
    share = (x1 - x0) * (y1 - y0) / (image_size[0] * image_size[1])
    mass = min(max(FACE_GAIN * share, FACE_MASS_RANGE[0]), FACE_MASS_RANGE[1])
    blob = grid.gaussian_2d(shape, ((x0 + x1) / 2 * sx, (y0 + y1) / 2 * sy),
                            ((x1 - x0) * sx / 2.5 + 0.3, (y1 - y0) * sy / 2.5 + 0.3))
    return mass * blob / blob.sum()
