"""Writes for delivery: frames made on first request and stored (``Frame``).

Two kinds, both content-addressed and found again by key:

* a frame of any size, planned on the stored analysis with the rules of the
  profiles (the editor's focal point; the crop an editor set or a reviewer
  approved for a profile of the same aspect), never re-analysed;
* a variant of a profile's rendition: another srcset width or another format
  (Accept negotiation) of the same crop box.

A newer frame of the same spec (a moved focal point) replaces the older one,
whose file is deleted once the replacement is committed.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from dam.conf import dam_setting
from dam.models import Asset
from dam.storage import store_content_addressed

from . import delivery, derive, print_frames, rights, selectors
from .conf import setting
from .engine import encoding, pipeline, pixel_grid, printing, rendering, sizing, workers
from .engine.pyramid import Pyramid
from .models import CropDecision, Frame, Rendition


#: The whole photo as a human box (normalised): it wins as a box does, snapped to the aspect.
WHOLE = [0.0, 0.0, 1.0, 1.0]
#: What ``frame_plan`` plans, for caches of its boxes (2: on the decode's pixel grid).
PLAN_VERSION = 2


class NotReady(Exception):
    """The asset has no analysis yet (processing has not finished)."""


def frame_ensure(*, asset: Asset, width: int, height: int, fmt: str,
                 compose: delivery.Composition = delivery.Composition(),
                 admit: Callable[[], None] | None = None,
                 press: printing.Press | None = None, name: str = "") -> Frame:
    """The stored ``width`` x ``height`` px frame of ``asset`` in ``fmt``, made if
    missing; ``compose``: its composition controls (zoom, align, pad) as a
    profile's, else the defaults. ``admit`` is called before a missing frame is
    rendered and may raise to refuse it (the delivery view's throttle).
    ``press``: a print frame (``print_frames``), exactly this size (upscaled if
    need be), its resolution and colour as the press says; ``name`` its spec."""
    analysis = getattr(asset, "analysis", None)
    if analysis is None:
        raise NotReady("This asset is not analysed yet.")
    quality = setting("FRAME_QUALITY")
    # ``plan``: a frame stored before frames were planned on the grid is made
    # again once, so that the box stored is the one ``frame_plan`` reports
    spec_hash = _hash({"frame": [width, height], "format": fmt, "quality": quality,
                       **compose.changes(),
                       **({"press": press.changes()} if press else {"plan": PLAN_VERSION})})
    spec = _spec(f"{name or f'{width}x{height}'}{compose.suffix()}.{fmt}")
    stored = _stored(asset.pk, spec)
    if not stored:  # a first request of this spec misses whatever its box: decode now
        decoding = _decode_ahead(asset, (width, height), compose, press, admit)
    box = WHOLE if compose.whole else _same_aspect_box(asset, width, height)
    key = derive.content_key(asset=asset, spec_hash=spec_hash, analysis=analysis, box=box)
    if key in stored:
        return stored[key]
    if stored:  # older frames of the spec: this one replaces them
        decoding = _decode_ahead(asset, (width, height), compose, press, admit)
    plan = frame_plan(asset=asset, width=width, height=height, compose=compose,
                      upscale=press is not None, box=box)
    if press is None and fmt == "tiff":
        press = printing.Press()  # TIFF carries XMP in its own tag
    return _make(asset, None, spec, key, rendering.Job(plan.box, plan.size, fmt, quality,
                                                       plan.content, compose.pad, press),
                 decoding, replaces=bool(stored))


def frame_plan(*, asset: Asset, width: int, height: int,
               compose: delivery.Composition = delivery.Composition(), upscale: bool = False,
               box=..., planner: pipeline.Planner | None = None):
    """The plan of a ``width`` x ``height`` px frame (what ``frame_ensure`` cuts; ``box``:
    a human crop of its aspect, found when not given): its crop box in px of the
    original and its size. The box lies on the pixel grid of the decode it is cut
    from (``pixel_grid.on_grid``: libvips resamples it), unless it is ``upscale``d
    (a print frame). ``planner``: the stored analysis' (a caller planning several
    frames makes it once). Raises NotReady before the analysis."""
    analysis = getattr(asset, "analysis", None)
    if analysis is None:
        raise NotReady("This asset is not analysed yet.")
    if box is ...:
        box = WHOLE if compose.whole else _same_aspect_box(asset, width, height)
    planner = planner or pipeline.Planner(derive.engine_analysis(asset, analysis))
    wanted = pipeline.RenditionSpec(width=width, height=height, zoom=compose.zoom,
                                    align=compose.align, pad=compose.pad,
                                    allow_upscale=upscale)
    plan = derive.plan_spec(planner, analysis, wanted, box=box)
    if upscale:
        return plan
    return replace(plan, box=pixel_grid.on_grid(plan.box, plan.size, (asset.width, asset.height),
                                                content=plan.content))


def print_resolution(asset: Asset, wanted: print_frames.PrintRequest,
                     compose: delivery.Composition) -> dict:
    """What the print frame's crop holds: ``effective_dpi``, the original's px per
    inch of print (the dpi asked for, or fewer where the crop is enlarged to the
    size) and ``enlarged``; {} before the analysis (no plan yet)."""
    try:
        plan = frame_plan(asset=asset, width=wanted.size[0], height=wanted.size[1],
                          compose=compose, upscale=True)
    except NotReady:
        return {}
    x0, y0, x1, y1 = plan.box
    placed = plan.content or (0, 0, *plan.size)  # padded: where the crop goes
    scale = min((x1 - x0) / (placed[2] - placed[0]), (y1 - y0) / (placed[3] - placed[1]))
    return {"effective_dpi": min(wanted.dpi, math.floor(wanted.dpi * scale)),
            "enlarged": scale < 1}


def variant_ensure(*, rendition: Rendition, width: int, fmt: str) -> Frame | Rendition:
    """The rendition's crop at ``width`` px in ``fmt``, stored, made if missing.

    A rendition made from an earlier original (the file was replaced, processing not
    done yet) has a crop in that original's pixels: rather than cut the new file with
    it, the rendition itself stands in (its own width and format) until it is remade.
    """
    profile = rendition.profile
    spec = f"{profile.slug}@{width}.{fmt}"
    # The current metadata, which a rendition not yet remade after an edit lacks.
    digest = derive.public_metadata(rendition.asset).digest()
    key = _hash([rendition.key, width, fmt, profile.quality] + ([digest] if digest else []))
    stored = _stored(rendition.asset_id, spec)
    if key in stored:
        return stored[key]
    if selectors.rendition_stale(rendition):
        return rendition
    size = (width, delivery.variant_height(rendition, width))
    content = None
    if rendition.content:  # padded: the crop's place, scaled to this width
        scale = width / rendition.width
        content = [round(v * scale) for v in rendition.content]
    return _make(rendition.asset, rendition, spec, key,
                 rendering.Job(rendition.crop_box, size, fmt, profile.quality, content,
                               profile.pad), replaces=bool(stored))


def _stored(asset_id: int, spec: str) -> dict[str, Frame]:
    """The stored frames of a spec by key: the current one, and any it is about to replace."""
    return {frame.key: frame for frame in Frame.objects.filter(asset_id=asset_id, spec=spec)}


def _same_aspect_box(asset: Asset, width: int, height: int) -> list[float] | None:
    """The human crop (normalised) of a profile with the frame's aspect, if any."""
    decisions = (CropDecision.objects.filter(asset=asset).select_related("profile")
                 .order_by("profile__slug"))
    for decision in decisions:
        if decision.effective_box and delivery.same_aspect(decision.profile, width, height):
            return decision.effective_box
    return None


def _decode_ahead(asset: Asset, size: tuple[int, int], compose: delivery.Composition,
                  press: printing.Press | None,
                  admit: Callable[[], None] | None = None) -> Future | None:
    """The decode a frame of ``size`` px will be cut from, started on a render
    thread as soon as the frame is known to be missing, so that it runs while
    the frame is looked up further and planned (Pillow's decoder lets go of the
    GIL): reduced for the largest box of the frame's aspect. None where the box
    is only known from the plan (zoom, padding, print). An editor's box, or a
    plan, that needs more px than that is decoded again
    (``rendering.render_decoded``). ``admit`` (``frame_ensure``'s) is called
    first, decode ahead or not."""
    if admit is not None:
        admit()
    if compose.zoom or compose.pad or press is not None:
        return None
    largest = sizing.box_size(size, asset.width, asset.height)
    reduce = rendering.decode_reduction([rendering.Job((0, 0, *largest), size, "", 0)],
                                        rendering.FAST_SHRINK)
    storage, name, limit = asset.file.storage, asset.file.name, dam_setting("MAX_PIXELS")

    def decode() -> Pyramid:
        with storage.open(name, "rb") as fp:
            return Pyramid.open(fp, max_pixels=limit, reduce=reduce)

    return workers.pool("decode", setting("RENDER_THREADS")).submit(decode)


def _make(asset: Asset, rendition: Rendition | None, spec: str, key: str,
          job: rendering.Job, decoding: Future | None = None, *, replaces: bool) -> Frame:
    """Render ``job`` (from ``decoding``'s decode where given), store the file and its
    row; ``replaces``: older frames of ``spec`` were stored, to be dropped with it."""
    options = dict(max_pixels=dam_setting("MAX_PIXELS"), threads=setting("RENDER_THREADS"),
                   min_shrink=rendering.FAST_SHRINK, metadata=derive.public_metadata(asset))
    with asset.file.open("rb") as fp:
        if decoding is None:
            [data] = rendering.render_file(fp, [job], source_size=(asset.width, asset.height),
                                           **options)
        else:
            [data] = rendering.render_decoded(decoding.result(), fp, [job], **options)
    stem = spec.rsplit(".", 1)[0].replace("@", "-")
    name = (f"{setting('RENDITIONS_PREFIX')}/{asset.uid}/frames/"
            f"{stem}-{key[:16]}.{encoding.EXTENSIONS[job.fmt]}")
    storage = Frame._meta.get_field("file").storage
    store_content_addressed(storage, name, ContentFile(data))
    x0, y0, x1, y1 = job.box
    try:  # the lookup before missed: insert (a concurrent request may have won)
        with transaction.atomic():
            frame = Frame.objects.create(
                asset=asset, spec=spec, key=key, rendition=rendition, file=name,
                format=job.fmt, width=job.size[0], height=job.size[1], crop_x0=x0, crop_y0=y0,
                crop_x1=x1, crop_y1=y1, size_bytes=len(data))
            if replaces:
                _delete_older(frame)
    except IntegrityError as exc:
        try:
            return Frame.objects.get(asset=asset, spec=spec, key=key)
        except Frame.DoesNotExist:
            raise exc from None  # not the race (the asset is gone): the IntegrityError stands
    return frame


def _delete_older(frame: Frame) -> None:
    """Drop the frames this one replaces (same asset and spec); files after commit."""
    older = Frame.objects.filter(asset_id=frame.asset_id, spec=frame.spec).exclude(pk=frame.pk)
    names = list(older.values_list("file", flat=True))
    older.delete()
    storage = Frame._meta.get_field("file").storage
    transaction.on_commit(lambda: rights.files_delete(storage, names))


def _spec(spec: str) -> str:
    """``spec`` within Frame.spec's 64 characters (a long one ends in its hash)."""
    return spec if len(spec) <= 64 else f"{spec[:47]}~{_hash(spec)[:16]}"


def _hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
