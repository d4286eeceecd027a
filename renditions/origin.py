"""The stable URLs' cached lookup: what ``/d/<id>/<profile>`` (any ``w``, ``fm``,
``Accept``) served last time, found again without the database.

An ``Entry`` holds what an answer needs: the stored file's name, its key (the
ETag), format, size and time, and the asset's rights window (``embargo_until``,
``expires_at``), which delivery checks against the clock on every hit, so an
embargo or an expiry takes effect at its exact moment even with a warm cache.

Entries live in the Django cache ``DAM["ORIGIN_CACHE"]`` (the ``origin`` alias:
files under ``var/cache-origin`` in the embedded default, shared by the web processes
of one machine; the Redis of the ``default`` cache when there is one, shared by every
machine). Each entry
carries the *generation* it was made in: a random token per asset and one for
everything (profiles), fetched with the entry in one ``get_many``. Changing a
token (``asset_forget``, ``everything_forget``) makes every older entry of the
asset a miss; no entry is deleted or enumerated. A lost token (evicted, a cache
flushed) is replaced by a new one, so nothing stale can ever match again.
A cache that fails is a miss: delivery goes to the database.

Each process also keeps the entries it used (``LOCAL_ENTRIES`` at most, least recently
used out first) with their generation: a hit then reads only the two tokens from
the shared cache, and an entry of an older generation is never served. With the
files cache (the embedded default) a process keeps the tokens too, with the identity
of the file each came from (inode, mtime, size): a hit then only ``stat``s the two
files, and reads a token again as soon as any process wrote a new one (the cache
writes a new file and renames it over the old one), so a change reaches every
process at once, with nothing kept for a while (a token written in the last
``SETTLED`` second is read every time).
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache

from .conf import setting

log = logging.getLogger(__name__)
PREFIX = "salient:origin"
EVERYTHING = f"{PREFIX}:gen"
LOCAL_ENTRIES = 4096
#: Seconds a token's file must be old before its stamp is trusted: file times tick
#: coarsely (a few ms) and inode numbers are reused, so two files written within one
#: tick could share a stamp; one written since we looked is always newer than this.
SETTLED = 1.0


@dataclass(frozen=True)
class Entry:
    """What a delivery answer needs, without the database. ``name``: the file's
    name in the public storage; ``key``: its content key (the ETag); ``size`` in
    bytes; ``created``: Unix seconds; ``keys``: its surrogate keys."""

    name: str
    key: str
    format: str
    size: int
    created: float
    embargo_until: datetime | None
    expires_at: datetime | None
    keys: tuple[str, ...]
    negotiated: bool = False
    deleted_at: datetime | None = None  # in the trash since (dam.rights: gone)


@dataclass(frozen=True)
class Found:
    """A lookup's result: the entry (None: a miss) and the generation to store one under."""

    entry: Entry | None
    generation: tuple[str, str] | None


def request_key(uid, profile: str, *, width: str, fmt: str, accepted: str) -> str:
    """The cache key of one stable-URL request: the asset, the profile, the ``w`` and
    ``fm`` asked for, and the best format the ``Accept`` header takes ("" for none)."""
    return f"{PREFIX}:{uid}:{profile}:{width}:{fmt}:{accepted}"


def entry_get(uid, key: str) -> Found:
    """The entry stored under ``key`` if it was made in the asset's current generation."""
    try:
        cache = _cache()
        generation = _generation(cache, (EVERYTHING, _generation_key(uid)))
        if None in generation:  # a cache that keeps nothing (DummyCache)
            return Found(None, None)
    except Exception as exc:  # noqa: BLE001 - any backend's error: a miss
        log.warning("Origin cache unavailable (%s): answering from the database", exc)
        return Found(None, None)
    stored = _local.get(key)
    if not stored or stored[0] != generation:
        stored = _shared(cache, key)
    if isinstance(stored, tuple) and stored[0] == generation:
        _local.put(key, stored)
        return Found(stored[1], generation)
    return Found(None, generation)


def _generation(cache, names: tuple[str, str]) -> tuple:
    """The current tokens under ``names`` (each begun now where it has none)."""
    if isinstance(cache, FileBasedCache):
        return tuple(_file_token(cache, name) for name in names)
    got = cache.get_many(names)
    return tuple(got.get(name) or _start(cache, name) for name in names)


def _file_token(cache: FileBasedCache, name: str):
    """The token under ``name`` as this process read it last, unless its file changed
    since (any ``set`` replaces the file: a new inode); read again (and kept) if so."""
    where = (cache._dir, name)
    known = _tokens.get(where)
    path = known[0] if known else cache._key_to_file(name)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        started = _start(cache, name)  # by this process, or by another meanwhile
        try:
            stat = os.stat(path)
        except FileNotFoundError:  # gone again at once (culled): use it unkept
            return started
    stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if known and known[1] == stamp:
        return known[2]
    # Stamped before reading: a write after the stat changes the stamp, read again then.
    token = cache.get(name) or _start(cache, name)
    if stat.st_mtime < time.time() - SETTLED:
        _tokens.put(where, (path, stamp, token))
    return token


def _shared(cache, key: str):
    try:
        return cache.get(key)
    except Exception as exc:  # noqa: BLE001 - e.g. an entry of an older Entry: replaced
        log.warning("Origin cache entry %s unreadable (%s): a miss", key, exc)
        return None


def entry_put(key: str, found: Found, entry: Entry) -> None:
    """Store ``entry`` under ``key`` in the generation ``found`` saw (none: nothing)."""
    if found.generation is None:
        return
    _local.put(key, (found.generation, entry))
    try:
        _cache().set(key, (found.generation, entry), setting("ORIGIN_CACHE_SECONDS"))
    except Exception as exc:  # noqa: BLE001
        log.warning("Origin cache unavailable (%s): entry not stored", exc)


def asset_forget(uid) -> None:
    """Every cached answer of the asset becomes a miss (a new generation)."""
    _renew(_generation_key(uid))


def everything_forget() -> None:
    """Every cached answer becomes a miss (a profile changed)."""
    _renew(EVERYTHING)


def _renew(name: str) -> None:
    try:
        _cache().set(name, secrets.token_hex(8), None)
    except Exception as exc:  # noqa: BLE001
        # Entries expire after ORIGIN_CACHE_SECONDS; the rights window is still checked.
        log.error("Origin cache unavailable (%s): %s not renewed", exc, name)


def _start(cache, name: str) -> str:
    """The generation under ``name``, begun now unless another process just did."""
    cache.add(name, secrets.token_hex(8), None)
    return cache.get(name)


def _generation_key(uid) -> str:
    return f"{PREFIX}:gen:{uid}"


def _cache():
    return caches[setting("ORIGIN_CACHE")]


class _Local:
    """The process's own entries, by key, least recently used out first; safe
    across the threads of one process (gunicorn's gthread)."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str):
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: str, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_local = _Local(LOCAL_ENTRIES)
#: (cache folder, token name) -> (its file, (inode, mtime ns, size), token): files cache only.
_tokens = _Local(LOCAL_ENTRIES)
