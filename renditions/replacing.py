"""Replacing an asset's original, and restoring a previous one: the asset keeps its
id, so every URL stays; what is made from the pixels is made again.

The rule for editor decisions (focal point, per-profile crops, reviews), all stored
normalised 0-1 of the oriented original:

* The new original **fits** when its aspect ratio (oriented width / height) is
  within ``ASPECT_TOLERANCE`` (1 %) of the old one's: the same picture resized,
  recompressed or retouched. Normalised points and boxes then name the same places
  of the picture: the editor's focal point and crops are kept, and a crop a reviewer
  approved is kept as the crop to review.
* Otherwise the picture was cropped, extended or is another one: a normalised point
  no longer names the same subject, so the editor's focal point is reset to the
  automatic one (detected again on the new pixels) and every crop to automatic.
* Either way the pixels change, so every review goes back to "to review"
  (``pending``): an approval was of other pixels.

Restoring a version is a replacement by that version's file, with one addition:
where the rule resets a decision, the decision stored with the version (made for
those very pixels) comes back. What was kept, reset, restored and reopened is
returned (the API's response) and recorded in the history (an EditEvent "file").

Analysis (saliency, faces), dimensions, checksum, perceptual hash and renditions
are recomputed by the normal pipeline (the asset is queued); the renditions'
content-addressed keys hash the new checksum, so every file is new and the
superseded ones (withheld copies included) go as the pipeline drops them. Until
then the stable URLs serve the previous renditions; stored frames are dropped at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from dam import services as dam_services
from dam import versions
from dam.models import Asset, AssetVersion

from . import rights, signals
from .models import Analysis, CropDecision, EditEvent, Frame, RenditionProfile

#: How far (relative) the aspect ratio may move for decisions to carry over.
ASPECT_TOLERANCE = 0.01


class Conflict(ValidationError):
    """The asset's file changed meanwhile (answered with 409, as ``editing.Conflict``)."""


@dataclass
class Replaced:
    """What a replacement did. ``version``: the previous original, kept;
    ``focal``: "kept", "reset", "restored" or None (no editor's focal point);
    ``crops``: profile slug -> "kept", "reset" or "restored"; ``reopened``: the
    profiles whose review went back to pending; ``filled``: the asset's empty fields
    filled from the new file (or the restored version)."""
    asset: Asset
    version: AssetVersion
    fits: bool
    focal: str | None = None
    crops: dict[str, str] = field(default_factory=dict)
    reopened: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    restored_from: int | None = None

    def summary(self) -> dict:
        return {"version": self.version.number, "restored_from": self.restored_from,
                "aspect_kept": self.fits, "focal": self.focal, "crops": self.crops,
                "reviews_reopened": self.reopened, "filled": self.filled}


def aspect_fits(old: tuple[int, int], new: tuple[int, int]) -> bool:
    """Whether sizes (px) ``old`` and ``new`` have the same aspect, within tolerance."""
    return abs((new[0] / new[1]) / (old[0] / old[1]) - 1) <= ASPECT_TOLERANCE


def asset_replace(*, asset: Asset, file, user) -> Replaced:
    """Make ``file`` the asset's original; the current one becomes its next version.

    Raises ValidationError naming the problem (as an upload would be refused, or
    bytes identical to the current original): then nothing changed and nothing was
    stored. Raises Conflict when the asset was replaced meanwhile.
    """
    candidate = versions.candidate_read(asset=asset, file=file)
    return _swap(asset, candidate, user, restoring=None)


def version_restore(*, version: AssetVersion, user) -> Replaced:
    """Make ``version``'s file the asset's original again; the current one becomes
    a new version, so a restore can be undone by restoring that one."""
    asset = version.asset
    with version.file.open("rb") as file:
        candidate = versions.candidate_from_version(asset=asset, version=version, file=file)
        return _swap(asset, candidate, user, restoring=version)


def _swap(asset: Asset, candidate, user, *, restoring: AssetVersion | None) -> Replaced:
    written = versions.files_store(asset=asset, candidate=candidate)
    try:
        with transaction.atomic():
            replaced = _commit(asset, candidate, user, restoring)
    except Exception:
        versions.files_remove(written)
        raise
    asset.refresh_from_db()
    replaced.asset = asset
    return replaced


def _commit(asset: Asset, candidate, user, restoring) -> Replaced:
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    if locked.sha256 != asset.sha256:
        raise Conflict("This asset's file was replaced meanwhile; reload and try again.")
    old_name, old_size = locked.file.name, (locked.width, locked.height)
    version = versions.version_create(asset=locked, user=user,
                                      decisions=decisions_snapshot(locked))
    filled = versions.asset_file_set(asset=locked, candidate=candidate)
    replaced = Replaced(asset=locked, version=version, filled=filled,
                        fits=aspect_fits(old_size, (locked.width, locked.height)),
                        restored_from=restoring.number if restoring else None)
    _carry(locked, replaced, fallback=restoring.decisions if restoring else None)
    _frames_drop(locked)
    EditEvent.objects.create(asset=locked, kind=EditEvent.Kind.FILE, user=user,
                             before=_file_state(version), after={
                                 **_file_state(locked), **replaced.summary()})
    dam_services.asset_enqueue(asset=locked)
    transaction.on_commit(lambda: versions.original_release(old_name))
    transaction.on_commit(lambda: signals.asset_replaced.send(
        sender=Asset, asset_id=locked.pk, version=version.number,
        restored_from=replaced.restored_from))
    return replaced


def _file_state(original) -> dict:
    """An original (the asset's or a version's) in the history: its checksum's first
    12 hex digits, name and size in px."""
    return {"sha256": original.sha256[:12], "filename": original.original_filename,
            "width": original.width, "height": original.height,
            **({"version": original.number} if isinstance(original, AssetVersion) else {})}


def decisions_snapshot(asset: Asset) -> dict:
    """The editor's focal point ([x, y] normalised, or None when automatic) and each
    profile's decision (slug -> box, approved box, review), as JSON."""
    analysis = Analysis.objects.filter(asset=asset).first()
    focal = None
    if analysis and analysis.focal_origin == Analysis.Origin.EDITOR:
        focal = [analysis.focal_x, analysis.focal_y]
    crops = {d.profile.slug: {"box": d.box, "approved_box": d.approved_box, "review": d.review}
             for d in asset.decisions.select_related("profile")}
    return {"focal": focal, "crops": crops}


def _carry(asset: Asset, replaced: Replaced, *, fallback: dict | None) -> None:
    """Apply the module's rule to the asset's focal point and decisions."""
    fallback = fallback if fallback and not replaced.fits else {}
    _focal_carry(asset, replaced, fallback.get("focal"))
    old = (fallback.get("crops") or {})
    decisions = {d.profile.slug: d for d in
                 CropDecision.objects.select_for_update().filter(asset=asset)
                 .select_related("profile")}
    for slug in set(old) - set(decisions):
        profile = RenditionProfile.objects.filter(slug=slug).first()
        if profile is not None:
            decisions[slug] = CropDecision(asset=asset, profile=profile)
    for slug, decision in sorted(decisions.items()):
        _crop_carry(decision, replaced, old.get(slug) or {})


def _focal_carry(asset: Asset, replaced: Replaced, fallback) -> None:
    analysis = Analysis.objects.select_for_update().filter(asset=asset).first()
    if analysis is None:
        return  # never analysed: nothing decided, the pipeline will analyse
    if analysis.focal_origin == Analysis.Origin.EDITOR:
        replaced.focal = "kept" if replaced.fits else "reset"
        if not replaced.fits:
            analysis.focal_origin = Analysis.Origin.AUTO
    if fallback:
        analysis.focal_x, analysis.focal_y = fallback
        analysis.focal_origin, replaced.focal = Analysis.Origin.EDITOR, "restored"
    analysis.key = ""  # another picture: analyse it again (services.analysis_ensure)
    analysis.save(update_fields=["key", "focal_x", "focal_y", "focal_origin", "updated_at"])


def _crop_carry(decision: CropDecision, replaced: Replaced, fallback: dict) -> None:
    slug, had = decision.profile.slug, decision.effective_box
    if decision.pk and decision.review != CropDecision.Review.PENDING:
        replaced.reopened.append(slug)
    decision.box = had if replaced.fits else None
    if had:
        replaced.crops[slug] = "kept" if replaced.fits else "reset"
    restored = fallback.get("box") or fallback.get("approved_box")
    if restored:
        decision.box, replaced.crops[slug] = restored, "restored"
    decision.approved_box, decision.review = None, CropDecision.Review.PENDING
    decision.reviewed_by = decision.reviewed_at = None
    decision.save()


def _frames_drop(asset: Asset) -> None:
    """Delete the asset's stored frames (made from the old pixels): rows now, files
    (and withheld copies) once that commits; requested again, they are made from the
    new original. The variants of its renditions stay until processing replaces
    those renditions (they go with them): until then the stable URLs serve the
    previous pixels, and a variant not made yet is stood in for by its rendition
    (``frames.variant_ensure``)."""
    frames = Frame.objects.filter(asset=asset, rendition__isnull=True)
    names = list(frames.values_list("file", flat=True))
    frames.delete()
    storage = Frame._meta.get_field("file").storage
    transaction.on_commit(lambda: rights.files_delete(storage, names))
