"""The engine's front door: ``analyse`` an image once, then ``Planner.plan`` a crop
for each rendition spec. The worker, the CLI, the editor's preview, the bench and
the training code's crop check all come through here, so what the bench measures
is what the product does.

Coordinates: ``ImageAnalysis.size`` and ``faces`` are px of the oriented original;
editor input (``focal``, ``editor_box``) is normalised 0-1 (``geometry``).

A face detector that is missing or fails never fails the caller: the analysis
has no faces and says so in ``faces_outcome``, which is part of its ``key``, so
an app that stores the key sees that it differs from ``expected_key`` and runs
the analysis again later instead of keeping the fallback as truth.
"""
from __future__ import annotations

import ctypes
import enum
import functools
import hashlib
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from . import composition
from . import faces as _detector
from . import focal as _focal
from . import importance, loading, planning, rendering, saliency, sizing
from .geometry import NormBox, NormPoint, PxBox, scale_box
from .pyramid import Pyramid

log = logging.getLogger(__name__)

ANALYSIS_LONGEST = 640  # px: the copy the map and the faces are computed on
#: The analysis copy may be as small as this share of ``longest`` where a coarser
#: JPEG DCT scale gets there without a resize (``loading.analysis_size``): a
#: 12 MP photo is analysed at 500 px, decoded at 1/8 instead of 1/4 and resized.
ANALYSIS_FLOOR = 0.75


class FacesOutcome(str, enum.Enum):
    """How face detection ended for an analysis; the app stores the value
    (``renditions.models.Analysis.faces_outcome``) and shows the ``label``."""

    DETECTED = "detected"  # the detector ran (zero or more faces)
    OFF = "off"  # not asked for
    UNAVAILABLE = "unavailable"  # the detector's weights are not installed
    FAILED = "failed"  # the detector raised

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {FacesOutcome.DETECTED: "Detected", FacesOutcome.OFF: "Off",
                   FacesOutcome.UNAVAILABLE: "Detector not installed",
                   FacesOutcome.FAILED: "Detector failed"}


@dataclass(frozen=True)
class ImageAnalysis:
    """What the engine knows of one image: its saliency map (float32, sums to 1),
    its (W, H) px, its faces in px, and what produced them."""

    saliency_map: np.ndarray
    size: tuple[int, int]
    faces: tuple[PxBox, ...]
    model_name: str
    model_version: str
    detector: str
    detector_version: str
    faces_outcome: FacesOutcome
    compute_ms: int = 0

    @classmethod
    def of_map(cls, saliency_map: np.ndarray, size: tuple[int, int], *,
               model_version: str = "") -> ImageAnalysis:
        """A map alone, faces off: to judge maps (the bench, the training code)."""
        return cls(saliency_map, tuple(size), (), "map", model_version, "", "",
                   FacesOutcome.OFF)

    @property
    def key(self) -> str:
        return analysis_key(model_version=self.model_version, detector=self.detector,
                            detector_version=self.detector_version,
                            faces_outcome=self.faces_outcome)

    @property
    def is_fallback(self) -> bool:
        return self.faces_outcome in (FacesOutcome.UNAVAILABLE, FacesOutcome.FAILED)


def analysis_key(*, model_version: str, detector: str, detector_version: str,
                 faces_outcome) -> str:
    """32 hex digits naming what produced an analysis."""
    payload = [model_version, detector, detector_version, FacesOutcome(faces_outcome).value]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:32]


def expected_key(backend: saliency.SaliencyBackend, *, detect_faces: bool) -> str:
    """The key a successful analysis would have now, without running one."""
    outcome = FacesOutcome.DETECTED if detect_faces else FacesOutcome.OFF
    detector, version = _detector_id(outcome)
    return analysis_key(model_version=backend.version, detector=detector,
                        detector_version=version, faces_outcome=outcome)


def analyse(source, *, backend=None, detect_faces: bool = True,
            longest: int = ANALYSIS_LONGEST, max_pixels: int | None = None) -> ImageAnalysis:
    """Analyse the image at ``source`` (a path or binary file, or a
    ``pyramid.Pyramid`` already decoded for its renditions, whose analysis copy
    then comes from a level: one decode per asset). ``backend``: a
    ``saliency.SaliencyBackend``, a backend name or None for the default.
    The analysis copy's longest side is between ``ANALYSIS_FLOOR`` x ``longest``
    and ``longest`` px (``loading.analysis_size``), the same for both sources.
    Raises ``loading.ImageError`` for a file that cannot be used."""
    if not isinstance(source, Pyramid):
        image, size = analysis_copy(source, longest=longest, max_pixels=max_pixels)
        return analyse_image(image, size, backend=backend, detect_faces=detect_faces)
    result = analyse_image(source.analysis_image(longest, round(longest * ANALYSIS_FLOOR)),
                           source.source_size, backend=backend, detect_faces=detect_faces)
    if source.source_size[0] * source.source_size[1] >= TRIM_FROM:
        _release_scratch()
    return result


def analysis_copy(fp, *, longest: int = ANALYSIS_LONGEST, max_pixels: int | None = None
                  ) -> tuple[Image.Image, tuple[int, int]]:
    """``analyse``'s decode of a path or binary file: the analysis copy and the
    original's oriented (W, H) px (``loading.open_for_analysis``)."""
    return loading.open_for_analysis(fp, longest=longest, floor=round(longest * ANALYSIS_FLOOR),
                                     max_pixels=max_pixels)


def decode_reduction(specs, size: tuple[int, int], *, longest: int = ANALYSIS_LONGEST,
                     min_shrink: float = rendering.MIN_SHRINK_AFTER_REDUCE) -> int:
    """The JPEG decode reduction (1-8) for one decode that serves the analysis
    (``longest`` px, or down to ``ANALYSIS_FLOOR`` of it) and renditions of
    ``specs`` on an original of ``size`` (W, H) px, judged on each spec's largest
    crop (``rendering.decode_reduction``; a smaller crop, zoomed or an editor's,
    is decoded again by ``rendering.render_decoded``)."""
    jobs = []
    for spec in specs:
        box = sizing.box_size(spec.ratio, *size) if spec.ratio else tuple(size)
        out = sizing.output_size(box, width=spec.width, height=spec.height,
                                 max_width=spec.max_width, allow_upscale=spec.allow_upscale,
                                 aspect=spec.aspect)
        jobs.append(rendering.Job((0, 0, *box), out, "", 0))
    reduce = rendering.decode_reduction(jobs, min_shrink) if jobs else 8
    while reduce > 1 and max(size) / reduce < round(longest * ANALYSIS_FLOOR):
        reduce //= 2
    return reduce


def analyse_image(image: Image.Image, size: tuple[int, int], *, backend=None,
                  detect_faces: bool = True) -> ImageAnalysis:
    """Analyse an oriented analysis copy ``image`` of an original of ``size`` (W, H) px."""
    if not isinstance(backend, saliency.SaliencyBackend):
        backend = saliency.get_backend(backend)
    started = time.perf_counter()
    if detect_faces:
        # The map runs beside the detector: neither keeps two cores busy alone
        # (about 5 ms of 40 saved on a 640 px copy, 2 cores; bench speed). The
        # detector's finest level waits for it: faces that small matter only
        # where they draw the eye (``importance``), which the map says.
        pending = _map_pool().submit(backend.compute, image)
        faces, outcome = _faces(image, size, _eye_region(pending, image.size))
        saliency_map = pending.result()
    else:
        saliency_map, faces, outcome = backend.compute(image), (), FacesOutcome.OFF
    detector, version = _detector_id(outcome)
    return ImageAnalysis(saliency_map=saliency_map, size=tuple(size), faces=faces,
                         model_name=backend.name, model_version=backend.version,
                         detector=detector, detector_version=version, faces_outcome=outcome,
                         compute_ms=round((time.perf_counter() - started) * 1000))


#: Source pixels from which the analysis' freed memory goes back to the OS
#: before the renders (``_release_scratch``): where a worker's peak is made.
TRIM_FROM = 40_000_000


def _release_scratch() -> None:
    """Hand what the models freed back to the OS (glibc's ``malloc_trim``; their
    sessions keep no arena), so the renders that follow peak lower: 7 renditions
    of a 100 MP JPEG peaked at 166 MB instead of 198 (bench speed). It costs
    about 20 ms of page faults on the next analysis, hence ``TRIM_FROM``. A
    no-op where there is no glibc."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


@functools.cache
def _map_pool() -> ThreadPoolExecutor:
    """Threads for saliency maps (one per analysis running at once, made on
    demand); a forked child (a Celery prefork worker) makes a pool of its own."""
    return ThreadPoolExecutor(thread_name_prefix="salient-map")


os.register_at_fork(after_in_child=_map_pool.cache_clear)


def _eye_region(pending, size: tuple[int, int]):
    """``faces.detect``'s ``small_faces_in`` from the map being computed: its
    ``importance.eye_region``, or the whole image (px) when the map failed (the
    analysis then raises the map's own error)."""
    def region():
        try:
            return importance.eye_region(pending.result(), size)
        except Exception:  # noqa: BLE001 - reported by analyse_image, not here
            return (0, 0, *size)
    return region


def _faces(image: Image.Image, size, small_faces_in=None
           ) -> tuple[tuple[PxBox, ...], FacesOutcome]:
    """Faces in px of the original, and how detection ended (never raises);
    ``small_faces_in``: ``faces.detect``'s."""
    if not _detector.available():
        _detector.warn_unavailable()
        return (), FacesOutcome.UNAVAILABLE
    try:
        found = _detector.detect(image, small_faces_in=small_faces_in)
    except Exception as exc:  # noqa: BLE001 - a broken detector must not stop cropping
        log.warning("face detection failed (%s); continuing without faces", exc)
        return (), FacesOutcome.FAILED
    return tuple(scale_box(box, image.size, size) for box in found), FacesOutcome.DETECTED


def _detector_id(outcome: FacesOutcome) -> tuple[str, str]:
    """The detector and its weights' version as an analysis with ``outcome`` records
    them: none when off, no version when the weights are missing."""
    if outcome == FacesOutcome.OFF:
        return "", ""
    return _detector.NAME, "" if outcome == FacesOutcome.UNAVAILABLE else _detector.version()


@dataclass(frozen=True)
class RenditionSpec:
    """What a rendition asks for: an aspect (a, b) and/or an exact ``width`` x
    ``height`` px, a ``max_width`` px, ``zoom`` 0-1 toward the subject, upscaling."""

    aspect: tuple[int, int] | None = None
    width: int | None = None
    height: int | None = None
    max_width: int | None = None
    zoom: float = 0.0
    allow_upscale: bool = False
    align: str = "auto"  # composition.ALIGNS
    pad: str = ""  # "", "blur" or "#rrggbb": pad instead of cutting the subject

    def __post_init__(self):
        composition.check(self.align, self.pad)

    @property
    def exact(self) -> tuple[int, int] | None:
        return (self.width, self.height) if self.width and self.height else None

    @property
    def ratio(self) -> tuple[int, int] | None:
        return sizing.profile_aspect(aspect=self.aspect, width=self.width, height=self.height)


class Planner:
    """Plans crops of one analysis; the planning field is built once, on first use,
    and shared by every spec."""

    def __init__(self, analysis: ImageAnalysis):
        self.analysis = analysis
        self._field = None

    @property
    def field(self) -> planning.Field:
        if self._field is None:
            a = self.analysis
            self._field = planning.build_field(a.saliency_map, a.size, a.faces,
                                               model_version=a.model_version)
        return self._field

    def plan(self, spec: RenditionSpec, *, focal: NormPoint | None = None,
             editor_box: NormBox | None = None) -> planning.CropPlan:
        """The crop (px of the original) and the rendition's size for ``spec``;
        ``focal`` and ``editor_box`` are an editor's, normalised 0-1."""
        plan = planning.plan_on(self.field, aspect=spec.ratio, exact=spec.exact,
                                focal=focal, editor_box=editor_box, zoom=spec.zoom,
                                allow_upscale=spec.allow_upscale)
        if editor_box is None:  # an editor's box wins as it is
            focal_px = None if focal is None else NormPoint(*focal).to_px(self.analysis.size)
            plan = composition.aligned(self.field, plan, spec.align, focal_px)
        size = sizing.output_size(plan.box.size, width=spec.width, height=spec.height,
                                  max_width=spec.max_width, allow_upscale=spec.allow_upscale,
                                  aspect=spec.aspect)
        pad = (spec.pad and editor_box is None and spec.ratio
               and composition.padded(self.field, plan, spec.ratio))
        if pad:
            return replace(pad, size=size, content=composition.content_box(pad.box.size, size))
        return replace(plan, size=size)


def plan(analysis: ImageAnalysis, spec: RenditionSpec, **editor) -> planning.CropPlan:
    """One plan: ``Planner(analysis).plan(spec, **editor)``."""
    return Planner(analysis).plan(spec, **editor)


def auto_focal(analysis: ImageAnalysis) -> NormPoint:
    """The automatic focal point, normalised 0-1."""
    return NormPoint(*_focal.auto_focal(analysis.saliency_map))
