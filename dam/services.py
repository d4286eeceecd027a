"""Writes to assets: upload, reprocess, search refresh."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from . import hamming
from .conf import dam_setting
from .models import Asset, Collection, Resemblance, original_upload_to
from .search import index as search_index
from .selectors import assets_similar
from .signals import metadata_read, processing_requested
from .storage import store_content_addressed

FORMAT_EXTENSIONS = {"jpeg": "jpg", "tiff": "tif"}

#: What reads an upload's header: ``probe(file, *, max_pixels)`` returning width,
#: height (px, oriented) and format, raising ValueError with a message an editor
#: can act on. The rendition app registers the engine's (``image_probe_set``).
image_probe = None


def image_probe_set(probe) -> None:
    global image_probe
    image_probe = probe


#: What reads a photo's own metadata (IPTC IIM, XMP, EXIF): ``reader(file)`` returning
#: an object with the ``METADATA_FIELDS``, ``object_name``, ``keywords``, ``raw``,
#: ``private`` and ``problems``; it never raises for what the metadata holds. The
#: rendition app registers the engine's (``metadata_reader_set``); without one, an
#: upload gets no metadata.
metadata_reader = None

#: The asset's fields that the photo's metadata fills, named as the reader names them.
METADATA_FIELDS = ("headline", "caption", "creator", "credit", "copyright", "usage_terms",
                   "source", "instructions", "date_created", "city", "country")


#: What hashes a photo for near-duplicates: ``hasher(file, *, max_pixels)`` returning
#: its 64-bit perceptual hash (unsigned int), raising ValueError when it cannot decode.
#: The rendition app registers the engine's (``image_hasher_set``); without one,
#: uploads are not compared.
image_hasher = None


def image_hasher_set(hasher) -> None:
    global image_hasher
    image_hasher = hasher


def metadata_reader_set(reader) -> None:
    global metadata_reader
    metadata_reader = reader


#: What an original gets on its way out to an editor (``dam.views.original_file``):
#: ``rewriter(asset, fp)`` returning an iterable of bytes, the file with the asset's
#: IPTC Image Regions in its XMP, or None to serve it as stored. The rendition app
#: registers its own (``original_rewriter_set``).
original_rewriter = None


def original_rewriter_set(rewriter) -> None:
    global original_rewriter
    original_rewriter = rewriter


#: What says which fields of an asset editors have changed: ``edited(asset)`` returning
#: field names ("keywords" among them). The rendition app registers its history's
#: (``edited_fields_set``); reading a photo's metadata again keeps those fields.
edited_fields = None


def edited_fields_set(edited) -> None:
    global edited_fields
    edited_fields = edited


def _sha256(file: File) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _check_size(name: str, size: int) -> None:
    limit = dam_setting("MAX_UPLOAD_BYTES")
    if size > limit:
        raise ValidationError(
            f"{name}: the file is {size / 2**20:.1f} MB, over the {limit / 2**20:.0f} MB limit."
        )
    if size == 0:
        raise ValidationError(f"{name}: the file is empty.")


def asset_check(*, file: File):
    """Validate an upload; raise ValidationError naming the file and the problem.

    Returns what the registered ``image_probe`` found: ``width``, ``height`` (px,
    oriented) and ``format``.
    """
    name = Path(file.name or "upload").name
    _check_size(name, file.size)
    try:
        return image_probe(file, max_pixels=dam_setting("MAX_PIXELS"))
    except ValueError as exc:  # the probe's contract: ValueError saying what is wrong
        raise ValidationError(f"{name}: {exc}") from exc


class DuplicateAsset(ValidationError):
    """The same bytes are already in the library; ``existing`` is that asset."""

    def __init__(self, name: str, existing: Asset):
        super().__init__(f"{name}: this file is already in the library as “{existing}”.")
        self.existing = existing


@dataclass(frozen=True)
class MetadataTemplate:
    """What an upload batch says of all its files (credit, copyright, keywords...).

    ``fields``: asset field -> text (of ``TEMPLATE_FIELDS``), already checked by the
    caller (``renditions.describing_fields.changes_clean``). Without ``overwrite`` a value
    fills only a field the file's own metadata left empty; with it, a given value wins.
    ``keywords`` are added to the file's own, or replace them with ``overwrite``.
    """
    fields: dict[str, str] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    overwrite: bool = False


#: The fields an upload's template may give.
TEMPLATE_FIELDS = ("credit", "copyright", "creator", "usage_terms")


def asset_create(*, file: File, uploaded_by=None, title: str = "", alt_text: str = "",
                 collection: Collection | None = None, allow_duplicate: bool = True,
                 template: MetadataTemplate | None = None) -> Asset:
    """Validate and store an uploaded original, then queue its processing.

    Raises ValidationError with a message naming the file and the problem; in
    that case nothing is stored. Without ``allow_duplicate``, a file whose bytes
    are already in the library raises DuplicateAsset. The file is written to
    storage under its checksum before the row is committed, and removed again
    if the commit fails. The asset goes into ``collection`` (default: the root);
    whether the uploader may put it there is the caller's to check. A ``template``
    is applied before the first save: it is the asset's initial state, so no
    history records it. Near-duplicates (the same photo resized, recompressed,
    retouched) are kept and recorded as ``Resemblance`` rows, both ways.
    """
    name = Path(file.name or "upload").name[:255]
    info = asset_check(file=file)
    digest = _sha256(file)
    existing = None if allow_duplicate else Asset.objects.filter(
        sha256=digest, deleted_at__isnull=True).first()
    if existing is not None:
        raise DuplicateAsset(name, existing)
    fmt = info.format.lower()
    asset = Asset(
        original_filename=name, sha256=digest, size_bytes=file.size,
        width=info.width, height=info.height, format=FORMAT_EXTENSIONS.get(fmt, fmt),
        title=title or Path(name).stem, alt_text=alt_text, uploaded_by=uploaded_by,
    )
    if collection is not None:
        asset.collection = collection
    keywords = _metadata_fill(asset, file, keep_title=bool(title))
    if template is not None:
        keywords = _template_apply(asset, keywords, template)
    _hash_fill(asset, file)
    wrote = _store_original(asset, file)
    try:
        with transaction.atomic():
            asset.save()
            asset.tags.set(keywords)
            asset_search_refresh(asset=asset)
            asset_resemblances_link(asset=asset)
            asset_enqueue(asset=asset)
    except Exception:
        if wrote:
            asset.file.storage.delete(asset.file.name)
        raise
    return asset


def _metadata_fill(asset: Asset, file: File, *, keep_title: bool) -> list[str]:
    """Set the asset's metadata fields from what ``file`` says; return its keywords.

    The title becomes the headline, else the object name, unless ``keep_title``; the
    alt text is filled only when empty. A reader that fails is recorded in
    ``metadata_problems``, never fails the upload.
    """
    if metadata_reader is None:
        return []
    try:
        file.seek(0)
        found = metadata_reader(file)
    except Exception as exc:  # the reader's contract is never to raise; an upload outranks it
        asset.metadata_problems = [f"metadata: the reader failed ({type(exc).__name__})."]
        return []
    finally:
        file.seek(0)
    for name in METADATA_FIELDS:
        setattr(asset, name, getattr(found, name))
    if not keep_title:
        asset.title = (found.headline or found.object_name or asset.title)[:255]
    asset.alt_text = asset.alt_text or found.alt_text
    asset.metadata_raw = {**found.raw, "private": found.private}
    asset.metadata_problems = list(found.problems)
    return list(found.keywords)


#: The asset's columns of ``dam.hamming.bands``, in order.
HASH_BANDS = ("hash_band0", "hash_band1", "hash_band2", "hash_band3")


def _hash_fill(asset: Asset, file: File) -> None:
    """Set ``asset``'s perceptual hash and bands from ``file`` (a reduced decode: a few
    ms). A photo that cannot be decoded keeps none: the worker reports the damage."""
    if image_hasher is None:
        return
    try:
        value = image_hasher(file, max_pixels=dam_setting("MAX_PIXELS"))
    except ValueError:
        return
    finally:
        file.seek(0)
    asset_hash_set(asset=asset, value=value)


def asset_hash_set(*, asset: Asset, value: int | None) -> None:
    """Put the unsigned 64-bit perceptual hash ``value`` (None: unknown) and its bands
    on ``asset``; the caller saves."""
    asset.image_hash = None if value is None else hamming.to_signed(value)
    for name, band in zip(HASH_BANDS, hamming.bands(value) if value is not None else [None] * 4):
        setattr(asset, name, band)


def asset_hash_refresh(*, asset: Asset) -> bool:
    """Hash ``asset``'s stored original again and record what it looks like (the
    backfill, ``manage.py similar_backfill``); False when it cannot be decoded. Raises
    OSError when the original cannot be opened."""
    with asset.file.open("rb") as file:
        _hash_fill(asset, file)
    with transaction.atomic():
        asset.save(update_fields=["image_hash", *HASH_BANDS])
        asset_resemblances_link(asset=asset)
    return asset.image_hash is not None


def asset_resemblances_link(*, asset: Asset) -> list[Resemblance]:
    """Record which assets ``asset`` (saved, hashed) looks like, both ways, within
    ``DAM["SIMILAR_DISTANCE"]`` bits; returns the rows made from ``asset``. Idempotent."""
    limit = dam_setting("SIMILAR_DISTANCE")
    if asset.image_hash is None or not limit:
        return []
    others = Asset.objects.exclude(pk=asset.pk).filter(deleted_at__isnull=True)  # not the trash
    near = assets_similar(image_hash=hamming.to_unsigned(asset.image_hash), max_distance=limit,
                          assets=others)
    rows = [Resemblance(asset=asset, other=other, distance=bits) for other, bits in near]
    back = [Resemblance(asset=other, other=asset, distance=bits) for other, bits in near]
    Resemblance.objects.bulk_create(rows + back, ignore_conflicts=True)
    return rows


def _template_apply(asset: Asset, keywords: list[str], template: MetadataTemplate) -> list[str]:
    """Apply an upload's ``template`` to ``asset`` (unsaved); return the keywords."""
    for name, value in template.fields.items():
        if value and (template.overwrite or not getattr(asset, name)):
            setattr(asset, name, value)
    if template.overwrite and template.keywords:
        return list(template.keywords)
    return [*keywords, *template.keywords]  # taggit merges "Paris" and "paris"


def asset_metadata_read(*, asset: Asset) -> Asset:
    """Read the stored original's metadata again into ``asset`` (fields, keywords).

    A title still equal to the file name's stem (the upload's default) follows the
    headline or object name; one that was given is kept, and so is every field (and
    the keywords) an editor changed (``edited_fields``): the editor's word wins.
    Raises OSError when the original cannot be opened.
    """
    keep_title = asset.title != Path(asset.original_filename).stem
    edited = set(edited_fields(asset)) if edited_fields else set()
    kept = {name: getattr(asset, name) for name in edited - {"keywords"}}
    with asset.file.open("rb") as file:
        keywords = _metadata_fill(asset, file, keep_title=keep_title)
    for name, value in kept.items():
        setattr(asset, name, value)
    with transaction.atomic():
        asset.save(update_fields=[*METADATA_FIELDS, "title", "alt_text", "metadata_raw",
                                  "metadata_problems", "updated_at"])
        if "keywords" not in edited:
            asset.tags.set(keywords, clear=True)
        asset_search_refresh(asset=asset)
        transaction.on_commit(lambda: metadata_read.send(sender=Asset, asset_id=asset.pk))
    return asset


def asset_search_refresh(*, asset: Asset) -> None:
    """Recompute ``asset``'s search columns from its saved fields and keywords.

    Call it after any change to the title, headline, caption, alt text, creator,
    credit, city, country, file name or keywords (the index follows the columns:
    GIN on PostgreSQL, FTS5 triggers on SQLite). Two queries.
    """
    assets_search_refresh(assets=[asset])


def assets_search_refresh(*, assets) -> int:
    """:func:`asset_search_refresh` for many (a queryset or a list); returns how many.

    Keywords are read in one query per batch of 500, the columns written with
    ``bulk_update`` (and on PostgreSQL the tsvector from them, one UPDATE); the
    instances passed get the new columns too.
    """
    assets = list(assets)
    for start in range(0, len(assets), 500):
        batch = assets[start:start + 500]
        keywords = _keywords([a.pk for a in batch])
        for asset in batch:
            for column, value in search_index.columns(asset, keywords.get(asset.pk, [])).items():
                setattr(asset, column, value)
        Asset.objects.bulk_update(batch, list(search_index.COLUMNS))
        search_index.vectors_refresh(Asset.objects.filter(pk__in=[a.pk for a in batch]))
    return len(assets)


def _keywords(asset_ids: list[int]) -> dict[int, list[str]]:
    """Keyword names per asset id, in one query."""
    found: dict[int, list[str]] = {}
    rows = Asset.tags.through.objects.filter(
        content_type__app_label="dam", content_type__model="asset", object_id__in=asset_ids,
    ).values_list("object_id", "tag__name")
    for object_id, name in rows:
        found.setdefault(object_id, []).append(name)
    return found


def _store_original(asset: Asset, file: File) -> bool:
    """Put the original in storage; return False if identical bytes were already there."""
    asset.file.name = original_upload_to(asset, asset.original_filename)
    return store_content_addressed(asset.file.storage, asset.file.name, file)


def asset_enqueue(*, asset: Asset) -> None:
    """Queue (re)processing of an asset once the current transaction commits."""
    Asset.objects.filter(pk=asset.pk).update(
        status=Asset.Status.QUEUED, error_message="", attempts=0, updated_at=timezone.now()
    )
    processing_requested.send(sender=Asset, asset_id=asset.pk, profile_ids=None)


def collection_create(*, name: str, parent: Collection) -> Collection:
    """A new collection in ``parent``; a sibling of the same name is refused."""
    name = name.strip()
    if not name:
        raise ValidationError("A collection needs a name.")
    if Collection.objects.get_children(parent).filter(name__iexact=name).exists():
        raise ValidationError(f"“{parent.name}” already has a collection named “{name}”.")
    return Collection.objects.add_child(parent, {"name": name[:255]})
