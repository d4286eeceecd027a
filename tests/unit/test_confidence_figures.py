"""The calibration bench's figures (bench/calibration.py) on cases worked by hand."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench import calibration


def test_ece_weighs_each_bin_by_its_crops():
    p = np.array([0.05, 0.05, 0.95, 0.95, 0.55, 0.55, 0.55, 0.55])
    good = np.array([0, 0, 1, 1, 1, 1, 0, 0], dtype=bool)
    # bins: 0.0-0.1 gap 0.05 (2 crops), 0.9-1.0 gap 0.05 (2), 0.5-0.6 gap 0.05 (4)
    assert calibration.ece(p, good) == pytest.approx(0.05)
    assert calibration.ece(np.full(4, 0.95), np.zeros(4, dtype=bool)) == pytest.approx(0.95)
    assert calibration.ece(np.array([1.0]), np.array([True])) == 0.0  # 1.0 is in the last bin


def test_auc_counts_pairs_and_ties_half():
    rng = np.random.default_rng(1)
    score = rng.integers(0, 5, 60).astype(float)  # many ties
    positive = rng.random(60) < 0.3
    pairs = [1.0 if a > b else 0.5 if a == b else 0.0
             for a, b in itertools.product(score[positive], score[~positive])]
    assert calibration.auc(score, positive) == pytest.approx(np.mean(pairs))
    assert calibration.auc(np.arange(4.0), np.array([False, False, True, True])) == 1.0


def test_flag_threshold_finds_the_gap_between_bad_and_good():
    p = np.r_[np.full(10, 0.32), np.full(90, 0.9)]
    ratio = np.r_[np.full(10, 0.5), np.full(90, 1.0)]
    assert calibration.flag_threshold(p, ratio) == pytest.approx(0.35)
    f = calibration.figures(p, ratio, low=0.35)
    assert f["flagged"] == pytest.approx(0.1) and f["caught"] == 1.0 and f["auc"] == 1.0


def test_bootstrap_brackets_the_figures():
    rng = np.random.default_rng(2)
    p = rng.uniform(0, 1, 500)
    ratio = np.where(rng.random(500) < p, 1.0, 0.5)
    ci = calibration.bootstrap(p, ratio, np.arange(500) // 5, reps=200)
    f = calibration.figures(p, ratio)
    for key in ("auc", "mean", "good", "flagged"):
        assert ci[key][0] <= f[key] <= ci[key][1], key


def _rows(conf, halves):
    n = len(conf)
    return calibration.Rows(np.zeros((n, 5)), np.asarray(conf, float), np.zeros(n),
                            np.ones(n), np.arange(n), np.asarray(halves, float))


def test_viewer_agreement_scores_each_half_against_the_other():
    # Crops 0-1 are bad for half B (0.5) and half A keeps less there too: the viewers
    # agree perfectly. The confidence ranks crop 0 low but crop 1 high: it finds one of
    # the two bad crops of either half above every good one.
    halves = [[0.6, 0.5], [0.7, 0.5], [1.0, 1.0], [0.95, 0.98]]
    viewers, ours = calibration.viewer_agreement(_rows([0.1, 0.9, 0.8, 0.7], halves))
    assert viewers == 1.0
    assert ours == pytest.approx(0.5)  # crop 0 beats both good crops, crop 1 neither
    # Halves that disagree: A's bad crops are B's good ones.
    viewers, _ = calibration.viewer_agreement(_rows([0.5] * 4, [[0.5, 1.0], [0.6, 1.0],
                                                                [1.0, 0.5], [1.0, 0.6]]))
    assert viewers == 0.0


def test_viewer_agreement_is_nan_without_halves():
    rows = _rows([0.5, 0.6], [[np.nan, np.nan], [np.nan, np.nan]])
    assert all(np.isnan(v) for v in calibration.viewer_agreement(rows))


def test_disputed_counts_the_bad_crops_that_one_half_keeps():
    # Crop 0: bad, and both halves agree. Crop 1: bad, but half B keeps 0.9 of its own
    # oracle. Crop 2: good. Crop 3: bad, no halves (not counted at all).
    rows = calibration.Rows(np.zeros((4, 5)), np.full(4, 0.5), np.zeros(4),
                            np.array([0.6, 0.8, 0.95, 0.5]), np.arange(4),
                            np.array([[0.6, 0.7], [0.7, 0.9], [1.0, 0.5], [np.nan, np.nan]]))
    assert calibration.disputed(rows) == (1, 2)
