"""Text compared without case or accents ("Élan" starts with "el"), in the database.

``Folded(expression)`` is ``lower(unaccent(...))`` on PostgreSQL (the ``unaccent``
extension, created by migration 0004) and ``salient_fold(...)`` on SQLite, a Python
function (``fold``) each new connection registers (``dam.apps``); SQLite's own LIKE
and lower() fold ASCII letters only.
"""
from __future__ import annotations

import unicodedata

from django.db.models import CharField, Func


def fold(text: str | None) -> str | None:
    """``text`` without accents, lower case (NFKD, combining marks dropped)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class Folded(Func):
    function = "salient_fold"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="lower(unaccent(%(expressions)s))",
                           **extra)


def sqlite_functions_add(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: ``salient_fold`` for SQLite connections."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("salient_fold", 1, fold, deterministic=True)
