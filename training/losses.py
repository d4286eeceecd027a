"""Training losses over (N, 1, h, w) log-density maps.

Distillation: KL(teacher || student content). Fixations: KL to the blurred
fixation density, minus weighted CC and NSS (the combination popular in the
saliency literature, e.g. SAM and UNISAL).
"""
from __future__ import annotations

import torch
from torch.nn import functional as F


def log_softmax2d(logits: torch.Tensor) -> torch.Tensor:
    n = logits.shape[0]
    return F.log_softmax(logits.reshape(n, -1), 1).reshape(logits.shape)


def teacher_target(teacher_logits: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Teacher (N, h', w') logits -> probabilities on the student's grid.

    Both grids cover the same frame with cells centred at (i + 0.5) / n, which
    is what align_corners=False interpolation assumes.
    """
    p = F.softmax(teacher_logits.flatten(1), 1).reshape(teacher_logits.shape)[:, None]
    p = F.interpolate(p, size=like.shape[-2:], mode="bilinear", align_corners=False)
    return p / p.sum((2, 3), keepdim=True)


def kl(target: torch.Tensor, logp: torch.Tensor) -> torch.Tensor:
    """Per-sample KL(target || exp(logp)); both over all cells."""
    t = target.clamp_min(1e-12)
    return (target * (t.log() - logp)).flatten(1).sum(1)


def cc(p: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    a = p.flatten(1) - p.flatten(1).mean(1, keepdim=True)
    b = target.flatten(1) - target.flatten(1).mean(1, keepdim=True)
    return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + 1e-12)


def nss(p: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    s = p.flatten(1)
    s = (s - s.mean(1, keepdim=True)) / (s.std(1, keepdim=True) + 1e-12)
    c = counts.flatten(1)
    return (s * c).sum(1) / c.sum(1).clamp_min(1.0)


def fixation_loss(logits: torch.Tensor, dens: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """Per-sample KL - 0.5 CC - 0.1 NSS against fixations (lower is better)."""
    logp = log_softmax2d(logits)
    p = logp.exp()
    d = dens[:, None]
    return kl(d, logp) - 0.5 * cc(p, d) - 0.1 * nss(p, counts[:, None])
