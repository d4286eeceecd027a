"""Crop confidence against human fixations: does a confidence of 0.8 come true 80 % of the time?

For each photo and each aspect in ``bench.ASPECTS`` the engine plans the
largest box through its front door (``pipeline.analyse`` with faces, then
``Planner.plan``), as the worker does, and reports a confidence. A crop is
*good* when it keeps at least ``confidence.ORACLE_SHARE`` (90 %) of the
fixations that the oracle box of that size keeps (``crop_quality.oracle_box``),
and *bad* when it keeps under ``BAD_SHARE`` (85 %).

Figures, on the validation splits (OSIE 1551-1700, Scene 451-500), never used
to fit: the expected calibration error over ``BINS`` equal-width bins (ECE),
the AUC of ``1 - confidence`` for finding the bad crops, the mean confidence
beside the share of good crops, and the share flagged (confidence under
``confidence.LOW_CONFIDENCE``), each with a 95 % bootstrap interval over
photos. A reliability plot goes to ``artifacts/bench/calibration.png``.

``crop_rows`` is also what ``training.calibrate`` fits on (the train splits).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from renditions.engine import confidence, pipeline, planning, saliency
from renditions.engine.geometry import PxBox

from . import ARTIFACTS, ASPECTS, SHARED, has_osie, markdown_table, write_report
from .crop_quality import (OSIE_TRAIN, SCENE_TRAIN, Sample, fraction_inside, oracle_boxes,
                           osie_samples, scene_samples)

BAD_SHARE = 0.85
BINS = 10
BOOTSTRAP = 1000


@dataclass
class Rows:
    """One row per photo x aspect: the plan's ``confidence.features``, the
    confidence the engine reported, the heuristic score, and ``ratio`` = share of
    fixations the crop keeps / the oracle's share (0-1); ``photo`` indexes photos;
    ``halves`` (n, 2): the same ratio for each half of the viewers alone, each against
    its own oracle (NaN where the data does not say who looked where)."""

    features: np.ndarray
    confidence: np.ndarray
    heuristic: np.ndarray
    ratio: np.ndarray
    photo: np.ndarray
    halves: np.ndarray

    @property
    def good(self) -> np.ndarray:
        return self.ratio >= confidence.ORACLE_SHARE

    @property
    def with_halves(self) -> np.ndarray:
        """The rows whose data says what each half of the viewers kept."""
        return ~np.isnan(self.halves).any(1)

    @staticmethod
    def concat(parts: list["Rows"]) -> "Rows":
        offsets = np.cumsum([0] + [int(p.photo.max()) + 1 if len(p.photo) else 0
                                   for p in parts[:-1]])
        return Rows(*(np.concatenate([getattr(p, f) for p in parts])
                      for f in ("features", "confidence", "heuristic", "ratio")),
                    np.concatenate([p.photo + o for p, o in zip(parts, offsets)]),
                    np.concatenate([p.halves for p in parts]))


def splits(shared: Path = SHARED, *, train: bool) -> dict[str, list[Sample]]:
    """The OSIE and Scene photos of the train splits, or of the validation splits."""
    if train:
        return {"OSIE 1001-1550": osie_samples(shared, split=OSIE_TRAIN),
                "Scene 001-450": scene_samples(shared, split=SCENE_TRAIN)}
    return {"OSIE 1551-1700": osie_samples(shared), "Scene 451-500": scene_samples(shared)}


def crop_rows(samples: list[Sample], backend, *, cache: Path | None = None,
              aspects=ASPECTS) -> Rows:
    """Plan every photo x aspect on ``backend``'s maps (analyses cached under ``cache``)."""
    feats, conf, heur, ratio, photo, halves = [], [], [], [], [], []
    for i, sample in enumerate(samples):
        planner = pipeline.Planner(_analysis(sample, backend, cache))
        field, best = planner.field, oracle_boxes(sample, aspects)
        half_best = [oracle_boxes(dataclasses.replace(sample, points=pts), aspects)
                     for pts in sample.halves if len(pts)]
        for aspect in aspects:
            plan = planner.plan(pipeline.RenditionSpec(aspect=aspect))
            args = (field.stats, plan.box, plan.kept, field.sx, field.sy)
            feats.append(confidence.features(*args, planning.worst_share(field, plan.box)))
            conf.append(plan.confidence)
            heur.append(confidence.heuristic(*args))
            ratio.append(_ratio(sample.points, plan.box, best[aspect]))
            halves.append([_ratio(pts, plan.box, b[aspect])
                           for pts, b in zip(sample.halves, half_best)]
                          if len(half_best) == 2 else [np.nan, np.nan])
            photo.append(i)
    return Rows(np.array(feats), np.array(conf), np.array(heur), np.array(ratio),
                np.array(photo), np.array(halves, float).reshape(-1, 2))


def _ratio(points: np.ndarray, box, oracle) -> float:
    """Share of ``points`` inside ``box`` over the share inside the ``oracle`` box."""
    best = fraction_inside(points, oracle)
    return fraction_inside(points, box) / best if best > 0 else float("nan")


def _analysis(sample: Sample, backend, cache: Path | None) -> pipeline.ImageAnalysis:
    """The front door's analysis of the photo, read from / written to ``cache``."""
    if cache is None:
        return pipeline.analyse(sample.path, backend=backend)
    key = pipeline.expected_key(backend, detect_faces=True)
    path = Path(cache) / key / f"{sample.path.parent.parent.name}-{sample.name}.npz"
    if path.is_file():
        with np.load(path) as saved:
            meta = json.loads(str(saved["meta"]))
            meta["faces_outcome"] = pipeline.FacesOutcome(meta["faces_outcome"])
            faces = tuple(PxBox(*map(int, f)) for f in saved["faces"])
            return pipeline.ImageAnalysis(saved["map"], tuple(meta.pop("size")), faces, **meta)
    analysis = pipeline.analyse(sample.path, backend=backend)
    if analysis.is_fallback:  # a detector that failed is not stored as truth
        return analysis
    meta = {k: getattr(analysis, k) for k in ("model_name", "model_version", "detector",
                                               "detector_version")}
    meta.update(size=list(analysis.size), faces_outcome=analysis.faces_outcome.value)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, map=analysis.saliency_map, meta=json.dumps(meta),
             faces=np.array([list(f) for f in analysis.faces], dtype=np.int64).reshape(-1, 4))
    return analysis


# -- figures --------------------------------------------------------------------

def ece(p: np.ndarray, good: np.ndarray, bins: int = BINS) -> float:
    """Expected calibration error: bin-weighted |mean confidence - share good|."""
    idx = np.minimum((p * bins).astype(int), bins - 1)
    gap = np.abs(np.bincount(idx, p, bins) - np.bincount(idx, good.astype(float), bins))
    return float(gap.sum() / max(len(p), 1)) if len(p) else float("nan")


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC of ``score`` for finding ``positive`` rows (ties count half).

    Here (pixels of maps are ``training.metrics``' business, and bench must not
    import training, which imports bench) the Mann-Whitney U over average ranks.
    """
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return float("nan")
    values, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2)[inverse]  # average rank of each tie group
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def figures(p: np.ndarray, ratio: np.ndarray, low: float = confidence.LOW_CONFIDENCE) -> dict:
    """ECE, AUC of 1 - p for crops under BAD_SHARE, mean p, share good, share flagged,
    and the share of the bad crops that the flag catches."""
    good, bad, flagged = ratio >= confidence.ORACLE_SHARE, ratio < BAD_SHARE, p < low
    return {"ece": ece(p, good), "auc": auc(1 - p, bad), "mean": float(p.mean()),
            "good": float(good.mean()), "flagged": float(flagged.mean()),
            "caught": float((flagged & bad).sum() / max(bad.sum(), 1))}


def viewer_agreement(rows: Rows) -> tuple[float, float]:
    """How far the viewers themselves agree on a bad crop, and the confidence on the same
    labels: the AUC for finding the crops under BAD_SHARE of one half of the viewers'
    oracle, scored by the other half's ratio, then by 1 - confidence; each the mean over
    both directions (NaN without halves)."""
    ok = rows.with_halves
    if not ok.any():
        return float("nan"), float("nan")
    a, b, p = rows.halves[ok, 0], rows.halves[ok, 1], rows.confidence[ok]
    viewers = np.nanmean([auc(-a, b < BAD_SHARE), auc(-b, a < BAD_SHARE)])
    ours = np.nanmean([auc(1 - p, b < BAD_SHARE), auc(1 - p, a < BAD_SHARE)])
    return float(viewers), float(ours)


def disputed(rows: Rows) -> tuple[int, int]:
    """How many bad crops (under BAD_SHARE of the oracle, all viewers) one half of the
    viewers finds fine (keeps at least BAD_SHARE of its own oracle), of how many bad
    crops with halves: labels that a few viewers more or less would flip."""
    bad = rows.with_halves & (rows.ratio < BAD_SHARE)
    return int((bad & (rows.halves.max(1) >= BAD_SHARE)).sum()), int(bad.sum())


def bootstrap(p: np.ndarray, ratio: np.ndarray, photo: np.ndarray, *, reps: int = BOOTSTRAP,
              seed: int = 0) -> dict[str, tuple[float, float]]:
    """95 % intervals of ``figures``, resampling photos (a photo's crops go together)."""
    rng = np.random.default_rng(seed)
    photos = np.unique(photo)
    rows_of = [np.flatnonzero(photo == i) for i in photos]
    draws = []
    for _ in range(reps):
        pick = np.concatenate([rows_of[i] for i in rng.integers(0, len(photos), len(photos))])
        draws.append(figures(p[pick], ratio[pick]))
    return {k: tuple(np.nanpercentile([d[k] for d in draws], [2.5, 97.5])) for k in draws[0]}


def flag_threshold(p: np.ndarray, ratio: np.ndarray) -> float:
    """The confidence, in steps of 0.05, below which flagging best finds the crops under
    BAD_SHARE of the oracle: the most F1 (precision and recall of the flag together)."""
    bad = ratio < BAD_SHARE

    def f1(t):
        hits = (p < t) & bad
        return 2 * hits.sum() / max((p < t).sum() + bad.sum(), 1)

    return max(np.arange(0.05, 1.0, 0.05), key=f1)


def reliability(p: np.ndarray, good: np.ndarray, bins: int = BINS):
    """Per equal-width bin: (mean confidence, share good, crops), empty bins left out."""
    idx = np.minimum((p * bins).astype(int), bins - 1)
    return [(float(p[idx == b].mean()), float(good[idx == b].mean()), int((idx == b).sum()))
            for b in range(bins) if (idx == b).any()]


def plot(panels: dict[str, Rows], path: Path, side: int = 360) -> Path:
    """Reliability diagrams (share good against confidence, one panel per split), the
    engine's confidence in blue, the heuristic in grey, the diagonal dotted."""
    from PIL import Image, ImageDraw, ImageFont

    pad, font = 48, ImageFont.load_default(size=13)
    img = Image.new("RGB", (len(panels) * (side + pad) + pad, side + 2 * pad), "white")
    draw = ImageDraw.Draw(img)
    for k, (title, rows) in enumerate(panels.items()):
        x0, y0 = pad + k * (side + pad), pad

        def at(cx, cy):
            return x0 + cx * side, y0 + (1 - cy) * side

        draw.rectangle([x0, y0, x0 + side, y0 + side], outline="black")
        for a, b in zip(np.linspace(0, 1, 21)[::2], np.linspace(0, 1, 21)[1::2]):
            draw.line([at(a, a), at(b, b)], fill=(190, 190, 190))  # the diagonal, dashed
        for t in (0.0, 0.5, 1.0):
            draw.text((at(t, 0)[0] - 8, y0 + side + 4), f"{t:.1f}", fill="black", font=font)
            draw.text((x0 - 26, at(0, t)[1] - 7), f"{t:.1f}", fill="black", font=font)
        draw.text((x0, y0 - 32), f"{title}: share good vs confidence", fill="black", font=font)
        for values, colour in ((rows.heuristic, (150, 150, 150)), (rows.confidence, (20, 90, 200))):
            points = reliability(values, rows.good)
            draw.line([at(c, g) for c, g, _ in points], fill=colour, width=2)
            for c, g, n in points:
                r = 2 + min(6, n ** 0.5 / 3)
                cx, cy = at(c, g)
                draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
        low = at(confidence.LOW_CONFIDENCE, 0)[0]
        draw.line([(low, y0), (low, y0 + side)], fill=(200, 60, 40), width=1)
    draw.text((pad, side + pad + 22), "blue: confidence  grey: old heuristic  red: flag "
              f"threshold {confidence.LOW_CONFIDENCE}  x: confidence  y: share of crops keeping "
              ">= 90% of the oracle", fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


# -- report -----------------------------------------------------------------------

def _cell(value: float, interval: tuple[float, float] | None, digits: int = 3) -> str:
    text = f"{value:.{digits}f}"
    return text + (f" [{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]" if interval else "")


def report(results: dict[str, Rows], *, status: str) -> str:
    """The markdown report: per split, the figures with 95 % intervals, beside the heuristic's."""
    header = ["split", "crops", "ECE", f"AUC (< {BAD_SHARE:.0%} of oracle)", "mean confidence",
              "share good", f"flagged (< {confidence.LOW_CONFIDENCE})", "bad crops flagged",
              "heuristic ECE", "heuristic AUC", "AUC on a half's labels: viewers / confidence",
              "bad crops that one half finds fine"]
    rows, verdicts = [], {"ECE <= 0.05": [], "AUC >= 0.85": []}
    for name, r in results.items():
        f, ci = figures(r.confidence, r.ratio), bootstrap(r.confidence, r.ratio, r.photo)
        verdicts["ECE <= 0.05"].append(f["ece"] <= 0.05)
        verdicts["AUC >= 0.85"].append(f["auc"] >= 0.85)
        h, (viewers, ours) = figures(r.heuristic, r.ratio), viewer_agreement(r)
        fine, bad = disputed(r)
        rows.append([name, len(r.ratio)] + [_cell(f[k], ci[k]) for k in
                                            ("ece", "auc", "mean", "good", "flagged", "caught")]
                    + [f"{h['ece']:.3f}", f"{h['auc']:.3f}", f"{viewers:.3f} / {ours:.3f}",
                       f"{fine} of {bad}"])
    return "\n".join([
        "## Crop confidence: calibration against human fixations (validation splits)", "",
        markdown_table(header, rows), "",
        f"- good: the crop keeps >= {confidence.ORACLE_SHARE:.0%} of the fixations the oracle "
        f"box keeps; ECE over {BINS} equal-width bins; 95% intervals from {BOOTSTRAP} "
        "bootstrap resamples of photos",
        "- targets: " + ", ".join(f"{k} {'met' if all(v) else 'NOT met'} on every split"
                                  for k, v in verdicts.items()) + f"; {status}",
        "- AUC on a half's labels: the bad crops by one half of the viewers (even- or "
        "odd-numbered) against its own oracle, found by the other half's share kept (how far "
        "the viewers agree: the yardstick for a confidence judged on so few viewers) and by the "
        "confidence; the mean of both directions",
        f"- bad crops that one half finds fine: bad by all the viewers, yet one half alone keeps "
        f">= {BAD_SHARE:.0%} of its own oracle there: labels that a few viewers more or less "
        "would flip",
        "- the bootstrap ECE interval sits above the point on small splits: resampling adds "
        "noise to every bin, and ECE counts noise as miscalibration",
        "- reliability plot: artifacts/bench/calibration.png"])


def calibration_status(backend) -> str:
    """Which confidence the engine gives for ``backend``'s maps, in words."""
    fitted = confidence.calibration_for(backend.version)
    if fitted is None:
        return (f"confidence is the HEURISTIC fallback: no calibration fitted for "
                f"{backend.version} ({confidence.CALIBRATION.name})")
    return f"confidence calibrated for {fitted.model_version}"


def run(*, shared: Path = SHARED, limit: int | None = None, out_dir: Path | None = None,
        echo=print) -> str | None:
    """Score the engine's confidence on both validation splits; write the report and plot."""
    if not has_osie(shared) or not (shared / "data" / "scene" / "fixations.json").is_file():
        echo("calibration: skipped, it needs the human fixations in ../shared/data")
        return None
    backend = saliency.get_backend(None)
    echo(f"calibration: {backend.version} on the validation splits ...")
    results = {name: crop_rows(samples[:limit] if limit else samples, backend)
               for name, samples in splits(shared, train=False).items()}
    text = report(results, status=calibration_status(backend))
    plot(results, Path(out_dir or ARTIFACTS) / "calibration.png")
    path = write_report("calibration.md", text, out_dir)
    echo(text)
    echo(f"(written to {path})")
    return text


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N photos of each split")
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args(argv)
    run(shared=args.shared, limit=args.limit)


if __name__ == "__main__":
    main()
