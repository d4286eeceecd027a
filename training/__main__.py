"""Command line: ``python -m training {train,export,evaluate,calibrate,all}``.

Retrain from scratch and ship (about 75 minutes on 2 CPU cores)::

    python -m training all --out training/runs/v2

``all`` keeps the model it replaces as ``<out>/previous.onnx`` and evaluates
the new one beside it.

``calibrate`` fits the engine's crop confidence for the model at ``--onnx``
(``training.calibrate``; about 2 minutes, seconds once its analyses are
cached); ``all`` runs it last, after export.
"""
from __future__ import annotations

import argparse
import shutil
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
    p.add_argument("--out", type=Path, default=REPO / "training" / "runs" / "v2",
                   help="run folder: log.txt, last.pt, best.pt, eval.md")
    p.add_argument("--onnx", type=Path, default=SHIPPED, help="the exported model")
    p.add_argument("--longest", type=int, default=None,
                   help="engine input size written into the ONNX (default: chosen on holdout)")
    p.add_argument("--all-osie", action="store_true",
                   help="evaluate: also score the baselines on all 700 OSIE images (metric check)")
    p.add_argument("--compare", type=Path, action="append", default=[],
                   help="evaluate: another ONNX file (e.g. the model shipped before) to score "
                        "beside --onnx, with paired intervals; repeatable")
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
    if args.command == "all" and args.onnx.is_file():
        args.out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.onnx, args.out / "previous.onnx")
        args.compare.append(args.out / "previous.onnx")
    if args.command in ("export", "all"):
        from training.export import export

        export(args.out / "best.pt", args.onnx, longest=args.longest)
    if args.command in ("evaluate", "all"):
        from training.evaluate import evaluate

        evaluate(args.onnx, args.out, all_osie=args.all_osie, compare=tuple(args.compare))
    if args.command in ("calibrate", "all"):
        from training.calibrate import calibrate

        calibrate(args.onnx)


if __name__ == "__main__":
    main()
