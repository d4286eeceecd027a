"""Export a checkpoint to the ONNX file the engine loads.

The graph takes ``input`` float32 (1, 3, H, W) RGB 0..255 with dynamic H, W and
returns ``saliency`` (1, 1, ceil(H/8), ceil(W/8)) log-density with the learned
centre prior included (metadata ``salient.centre_prior = builtin``).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

from training import data
from training.model import FlipAverage
from training.train import PRETRAINED, Holdout, build_model
from renditions.engine.preprocess import to_model_input

OPSET = 17
MAX_BYTES = 16 * 1024 * 1024  # the shipped file's limit (issue 13)
CANDIDATE_SIZES = (256, 320)


def load(ckpt: Path) -> torch.nn.Module:
    """The checkpoint's net: SalientNet, or SalientNetV2 when it says ``arch`` v2 or v3."""
    st = torch.load(ckpt, weights_only=False)
    model = build_model(st.get("arch", "v1"), pretrained=False)  # the checkpoint has every weight
    model.load_state_dict(st["model"])
    model.arch = st.get("arch", "v1")
    return model.eval()


def choose(model: torch.nn.Module) -> int:
    """The input size that scores best on the holdout (never validation)."""
    scores = {}
    for n in CANDIDATE_SIZES:
        sc = Holdout(n, scene=getattr(model, "arch", "v1") in PRETRAINED).score(model)
        scores[n] = sc["score"]
        print(f"holdout at {n} px: NSS {sc['nss']:.3f} AUC-Judd {sc['auc_judd']:.4f} "
              f"crop {100 * sc['crop']:.2f}% of oracle")
    return max(scores, key=scores.get)


def export(ckpt: Path, onnx_path: Path, longest: int | None = None, flip: bool = False) -> Path:
    """Write ``onnx_path`` from ``ckpt``; ``longest`` None is chosen on the holdout.

    ``flip`` averages the map with the mirrored photo's map: two passes of the
    net for a holdout NSS of 2.394 against 2.383 (v2, step 1200), while
    ``suggest`` must stay within one libvips attention thumbnail; off by default.
    """
    torch.set_num_threads(1)
    model = load(ckpt)
    longest = longest or choose(model)
    arch = model.arch
    model = (FlipAverage(model) if flip else model).eval()
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.rand(1, 3, 192, 256) * 255
    torch.onnx.export(model, (dummy,), str(onnx_path), dynamo=False, opset_version=OPSET,
                      input_names=["input"], output_names=["saliency"],
                      dynamic_axes={"input": {2: "H", 3: "W"}, "saliency": {2: "h", 3: "w"}})
    _add_metadata(onnx_path, longest, flip, arch)
    _verify(model, onnx_path, longest)
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size / 1024:.0f} KB, "
          f"input_longest {longest}, mirror averaging {flip})")
    return onnx_path


def _add_metadata(path: Path, longest: int, flip: bool, arch: str = "v1") -> None:
    m = onnx.load(str(path))
    meta = {"salient.input_longest": str(longest), "salient.centre_prior": "builtin",
            "salient.version": f"salient-{arch}-{time.strftime('%Y%m%d')}",
            "salient.output_stride": "8", "salient.mirror_average": str(flip).lower()}
    del m.metadata_props[:]
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=v)
    m.producer_name = "salient training (python -m training)"
    onnx.checker.check_model(m)
    onnx.save(m, str(path))


def _verify(model: torch.nn.Module, path: Path, longest: int) -> None:
    """onnxruntime must match torch on real photos at several shapes."""
    assert path.stat().st_size <= MAX_BYTES, f"model over {MAX_BYTES >> 20} MB"
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    img = data.open_rgb(data.osie_path(1501))
    for size, crop in ((longest, None), (longest, (0, 0, 450, 600)), (197, (10, 0, 790, 600))):
        x = to_model_input(img.crop(crop) if crop else img, size)
        got = sess.run(None, {"input": x})[0]
        with torch.no_grad():
            want = model(torch.from_numpy(x)).numpy()
        assert got.shape == want.shape, (got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3)
