"""Sanity checks of the saliency metrics in training/metrics.py (numpy only)."""
import numpy as np
import pytest

from training import metrics
from training.data import OSIE


@pytest.fixture
def scene():
    """A 60x80 map with three fixated pixels and their blurred density."""
    fix = np.zeros((60, 80), bool)
    fix[[10, 30, 45], [20, 40, 70]] = True
    gt = metrics.blur(fix.astype(float), 3.0)
    return fix, gt


def test_perfect_map_beats_flat_map(scene):
    fix, gt = scene
    flat = np.ones_like(gt)
    assert metrics.auc_judd(gt, fix) > 0.95
    many = np.random.default_rng(1).random(gt.shape) < 0.1
    assert metrics.auc_judd(flat, many) == pytest.approx(0.5, abs=0.05)
    assert metrics.nss(gt, fix) > 3.0
    assert metrics.cc(gt, gt) == pytest.approx(1.0)
    assert metrics.sim(gt, gt) == pytest.approx(1.0)
    assert metrics.kld(gt, gt) == pytest.approx(0.0, abs=1e-9)
    assert metrics.kld(flat, gt) > metrics.kld(gt + 1e-6, gt)
    assert metrics.sim(flat, gt) < 0.5


def test_nss_of_a_single_peak_at_the_fixation():
    sal = np.zeros((10, 10))
    sal[4, 6] = 1.0
    fix = sal > 0
    # Standardised value of the one hot pixel: (1 - 0.01) / std(ddof=1).
    expected = (1 - 0.01) / sal.std(ddof=1)
    assert metrics.nss(sal, fix) == pytest.approx(expected)


def test_shuffled_auc_discounts_a_shared_centre_bias():
    sal = metrics.centre_gaussian(80, 60)
    fix = np.zeros((60, 80), bool)
    fix[30, 40] = True
    other = np.zeros_like(fix)
    other[29:32, 39:42] = True
    other[30, 40] = False
    assert metrics.auc_judd(sal, fix) > 0.99
    assert metrics.auc_shuffled(sal, fix, other) < 0.95


def test_auc_from_scores_counts_ties_as_half():
    assert metrics.auc_from_scores(np.array([1.0]), np.array([1.0])) == 0.5
    assert metrics.auc_from_scores(np.array([2.0, 3.0]), np.array([1.0])) == 1.0


def test_blur_keeps_mass_away_from_edges():
    a = np.zeros((50, 50))
    a[25, 25] = 1.0
    assert metrics.blur(a, 2.0).sum() == pytest.approx(1.0)


@pytest.mark.skipif(not (OSIE / "fixations.json").is_file(), reason="../shared/data/osie is absent")
def test_crop_retention_ranks_the_true_density_above_a_wrong_corner():
    from training import crop_quality, data

    image_id = data.HOLDOUT[0]
    check = crop_quality.CropCheck.osie(image_id)
    _, density = data.fixation_maps(image_id)
    kept, best = check.kept(density), check.best
    corner = np.zeros_like(density)
    corner[-5:, -5:] = 1.0
    wrong = check.kept(corner)
    assert 0 < wrong < kept <= best <= 1
    assert kept >= 0.95 * best  # people's own gaze places crops near the oracle


@pytest.mark.skipif(not (OSIE / "fixations.json").is_file(), reason="../shared/data/osie is absent")
def test_evaluation_negatives_are_the_cells_fixated_in_the_splits_other_photos():
    import dataclasses

    from training import data, evaluate

    split = dataclasses.replace(evaluate.splits()[0], ids=range(1551, 1555))
    for i in split.ids:
        fix, density, other = split.truth[i]
        union = np.sum([data.fixation_maps(j)[0] for j in split.ids if j != i], 0) > 0
        assert fix.shape == density.shape == other.shape == (150, 200)
        assert np.array_equal(other, union)


def test_half_the_viewers_table_scores_a_map_against_the_other_half(tmp_path):
    """Synthetic split, two photos: 4 viewers all look at one corner. Half of them
    predict the other half almost perfectly; a map on that corner scores as well as the
    viewers, one on the opposite corner far worse, and the table says so."""
    import json

    from PIL import Image

    from training import data, evaluate

    src = (400, 300)
    looks = [{"x": [20.0 + k, 30.0], "y": [20.0, 25.0 + k]} for k in range(4)]
    (tmp_path / "fixations.json").write_text(json.dumps(
        [{"image": f"{i}.jpg", "width": src[0], "height": src[1], "subjects": looks}
         for i in (1, 2)]))
    for i in (1, 2):
        Image.new("RGB", src).save(tmp_path / f"{i}.jpg")
    split = evaluate.Split("synthetic", range(1, 3), lambda i: tmp_path / f"{i}.jpg",
                           lambda: {}, lambda i: None, tmp_path, False)
    size = data.gt_size(*src)

    def corner(x0, y0):
        def predict(_img, shape):
            assert shape == size
            m = np.full(shape[::-1], 1e-6)
            m[y0:y0 + 20, x0:x0 + 20] = 1.0
            return m / m.sum()
        return predict

    table = evaluate.half_viewers(split, {"right": corner(0, 0), "wrong": corner(170, 120)})
    rows = {line.split("|")[1].strip(): line.split("|")[2:4] for line in table.splitlines()
            if line.startswith("| ") and "---" not in line}
    assert float(rows["half the viewers"][0]) > 0.95
    assert float(rows["right"][0]) > 0.95
    assert float(rows["wrong"][0]) < 0.6
    assert float(rows["wrong"][1].split("±")[0]) > 0.3
