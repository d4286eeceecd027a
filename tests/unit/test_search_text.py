"""The search normaliser (dam.search.text): the tokens both databases index and query.
That it imports no Django is a contract in pyproject.toml (test_import_contracts.py)."""
from __future__ import annotations

import pytest

from dam.search import text


@pytest.mark.parametrize("given, expected", [
    ("Zürich", ["zurich"]),
    ("ZURICH", ["zurich"]),
    ("Berlin_wall-01.jpg", ["berlin", "wall", "01", "jpg"]),
    ("running runs run", ["run", "run", "run"]),
    ("Photographs photographed", ["photograph", "photograph"]),
    ("Straße", ["strass"]),
    ("ﬁsh Ⅻ", ["fish", "xii"]),  # compatibility forms: ligature, Roman numeral
    ("Øresund, København", ["øresund", "københavn"]),  # ø is a letter, not o + accent
    ("Москва", ["москва"]),
    ("  --!!  ", []),
    ("a\0b", ["a", "b"]),
    ("x" * 65 + " ok", ["ok"]),
])
def test_tokens(given, expected):
    assert text.tokens(given) == expected


def test_document_joins_the_tokens_of_every_text():
    assert text.document("The Harbour", "", "boats at dawn") == "the harbour boat at dawn"


def test_query_tokens_are_distinct_and_bounded():
    assert text.query_tokens("Boats boat BOATS harbour") == ["boat", "harbour"]
    many = " ".join(f"w{i}" for i in range(100))
    assert len(text.query_tokens(many)) == text.MAX_QUERY_TOKENS


def test_both_query_syntaxes_quote_every_term_and_prefix_the_last():
    assert text.tsquery(["near", "harbour"]) == "'near' & 'harbour':*"
    assert text.fts5_match(["near", "harbour"]) == '"near" AND "harbour" *'
    assert text.tsquery([]) == text.fts5_match([]) == ""


def test_the_language_chooses_the_stemmer():
    assert text.tokens("Häuser laufen", language="german") == ["haus", "lauf"]

