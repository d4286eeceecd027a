"""The search benchmark's measuring process (bench/search.py starts one per setup):
a throwaway database, 100,000 generated assets loaded in bulk, then the timings.

What is timed is what the product runs: ``renditions.selectors.library_search``
and ``library_facets``, the columns from ``dam.search.index.columns`` (the
function ``asset_search_refresh`` uses).
"""
from __future__ import annotations

import contextlib
import math
import os
import random
import sys
import time

BATCH = 2_000
PAGE = 24


def run(assets: int, queries: int) -> dict:
    """Create the database, load ``assets``, time ``queries`` of each kind, drop it."""
    with throwaway_database() as connection:
        from .search_data import Corpus

        corpus = Corpus()
        started = time.perf_counter()
        _say(f"{connection.vendor}: loading {assets:,} assets")
        sample = load(corpus, assets)
        load_s = time.perf_counter() - started
        _say(f"{connection.vendor}: loaded in {load_s:.0f} s; timing {queries} queries a kind")
        return {"load_s": load_s, "database": _describe(connection), "plan": _plan(corpus),
                "timings": measure(corpus, sample, queries)}


@contextlib.contextmanager
def throwaway_database():
    """Django set up on a database of its own (SQLite: a file in ``SALIENT_VAR_DIR``;
    PostgreSQL: DATABASE_URL's name + ``_bench``), created and dropped as Django's test
    database; yields the connection."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dam.settings")
    from dam import instance

    instance.prepare()
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "postgresql":  # a name of its own, beside DATABASE_URL's
        connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}),
                                            "NAME": f"{connection.settings_dict['NAME']}_bench"}
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True,
                                                  serialize=False)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _describe(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def load(corpus, n: int) -> list:
    """``n`` assets with their keywords and search columns, the index dropped while
    loading and built once at the end; returns every 500th generated asset."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from taggit.models import Tag, TaggedItem

    from dam.models import Asset
    from dam.search import index, schema

    with connection.schema_editor() as editor:
        schema.uninstall(editor, Asset)
    Tag.objects.bulk_create([Tag(name=k, slug=f"k{i}") for i, k in enumerate(corpus.keywords)])
    tag_ids = dict(Tag.objects.values_list("name", "pk"))
    content_type = ContentType.objects.get_for_model(Asset)
    places = [c.pk for c in _collections()]
    sample = []
    for start in range(0, n, BATCH):
        generated = [corpus.asset(i) for i in range(start, min(n, start + BATCH))]
        rows = [Asset(file=f"originals/bench/{start + i}.jpg", sha256="0" * 64, size_bytes=1,
                      format="jpg", collection_id=places[(start + i) % len(places)],
                      **g.fields) for i, g in enumerate(generated)]
        for row, g in zip(rows, generated):
            for column, value in index.columns(row, g.keywords).items():
                setattr(row, column, value)
        Asset.objects.bulk_create(rows)
        TaggedItem.objects.bulk_create([
            TaggedItem(content_type=content_type, object_id=row.pk, tag_id=tag_ids[k])
            for row, g in zip(rows, generated) for k in g.keywords])
        sample += generated[::500]
    index.vectors_refresh(Asset.objects.all())
    with connection.schema_editor() as editor:
        schema.install(editor, Asset)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return sample


def _collections() -> list:
    """The root, four desks and three sections in each: where the assets go, in turn."""
    from dam import services
    from dam.models import Collection

    root = Collection.root()
    desks = [services.collection_create(name=f"Desk {d}", parent=root) for d in range(4)]
    return [root, *(services.collection_create(name=f"Section {s}", parent=desk)
                    for desk in desks for s in range(3))]


def _desk_reader():
    """A user whose only right is a view grant on the first desk (a quarter of the
    sections): what they search is narrowed by ``dam.selectors.assets_visible``."""
    from django.contrib.auth.models import Group, User

    from dam.models import Collection, CollectionGrant

    group = Group.objects.create(name="Desk 0 readers")
    CollectionGrant.objects.create(group=group, level="view",
                                   collection=Collection.objects.get(name="Desk 0"))
    user = User.objects.create_user("desk-reader")
    user.groups.add(group)
    return user


def query_sets(corpus, sample, n: int) -> dict[str, list[dict]]:
    """``n`` distinct queries of each kind, as ``library_search`` keyword arguments."""
    rng = random.Random(5)
    ranks = sorted({int(math.exp(rng.uniform(0, math.log(5_000)))) for _ in range(n * 4)})
    words = [corpus.words[r] for r in rng.sample(ranks, min(n, len(ranks)))]
    three = []
    for g in rng.sample(sample, min(n, len(sample))):
        picked = rng.sample((g.fields["headline"] + " " + g.fields["caption"]).split(), 3)
        three.append({"q": " ".join(picked), "keyword": [rng.choice(g.keywords)]})
    alone = [{"keyword": [k]} if i % 2 else {"creator": c} for i, (k, c) in enumerate(
        zip(rng.sample(corpus.keywords[:300], n), rng.sample(corpus.creators[:200], n)))]
    return {"one word": [{"q": w} for w in words], "three words + keyword": three,
            "filter alone": alone, "one word, a desk's view": [{"q": w} for w in words]}


def measure(corpus, sample, n: int) -> dict:
    from dam.models import Asset
    from dam.selectors import assets_visible
    from renditions.selectors import library_facets, library_search

    desk = _desk_reader()
    timings = {}
    sets = query_sets(corpus, sample, n)
    for warm in sets["one word"][-3:]:  # the first query of a process opens files, caches
        _page(library_search(**warm))
        _page(_icontains(Asset.objects.all(), **warm))
    for kind, queries in sets.items():
        timed = {"search": [], "icontains": [], "found": []}
        for query in queries:
            # what the list endpoint runs: the user's view, then the search
            base = assets_visible(user=desk) if "desk" in kind else Asset.objects.all()
            seconds, found = _timed(lambda: _page(library_search(base, **query)))
            timed["search"].append(seconds)
            timed["found"].append(found)
            if "q" in query:
                timed["icontains"].append(_timed(lambda: _page(_icontains(base, **query)))[0])
        timings[kind] = timed
    facets = {"search": [], "found": []}
    for query in sets["one word"]:
        found = library_search(**query)
        facets["search"].append(_timed(lambda: library_facets(found))[0])
        facets["found"].append(found.count())
    timings["facets (one-word results)"] = facets
    return timings


def _timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def _page(assets) -> int:
    """What a list request asks of the database: the count, then the first page."""
    count = assets.count()
    list(assets[:PAGE])
    return count


FIELDS = ("headline", "caption", "title", "alt_text", "creator", "credit", "city", "country",
          "original_filename")


def _icontains(assets, *, q: str, keyword=()):
    """The baseline: every word in some field (``icontains``), keyword filter alike."""
    from django.db.models import Exists, OuterRef, Q

    from dam.models import Asset

    items = Asset.tags.through.objects.filter(object_id=OuterRef("pk"))
    for word in q.split():
        anywhere = Q(Exists(items.filter(tag__name__icontains=word)))
        for name in FIELDS:
            anywhere |= Q(**{f"{name}__icontains": word})
        assets = assets.filter(anywhere)
    for name in keyword:
        assets = assets.filter(tags__name=name)
    return assets.order_by("-created_at", "-id")


def _plan(corpus) -> str:
    """The database's plan for a one-word search: does it use the search index?"""
    from django.db import connection

    from renditions.selectors import library_search

    sql, params = library_search(q=corpus.words[50]).query.sql_with_params()
    with connection.cursor() as cursor:
        explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        cursor.execute(explain + sql, params)
        plan = [str(row[-1]).strip() for row in cursor.fetchall()]
    used = [line for line in plan if "dam_asset_search" in line or "VIRTUAL TABLE INDEX" in line]
    return f"yes ({used[0][:120]})" if used else f"NO ({' / '.join(plan)[:300]})"
