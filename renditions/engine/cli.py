"""``python -m renditions``: the engine from the command line.

Commands (all sizes and boxes in px of the oriented original):

* ``suggest IMAGE [IMAGE ...] --aspect 16:9 [--aspect 1:1 ...] [--json]``:
  one line per image; with ``--json`` a JSON object
  ``{"image", "width", "height", "crops": {aspect: [x0, y0, x1, y1]},
  "kept": {aspect: k}, "confidence": {aspect: c}, "faces": [[x0, y0, x1,
  y1], ...], "backend": version}``. ``kept`` is the fraction of saliency
  each crop keeps (0-1); ``confidence`` the chance (0-1) that it keeps at
  least 90 % of the fixations the best crop of its aspect would keep
  (``confidence``).
* ``saliency IMAGE --out MAP.npy``: the float32 map (sums to 1).
* ``render IMAGE --aspect 16:9 --width 1600 --format webp -o OUT``.
* ``heatmap IMAGE -o OUT.png [--aspect ...]``: the map over the photo with
  the suggested crops drawn.

A file that cannot be used prints ``salient: FILE: problem`` on stderr and
the command exits with status 2 (``suggest`` goes on with the other files
first). Models load once per process.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

from . import encoding, heatmap, loading, pipeline, pyramid, rendering, saliency
from .geometry import NormPoint, scale_box

DEFAULT_ASPECTS = ("1:1", "16:9", "9:16", "4:5", "3:1")
EXIT_BAD_INPUT = 2


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status."""
    args = _parser().parse_args(argv)
    _log_to_stderr()
    try:
        backend = saliency.get_backend(args.backend)
    except ValueError as exc:
        return _fail(args.backend, str(exc))
    return args.run(args, backend)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m renditions", description="Salient's crop engine.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backend", default="auto",
                        help="saliency backend: auto, spectral or a .onnx file (default auto)")
    common.add_argument("--max-pixels", type=int, default=loading.DEFAULT_MAX_PIXELS,
                        help="refuse images with more pixels (default %(default)s)")
    common.add_argument("--no-faces", action="store_true", help="skip face detection")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_suggest(sub, common)
    _add_saliency(sub, common)
    _add_render(sub, common)
    _add_heatmap(sub, common)
    return parser


def _add_suggest(sub, common) -> None:
    p = sub.add_parser("suggest", parents=[common], help="print crop boxes")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--aspect", action="append", type=_aspect_arg, metavar="A:B")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(run=_run_suggest)


def _add_saliency(sub, common) -> None:
    p = sub.add_parser("saliency", parents=[common], help="write the saliency map")
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("--out", required=True, metavar="MAP.npy")
    p.set_defaults(run=_run_saliency)


def _add_render(sub, common) -> None:
    p = sub.add_parser("render", parents=[common], help="write one rendition")
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("--aspect", type=_aspect_arg, metavar="A:B")
    p.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
    p.add_argument("--max-width", type=int)
    p.add_argument("--format", default="jpeg", choices=encoding.FORMATS)
    p.add_argument("--quality", type=int, default=82)
    p.add_argument("--zoom", type=float, default=0.0, help="0 (largest box) to 1")
    p.add_argument("--focal", type=_focal_arg, metavar="X,Y", help="normalised 0-1")
    p.add_argument("--upscale", action="store_true", help="allow upscaling")
    p.add_argument("-o", "--out", required=True)
    p.set_defaults(run=_run_render)


def _add_heatmap(sub, common) -> None:
    p = sub.add_parser("heatmap", parents=[common], help="write a heat-map overlay")
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("--aspect", action="append", type=_aspect_arg, metavar="A:B")
    p.add_argument("-o", "--out", required=True)
    p.set_defaults(run=_run_heatmap)


def _aspect_arg(text: str) -> tuple[str, tuple[int, int]]:
    """'16:9' (or '16x9', '1.91:1') -> ('16:9', (16, 9)) in lowest terms."""
    try:
        a, b = text.replace("x", ":").split(":")
        ratio = Fraction(a) / Fraction(b)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"aspect must look like 16:9, got {text!r}") from None
    if ratio <= 0:
        raise argparse.ArgumentTypeError(f"aspect must be positive, got {text!r}")
    return text, (ratio.numerator, ratio.denominator)


def _focal_arg(text: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"focal must look like 0.5,0.4, got {text!r}") from None
    return x, y


# -- commands -------------------------------------------------------------------

def _run_suggest(args, backend) -> int:
    aspects = args.aspect or [_aspect_arg(a) for a in DEFAULT_ASPECTS]
    status = 0
    for path in args.images:
        try:
            result = suggest(path, aspects, backend, max_pixels=args.max_pixels,
                             faces=not args.no_faces)
        except loading.ImageError as exc:
            status = _fail(path, str(exc))
            continue
        print(json.dumps(result) if args.json else _text_line(result), flush=True)
    return status


def suggest(path, aspects, backend, *, max_pixels: int | None = None,
            faces: bool = True) -> dict:
    """The ``suggest`` record of one image (see the module docstring)."""
    analysis = pipeline.analyse(path, backend=backend, detect_faces=faces, max_pixels=max_pixels)
    planner = pipeline.Planner(analysis)
    width, height = analysis.size
    record = {"image": str(path), "width": width, "height": height,
              "crops": {}, "kept": {}, "confidence": {},
              "faces": [list(f) for f in analysis.faces], "backend": backend.version}
    for label, ratio in aspects:
        plan = planner.plan(pipeline.RenditionSpec(aspect=ratio))
        record["crops"][label] = list(plan.box)
        record["kept"][label] = round(plan.kept, 4)
        record["confidence"][label] = round(plan.confidence, 4)
    return record


def _text_line(record: dict) -> str:
    crops = "  ".join(f"{k}={v} (kept {record['kept'][k]:.2f}, confidence "
                      f"{record['confidence'][k]:.2f})" for k, v in record["crops"].items())
    return f"{record['image']} {record['width']}x{record['height']}  {crops}"


def _run_saliency(args, backend) -> int:
    try:
        img, _ = loading.open_for_analysis(args.image, max_pixels=args.max_pixels)
    except loading.ImageError as exc:
        return _fail(args.image, str(exc))
    np.save(args.out, backend.compute(img))
    return 0


def _run_render(args, backend) -> int:
    try:  # one decode for the analysis and the rendition, as the worker does
        full = pyramid.Pyramid.open(args.image, max_pixels=args.max_pixels)
    except loading.ImageError as exc:
        return _fail(args.image, str(exc))
    analysis = pipeline.analyse(full, backend=backend, detect_faces=not args.no_faces)
    spec = pipeline.RenditionSpec(aspect=args.aspect and args.aspect[1], width=args.width,
                                  height=args.height, max_width=args.max_width,
                                  zoom=args.zoom, allow_upscale=args.upscale)
    plan = pipeline.plan(analysis, spec, focal=args.focal and NormPoint(*args.focal))
    data = rendering.render(full, plan.box, plan.size, fmt=args.format, quality=args.quality)
    try:
        Path(args.out).write_bytes(data)
    except OSError as exc:
        print(f"salient: {args.out}: cannot write ({exc.strerror})", file=sys.stderr)
        return 1
    return 0


def _run_heatmap(args, backend) -> int:
    aspects = args.aspect or [_aspect_arg(a) for a in DEFAULT_ASPECTS]
    try:
        img, size = loading.open_for_analysis(args.image, max_pixels=args.max_pixels)
    except loading.ImageError as exc:
        return _fail(args.image, str(exc))
    planner = pipeline.Planner(pipeline.analyse_image(img, size, backend=backend,
                                                      detect_faces=not args.no_faces))
    boxes = [scale_box(planner.plan(pipeline.RenditionSpec(aspect=ratio)).box, size, img.size)
             for _, ratio in aspects]
    heatmap.overlay(img, planner.analysis.saliency_map, boxes=boxes,
                    labels=[label for label, _ in aspects]).save(args.out)
    return 0


def _log_to_stderr() -> None:
    """The engine's warnings (a failing face detector, a missing model) as
    ``salient: ...`` lines on stderr."""
    logger = logging.getLogger("renditions.engine")
    if not any(getattr(h, "salient_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("salient: %(message)s"))
        handler.salient_cli = True
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)


def _fail(name, problem: str) -> int:
    print(f"salient: {name}: {problem}", file=sys.stderr)
    return EXIT_BAD_INPUT
