"""The engine runs the shipped model exactly as the training code evaluated it.

Needs onnxruntime only (not torch). Without the shipped model the test skips
locally and fails under CI=1: the model is part of the product.
"""
import numpy as np
from PIL import Image

from renditions.engine import grid
from renditions.engine.preprocess import to_model_input
from training import data

from ._images import required

SHIPPED = data.REPO / "renditions" / "engine" / "models" / "salient.onnx"
needs_model = required(SHIPPED.is_file(), f"no shipped model at {SHIPPED} (run python -m training all)")


def fixture_image(w=400, h=300):
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 / w, y * 255 / h, ((x - 250) ** 2 + (y - 120) ** 2 < 900) * 255.0], -1)
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


@needs_model
def test_engine_map_equals_training_evaluation_map():
    import onnxruntime as ort
    from renditions.engine.saliency import OnnxSaliency

    img = fixture_image()
    backend = OnnxSaliency(SHIPPED)
    engine_map = backend.compute(img)
    sess = ort.InferenceSession(str(SHIPPED), providers=["CPUExecutionProvider"])
    logits = sess.run(None, {"input": to_model_input(img, backend.input_longest)})[0][0, 0]
    shape = grid.fit_cells(img.width, img.height)
    ours = data.upsample(data.softmax2d(logits), shape)
    ours = ours / ours.sum()
    assert not backend.uses_centre_prior  # the prior is inside the graph
    assert engine_map.shape == ours.shape
    np.testing.assert_allclose(engine_map, ours, rtol=0, atol=1e-3 * ours.max())
