"""Orphaned files: files in the public or the private storage that no row refers to
(``renditions.purge.files_referenced``), left by a crash between writing a file and
its row, or between deleting a row and its file. ``manage.py files_orphaned`` lists
them, and with ``--delete`` removes them.

A file younger than the grace period is never an orphan: an upload or a rendition
may be on its way to its row. Works on any Django storage that can list a folder
(FileSystemStorage, django-storages' S3Storage); where one storage lies inside the
other (S3: the private one under a prefix of the same bucket), the walk of the
outer one leaves the inner one's folder alone.
"""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from dam.storage import private_storage

from .purge import files_referenced


@dataclass(frozen=True)
class Found:
    """A file no row names: which ``storage`` ("public" or "private"), its ``name``,
    ``size`` in bytes, and whether it is ``young`` (inside the grace period: kept)."""

    storage: str
    name: str
    size: int
    young: bool


def storages() -> dict[str, object]:
    return {"public": default_storage, "private": private_storage}


def files_orphaned(*, grace: timedelta, now: datetime | None = None) -> list[Found]:
    """Every file of both storages that no row refers to, by storage then name."""
    now = now or timezone.now()
    referenced = {id(storage): names for storage, names in files_referenced()}
    places = storages()
    found = []
    for label, storage in places.items():
        known = referenced.get(id(storage), set())
        skip = {p for other in places.values() if other is not storage
                if (p := nested(storage, other)) is not None}
        for name in walk(storage, "", skip):
            if name not in known:
                found.append(Found(label, name, storage.size(name),
                                   _modified(storage, name) > now - grace))
    return found


def files_delete(found: list[Found]) -> int:
    """Delete the orphans of ``found`` that are not young; how many."""
    places = storages()
    gone = [f for f in found if not f.young]
    for f in gone:
        places[f.storage].delete(f.name)
    return len(gone)


def walk(storage, path: str, skip: set[str]):
    """Every file name under ``path``, folders in ``skip`` left out."""
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:  # a storage nothing was written to yet
        return
    for name in sorted(files):
        yield posixpath.join(path, name) if path else name
    for folder in sorted(folders):
        sub = posixpath.join(path, folder) if path else folder
        if sub not in skip:
            yield from walk(storage, sub, skip)


def nested(outer, inner) -> str | None:
    """The folder of ``outer`` where ``inner`` keeps its files, if it lies inside it;
    ValueError if the two are the same place (no file could be told apart)."""
    bucket = getattr(outer, "bucket_name", None)
    if bucket is not None:
        if getattr(inner, "bucket_name", None) != bucket:
            return None
        base, inside = outer.location.strip("/"), inner.location.strip("/")
    else:
        if getattr(inner, "bucket_name", None) is not None:
            return None
        base, inside = os.path.abspath(outer.location), os.path.abspath(inner.location)
        base, inside = base.replace(os.sep, "/"), inside.replace(os.sep, "/")
    if base == inside:
        raise ValueError("The public and the private storage are the same place.")
    if not base:
        return inside
    return inside[len(base) + 1:] if inside.startswith(base + "/") else None


def _modified(storage, name: str) -> datetime:
    moment = storage.get_modified_time(name)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
