"""The search benchmark runs end to end on a small generated library (SQLite; the
PostgreSQL run needs a database of its own and is the benchmark's, not CI's)."""
from __future__ import annotations

from bench import search


def test_a_small_search_benchmark_runs_and_reports(tmp_path):
    text = search.main(["--assets", "600", "--queries", "4", "--setups", "sqlite",
                        "--out-dir", str(tmp_path)])
    assert "# Search over 600 generated assets" in text
    for kind in ("one word", "three words + keyword", "filter alone", "one word, a desk's view",
                 "facets"):
        assert f"| sqlite: {kind}" in text
    assert "index used: yes" in text
    assert (tmp_path / "search.md").read_text().strip() == text.strip()
