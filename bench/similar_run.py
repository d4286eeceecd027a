"""The near-duplicate benchmark's lookup process (bench/similar.py starts one per
setup): a throwaway database holding ``assets`` hashes (the photos' real ones plus
random 64-bit values), then the product's banded lookup
(``dam.selectors.assets_similar``) and a full scan in Python timed on the same queries.
"""
from __future__ import annotations

import random
import statistics
import time

from .search_run import _describe, _say, throwaway_database

BATCH = 5_000


def run(assets: int, *, real: list[int], queries: list[int], max_distance: int) -> dict:
    """Create the database, load ``assets`` hashes, time the ``queries``, drop it."""
    with throwaway_database() as connection:
        started = time.perf_counter()
        _say(f"{connection.vendor}: loading {assets:,} hashes")
        load(assets, real)
        load_s = time.perf_counter() - started
        return {"load_s": load_s, "database": _describe(connection),
                **measure(queries, max_distance)}


def load(assets: int, real: list[int]) -> None:
    from dam import services
    from dam.models import Asset, Collection

    rng = random.Random(24)
    root = Collection.root().pk
    values = real + [rng.getrandbits(64) for _ in range(assets - len(real))]
    for start in range(0, len(values), BATCH):
        rows = []
        for i, value in enumerate(values[start:start + BATCH], start):
            row = Asset(file=f"originals/{i}.jpg", original_filename=f"{i}.jpg",
                        sha256=f"{i:064x}", size_bytes=1, width=800, height=600,
                        format="jpg", title=f"Photo {i}", collection_id=root,
                        status=Asset.Status.READY)
            services.asset_hash_set(asset=row, value=value)
            rows.append(row)
        Asset.objects.bulk_create(rows)


def _scan(query: int, max_distance: int) -> list[int]:
    """The baseline: every stored hash read and compared in Python."""
    from dam import hamming
    from dam.models import Asset

    return sorted(pk for pk, stored in Asset.objects.values_list("pk", "image_hash")
                  if hamming.distance(query, hamming.to_unsigned(stored)) <= max_distance)


def measure(queries: list[int], max_distance: int) -> dict:
    from dam.selectors import assets_similar, assets_similar_candidates

    banded, scan, candidates, same = [], [], [], True
    for query in queries:
        started = time.perf_counter()
        found = assets_similar(image_hash=query, max_distance=max_distance)
        banded.append(time.perf_counter() - started)
        started = time.perf_counter()
        scanned = _scan(query, max_distance)
        scan.append(time.perf_counter() - started)
        same &= sorted(a.pk for a, _ in found) == scanned
        candidates.append(assets_similar_candidates(
            image_hash=query, max_distance=max_distance).count())
    return {"banded": banded, "scan": scan, "candidates": statistics.median(candidates),
            "same": same}
