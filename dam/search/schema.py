"""The index's DDL, per database: run by migration 0004 and, on SQLite, again after
every ``migrate`` (a later migration that rebuilds ``dam_asset`` drops its triggers)."""
from __future__ import annotations

from .index import COLUMNS, FTS_TABLE, RANK_WEIGHTS, pg_index

_COLS = ", ".join(COLUMNS)
_NEW = ", ".join(f"new.{c}" for c in COLUMNS)
_OLD = ", ".join(f"old.{c}" for c in COLUMNS)
_DELETE_OLD = (f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_COLS}) "
               f"VALUES ('delete', old.id, {_OLD});")
_INSERT_NEW = f"INSERT INTO {FTS_TABLE}(rowid, {_COLS}) VALUES (new.id, {_NEW});"

#: The tokens are normalised already: the tokenizer only splits on spaces and punctuation.
SQLITE_TABLE = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_COLS}, "
                f"content='dam_asset', content_rowid='id', "
                f"tokenize='unicode61 remove_diacritics 0')")
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON dam_asset "
    f"BEGIN {_INSERT_NEW} END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON dam_asset "
    f"BEGIN {_DELETE_OLD} END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF {_COLS} ON dam_asset "
    f"BEGIN {_DELETE_OLD} {_INSERT_NEW} END",
)
#: bm25 with the columns' weights, as FTS5's ``rank`` column (persistent per table).
SQLITE_RANK = (f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('rank', 'bm25("
               + ", ".join(str(w) for w in RANK_WEIGHTS.values()) + ")')")


def install(schema_editor, model) -> None:
    """Create the index for ``model`` (the asset) over the rows already filled."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.add_index(model, pg_index())
    elif vendor == "sqlite":
        exists = _sqlite_has_table(schema_editor.connection)
        sqlite_ensure(schema_editor.connection)
        if not exists:
            schema_editor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
            schema_editor.execute(SQLITE_RANK)


def uninstall(schema_editor, model) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.remove_index(model, pg_index())
    elif vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def sqlite_ensure(connection) -> None:
    """The FTS5 table and its triggers, where missing (idempotent)."""
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_TABLE)
        for trigger in SQLITE_TRIGGERS:
            cursor.execute(trigger)


def sqlite_repair(connection) -> None:
    """After ``migrate``: put back triggers that a rebuild of ``dam_asset`` dropped."""
    if connection.vendor == "sqlite" and _sqlite_has_table(connection):
        sqlite_ensure(connection)


def _sqlite_has_table(connection) -> bool:
    return FTS_TABLE in connection.introspection.table_names()
