"""The near-duplicate benchmark's pure parts: scoring and the report."""
from __future__ import annotations

from bench import similar


def test_scores_count_recall_false_matches_and_original_pairs():
    originals = [0x0, 0xFFFF_FFFF_FFFF_FFFF, 0x0F]  # the third is 4 bits from the first
    copies = {"resize 50 %": [0x1, 0xFFFF_FFFF_FFFF_FFFE, 0xFF_FF00],
              similar.NEGATIVE: [0xFFFF_0000_FFFF_0000, 0x0, 0x0F]}
    score = similar.scores(originals, copies, threshold=4)
    assert score["transforms"]["resize 50 %"] == {"recalled": 2, "false": 1, "of": 3}
    assert score["transforms"][similar.NEGATIVE] == {"recalled": 1, "false": 2, "of": 3}
    assert score["original_pairs"] == 1
    precision, recall = similar.overall(score)  # the negative control left out
    assert (precision, recall) == (2 / (2 + 1 + 1), 2 / 3)


def test_the_lookup_report_gives_ratios_against_the_full_scan():
    timed = {"banded": [0.002, 0.004], "scan": [0.200, 0.400], "candidates": 120,
             "same": True, "load_s": 12.0, "database": "SQLite 3.40"}
    text = similar.lookup_report({"sqlite": timed}, 100_000, notes=["postgres: skipped"])
    assert "| sqlite | 2 | 3.00 | 4.00 | 300.0 | 400.0 | 0.0100 | 120 | yes |" in text
    assert "postgres: skipped" in text and "100,000" in text
