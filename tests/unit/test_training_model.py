"""The training code feeds the student the engine's pixels, and its exports follow
the engine's ONNX contract. Needs torch (``pip install -e .[train]``)."""
import math

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch", reason="torch not installed (optional group 'train')")

from renditions.engine.preprocess import to_model_input  # noqa: E402
from training import views  # noqa: E402
from training.model import FlipAverage, SalientNet  # noqa: E402


def fixture_image(w=400, h=300):
    """A deterministic synthetic 4:3 photo with gradients and a bright disc."""
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 / w, y * 255 / h, ((x - 250) ** 2 + (y - 120) ** 2 < 900) * 255.0], -1)
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


@pytest.mark.parametrize("size", [views.STUDENT_SIZE, views.TEACHER_SIZE])
def test_full_frame_training_view_is_the_engine_input(size):
    img = fixture_image()
    view = views.render(img, (0, 0, img.width, img.height), size, flip=False, jitter=None)
    engine = to_model_input(img, max(size))
    assert engine.shape == (1, 3, size[1], size[0])
    np.testing.assert_array_equal(view.transpose(2, 0, 1)[None].astype(np.float32), engine)


def test_crop_box_of_a_square_photo_is_4_by_3_and_inside():
    rng = np.random.default_rng(0)
    for _ in range(50):
        x0, y0, x1, y1 = views.sample_box(rng, 256, 256)
        assert (x1 - x0) / (y1 - y0) == pytest.approx(4 / 3)
        assert 0 <= x0 and 0 <= y0 and x1 <= 256 + 1e-9 and y1 <= 256 + 1e-9


def test_fixation_targets_follow_the_flip():
    pts = np.array([[10.0, 150.0]])  # near the left edge of a 400x300 frame
    dens, counts = views.fixation_targets(pts, (0, 0, 400, 300), flip=True, sigma_src=12)
    assert dens.sum() == pytest.approx(1.0, abs=1e-5)
    assert counts[12, 31] == 1 and counts.sum() == 1
    assert np.unravel_index(dens.argmax(), dens.shape)[1] == 31


@pytest.mark.parametrize("h,w", [(192, 256), (240, 320), (150, 197)])
def test_output_is_a_stride_8_log_density(h, w):
    model = SalientNet().eval()
    with torch.no_grad():
        out = model(torch.rand(1, 3, h, w) * 255)
    assert out.shape == (1, 1, math.ceil(h / 8), math.ceil(w / 8))
    assert torch.isfinite(out).all()


def test_export_follows_the_engine_contract(tmp_path, monkeypatch):
    pytest.importorskip("onnx", reason="onnx not installed (optional group 'train')")
    import onnxruntime as ort

    from training import export

    ckpt = tmp_path / "m.pt"
    torch.save({"model": SalientNet().state_dict()}, ckpt)
    monkeypatch.setattr(export, "_verify", lambda *a: None)  # needs ../shared
    path = export.export(ckpt, tmp_path / "salient.onnx", longest=256, flip=True)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    meta = sess.get_modelmeta().custom_metadata_map
    assert meta["salient.centre_prior"] == "builtin" and meta["salient.input_longest"] == "256"
    assert sess.get_inputs()[0].name == "input"
    x = to_model_input(fixture_image(), 256)
    got = sess.run(None, {"input": x})[0]
    with torch.no_grad():
        want = FlipAverage(export.load(ckpt))(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)
    assert path.stat().st_size < 8 * 1024 * 1024
