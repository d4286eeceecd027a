"""The database side of search: weighted columns, their index, and the match.

Each asset stores its normalised tokens (``dam.search.text``) in three columns,
weighted for the rank: ``search_a`` (title, headline), ``search_b`` (caption,
keywords, alt text) and ``search_c`` (creator, credit, city, country, file name).

PostgreSQL stores :func:`vector` of them in ``search_vector`` (GIN-indexed): ranking
reads it instead of recomputing it per match, as an expression index would make it
(160 ms for 6,500 matches of 10,000 assets; a facet's nested loop 4 s). SQLite keeps
an FTS5 table (``dam_asset_fts``, external content on ``dam_asset``, rowid = asset
id) in step with SQL triggers. Neither stems or folds accents of its own: the
columns hold tokens already, and both split them on spaces alike.
"""
from __future__ import annotations

from django.db import connections
from django.db.models import F, FloatField, QuerySet, Value

from ..conf import dam_setting
from . import text

#: Column -> the asset's fields (and "keywords") it holds.
COLUMNS = {
    "search_a": ("title", "headline"),
    "search_b": ("caption", "keywords", "alt_text"),
    "search_c": ("creator", "credit", "city", "country", "original_filename"),
}
WEIGHTS = {"search_a": "A", "search_b": "B", "search_c": "C"}
#: The rank's weight per column, both databases (PostgreSQL's ts_rank defaults).
RANK_WEIGHTS = {"search_a": 1.0, "search_b": 0.4, "search_c": 0.2}
PG_INDEX = "dam_asset_search"
FTS_TABLE = "dam_asset_fts"


def columns(asset, keywords) -> dict[str, str]:
    """The search columns' values for ``asset`` and its ``keywords`` (names)."""
    language = dam_setting("SEARCH_LANGUAGE")
    values = {"keywords": " ".join(keywords)}

    def value(name):
        return values[name] if name in values else getattr(asset, name)
    return {column: text.document(*map(value, fields), language=language)
            for column, fields in COLUMNS.items()}


def vector():
    """PostgreSQL: the weighted tsvector of the search columns (``search_vector``)."""
    from django.contrib.postgres.search import SearchVector

    combined = None
    for column, weight in WEIGHTS.items():
        part = SearchVector(column, config="simple", weight=weight)
        combined = part if combined is None else combined + part
    return combined


def pg_index():
    from django.contrib.postgres.indexes import GinIndex

    return GinIndex(fields=["search_vector"], name=PG_INDEX)


def vectors_refresh(assets: QuerySet) -> None:
    """PostgreSQL: recompute ``search_vector`` of ``assets`` from their columns, in the
    database (one UPDATE); elsewhere nothing."""
    if connections[assets.db].vendor == "postgresql":
        assets.update(search_vector=vector())


def matching(assets: QuerySet, query: str) -> QuerySet:
    """``assets`` that hold every token of ``query`` (the last one also as a word's
    start), annotated with ``search_rank`` (higher is better). A query without tokens
    (only punctuation, say) matches nothing."""
    terms = text.query_tokens(query, language=dam_setting("SEARCH_LANGUAGE"))
    if not terms:
        return assets.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
    if connections[assets.db].vendor == "postgresql":
        return _pg_matching(assets, terms)
    return assets.filter(search_entry__match=text.fts5_match(terms)).annotate(
        search_rank=-F("search_entry__rank"))


def _pg_matching(assets: QuerySet, terms: list[str]) -> QuerySet:
    from django.contrib.postgres.search import SearchQuery, SearchRank

    tsquery = SearchQuery(text.tsquery(terms), config="simple", search_type="raw")
    weights = [0.1] + [RANK_WEIGHTS[c] for c in ("search_c", "search_b", "search_a")]  # D-A
    return assets.filter(search_vector=tsquery).annotate(
        search_rank=SearchRank(F("search_vector"), tsquery, weights=weights))
