"""The search benchmark's pure parts: the generated library and the report."""
from __future__ import annotations

from collections import Counter

from bench import search
from bench.search_data import Corpus


def test_the_corpus_is_varied_zipf_like_and_the_same_every_run():
    corpus = Corpus(words=2_000, keywords=300, creators=50)
    assets = [corpus.asset(i) for i in range(400)]
    again = Corpus(words=2_000, keywords=300, creators=50)
    assert [a.fields for a in assets[:5]] == [again.asset(i).fields for i in range(5)]
    for a in assets:
        assert 10 <= len(a.fields["caption"].split()) <= 40
        assert 1 <= len(a.keywords) <= 10 and len(set(a.keywords)) == len(a.keywords)
    words = Counter(w.casefold() for a in assets for w in a.fields["caption"].split())
    counts = [n for _, n in words.most_common()]
    assert counts[0] > 10 * counts[len(counts) // 2]  # a long tail, not uniform
    assert len({a.fields["creator"] for a in assets}) > 20


def test_percentiles_are_nearest_rank_in_ms():
    assert search.percentiles([0.001 * i for i in range(1, 101)]) == (50.5, 95.0)
    assert search.percentiles([0.002]) == (2.0, 2.0)


def test_the_report_gives_ratios_against_icontains():
    timed = {"search": [0.010, 0.020], "icontains": [0.100, 0.200], "found": [5, 7]}
    text = search.report({"sqlite": {
        "timings": {"one word": timed, "filter alone": {"search": [0.004], "found": [3]}},
        "load_s": 1.0, "database": "SQLite 3", "plan": "yes"}}, assets=10)
    assert "| sqlite: one word | 2 | 15.0 | 20.0 | 150.0 | 200.0 | 0.100 | 0.100 | 6 |" in text
    assert "| sqlite: filter alone | 1 | 4.0 | 4.0 | — | — | — | — | 3 |" in text
    assert "index used: yes" in text
