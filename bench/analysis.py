"""Salient's pipeline as the product runs it, for the benchmarks to time and score.

Everything goes through the engine's front door (``renditions.engine.pipeline``),
as the worker does: ``analyse`` once (analysis decode, saliency map, faces when
the detector is installed), then one ``Planner`` plan per aspect or profile;
renditions decode once for both (``pyramid.Pyramid``, ``rendering.render_decoded``). All boxes are in px of the
oriented original.
"""
from __future__ import annotations

from PIL import Image

from renditions.engine import faces, pipeline, pyramid, rendering, sizing

RENDER_THREADS = 2  # as the app's DAM RENDER_THREADS default


def faces_status() -> str:
    """One line: whether ``suggest`` and the renditions include face detection."""
    if not faces.available():
        return "faces: OFF (the face detector's weights package is not installed)"
    return f"faces: on ({faces.NAME} {faces.version()})"


def suggest(path, aspects, *, backend: str | None = None) -> dict:
    """{aspect: box} for ``aspects`` given as (a, b), as ``python -m renditions suggest``."""
    planner = pipeline.Planner(analyse(path, backend=backend))
    return {ratio: tuple(planner.plan(pipeline.RenditionSpec(aspect=ratio)).box)
            for ratio in aspects}


def analyse(path, *, backend: str | None = None) -> pipeline.ImageAnalysis:
    """The front door's analysis of the image at ``path``."""
    return pipeline.analyse(path, backend=backend)


def profile_targets(profiles, size: tuple[int, int]) -> list[dict]:
    """Spec, output size, format and quality of each profile.

    ``profiles``: rows as in ``renditions/migrations/_defaults.py``; ``size``:
    the source (W, H) px. The output size follows from the largest box of the
    aspect, as the app computes it.
    """
    targets = []
    for slug, _name, aspect, exact, max_width, fmt, quality in profiles:
        width, height = exact or (None, None)
        spec = pipeline.RenditionSpec(aspect=aspect, width=width, height=height,
                                      max_width=max_width)
        out = sizing.output_size(sizing.box_size(spec.ratio, *size), width=width,
                                 height=height, max_width=max_width, allow_upscale=False,
                                 aspect=aspect)
        targets.append(dict(slug=slug, spec=spec, aspect=spec.ratio, size=out, fmt=fmt,
                            quality=quality))
    return targets


def salient_renditions(path, targets: list[dict], *, backend: str | None = None,
                       threads: int = RENDER_THREADS) -> list[bytes]:
    """As the worker makes an upload's renditions: one decode (reduced for a huge
    JPEG to what the largest crops need), the analysis from it, then every
    target planned and rendered side by side from the same decode."""
    with Image.open(path) as im:
        size = im.size  # the bench's photos carry no EXIF orientation
    specs = [target["spec"] for target in targets]
    decoded = pyramid.Pyramid.open(path, max_pixels=None,
                                   reduce=pipeline.decode_reduction(specs, size))
    planner = pipeline.Planner(pipeline.analyse(decoded, backend=backend))
    jobs = []
    for target in targets:
        plan = planner.plan(target["spec"])
        jobs.append(rendering.Job(plan.box, plan.size, target["fmt"], target["quality"]))
    return rendering.render_decoded(decoded, path, jobs, max_pixels=None, threads=threads)
