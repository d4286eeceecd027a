"""Search text: the one normaliser both databases index and query with. No Django.

A text becomes tokens: case folded, accents stripped (NFKD, combining marks
dropped), split on anything that is not a letter or digit (so ``Berlin_wall-01.jpg``
gives ``berlin wall 01 jpg``) and stemmed by Snowball (``running`` -> ``run``).
PostgreSQL (``to_tsvector('simple', ...)``) and SQLite (FTS5) then only split the
stored tokens on spaces, so the same query finds the same assets on both.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

#: Letters and digits; the underscore is a separator, as are punctuation and spaces.
_WORD = re.compile(r"[^\W_]+")
#: Longer tokens are dropped: no one searches them, and PostgreSQL refuses words over
#: 2047 bytes in a tsvector.
MAX_TOKEN_CHARS = 64
#: A query's tokens beyond this many are ignored (a 10 kB paste is not a search).
MAX_QUERY_TOKENS = 32


@lru_cache(maxsize=32)
def _stemmer(language: str):
    return snowballstemmer.stemmer(language)


@lru_cache(maxsize=200_000)
def _stem(word: str, language: str) -> str:
    return _stemmer(language).stemWord(word)


def fold(text: str) -> str:
    """``text`` case folded, without accents (``Zürich`` -> ``zurich``, ``Æ`` -> ``æ``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str, *, language: str = "english") -> list[str]:
    """The search tokens of ``text``, in order, repeats kept (they weigh in the rank)."""
    return [_stem(word, language) for word in _WORD.findall(fold(text.replace("\0", " ")))
            if len(word) <= MAX_TOKEN_CHARS]


def document(*texts: str, language: str = "english") -> str:
    """What a weighted column stores: the tokens of ``texts``, space-separated."""
    return " ".join(t for text in texts if text for t in tokens(text, language=language))


def query_tokens(query: str, *, language: str = "english") -> list[str]:
    """A query's distinct tokens in order, at most :data:`MAX_QUERY_TOKENS`."""
    return list(dict.fromkeys(tokens(query, language=language)))[:MAX_QUERY_TOKENS]


def tsquery(terms: list[str]) -> str:
    """PostgreSQL ``to_tsquery`` text: every term ANDed, the last one also as a prefix
    (search as you type: ``dune.jp`` finds ``dune.jpg``). Terms hold only letters and
    digits (:func:`tokens`); quoting keeps any operator-like word a plain word."""
    parts = [f"'{t}'" for t in terms]
    if parts:
        parts[-1] += ":*"
    return " & ".join(parts)


def fts5_match(terms: list[str]) -> str:
    """SQLite FTS5 ``MATCH`` text with the same meaning as :func:`tsquery`: quoted
    strings, so ``NEAR``, ``AND`` or ``*`` in a query are words, not syntax."""
    parts = [f'"{t}"' for t in terms]
    if parts:
        parts[-1] += " *"
    return " AND ".join(parts)
