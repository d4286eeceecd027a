"""The crop confidence: the calibration file, its fallback, the shape of the number,
and the fit that writes it (``training.calibrate``). No Django, no ../shared."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from renditions.engine import confidence, planning
from renditions.engine.pipeline import Planner, RenditionSpec
from training.calibrate import fit_logistic

from ._images import blob_map, map_analysis

SIZE = (1600, 900)
needs_calibration = pytest.mark.skipif(
    not confidence.CALIBRATION.is_file() or not confidence.SHIPPED_MODEL.is_file(),
    reason="no calibration or no shipped model (python -m training calibrate writes it)")


@pytest.fixture
def calibration_file(tmp_path, monkeypatch):
    """Point the engine at a calibration file of the test's own (cache cleared around)."""
    path = tmp_path / "salient.calibration.json"
    monkeypatch.setattr(confidence, "CALIBRATION", path)
    confidence.load_calibration.cache_clear()
    yield path
    confidence.load_calibration.cache_clear()


def write(path, **changes) -> None:
    record = {"features": list(confidence.FEATURES), "weights": [2.0, 0.0, 0.0, 0.0, 0.0],
              "bias": 0.5, "model_version": "test-model-1",
              "model_sha256": hashlib.sha256(confidence.SHIPPED_MODEL.read_bytes()).hexdigest()
              if confidence.SHIPPED_MODEL.is_file() else "none"}
    path.write_text(json.dumps({**record, **changes}))


def plan_args(kept=None):
    """(stats, box, kept, sx, sy, worst) of the 1:1 plan on a map with one blob."""
    planner = Planner(map_analysis(blob_map(centres=[(0.4, 0.5)]), SIZE))
    plan, field = planner.plan(RenditionSpec(aspect=(1, 1))), planner.field
    return (field.stats, tuple(plan.box), plan.kept if kept is None else kept,
            field.sx, field.sy, planning.worst_share(field, plan.box))


def heuristic(args) -> float:
    return confidence.heuristic(*args[:5])


@needs_calibration
def test_shipped_calibration_loads_and_fits_the_shipped_model():
    raw = json.loads(confidence.CALIBRATION.read_text())
    calibration = confidence.load_calibration(confidence.CALIBRATION)
    assert calibration is not None and tuple(raw["features"]) == confidence.FEATURES
    assert calibration.model_sha256 == hashlib.sha256(
        confidence.SHIPPED_MODEL.read_bytes()).hexdigest()
    assert confidence.calibration_for(None) is calibration
    assert confidence.calibration_for(calibration.model_version) is calibration
    assert confidence.calibration_for("spectral-pft-1") is None


@needs_calibration
def test_flag_threshold_is_the_one_the_calibration_suggests():
    suggested = json.loads(confidence.CALIBRATION.read_text())["fitted_on"]
    assert abs(suggested["suggested_low_confidence"] - confidence.LOW_CONFIDENCE) < 0.051


@needs_calibration
def test_calibrated_confidence_rises_with_kept_and_stays_a_probability():
    kepts = np.linspace(0.0, 1.0, 41)
    values = [confidence.confidence(*plan_args(k)) for k in kepts]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert all(b >= a for a, b in zip(values, values[1:]))
    assert values[-1] - values[0] > 0.5  # kept matters, not a flat line
    assert values != [heuristic(plan_args(k)) for k in kepts]


def test_missing_file_falls_back_to_the_heuristic(calibration_file):
    args = plan_args()
    assert confidence.calibration_for(None) is None
    assert confidence.confidence(*args) == heuristic(args)


def test_calibration_for_another_model_falls_back(calibration_file):
    write(calibration_file, model_sha256="0" * 64)
    args = plan_args()
    assert confidence.calibration_for(None) is None
    assert confidence.confidence(*args) == heuristic(args)
    # a map from another backend than the fitted one
    assert confidence.confidence(*args, model_version="spectral-pft-1") == \
        heuristic(args)
    assert confidence.calibration_for("test-model-1") is not None


@pytest.mark.parametrize("change", [{"features": ["logit_kept"]}, {"weights": "heavy"}])
def test_calibration_for_other_features_or_broken_falls_back(calibration_file, change):
    write(calibration_file, **change)
    assert confidence.calibration_for("test-model-1") is None


def test_a_calibration_gives_its_logistic_probability(calibration_file):
    write(calibration_file)
    args = plan_args(kept=0.8)
    expected = 1 / (1 + np.exp(-(0.5 + 2.0 * np.log(0.8 / 0.2))))
    assert confidence.confidence(*args, model_version="test-model-1") == pytest.approx(expected)
    analysis = map_analysis(blob_map(centres=[(0.4, 0.5)]), SIZE, model_version="test-model-1")
    plan = Planner(analysis).plan(RenditionSpec(aspect=(1, 1)))
    k = min(max(plan.kept, 0.01), 0.99)  # features clip kept
    by_hand = 1 / (1 + np.exp(-(0.5 + 2.0 * np.log(k / (1 - k)))))
    assert plan.confidence == pytest.approx(by_hand, abs=1e-4)


def test_every_plan_is_a_probability_and_an_editor_box_is_certain():
    rng = np.random.default_rng(3)
    for seed in range(6):
        smap = blob_map(centres=rng.uniform(0.05, 0.95, (3, 2)), sigma=rng.uniform(0.03, 0.3))
        planner = Planner(map_analysis(smap, SIZE))
        for aspect in ((1, 1), (16, 9), (9, 16), (4, 5), (3, 1)):
            plan = planner.plan(RenditionSpec(aspect=aspect))
            assert 0.0 <= plan.confidence <= 1.0, (seed, aspect)
        edited = planner.plan(RenditionSpec(aspect=(1, 1)), editor_box=(0, 0, 0.3, 0.5))
        assert edited.origin == "editor" and edited.confidence == 1.0


def test_worst_share_is_one_for_the_whole_photo_and_small_for_a_lone_blob():
    planner = Planner(map_analysis(blob_map(centres=[(0.15, 0.5)], sigma=0.04), SIZE))
    plan, field = planner.plan(RenditionSpec(aspect=(1, 2))), planner.field
    assert planning.worst_share(field, (0, 0, *SIZE)) == pytest.approx(1.0)
    assert planning.worst_share(field, plan.box) < 0.05  # a box far right misses the blob
    flat = planning.build_field(np.ones((45, 80)), SIZE)
    assert planning.worst_share(flat, plan.box) == pytest.approx(1.0, abs=1e-6)


def test_fit_logistic_recovers_a_known_relation():
    rng = np.random.default_rng(0)
    x = np.c_[rng.normal(0, 1, 20000), rng.uniform(-2, 3, 20000), rng.normal(5, 2, 20000)]
    true_w, true_b = np.array([1.5, -0.8, 0.3]), -1.0
    y = (rng.random(20000) < 1 / (1 + np.exp(-(x @ true_w + true_b)))).astype(float)
    weights, bias = fit_logistic(x, y, l2=1e-6)
    assert np.allclose(weights, true_w, atol=0.08)
    assert bias == pytest.approx(true_b, abs=0.25)
    # a useless feature gets a weight near zero
    noise = np.c_[x, rng.normal(0, 1, 20000)]
    assert abs(fit_logistic(noise, y, l2=1e-6)[0][3]) < 0.06
