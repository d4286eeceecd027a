"""Editing assets' descriptions: their text fields and keywords, one asset or many.

Each asset that changes gets one EditEvent of kind "metadata" holding only the fields
that changed (keywords as a sorted list), whoever asked (``metadata_set``, the bulk
``metadata_bulk``, a revert). A change of a field the renditions carry
(``engine.metadata_out.PublicMetadata``) queues the asset, so its files carry the new
value after the next processing, as a moved focal point does; city, keywords and the
other fields re-key nothing. Assets that would not change are not written at all.

Values are checked by ``describing_fields``.
"""
from __future__ import annotations

import dataclasses
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from dam import services as dam_services
from dam.models import Asset, Collection

from . import cdn, enqueue, signals
from .engine.metadata_out import PublicMetadata
from .models import EditEvent
from .describing_fields import MULTILINE, changes_clean, keywords_clean, max_length
from .rights_fields import DATES, RIGHTS, recorded, stored

#: Fields every rendition carries: changing one makes new files.
CARRIED = frozenset(f.name for f in dataclasses.fields(PublicMetadata))
#: Fields the public JSON leaves out: changing only these announces nothing.
PRIVATE = frozenset({"instructions", "collection", "licence_note"})


@dataclasses.dataclass(frozen=True)
class Edit:
    """What to change on each asset of a selection; values cleaned already.

    ``set``: field -> new value. ``append``: field -> text added after the current
    value (after a newline in ``MULTILINE`` fields, else a space; nothing when the
    value already ends with it, so a retried request changes nothing twice).
    ``keywords`` replaces the asset's keywords; ``add_keywords`` and
    ``remove_keywords`` (ignoring case) change them. ``collection``: the pk of the
    collection to move to (whether the user may is the caller's to check); the
    history records it as ``collection`` (pks).
    """
    set: dict[str, str] = dataclasses.field(default_factory=dict)
    append: dict[str, str] = dataclasses.field(default_factory=dict)
    keywords: tuple[str, ...] | None = None
    add_keywords: tuple[str, ...] = ()
    remove_keywords: tuple[str, ...] = ()
    collection: int | None = None


# --- Validation ---------------------------------------------------------------------

def edited_fields(asset: Asset) -> set[str]:
    """The fields (and "keywords") the history says editors changed on ``asset``."""
    changes = EditEvent.objects.filter(asset=asset, kind=EditEvent.Kind.METADATA)
    return {name for after in changes.values_list("after", flat=True) for name in after}


# --- Writes -----------------------------------------------------------------------

def metadata_set(*, asset: Asset, changes: dict, user, collection: int | None = None) -> Asset:
    """Change one asset's fields and keywords (``keywords``: the new set), and move it
    to ``collection`` (a pk) if given; only what differs is written and recorded.
    Returns the asset as stored now (``asset`` itself if it was deleted meanwhile)."""
    edit = dataclasses.replace(_replacing(changes_clean(changes)), collection=collection)
    with transaction.atomic():
        _edit([asset.pk], edit, user)
    return Asset.objects.filter(pk=asset.pk).first() or asset


def metadata_bulk(*, asset_ids: list[int], edit: Edit, user) -> list[Asset]:
    """Apply ``edit`` (cleaned: ``bulk_edit_clean``) to every asset of ``asset_ids``
    in one transaction; return the assets that changed."""
    with transaction.atomic():
        return _edit(asset_ids, edit, user)


def metadata_revert(*, event: EditEvent, user) -> None:
    """Put back the fields of one recorded change as they were (itself recorded).
    The values are the asset's stored state of then, so they are not checked again."""
    edit = _replacing(event.before)
    if edit.collection is not None and not Collection.objects.filter(
            pk=edit.collection).exists():
        raise ValidationError("The collection this asset was in no longer exists.")
    with transaction.atomic():
        _edit([event.asset_id], edit, user)


def _replacing(values: dict) -> Edit:
    """An Edit setting ``values``; their ``keywords``, if any, replace the asset's, and
    their ``collection`` (a pk) is where the asset goes."""
    fields = {k: v for k, v in values.items() if k not in ("keywords", "collection")}
    keywords = values.get("keywords")
    return Edit(set=fields, keywords=None if keywords is None else tuple(keywords),
                collection=values.get("collection"))


def bulk_edit_clean(*, set: dict, append: dict, add_keywords: list,
                    remove_keywords: list, collection: int | None = None) -> Edit:
    """A bulk edit's parts checked as one; raises ValidationError by part and field."""
    errors = {}
    parts = {"set": set, "append": append}
    for part, changes in parts.items():
        try:
            parts[part] = changes_clean(changes, keywords=False)
        except ValidationError as exc:
            errors[part] = exc.message_dict
    words = {"add_keywords": add_keywords, "remove_keywords": remove_keywords}
    for part, values in words.items():
        try:
            words[part] = keywords_clean(values)
        except ValidationError as exc:
            errors[part] = exc.messages
    if errors:
        raise ValidationError(errors)
    _conflicts_check(parts, words, moving=collection is not None)
    return Edit(set=parts["set"], append=parts["append"],
                add_keywords=tuple(words["add_keywords"]),
                remove_keywords=tuple(words["remove_keywords"]), collection=collection)


def _conflicts_check(parts: dict, words: dict, *, moving: bool) -> None:
    errors = {}
    if both := sorted(parts["set"].keys() & parts["append"].keys()):
        errors["append"] = [f"Set or append {', '.join(both)}, not both."]
    if "date_created" in parts["append"]:
        errors["append"] = ["A date cannot be appended to; set it."]
    if rights := sorted(parts["append"].keys() & set(RIGHTS)):
        errors["append"] = [f"{', '.join(rights)}: set, not appended."]
    added = {w.casefold() for w in words["add_keywords"]}
    if both := [w for w in words["remove_keywords"] if w.casefold() in added]:
        errors["remove_keywords"] = [f"Add or remove {', '.join(both)}, not both."]
    if not (moving or any([*parts.values(), *words.values()])):
        errors["non_field_errors"] = ["Give at least one change: set, append, add_keywords, "
                                      "remove_keywords or collection."]
    if errors:
        raise ValidationError(errors)


@dataclasses.dataclass
class _Plan:
    """One asset's change: the fields it changes, before and after (keywords as a
    sorted list), and the keyword tags it gains and loses."""
    asset: Asset
    before: dict
    after: dict
    added: list[Tag]
    removed: list[Tag]


def _edit(asset_ids: list[int], edit: Edit, user) -> list[Asset]:
    """Lock, plan, then write every change at once (a fixed number of queries for
    the fields and keywords; one history row and, for carried fields, one queueing
    per changed asset)."""
    assets = list(Asset.objects.select_for_update().filter(pk__in=asset_ids)
                  .order_by("pk").prefetch_related("tags"))
    tags = _tags_for([*(edit.keywords or ()), *edit.add_keywords])
    plans = [plan for plan in (_plan(asset, edit, tags) for asset in assets) if plan.after]
    errors = [f"{field}: {msg} ({plan.asset.uid})" for plan in plans
              for field, msg in _too_long(plan.after)]
    if errors:
        raise ValidationError({"append": errors[:10]})
    if late := [plan.asset.uid for plan in plans if not _order_kept(plan)]:
        which = f": {', '.join(map(str, late[:10]))}" if len(asset_ids) > 1 else "."
        raise ValidationError({"expires_at": [f"The licence ends before the embargo lifts{which}"]})
    _write(plans, user)
    return [plan.asset for plan in plans]


def _plan(asset: Asset, edit: Edit, tags: dict[str, Tag]) -> _Plan:
    """What ``edit`` changes on ``asset``: nothing in ``after`` when nothing changes."""
    after = dict(edit.set)
    for name, text in edit.append.items():
        current = getattr(asset, name)
        if not current.endswith(text):
            after[name] = f"{current}{_separator(name) if current else ''}{text}"
    if edit.collection is not None:
        after["collection"] = edit.collection
    after = {k: v for k, v in after.items() if _value(asset, k) != v}
    before = {k: _value(asset, k) for k in after}
    current = list(asset.tags.all())
    added, removed = _keyword_changes(current, edit, tags)
    if added or removed:
        before["keywords"] = _sorted([t.name for t in current])
        after["keywords"] = _sorted([t.name for t in current if t not in removed]
                                    + [t.name for t in added])
    return _Plan(asset, before, after, added, removed)


def _order_kept(plan: _Plan) -> bool:
    """Whether a change of either rights date leaves the embargo lifting before the
    licence ends, with the date it does not change as stored (``order_check`` sees
    only dates given together)."""
    if not plan.after.keys() & set(DATES):
        return True
    start, end = (stored(d, plan.after[d] if d in plan.after else _value(plan.asset, d))
                  for d in DATES)
    return start is None or end is None or start < end


def _keyword_changes(current: list[Tag], edit: Edit, tags: dict[str, Tag]):
    have = {t.name.casefold() for t in current}
    if edit.keywords is not None:
        wanted = {w.casefold() for w in edit.keywords}
        added = [tags[w] for w in wanted - have]
        return added, [t for t in current if t.name.casefold() not in wanted]
    removing = {w.casefold() for w in edit.remove_keywords}
    added = [tags[w] for w in dict.fromkeys(x.casefold() for x in edit.add_keywords)
             if w not in have]
    return added, [t for t in current if t.name.casefold() in removing]


def _value(asset: Asset, name: str):
    """A field's value as the history records it (a collection or licence by its pk,
    a time as a UTC ISO string)."""
    value = getattr(asset, _ATTRIBUTES.get(name, name))
    return recorded(value) if name in DATES else value


_ATTRIBUTES = {"collection": "collection_id", "licence": "licence_id"}


def _separator(name: str) -> str:
    return "\n" if name in MULTILINE else " "


def _too_long(after: dict):
    for name, value in after.items():
        if isinstance(value, str) and len(value) > max_length(name):
            yield name, f"appending makes it longer than {max_length(name):,} characters"


def _sorted(names: list[str]) -> list[str]:
    return sorted(set(names), key=str.casefold)


def _tags_for(words: list[str]) -> dict[str, Tag]:
    """casefolded word -> its Tag, made if new: one query for those that exist (the
    first stored spelling wins, as taggit's TAGGIT_CASE_INSENSITIVE has it)."""
    words = list({w.casefold(): w for w in reversed(words)}.values())
    if not words:
        return {}
    existing = Tag.objects.filter(reduce(or_, (Q(name__iexact=w) for w in words)))
    tags = {}
    for tag in existing.order_by("-pk"):  # the oldest spelling last, so it wins
        tags[tag.name.casefold()] = tag
    for word in words:
        if word.casefold() not in tags:
            tags[word.casefold()] = Tag.objects.create(name=word)
    return tags


def _write(plans: list[_Plan], user) -> None:
    now = timezone.now()
    fields = sorted({name for plan in plans for name in plan.after} - {"keywords"})
    for plan in plans:
        for name in fields:
            setattr(plan.asset, _ATTRIBUTES.get(name, name), stored(name, plan.after.get(
                name, _value(plan.asset, name))))
        plan.asset.updated_at = now
    Asset.objects.bulk_update([plan.asset for plan in plans], [*fields, "updated_at"],
                              batch_size=500)
    _tags_write(plans)
    EditEvent.objects.bulk_create([
        EditEvent(asset=plan.asset, kind=EditEvent.Kind.METADATA, before=plan.before,
                  after=plan.after, user=user) for plan in plans])
    for plan in plans:
        if plan.after.keys() & CARRIED:
            dam_services.asset_enqueue(asset=plan.asset)
    dam_services.assets_search_refresh(assets=[plan.asset for plan in plans])
    dated = [plan.asset.pk for plan in plans if plan.after.keys() & set(DATES)]
    if dated:  # withhold or restore the files now, not at the next beat
        enqueue.rights(dated)
        for pk in dated:  # the cached lookup and CDNs hold the old window
            cdn.asset_purge(asset_id=pk, reason="rights")
    _announce({plan.asset.pk: sorted(plan.after.keys() - PRIVATE) for plan in plans})


def _tags_write(plans: list[_Plan]) -> None:
    kind = ContentType.objects.get_for_model(Asset)
    TaggedItem.objects.bulk_create([
        TaggedItem(content_type=kind, object_id=plan.asset.pk, tag=tag)
        for plan in plans for tag in plan.added])
    removed = [plan for plan in plans if plan.removed]
    if removed:
        # Each of these assets loses each of these tags it has: exactly the pairs
        # planned, since a keyword removed is removed from every asset that has it.
        TaggedItem.objects.filter(
            content_type=kind, object_id__in=[plan.asset.pk for plan in removed],
            tag__in={tag for plan in removed for tag in plan.removed}).delete()
    for plan in plans:
        getattr(plan.asset, "_prefetched_objects_cache", {}).pop("tags", None)


def _announce(changes: dict[int, list[str]]) -> None:
    changes = {pk: fields for pk, fields in changes.items() if fields}
    if changes:
        transaction.on_commit(lambda: signals.asset_described.send(sender=Asset,
                                                                   changes=changes))
