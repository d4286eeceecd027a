"""One-command evaluation on both validation splits: OSIE 1551-1700 and Scene 451-500.

Every row is scored with the same protocol: the prediction is a probability
map upsampled bilinearly to the ground truth's size (OSIE: 200x150, 1/4 of
800x600; Scene: the photo fitted inside 200 px); ground truth is the binary
fixation map at that size and the fixation counts blurred with sigma 3 % of the
longer side (24 px at 800x600). ``crop`` is the share of the oracle's fixations
that the engine's largest crops of the five bench aspects keep on the row's map
(no faces). Differences against ``compare`` models and the teacher with the
centre prior carry 95 % intervals over photos (paired). Writes ``<out>/eval.md``
and prints it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
import onnxruntime as ort
from PIL import Image

from bench.crop_quality import Sample, fixation_samples
from training import data, metrics
from training.crop_quality import CropCheck
from renditions.engine.preprocess import to_model_input

TEACHER_LONGEST = 320
METRICS = ("AUC-Judd", "sAUC", "NSS", "CC", "KLD", "SIM")
TEACHER_PRIOR = "teacher fastgaze + centre prior"
#: Predictor: (photo, (w, h) of the ground truth) -> probability map of shape (h, w).
Predictor = Callable[[Image.Image, tuple[int, int]], np.ndarray]


@dataclass(frozen=True)
class Split:
    """A validation split: its photos, fixation points and ground-truth maps."""

    title: str
    ids: range
    path: Callable[[int], Path]
    points: Callable[[], dict]          # id -> (points (N, 2) x, y px, (w, h))
    maps: Callable[[int], tuple]        # id -> (binary fixations, blurred density)
    folder: Path
    one_based: bool

    @cached_property
    def truth(self) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """id -> (fixations, density, pixels fixated in the split's other photos)."""
        pts = self.points()
        out = {}
        for i in self.ids:
            fix, gt = self.maps(i)
            out[i] = (fix, gt, _binned([pts[j] for j in self.ids if j != i], fix.shape))
        return out

    @cached_property
    def checks(self) -> dict[int, CropCheck]:
        samples: list[Sample] = fixation_samples(self.folder, self.ids, one_based=self.one_based)
        return {int(s.name): CropCheck(s) for s in samples}

    def photo(self, i: int) -> Image.Image:
        return _photo(self.path(i))


def osie_split(title: str, ids: range) -> Split:
    return Split(title, ids, data.osie_path, data.fixations, data.fixation_maps, data.OSIE, True)


def splits() -> list[Split]:
    out = [osie_split("Validation, OSIE 1551-1700 (150 photos)", data.VALIDATION)]
    if data.scene_available():
        out.append(Split("Validation, Scene 451-500 (50 photos)", data.SCENE_VALIDATION,
                         data.scene_path, data.scene_fixations, data.scene_fixation_maps,
                         data.SCENE_FIX.parent, False))
    return out


def _binned(photos: list[tuple[np.ndarray, tuple[int, int]]], shape: tuple[int, int]) -> np.ndarray:
    """Boolean (h, w) map of the cells holding any of the photos' points, each photo's
    (x, y) px of its (width, height) scaled to the map (as ``data.fixation_maps`` bins)."""
    h, w = shape
    out = np.zeros(shape, bool)
    for pts, (pw, ph) in photos:
        out[np.clip((pts[:, 1] * h / ph).astype(int), 0, h - 1),
            np.clip((pts[:, 0] * w / pw).astype(int), 0, w - 1)] = True
    return out


@lru_cache(maxsize=256)
def _photo(path: Path) -> Image.Image:
    return data.open_rgb(path)


def session(path: Path, threads: int) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def onnx_predictor(sess: ort.InferenceSession, longest: int) -> Predictor:
    """Photo -> probability map at the ground truth's size, as the engine runs a model."""
    def predict(img: Image.Image, size: tuple[int, int]) -> np.ndarray:
        logits = sess.run(None, {"input": to_model_input(img, longest)})[0][0, 0]
        return data.upsample(data.softmax2d(logits), size)
    return predict


def with_centre_prior(predict: Predictor) -> Predictor:
    return lambda img, size: _norm(predict(img, size) * metrics.centre_gaussian(*size))


def centre_only(_img: Image.Image, size: tuple[int, int]) -> np.ndarray:
    return _norm(metrics.centre_gaussian(*size))


def spectral_predictor() -> tuple[Predictor, str]:
    """The engine's classical backend when present, else a minimal spectral residual."""
    try:
        from renditions.engine.saliency import get_backend
        backend = get_backend("spectral")
        return (lambda img, size: _norm(data.upsample(backend.compute(img), size))), \
            f"engine `{backend.version}`"
    except ImportError:
        return _spectral_residual, "minimal spectral residual in evaluate.py"


def _spectral_residual(img: Image.Image, size: tuple[int, int]) -> np.ndarray:
    g = np.asarray(img.convert("L").resize((64, 48), Image.Resampling.BOX), np.float64)
    f = np.fft.fft2(g)
    la = np.log(np.abs(f) + 1e-9)
    smooth = sum(np.roll(np.roll(la, a, 0), b, 1) for a in (-1, 0, 1) for b in (-1, 0, 1)) / 9
    s = np.abs(np.fft.ifft2(np.exp(la - smooth + 1j * np.angle(f)))) ** 2
    return _norm(metrics.blur(data.upsample(s, size), 6.0 * size[0] / 200)
                 * metrics.centre_gaussian(*size))


def _norm(a: np.ndarray) -> np.ndarray:
    return a / a.sum()


def cached(predict: Predictor) -> Predictor:
    """Memoise a predictor per photo object and size (the teacher serves two rows);
    the memo holds the photo too, so that its id is not reused."""
    memo: dict[tuple, tuple[Image.Image, np.ndarray]] = {}

    def run(img: Image.Image, size: tuple[int, int]) -> np.ndarray:
        if (id(img), size) not in memo:
            memo[id(img), size] = img, predict(img, size)
        return memo[id(img), size][1]
    return run


def score(predict: Predictor, split: Split, crops: bool = True) -> np.ndarray:
    """Per photo: METRICS, then with ``crops`` the fixations the planner's boxes keep and
    the oracle's (both 0-1 shares); shape (n_photos, len(METRICS) [+ 2])."""
    rows = []
    for i in split.ids:
        fix, gt, other = split.truth[i]
        prob = predict(split.photo(i), fix.shape[::-1])
        m = metrics.all_metrics(prob, fix, gt, other)
        check = split.checks.get(i) if crops else None
        extra = [check.kept(prob), check.best] if check else ([np.nan, np.nan] if crops else [])
        rows.append([m[k] for k in METRICS] + extra)
    return np.asarray(rows, np.float64)


def cpu_ms(sess: ort.InferenceSession, longest: int, other: ort.InferenceSession,
           other_longest: int, runs: int = 60) -> tuple[float, float]:
    """Median ms per 800x600 photo for two sessions, interleaved run by run."""
    img = data.open_rgb(data.osie_path(data.VALIDATION[0]))
    xa, xb = to_model_input(img, longest), to_model_input(img, other_longest)
    ta, tb = [], []
    for k in range(runs + 5):
        for s, x, acc in ((sess, xa, ta), (other, xb, tb)):
            t = time.perf_counter()
            s.run(None, {"input": x})
            if k >= 5:
                acc.append((time.perf_counter() - t) * 1000)
    return float(np.median(ta)), float(np.median(tb))


def model_rows(paths: list[Path], threads: int) -> dict[str, Predictor]:
    """Display name -> predictor for each ONNX file (the first is the one evaluated)."""
    rows = {}
    for path in paths:
        sess = session(path, threads)
        meta = sess.get_modelmeta().custom_metadata_map
        longest = int(meta.get("salient.input_longest", 320))
        rows[f"`{path.name}` ({meta.get('salient.version')}, {longest} px)"] = \
            onnx_predictor(sess, longest)
    return rows


def evaluate(model_path: Path, out: Path, all_osie: bool = False, threads: int = 2,
             compare: tuple[Path, ...] = ()) -> str:
    sess = session(model_path, threads)
    meta = sess.get_modelmeta().custom_metadata_map
    longest = int(meta.get("salient.input_longest", 320))
    spectral, spectral_name = spectral_predictor()
    t_pred = cached(onnx_predictor(session(data.TEACHER, threads), TEACHER_LONGEST))
    rows = {**model_rows([model_path, *compare], threads),
            "teacher fastgaze, no prior (320 px)": t_pred,
            TEACHER_PRIOR: with_centre_prior(t_pred),
            "centre-only Gaussian": centre_only,
            f"classical: {spectral_name}": spectral}
    lines = [f"Model file: `{model_path.name}`, {model_path.stat().st_size / 1024:.0f} KB, "
             f"metadata {dict(sorted(meta.items()))}.\n",
             "Protocol: each prediction is a probability map (softmax over the model's cells), "
             "upsampled bilinearly to the ground truth's size (OSIE 200x150; Scene the photo "
             "fitted inside 200 px); ground truth is the binary map of fixated cells and the "
             "fixation counts blurred with sigma 3 % of the longer side (24 px at 800x600). "
             "sAUC negatives: cells fixated in the other photos of the split. crop: the share "
             "of the oracle's fixations that the engine's largest boxes of the five bench "
             "aspects keep on the map (no faces). ± is the 95 % interval over photos of the "
             "paired difference.\n"]
    lines += [_table(split, rows, len(compare)) for split in splits()]
    lines += [half_viewers(split, rows) for split in splits()]
    if all_osie:
        base = {k: v for k, v in rows.items() if not k.startswith("`")}
        every = osie_split("Metric check: baselines on all 700 OSIE images", range(1001, 1701))
        lines.append(_table(every, base, -1, crops=False))
    lines.append("CPU, onnxruntime, one 800x600 photo fitted to each model's input size, median "
                 "of 100 runs, the two models interleaved run by run:\n")
    for n in (threads, 1):
        ms, ms_t = cpu_ms(session(model_path, n), longest, session(data.TEACHER, n),
                          TEACHER_LONGEST, runs=100)
        lines.append(f"- {n} thread{'s' if n > 1 else ''}: `{model_path.name}` at {longest} px "
                     f"**{ms:.1f} ms**, teacher at {TEACHER_LONGEST} px **{ms_t:.1f} ms**")
    lines.append("")
    text = "\n".join(lines)
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.md").write_text(text)
    print(text)
    return text


def half_viewers(split: Split, rows: dict[str, Predictor]) -> str:
    """How much room the viewers leave: a markdown table.

    Each photo's viewers split into the even- and the odd-numbered half (``Sample.halves``,
    as the crop bench's human ceiling); one half's blurred fixations predict the other
    half's fixated cells (AUC-Judd, both ways) and every row's map is scored against the
    same halves. The last column is the paired difference, viewers minus row, with its
    95 % interval over photos.
    """
    human, scores = [], {name: [] for name in rows}
    for i in split.ids:
        sample = split.checks[i].sample
        maps = {name: predict(split.photo(i), data.gt_size(*sample.size))
                for name, predict in rows.items()}
        h, s = [], {name: [] for name in rows}
        for a, b in (sample.halves, sample.halves[::-1]):
            _, density = data.truth_maps(a, sample.size)
            fixated, _ = data.truth_maps(b, sample.size)
            h.append(metrics.auc_judd(density, fixated))
            for name, prob in maps.items():
                s[name].append(metrics.auc_judd(prob, fixated))
        human.append(np.nanmean(h))
        for name in rows:
            scores[name].append(np.nanmean(s[name]))
    human = np.asarray(human)
    lines = [f"### Half the viewers, {split.title}\n",
             "Even- against odd-numbered viewers, both ways: AUC-Judd against the other "
             "half's fixated cells.\n",
             "| predictor | AUC-Judd | viewers minus the row |", "|---|---|---|",
             f"| half the viewers | {human.mean():.3f} | |"]
    for name, row in scores.items():
        d, half = _interval(human - np.asarray(row))
        lines.append(f"| {name} | {np.mean(row):.3f} | {d:+.3f} ± {half:.3f} |")
    return "\n".join(lines) + "\n"


def _table(split: Split, rows: dict[str, Predictor], n_compare: int, crops: bool = True) -> str:
    """The split's table; with ``n_compare`` >= 0 the first row's paired differences
    against the next ``n_compare`` rows and the teacher with the centre prior."""
    scores = {name: score(fn, split, crops) for name, fn in rows.items()}
    cols = list(METRICS) + (["crop % of oracle"] if crops else [])
    head = f"### {split.title}\n\n| model | " + " | ".join(cols) + " |\n|---|" + "---|" * len(cols)
    body = [f"| {name} | " + " | ".join(_cells(s, crops)) + " |" for name, s in scores.items()]
    text = head + "\n" + "\n".join(body) + "\n\nKLD: lower is better; all others higher.\n"
    if n_compare < 0:
        return text
    names = list(scores)
    first, rivals = names[0], names[1:1 + n_compare] + [TEACHER_PRIOR]
    diff = ["", f"`{first.split('`')[1]}` minus each row, 95 % interval over photos:", "",
            "| row | NSS | AUC-Judd | crop, points of oracle | above on NSS and AUC beyond the interval |",
            "|---|---|---|---|---|"]
    for name in rivals:
        d = scores[first] - scores[name]
        nss, auc = _interval(d[:, METRICS.index("NSS")]), _interval(d[:, METRICS.index("AUC-Judd")])
        crop = _interval(100 * d[:, -2] / np.nanmean(scores[name][:, -1])) if crops else (0, 0)
        above = nss[0] > nss[1] and auc[0] > auc[1]
        diff.append(f"| {name} | {nss[0]:+.3f} ± {nss[1]:.3f} | {auc[0]:+.4f} ± {auc[1]:.4f} "
                    f"| {crop[0]:+.1f} ± {crop[1]:.1f} | {'yes' if above else 'no'} |")
    return text + "\n".join(diff) + "\n"


def _cells(s: np.ndarray, crops: bool) -> list[str]:
    cells = [f"{v:.3f}" for v in s[:, :len(METRICS)].mean(0)]
    if crops:
        cells.append(f"{100 * np.nanmean(s[:, -2]) / np.nanmean(s[:, -1]):.1f}")
    return cells


def _interval(d: np.ndarray) -> tuple[float, float]:
    """(mean, 95 % half-width) of per-photo differences (normal approximation)."""
    d = d[~np.isnan(d)]
    return float(d.mean()), float(1.96 * d.std(ddof=1) / np.sqrt(len(d)))
