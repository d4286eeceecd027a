"""Salient's pipeline as the product runs it, for the benchmarks to time and score.

``suggest`` is the CLI's own function (``python -m renditions suggest``):
analysis decode, saliency map, faces when the engine has a detector, one
plan per aspect. ``salient_renditions`` mirrors ``renditions.services``: one
analysis, ``open_full`` once, then one plan and one render per profile. All
boxes are in px of the oriented original.
"""
from __future__ import annotations

from renditions.engine import cli, loading, planning, saliency

#: As the app's defaults (``dam.conf``): analysis size and pixel limit.
ANALYSIS_LONGEST = 640
MAX_PIXELS = 100_000_000
RENDER_THREADS = 2


def faces_status() -> str:
    """One line: whether ``suggest`` and the renditions include face detection."""
    import importlib.util

    if importlib.util.find_spec("renditions.engine.faces") is None:
        return "faces: off (the engine has no face detector yet)"
    from renditions.engine import faces

    if hasattr(faces, "available") and not faces.available():
        return "faces: OFF (the face detector's weights package is not installed)"
    return "faces: on (renditions.engine.faces)"


def suggest(path, aspects, *, backend: str | None = None) -> dict:
    """{aspect: box} from the CLI's ``suggest`` for ``aspects`` given as (a, b)."""
    labelled = [(f"{a}:{b}", (a, b)) for a, b in aspects]
    record = cli.suggest(path, labelled, saliency.get_backend(backend), max_pixels=MAX_PIXELS)
    return {ratio: tuple(record["crops"][label]) for label, ratio in labelled}


def analyse(path, *, backend: str | None = None):
    """Return (map, (W, H) px, faces as boxes in source px) for the image at ``path``."""
    small, size = loading.open_for_analysis(path, longest=ANALYSIS_LONGEST,
                                            max_pixels=MAX_PIXELS)
    sal_map = saliency.get_backend(backend).compute(small)
    return sal_map, size, cli.detect_faces(small, size)


def profile_targets(profiles, size: tuple[int, int]) -> list[dict]:
    """Aspect, exact size, output size, format and quality of each profile.

    ``profiles``: rows as in ``renditions/migrations/_defaults.py``; ``size``:
    the source (W, H) px. The output size follows from the largest box of the
    aspect, as the app computes it.
    """
    targets = []
    for slug, _name, aspect, exact, max_width, fmt, quality in profiles:
        width, height = exact or (None, None)
        ratio = planning.profile_aspect(aspect=aspect, width=width, height=height)
        out = planning.output_size(planning.box_size(ratio, *size), width=width, height=height,
                                   max_width=max_width, allow_upscale=False, aspect=aspect)
        targets.append(dict(slug=slug, aspect=ratio, profile_aspect=aspect, exact=exact,
                            max_width=max_width, size=out, fmt=fmt, quality=quality))
    return targets


def plan_target(sal_map, size, faces, target):
    """The app's crop plan and output size (w, h) px for one profile ``target``."""
    width, height = target["exact"] or (None, None)
    plan = planning.plan_crop(sal_map, size, aspect=target["aspect"],
                              output_size=target["exact"], faces=faces)
    x0, y0, x1, y1 = plan.box
    dims = planning.output_size((x1 - x0, y1 - y0), width=width, height=height,
                                max_width=target["max_width"], allow_upscale=False,
                                aspect=target["profile_aspect"])
    return plan, dims


def salient_renditions(path, targets: list[dict], *, backend: str | None = None,
                       threads: int = RENDER_THREADS) -> list[bytes]:
    """One analysis, ``open_full`` once (reduced for a huge JPEG, as the worker does),
    then every target rendered side by side."""
    from renditions.engine import rendering

    sal_map, size, faces = analyse(path, backend=backend)
    jobs = []
    for target in targets:
        plan, dims = plan_target(sal_map, size, faces, target)
        jobs.append(rendering.Job(plan.box, dims, target["fmt"], target["quality"]))
    return rendering.render_file(path, jobs, source_size=size, max_pixels=MAX_PIXELS,
                                 threads=threads)
