"""Command line: ``python -m training {train,export,evaluate,calibrate,all}``.

Retrain from scratch and ship (about 90 minutes on 2 CPU cores)::

    python -m training all --out training/runs/v1

``calibrate`` fits the engine's crop confidence for the model at ``--onnx``
(``training.calibrate``; about 2 minutes, seconds once its analyses are
cached); ``all`` runs it last, after export.
"""
from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

from training.data import REPO

SHIPPED = REPO / "renditions" / "engine" / "models" / "salient.onnx"


def _config_fields() -> tuple:
    """The training ``Config``'s fields, or none without torch (the train extra):
    ``calibrate`` needs only numpy and the engine."""
    try:
        from training.train import Config
    except ImportError:
        return ()
    return fields(Config)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training")
    p.add_argument("command", choices=["train", "export", "evaluate", "calibrate", "all"])
    p.add_argument("--out", type=Path, default=REPO / "training" / "runs" / "v1",
                   help="run folder: log.txt, last.pt, best.pt, eval.md")
    p.add_argument("--onnx", type=Path, default=SHIPPED, help="the exported model")
    p.add_argument("--longest", type=int, default=None,
                   help="engine input size written into the ONNX (default: chosen on holdout)")
    p.add_argument("--all-osie", action="store_true",
                   help="evaluate: also score the baselines on all 700 OSIE images (metric check)")
    for f in _config_fields():
        p.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=None)
    return p


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command in ("train", "all"):
        from training.train import Config, train

        overrides = {f.name: getattr(args, f.name) for f in fields(Config)
                     if getattr(args, f.name) is not None}
        train(args.out, Config(**overrides))
    if args.command in ("export", "all"):
        from training.export import export

        export(args.out / "best.pt", args.onnx, longest=args.longest)
    if args.command in ("evaluate", "all"):
        from training.evaluate import evaluate

        evaluate(args.onnx, args.out, all_osie=args.all_osie)
    if args.command in ("calibrate", "all"):
        from training.calibrate import calibrate

        calibrate(args.onnx)


if __name__ == "__main__":
    main()
