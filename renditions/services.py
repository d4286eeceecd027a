"""Writes for renditions: the processing pipeline that the Celery tasks call.

Every function here is idempotent: running it twice for the same inputs finds
the stored results by their content-addressed key and does no work.
"""
from __future__ import annotations

import hashlib
import io
import logging
from datetime import datetime, timedelta

import numpy as np
from django import db
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from dam.conf import dam_setting
from dam.models import Asset
from dam.storage import store_content_addressed

from . import enqueue, print_frames, rights, signals
from . import derive, regions_in
from .conf import setting
from .derive import decided_boxes, rendition_key
from .engine import loading, pipeline, pyramid, rendering, saliency
from .engine.areas import image_areas
from .models import Rendition, RenditionProfile, Analysis

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # starts that never finished (a killed worker) before we give up


class TransientError(Exception):
    """The database, broker or storage failed in a way that a retry may cure.

    The asset is back in the queue state; the task retries it with backoff.
    """


def asset_process(*, asset_id: int, profile_ids: list[int] | None = None) -> None:
    """Analyse an asset once and store a rendition for every active profile.

    Moves the asset queued -> processing -> ready, or failed with a message an
    editor can act on. A bad file never raises (retrying cannot help it); a
    transient outage raises TransientError for the task to retry; a file that
    killed the worker MAX_ATTEMPTS times is given up on. ``profile_ids``
    limits the work to those profiles (a new profile, bulk regeneration).
    """
    try:
        _process(asset_id, profile_ids)
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("Asset %s: transient %s (%s); will retry", asset_id,
                    type(exc).__name__, exc)
        _release(asset_id)
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc


def _process(asset_id: int, profile_ids: list[int] | None) -> None:
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or asset.status == Asset.Status.FAILED or asset.deleted_at is not None:
        return  # failed stays failed until an editor presses Process again (it queues);
        # an asset in the trash is not worth the work
    profiles = None
    if profile_ids is not None:
        profiles = RenditionProfile.objects.filter(pk__in=profile_ids, is_active=True)
    if asset.attempts >= MAX_ATTEMPTS:
        _finish(asset.pk, Asset.Status.FAILED,
                f"Processing stopped after {MAX_ATTEMPTS} attempts that did not finish: the "
                "worker stopped while working on this file. Press Process again to retry; if "
                "it stops again, the file is probably too large or damaged.")
        return
    Asset.objects.filter(pk=asset.pk).update(
        status=Asset.Status.PROCESSING, attempts=F("attempts") + 1, error_message="",
        updated_at=timezone.now())
    before = _stored(asset.pk)
    try:
        decode = SharedDecode(asset, profiles)
        stored, analysis = analysis_ensure(asset=asset, decode=decode)
        # the photo's own crops and focal point (IPTC Image Regions), before rendering
        if regions_in.regions_apply(asset=asset, enqueue=False):
            stored.refresh_from_db()
        renditions_ensure(asset=asset, analysis=stored, profiles=profiles,
                          planner=pipeline.Planner(analysis), decode=decode)
    except loading.ImageError as exc:
        _finish(asset.pk, Asset.Status.FAILED, str(exc))
    except Exception as exc:
        if is_transient(exc):
            raise
        log.exception("Processing asset %s failed", asset.pk)  # a bug: report it, don't loop
        _finish(asset.pk, Asset.Status.FAILED,
                f"Processing failed ({type(exc).__name__}: {exc}).")
    else:
        _finish(asset.pk, Asset.Status.READY, "")
        made = {slug for slug, key in _stored(asset.pk) - before}
        transaction.on_commit(lambda: signals.renditions_updated.send(
            sender=Rendition, asset_id=asset.pk, profiles=sorted(made), first=not before))


def _stored(asset_id: int) -> set[tuple[str, str]]:
    """(profile slug, key) of every stored rendition of an asset."""
    return set(Rendition.objects.filter(asset_id=asset_id).values_list("profile__slug", "key"))


def is_transient(exc: BaseException) -> bool:
    """Whether a retry may cure ``exc``: an unavailable database, broker or store."""
    if isinstance(exc, (db.OperationalError, db.InterfaceError, ConnectionError, TimeoutError,
                        KombuOperationalError)):
        return True
    if isinstance(exc, OSError):  # disk full, I/O error; not a missing or forbidden file
        return not isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError))
    return _is_transient_s3(exc)


def _is_transient_s3(exc: BaseException) -> bool:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - django-storages[s3] is a dependency
        return False
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or status in (408, 429)
    return isinstance(exc, BotoCoreError)


def asset_give_up(*, asset_id: int, reason: str) -> None:
    """Fail an asset whose retries ran out, saying what happened and what to do."""
    _finish(asset_id, Asset.Status.FAILED,
            f"Processing failed after {setting('TASK_RETRIES')} retries because a service "
            f"was unavailable ({reason}). Press Process again once it is back.")


def _release(asset_id: int) -> None:
    """Put an asset back in the queue state after a transient error (best effort:
    with the database down this fails too, and the sweep finds the asset later)."""
    try:
        Asset.objects.filter(pk=asset_id, status=Asset.Status.PROCESSING).update(
            status=Asset.Status.QUEUED, attempts=F("attempts") - 1, updated_at=timezone.now())
    except Exception as exc:  # noqa: BLE001 - already handling an outage
        log.warning("Asset %s: could not release it (%s)", asset_id, exc)


def _finish(asset_id: int, status: str, message: str) -> None:
    Asset.objects.filter(pk=asset_id).update(status=status, error_message=message[:2000],
                                             attempts=0, updated_at=timezone.now())
    if status == Asset.Status.FAILED:
        transaction.on_commit(lambda: signals.processing_failed.send(
            sender=Asset, asset_id=asset_id, error=message[:2000]))


def assets_sweep(*, before: datetime | None = None) -> list[int]:
    """Queue again every asset stuck in queued/processing since before ``before``
    (default: STUCK_AFTER seconds ago; the moment it died, after the only worker
    restarted, when everything it held is lost).

    Work is lost when a worker dies with a task (the filesystem broker drops
    unacknowledged messages; Redis gives them back only after its visibility
    timeout) or when the broker was down at upload time. Each start counts as
    an attempt, so a file that kills its worker ends failed, not in a loop.
    Returns the ids queued.
    """
    now = timezone.now()
    cutoff = before or now - timedelta(seconds=setting("STUCK_AFTER"))
    stuck = Asset.objects.filter(status__in=(Asset.Status.QUEUED, Asset.Status.PROCESSING),
                                 updated_at__lt=cutoff)
    queued = []
    for asset_id, status, attempts in stuck.values_list("pk", "status", "attempts")[:1000]:
        # The update claims the asset, so two sweeps at once queue it once.
        if Asset.objects.filter(pk=asset_id, updated_at__lt=cutoff).update(updated_at=now):
            log.warning("Sweep: asset %s was %s since before %s (attempt %s of %s); queued again",
                        asset_id, status, cutoff.isoformat(timespec="seconds"), attempts,
                        MAX_ATTEMPTS)
            enqueue.processing(asset_id)
            queued.append(asset_id)
    return queued


class SharedDecode:
    """An asset's one decode (``pyramid.Pyramid``), made on first use, for its
    analysis and its renditions: reduced (a huge JPEG) to what the largest crop
    of each of ``profiles`` (None: the active ones) and the analysis need."""

    def __init__(self, asset: Asset, profiles=None):
        self.asset, self.profiles, self.decoded = asset, profiles, None

    def __call__(self) -> pyramid.Pyramid:
        if self.decoded is None:
            profiles = (self.profiles if self.profiles is not None
                        else RenditionProfile.objects.filter(is_active=True))
            reduce = pipeline.decode_reduction(
                [derive.rendition_spec(p) for p in profiles],
                (self.asset.width, self.asset.height), longest=setting("ANALYSIS_LONGEST"))
            with self.asset.file.open("rb") as fp:
                self.decoded = pyramid.Pyramid.open(fp, max_pixels=dam_setting("MAX_PIXELS"),
                                                    reduce=reduce)
        return self.decoded


def analysis_ensure(*, asset: Asset, decode: SharedDecode | None = None
                    ) -> tuple[Analysis, pipeline.ImageAnalysis]:
    """Return the asset's analysis (stored, and as the engine takes it), computing
    it when what would produce it now differs from what produced it: another
    model, another detector, or a fallback (no detector, or one that failed).
    ``decode``: the asset's decode to analyse, shared with its renditions.

    An editor's focal point survives a recomputation (the editor's word wins).
    """
    backend = saliency.get_backend(setting("SALIENCY_BACKEND"))
    detect = setting("DETECT_FACES")
    existing = Analysis.objects.filter(asset=asset).first()
    if existing and existing.key == pipeline.expected_key(backend, detect_faces=detect):
        analysis = derive.engine_analysis(asset, existing)
        if not existing.areas:  # analysed before the areas were kept
            existing.areas = image_areas(pipeline.Planner(analysis).field)
            existing.save(update_fields=["areas"])
        return existing, analysis
    options = dict(backend=backend, detect_faces=detect, longest=setting("ANALYSIS_LONGEST"),
                   max_pixels=dam_setting("MAX_PIXELS"))
    if decode is not None:
        result = pipeline.analyse(decode(), **options)
    else:
        with asset.file.open("rb") as fp:
            result = pipeline.analyse(fp, **options)
    values = dict(key=result.key, map_file=_store_map(asset, result.saliency_map),
                  model_name=result.model_name, model_version=result.model_version,
                  detector=result.detector, detector_version=result.detector_version,
                  faces_outcome=result.faces_outcome.value, compute_ms=result.compute_ms,
                  faces=[list(box.to_norm(result.size)) for box in result.faces],
                  areas=image_areas(pipeline.Planner(result).field))
    if not existing or existing.focal_origin == Analysis.Origin.AUTO:
        fx, fy = pipeline.auto_focal(result)
        values.update(focal_x=fx, focal_y=fy, focal_origin=Analysis.Origin.AUTO)
    obj, _ = Analysis.objects.update_or_create(asset=asset, defaults=values)
    if existing and existing.map_file.name not in ("", values["map_file"]):
        superseded = existing.map_file  # another picture's map (a replaced file)
        transaction.on_commit(lambda: superseded.storage.delete(superseded.name))
    return obj, result


def _store_map(asset: Asset, saliency_map: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, saliency_map.astype(np.float32), allow_pickle=False)
    digest = hashlib.sha256(buf.getvalue()).hexdigest()[:16]
    name = f"{setting('SALIENCY_PREFIX')}/{asset.uid}/{digest}.npy"
    store_content_addressed(Analysis._meta.get_field("map_file").storage, name,
                            ContentFile(buf.getvalue()))
    return name


def rendition_keys(*, asset_id: int) -> set[str]:
    """The keys of an asset's stored renditions."""
    return set(Rendition.objects.filter(asset_id=asset_id).values_list("key", flat=True))


def renditions_ensure(*, asset: Asset, analysis: Analysis, profiles=None,
                      planner: pipeline.Planner | None = None,
                      decode: SharedDecode | None = None) -> list[Rendition]:
    """Store the current rendition of every profile that lacks one; drop stale ones.

    ``planner``: one on ``analysis`` already loaded (else the stored map is read);
    ``decode``: the asset's decode, used when the analysis has made it already.
    """
    profiles = list(profiles if profiles is not None
                    else RenditionProfile.objects.filter(is_active=True))
    boxes = decided_boxes(asset)
    wanted = {p.pk: rendition_key(asset=asset, profile=p, analysis=analysis,
                                  box=boxes.get(p.pk)) for p in profiles}
    have = {(r.profile_id, r.key): r for r in asset.renditions.all()}
    missing = [p for p in profiles if (p.pk, wanted[p.pk]) not in have]
    if missing:
        planner = planner or pipeline.Planner(derive.engine_analysis(asset, analysis))
        decoded = decode.decoded if decode is not None else None
        _render_profiles(asset, analysis, planner, missing, wanted, boxes, decoded)
    with transaction.atomic():
        now = _wanted_now(asset, profiles)
        if now == wanted:
            _delete_stale(asset, wanted)
        else:  # an edit saved meanwhile queued a newer run, which stores what it wants
            _delete_superseded(asset, wanted, now)
    return list(asset.renditions.filter(profile__in=profiles))


def _wanted_now(asset: Asset, profiles) -> dict[int, str]:
    """The keys the stored focal point and crops call for now, with the analysis row
    locked as ``editing.focal_set`` locks it, so an edit cannot slip in between."""
    analysis = Analysis.objects.select_for_update().get(asset=asset)
    boxes = decided_boxes(asset)
    return {p.pk: rendition_key(asset=asset, profile=p, analysis=analysis, box=boxes.get(p.pk))
            for p in profiles}


def _delete_superseded(asset: Asset, wanted: dict[int, str], now: dict[int, str]) -> None:
    """Remove this run's renditions whose inputs changed while it rendered; the
    ones delivered now stay until the newer run replaces them."""
    old = {(pk, key) for pk, key in wanted.items() if now.get(pk) != key}
    for rendition in asset.renditions.filter(profile_id__in={pk for pk, _ in old}):
        if (rendition.profile_id, rendition.key) in old:
            _delete_rendition(rendition)


def _render_profiles(asset, analysis, planner, profiles, keys, boxes, decoded=None) -> None:
    """Plan every profile, render them side by side (from ``decoded``, the
    analysis' decode, when there is one), then store each file."""
    plans = [derive.plan_profile(planner, analysis, p, box=boxes.get(p.pk)) for p in profiles]
    jobs = [rendering.Job(plan.box, plan.size, profile.format, profile.quality, plan.content,
                          profile.pad, print_frames.profile_press(profile))
            for profile, plan in zip(profiles, plans)]
    options = dict(max_pixels=dam_setting("MAX_PIXELS"), threads=setting("RENDER_THREADS"),
                   metadata=derive.public_metadata(asset))
    with asset.file.open("rb") as fp:
        if decoded is not None:
            encoded = rendering.render_decoded(decoded, fp, jobs, **options)
        else:
            encoded = rendering.render_file(fp, jobs, source_size=(asset.width, asset.height),
                                            **options)
    for profile, plan, job, data in zip(profiles, plans, jobs, encoded):
        _store_rendition(asset, profile, keys[profile.pk], plan, job.size, data)


def _store_rendition(asset, profile, key, plan, size, data: bytes) -> None:
    x0, y0, x1, y1 = plan.box
    name = f"{setting('RENDITIONS_PREFIX')}/{asset.uid}/{profile.slug}-{key[:16]}.{profile.extension}"
    store_content_addressed(Rendition._meta.get_field("file").storage, name, ContentFile(data))
    try:
        with transaction.atomic():
            Rendition.objects.get_or_create(
                asset=asset, profile=profile, key=key,
                defaults=dict(file=name, width=size[0], height=size[1], crop_x0=x0, crop_y0=y0,
                              crop_x1=x1, crop_y1=y1, kept=plan.kept, confidence=plan.confidence,
                              faces_cut=plan.faces_cut, plan_origin=plan.origin,
                              content=list(plan.content) if plan.content else None,
                              size_bytes=len(data)))
    except IntegrityError:
        pass  # another worker stored the same key first; its row is equivalent


def _delete_stale(asset: Asset, wanted: dict[int, str]) -> None:
    """Remove renditions superseded by a newer key for the same profile."""
    for rendition in asset.renditions.filter(profile_id__in=wanted):
        if rendition.key != wanted[rendition.profile_id]:
            _delete_rendition(rendition)


def _delete_rendition(rendition: Rendition) -> None:
    """Delete the row (its frames go with it) now and the files once that commits."""
    storage = rendition.file.storage
    names = [rendition.file.name, *rendition.frames.values_list("file", flat=True)]
    rendition.delete()
    transaction.on_commit(lambda: rights.files_delete(storage, names))


def profile_backfill(*, profile: RenditionProfile) -> int:
    """Queue processing of every asset so it gains this profile's rendition."""
    ids = list(Asset.objects.exclude(status=Asset.Status.FAILED).filter(
        deleted_at__isnull=True).values_list("pk", flat=True))
    for asset_id in ids:
        enqueue.processing(asset_id, [profile.pk])
    return len(ids)
