"""The training loop: distillation plus fixation supervision, resumable.

``python -m training train --out training/runs/v2`` trains from scratch, or
resumes from ``<out>/last.pt`` when it exists. Checkpoints are written every
``ckpt_minutes`` and the best one on the held-out images is kept as
``<out>/best.pt``.

The defaults train model v2, the shipped one (``training/backbone.py``, a
pretrained EfficientNet-Lite0 backbone), on the fixations of OSIE 1001-1500 and
Scene 001-400, selecting on OSIE 1501-1550 plus Scene 401-450; the backbone
learns at ``backbone_lr_mult`` times the decoder's rate. ``--arch v3`` is v2 with
Lite0's stride-32 blocks as well (same data, selection and recipe). Model v1 (SalientNet
from scratch, OSIE fixations only, selected on OSIE 1501-1550) was
``--arch v1 --steps 9500 --warmup 300 --eval-every 500 --threads 1``.
"""
from __future__ import annotations

import copy
import json
import math
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from training import crop_quality, data, losses, metrics, views
from training.model import SalientNet
from renditions.engine.preprocess import to_model_input



#: The architectures on the pretrained Lite0 backbone (trained on OSIE and Scene fixations).
PRETRAINED = ("v2", "v3")


@dataclass
class Config:
    steps: int = 1600
    batch: int = 16
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup: int = 80
    distil_weight: float = 1.0
    fixation_weight: float = 1.0
    pool: int = 12000
    min_pool: int = 600
    eval_every: int = 400
    ckpt_minutes: float = 4.0
    seed: int = 0
    ema: float = 0.998
    # Training views are 256x192 crops of 60-100 % of the photo, so whole photos
    # look most like them at about 320 px: select checkpoints there.
    holdout_longest: int = 320
    threads: int = 2
    # "v2": SalientNetV2 (shipped); "v3": the same with Lite0's stride-32 blocks;
    # "v1": SalientNet from scratch
    arch: str = "v2"
    backbone_lr_mult: float = 0.1  # v2/v3: the pretrained backbone's share of ``lr``


def build_model(arch: str, pretrained: bool = True) -> torch.nn.Module:
    """The net of ``arch``; ``pretrained`` False leaves v2/v3's backbone unloaded
    (for a checkpoint that holds every weight)."""
    if arch == "v1":
        return SalientNet()
    if arch in PRETRAINED:
        from training.backbone import SalientNetV2

        return SalientNetV2(pretrained=pretrained, deep=arch == "v3")
    raise ValueError(f"unknown arch {arch!r}: use v1, v2 or v3")


def make_optimizer(model: torch.nn.Module, cfg: Config) -> torch.optim.Optimizer:
    """AdamW; v2's backbone in its own group at ``backbone_lr_mult`` times the rate."""
    if cfg.arch == "v1":
        groups = [{"params": list(model.parameters())}]
    else:
        back, new = model.param_groups()
        groups = [{"params": back, "lr_mult": cfg.backbone_lr_mult}, {"params": new}]
    return torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)


def lr_at(cfg: Config, step: int) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(t, 1.0))))


def to_tensors(b: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    img = torch.from_numpy(b["img"]).permute(0, 3, 1, 2).float()
    return {"img": img, "teacher": torch.from_numpy(b["teacher"]),
            "dens": torch.from_numpy(b["dens"]), "counts": torch.from_numpy(b["counts"]),
            "has_fix": torch.from_numpy(b["has_fix"])}


def step_loss(model: SalientNet, b: dict[str, torch.Tensor], cfg: Config):
    content, full = model.both(b["img"])
    target = losses.teacher_target(b["teacher"], content)
    distil = losses.kl(target, losses.log_softmax2d(content)).mean()
    m = b["has_fix"]
    fix = (losses.fixation_loss(full[m], b["dens"][m], b["counts"][m]).mean()
           if m.any() else full.sum() * 0)
    return cfg.distil_weight * distil + cfg.fixation_weight * fix, distil.item(), fix.item()


class Holdout:
    """Model selection on OSIE 1501-1550 (and with ``scene``, Scene 401-450 too)
    with the engine's own preprocessing. Crop retention is counted on OSIE only."""

    def __init__(self, longest: int, scene: bool = False):
        self.items = []
        for i in data.HOLDOUT:
            x = torch.from_numpy(to_model_input(data.open_rgb(data.osie_path(i)), longest))
            fix, _ = data.fixation_maps(i)
            self.items.append((x, fix, crop_quality.CropCheck.osie(i)))
        for i in data.SCENE_HOLDOUT if scene else ():
            x = torch.from_numpy(to_model_input(data.open_rgb(data.scene_path(i)), longest))
            self.items.append((x, data.scene_fixation_maps(i)[0], None))

    @torch.no_grad()
    def score(self, model: SalientNet) -> dict[str, float]:
        """NSS, AUC-Judd and ``crop``, the share of the oracle's fixations that
        the engine's largest crops keep (logged; ``score`` selects on the first two)."""
        model.eval()
        rows, crops = [], []
        for x, fix, check in self.items:
            prob = data.upsample(data.softmax2d(model(x)[0, 0].numpy()), fix.shape[::-1])
            rows.append((metrics.nss(prob, fix), metrics.auc_judd(prob, fix)))
            if check is not None:
                crops.append((check.kept(prob), check.best))
        model.train()
        nss_, auc = np.mean(rows, 0)
        kept, best = np.mean(crops, 0)
        crop = kept / best
        return {"nss": float(nss_), "auc_judd": float(auc), "crop": float(crop),
                "score": float(nss_ + 5 * auc)}


def _stop_on_signal() -> threading.Event:
    """SIGTERM/SIGINT finish the current step and write last.pt before exiting."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


@torch.no_grad()
def ema_update(ema: SalientNet, model: SalientNet, decay: float) -> None:
    """Exponential moving average of the weights; BatchNorm statistics are copied."""
    torch._foreach_lerp_(list(ema.parameters()), list(model.parameters()), 1 - decay)
    for b_ema, b in zip(ema.buffers(), model.buffers()):
        b_ema.copy_(b)


def save(path: Path, **state) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def log(out: Path, msg: str) -> None:
    line = f"{time.strftime('%H:%M:%S')} {msg}"
    print(line, flush=True)
    with open(out / "log.txt", "a") as fh:
        fh.write(line + "\n")


def train(out: Path, cfg: Config) -> None:
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    model = build_model(cfg.arch)
    opt = make_optimizer(model, cfg)
    ema = copy.deepcopy(model)
    step, best, elapsed = 0, -1e9, 0.0
    if (out / "last.pt").exists():
        st = torch.load(out / "last.pt", weights_only=False)
        if st.get("arch", "v1") != cfg.arch:
            raise SystemExit(f"{out}/last.pt is a {st.get('arch', 'v1')} run, not {cfg.arch}: "
                             "use another --out")
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step, best, elapsed = st["step"], st["best"], st["elapsed"]
        ema.load_state_dict(st.get("ema", st["model"]))
        if st.get("holdout_longest") != cfg.holdout_longest:
            best = -1e9  # scores at another input size are not comparable
        log(out, f"resumed at step {step}")
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    v2 = cfg.arch in PRETRAINED
    pool = views.ViewPool(cfg.pool, seed=cfg.seed + step,
                          sources=views.training_sources_v2() if v2 else None)
    producer = pool.start()
    holdout = Holdout(cfg.holdout_longest, scene=v2)
    rng = np.random.default_rng(cfg.seed + 1 + step)
    # A resumed model is past its first steps: a smaller fresh pool will do.
    while len(pool) < (cfg.min_pool if step == 0 else cfg.min_pool // 3):
        time.sleep(2)
    log(out, f"pool ready ({len(pool)} views); training from step {step}")
    t0, last_ckpt, run = time.time(), time.time(), [0.0, 0.0, 0]
    stop = _stop_on_signal()
    while step < cfg.steps and not stop.is_set():
        for g in opt.param_groups:
            g["lr"] = lr_at(cfg, step) * g.get("lr_mult", 1.0)
        loss, d, f = step_loss(model, to_tensors(pool.batch(rng, cfg.batch)), cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        ema_update(ema, model, cfg.ema)
        step += 1
        run = [run[0] + d, run[1] + f, run[2] + 1]
        if step % 100 == 0:
            log(out, f"step {step} distil {run[0]/run[2]:.4f} fix {run[1]/run[2]:.4f} "
                f"lr {lr_at(cfg, step):.2e} views {pool.written} "
                f"elapsed {(elapsed + time.time() - t0) / 60:.1f} min")
            run = [0.0, 0.0, 0]
        if step % cfg.eval_every == 0 or step == cfg.steps:
            for name, net in (("raw", model), ("ema", ema)):
                sc = holdout.score(net)
                log(out, f"holdout step {step} {name} NSS {sc['nss']:.3f} "
                    f"AUC-Judd {sc['auc_judd']:.4f} crop {100 * sc['crop']:.2f}% of oracle")
                if sc["score"] > best:
                    best = sc["score"]
                    save(out / "best.pt", model=net.state_dict(), step=step, holdout=sc,
                         weights=name, arch=cfg.arch)
            ema.train()
        if (time.time() - last_ckpt > cfg.ckpt_minutes * 60 or step == cfg.steps
                or stop.is_set()):
            save(out / "last.pt", model=model.state_dict(), ema=ema.state_dict(),
                 opt=opt.state_dict(), step=step, holdout_longest=cfg.holdout_longest,
                 best=best, elapsed=elapsed + time.time() - t0, arch=cfg.arch)
            last_ckpt = time.time()
    pool.stop.set()
    producer.join(timeout=30)
    log(out, f"{'stopped' if stop.is_set() else 'done'}: {step} steps, {(elapsed + time.time() - t0) / 60:.1f} min of training")
