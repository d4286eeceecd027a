"""The student: a small fully-convolutional gaze-prediction network.

Input: float32 (N, 3, H, W) RGB 0..255 at any H, W (the graph normalises).
Output: (N, 1, ceil(H/8), ceil(W/8)) unnormalised log-density over 8 px cells,
the same contract as the teacher (which uses 16 px cells). A learned centre
prior is part of the graph, so the engine must not add its own.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

# Per-channel RGB mean and spread of natural photos (0..255 scale); only a
# fixed rescaling, BatchNorm does the rest.
_MEAN = (118.0, 112.0, 102.0)
_STD = (64.0, 62.0, 64.0)


def conv_bn(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1,
            dilation: int = 1, act: bool = True) -> nn.Sequential:
    pad = dilation * (k - 1) // 2
    layers = [nn.Conv2d(cin, cout, k, stride, pad, dilation=dilation, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class SepBlock(nn.Module):
    """Depthwise 3x3 then pointwise 1x1; residual when the shape is kept."""

    def __init__(self, cin: int, cout: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.dw = conv_bn(cin, cin, 3, stride, groups=cin, dilation=dilation)
        self.pw = conv_bn(cin, cout, 1, act=False)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pw(self.dw(x))
        return F.relu6(x + y) if self.residual else F.relu6(y)


def _stage(cin: int, cout: int, n: int, stride: int, dilation: int = 1) -> nn.Sequential:
    blocks = [SepBlock(cin, cout, stride)]
    blocks += [SepBlock(cout, cout, 1, dilation) for _ in range(n - 1)]
    return nn.Sequential(*blocks)


class CentrePrior(nn.Module):
    """A learned mixture of K axis-aligned Gaussians over the frame, as log-density.

    Coordinates are normalised to 0..1 across the output grid, so the prior
    follows the frame whatever its size. Built from cumulative sums of ones
    so the ONNX graph has no shape-dependent constants.
    """

    def __init__(self, k: int = 8):
        super().__init__()
        gen = torch.Generator().manual_seed(0)
        self.mu = nn.Parameter(0.5 + 0.15 * (torch.rand(k, 2, generator=gen) - 0.5))
        self.log_sigma = nn.Parameter(torch.log(torch.full((k, 2), 0.25)))
        self.logit_w = nn.Parameter(torch.zeros(k))
        self.scale = nn.Parameter(torch.tensor(0.5))

    def forward(self, ref: torch.Tensor) -> torch.Tensor:
        ones = torch.ones_like(ref[:, :1])
        ys = (ones.cumsum(2) - 0.5) / ones.sum(2, keepdim=True)
        xs = (ones.cumsum(3) - 0.5) / ones.sum(3, keepdim=True)
        sig = self.log_sigma.exp()
        mu = self.mu.view(1, -1, 2, 1, 1)
        sig = sig.view(1, -1, 2, 1, 1)
        dx = (xs - mu[:, :, 0]) / sig[:, :, 0]
        dy = (ys - mu[:, :, 1]) / sig[:, :, 1]
        w = torch.softmax(self.logit_w, 0).view(1, -1, 1, 1)
        mix = (w * torch.exp(-0.5 * (dx * dx + dy * dy))).sum(1, keepdim=True)
        return self.scale * torch.log(mix + 1e-3)


class WithPrior(nn.Module):
    """A net whose ``content(x)`` is the image-driven log-density and whose
    ``prior`` adds the learned centre prior to it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.content(x)
        return c + self.prior(c)

    def both(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(content, content + prior) for training."""
        c = self.content(x)
        return c, c + self.prior(c)


class SalientNet(WithPrior):
    """Encoder at strides 2..32, a light top-down decoder to stride 8, a 1-channel head."""

    def __init__(self, width: int = 1):
        super().__init__()
        c = [24, 40, 64, 128, 192]
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1))
        self.stem = conv_bn(3, c[0], 3, 2)                      # /2
        self.s4 = _stage(c[0], c[1], 2, 2)                      # /4
        self.s8 = _stage(c[1], c[2], 3, 2)                      # /8
        self.s16 = _stage(c[2], c[3], 4, 2)                     # /16
        self.s32 = nn.Sequential(_stage(c[3], c[4], 2, 2),      # /32
                                 SepBlock(c[4], c[4], 1, 2))
        d = 64
        self.lat32 = conv_bn(c[4], d, 1)
        self.lat16 = conv_bn(c[3], d, 1)
        self.lat8 = conv_bn(c[2], d, 1)
        self.ctx = conv_bn(c[4], d, 1)
        self.fuse16 = SepBlock(d, d)
        self.fuse8 = nn.Sequential(SepBlock(d, d), SepBlock(d, d, 1, 2))
        self.head = nn.Conv2d(d, 1, 1)
        self.prior = CentrePrior()

    def content(self, x: torch.Tensor) -> torch.Tensor:
        """Image-driven log-density at stride 8, before the centre prior."""
        x = (x - self.mean) / self.std
        f8 = self.s8(self.s4(self.stem(x)))
        f16 = self.s16(f8)
        f32 = self.s32(f16)
        g = self.ctx(f32.mean((2, 3), keepdim=True))
        y = self.lat32(f32) + g
        y = self.fuse16(self.lat16(f16) + _up(y, f16))
        y = self.fuse8(self.lat8(f8) + _up(y, f8))
        return self.head(y)



def _up(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)


class FlipAverage(nn.Module):
    """Test-time augmentation in the graph: the mean log-density of the photo and
    its mirror image (mirrored back). Doubles the compute; the contract is unchanged."""

    def __init__(self, net: SalientNet):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * (self.net(x) + self.net(x.flip(3)).flip(3))
