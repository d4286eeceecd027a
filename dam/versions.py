"""An asset's originals over time: the file an editor replaced is kept as an
``AssetVersion`` (private storage, under ``DAM["VERSIONS_PREFIX"]/<asset uid>/``) and
can be restored. These are the asset's own writes; ``renditions.replacing`` does the
rest (editor decisions, derived files, history) around them.

The order that leaves nothing half-written: read and check the new file
(``candidate_read``: no write), store the files (``files_store``: returns what it
wrote, for the caller to remove should anything fail), then inside one transaction
``version_create`` and ``asset_file_set``; the old original's file is released once
that commits (``original_release``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import Max, Q

from . import hamming, services
from .models import Asset, AssetVersion, Resemblance, original_upload_to, version_upload_to
from .storage import private_storage, store_content_addressed

#: The description a version keeps, and fills back into an asset's empty fields.
DESCRIBED = ("title", "alt_text", *services.METADATA_FIELDS)


@dataclass
class Candidate:
    """A file about to become an asset's original: checked, not stored yet.

    ``described`` (field -> text) and ``keywords``: what may fill the asset's empty
    fields (the file's own metadata, or a version's snapshot); ``hashed``: an unsaved
    Asset carrying the file's perceptual hash.
    """
    file: File
    filename: str
    sha256: str
    size_bytes: int
    width: int
    height: int
    format: str
    described: dict = field(default_factory=dict)
    keywords: list = field(default_factory=list)
    metadata_raw: dict = field(default_factory=dict)
    metadata_problems: list = field(default_factory=list)
    hashed: Asset | None = None


def candidate_read(*, asset: Asset, file: File, name: str = "") -> Candidate:
    """Check ``file`` as an upload is checked (type, size, pixel count, a damaged
    header) and read what it says; raises ValidationError naming the file (``name``,
    else its own) and the problem, also when its bytes are the asset's current
    original. Writes nothing."""
    name = name or Path(file.name or "upload").name[:255]
    info = services.asset_check(file=file)
    digest = services._sha256(file)
    if digest == asset.sha256:
        raise ValidationError(f"{name}: identical to the asset's current original; there "
                              "is nothing to replace.")
    fmt = info.format.lower()
    scratch = Asset(original_filename=name, sha256=digest, title="", alt_text="")
    keywords = services._metadata_fill(scratch, file, keep_title=False)
    services._hash_fill(scratch, file)
    return Candidate(file=file, filename=name, sha256=digest, size_bytes=file.size,
                     width=info.width, height=info.height,
                     format=services.FORMAT_EXTENSIONS.get(fmt, fmt),
                     described={n: getattr(scratch, n) for n in DESCRIBED},
                     keywords=keywords, metadata_raw=scratch.metadata_raw,
                     metadata_problems=list(scratch.metadata_problems), hashed=scratch)


def metadata_snapshot(asset: Asset) -> dict:
    """The asset's description as it stands (saved fields, keywords sorted)."""
    return {**{n: getattr(asset, n) for n in DESCRIBED},
            "keywords": sorted(asset.tags.names(), key=str.casefold),
            "metadata_raw": asset.metadata_raw, "metadata_problems": asset.metadata_problems}


def candidate_from_version(*, asset: Asset, version: AssetVersion, file: File) -> Candidate:
    """``candidate_read`` of a version's ``file`` (open), filling from its snapshot."""
    candidate = candidate_read(asset=asset, file=file,
                               name=f"Version {version.number} ({version.original_filename})")
    candidate.filename = version.original_filename
    snapshot = version.metadata
    candidate.described = {n: snapshot.get(n, "") for n in DESCRIBED}
    candidate.keywords = list(snapshot.get("keywords", []))
    candidate.metadata_raw = snapshot.get("metadata_raw", candidate.metadata_raw)
    candidate.metadata_problems = snapshot.get("metadata_problems", [])
    return candidate


def _next_version(asset: Asset) -> AssetVersion:
    """The unsaved version row of ``asset``'s current original (number: the next)."""
    number = (asset.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = AssetVersion(asset=asset, number=number, original_filename=asset.original_filename,
                           format=asset.format, sha256=asset.sha256, size_bytes=asset.size_bytes,
                           width=asset.width, height=asset.height)
    version.file.name = version_upload_to(version, asset.original_filename)
    return version


def files_store(*, asset: Asset, candidate: Candidate) -> list[str]:
    """Copy the current original under the versions prefix and write ``candidate``
    as an original (both content-addressed: a file already there is not written
    again). Returns the names written, for the caller to remove on failure."""
    written = []
    keep = _next_version(asset).file.name
    with asset.file.open("rb") as fp:
        if store_content_addressed(private_storage, keep, File(fp, name=keep)):
            written.append(keep)
    new = _original_name(asset, candidate)
    if store_content_addressed(private_storage, new, candidate.file):
        written.append(new)
    return written


def files_remove(names: list[str]) -> None:
    """Undo ``files_store``: delete what it wrote, unless a row has it meanwhile (a
    concurrent replacement of the same file that committed)."""
    for name in names:
        if not (Asset.objects.filter(file=name).exists()
                or AssetVersion.objects.filter(file=name).exists()):
            private_storage.delete(name)


def _original_name(asset: Asset, candidate: Candidate) -> str:
    stand_in = Asset(sha256=candidate.sha256, format=candidate.format)
    return original_upload_to(stand_in, candidate.filename)


def version_create(*, asset: Asset, user, decisions: dict) -> AssetVersion:
    """Record the asset's current original (as saved, its row locked by the caller) as
    its next version, with its description and the editor's ``decisions`` (JSON)."""
    version = _next_version(asset)
    version.metadata, version.decisions, version.created_by = (
        metadata_snapshot(asset), decisions, user)
    version.save()
    return version


def asset_file_set(*, asset: Asset, candidate: Candidate) -> list[str]:
    """Make ``candidate`` (stored by ``files_store``) the asset's original: file,
    checksum, size, pixels, format, what the file says (raw), its perceptual hash and
    resemblances; the editors' description stays, only its empty fields are filled
    from ``candidate.described`` and its keywords when it has none. Saves; returns
    the names of the fields filled ("keywords" among them)."""
    asset.file.name = _original_name(asset, candidate)
    asset.sha256, asset.size_bytes = candidate.sha256, candidate.size_bytes
    asset.width, asset.height, asset.format = candidate.width, candidate.height, candidate.format
    asset.original_filename = candidate.filename
    asset.metadata_raw, asset.metadata_problems = (candidate.metadata_raw,
                                                   candidate.metadata_problems)
    filled = [n for n in DESCRIBED if not getattr(asset, n) and candidate.described.get(n)]
    for name in filled:
        limit = Asset._meta.get_field(name).max_length
        setattr(asset, name, candidate.described[name][:limit] if limit else
                candidate.described[name])
    hashed = candidate.hashed
    known = hashed is not None and hashed.image_hash is not None
    services.asset_hash_set(asset=asset, value=hamming.to_unsigned(hashed.image_hash)
                            if known else None)
    asset.save()
    if candidate.keywords and not asset.tags.exists():
        asset.tags.set(candidate.keywords)
        filled.append("keywords")
    services.asset_search_refresh(asset=asset)
    Resemblance.objects.filter(Q(asset=asset) | Q(other=asset)).delete()
    services.asset_resemblances_link(asset=asset)
    return filled


def original_release(name: str) -> None:
    """Delete a former original's file unless an asset still has it (the same bytes
    uploaded twice share one file). Call once the replacement committed."""
    if name and not Asset.objects.filter(file=name).exists():
        private_storage.delete(name)

