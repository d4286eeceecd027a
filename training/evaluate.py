"""One-command evaluation on the OSIE validation split (images 1551-1700).

Every row is scored with the same protocol: the prediction is a probability
map upsampled bilinearly to 200x150 (1/4 of 800x600); ground truth is the
binary fixation map at that size and the fixation counts blurred with sigma
6 px (24 px at 800x600). Writes ``<out>/eval.md`` and prints it.
"""
from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Callable

import numpy as np
import onnxruntime as ort
from PIL import Image

from training import data, metrics
from renditions.engine.preprocess import to_model_input

TEACHER_LONGEST = 320
METRICS = ("AUC-Judd", "sAUC", "NSS", "CC", "KLD", "SIM")


def session(path: Path, threads: int) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def onnx_predictor(sess: ort.InferenceSession, longest: int) -> Callable:
    """Image -> probability map at GT_SIZE, as the engine runs a model."""
    def predict(img: Image.Image) -> np.ndarray:
        logits = sess.run(None, {"input": to_model_input(img, longest)})[0][0, 0]
        return data.upsample(data.softmax2d(logits))
    return predict


def with_centre_prior(predict: Callable) -> Callable:
    prior = metrics.centre_gaussian(*data.GT_SIZE)
    return lambda img: _norm(predict(img) * prior)


def centre_only(_img: Image.Image) -> np.ndarray:
    return _norm(metrics.centre_gaussian(*data.GT_SIZE))


def spectral_predictor() -> tuple[Callable, str]:
    """The engine's classical backend when present, else a minimal spectral residual."""
    try:
        from renditions.engine.saliency import get_backend
        backend = get_backend("spectral")
        return (lambda img: _norm(data.upsample(backend.compute(img)))), \
            f"engine `{backend.version}`"
    except ImportError:
        return _spectral_residual, "minimal spectral residual in evaluate.py"


def _spectral_residual(img: Image.Image) -> np.ndarray:
    g = np.asarray(img.convert("L").resize((64, 48), Image.Resampling.BOX), np.float64)
    f = np.fft.fft2(g)
    la = np.log(np.abs(f) + 1e-9)
    smooth = sum(np.roll(np.roll(la, a, 0), b, 1) for a in (-1, 0, 1) for b in (-1, 0, 1)) / 9
    s = np.abs(np.fft.ifft2(np.exp(la - smooth + 1j * np.angle(f)))) ** 2
    return _norm(metrics.blur(data.upsample(s), 6.0) * metrics.centre_gaussian(*data.GT_SIZE))


def _norm(a: np.ndarray) -> np.ndarray:
    return a / a.sum()


def score(predict: Callable, ids: list[int], truth: dict) -> dict[str, float]:
    rows = []
    for i in ids:
        fix, gt, other = truth[i]
        rows.append(metrics.all_metrics(predict(_photo(i)), fix, gt, other))
    return {k: float(np.mean([r[k] for r in rows])) for k in METRICS}


@functools.lru_cache(maxsize=None)
def _photo(image_id: int) -> Image.Image:
    return data.open_rgb(data.osie_path(image_id))


def cached(predict: Callable) -> Callable:
    """Memoise a predictor per photo object (the teacher serves two rows)."""
    memo: dict[int, np.ndarray] = {}

    def run(img: Image.Image) -> np.ndarray:
        if id(img) not in memo:
            memo[id(img)] = predict(img)
        return memo[id(img)]
    return run


def ground_truth(ids: list[int]) -> dict:
    """id -> (fixation map, blurred density, union of the other images' fixations)."""
    maps = {i: data.fixation_maps(i) for i in ids}
    union = np.sum([m[0] for m in maps.values()], 0)
    return {i: (f, g, (union - f) > 0) for i, (f, g) in maps.items()}


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


def evaluate(model_path: Path, out: Path, all_osie: bool = False, threads: int = 2) -> str:
    sess = session(model_path, threads)
    meta = sess.get_modelmeta().custom_metadata_map
    longest = int(meta.get("salient.input_longest", 320))
    teacher = session(data.TEACHER, threads)
    spectral, spectral_name = spectral_predictor()
    t_pred = cached(onnx_predictor(teacher, TEACHER_LONGEST))
    rows = {
        f"salient.onnx ({meta.get('salient.version')}, {longest} px)": onnx_predictor(sess, longest),
        "teacher fastgaze, no prior (320 px)": t_pred,
        "teacher fastgaze + centre prior": with_centre_prior(t_pred),
        "centre-only Gaussian": centre_only,
        f"classical: {spectral_name}": spectral,
    }
    lines = [f"Model file: `{model_path.name}`, {model_path.stat().st_size / 1024:.0f} KB, "
             f"metadata {dict(sorted(meta.items()))}.\n",
             "Protocol: each prediction is a probability map (softmax over the model's cells), "
             "upsampled bilinearly to 200x150; ground truth is the binary map of fixated "
             "200x150 pixels and the fixation counts blurred with sigma 6 px (24 px at "
             "800x600). sAUC negatives: pixels fixated in the other images of the set.\n",
             _table("Validation, OSIE 1551-1700 (150 images)", rows, list(data.VALIDATION))]
    if all_osie:
        base = {k: v for k, v in rows.items() if not k.startswith("salient")}
        lines.append(_table("Metric check: baselines on all 700 OSIE images", base,
                            sorted(data.fixations())))
    lines.append("CPU, onnxruntime, one 800x600 photo fitted to each model's input size, median "
                 "of 100 runs, the two models interleaved run by run:\n")
    for n in (threads, 1):
        ms, ms_t = cpu_ms(session(model_path, n), longest, session(data.TEACHER, n),
                          TEACHER_LONGEST, runs=100)
        lines.append(f"- {n} thread{'s' if n > 1 else ''}: salient.onnx at {longest} px "
                     f"**{ms:.1f} ms**, teacher at {TEACHER_LONGEST} px **{ms_t:.1f} ms**")
    lines.append("")
    text = "\n".join(lines)
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.md").write_text(text)
    print(text)
    return text


def _table(title: str, rows: dict[str, Callable], ids: list[int]) -> str:
    truth = ground_truth(ids)
    head = f"### {title}\n\n| model | " + " | ".join(METRICS) + " |\n|---|" + "---|" * len(METRICS)
    body = []
    for name, fn in rows.items():
        r = score(fn, ids, truth)
        body.append(f"| {name} | " + " | ".join(f"{r[k]:.3f}" for k in METRICS) + " |")
    return head + "\n" + "\n".join(body) + "\n\nKLD: lower is better; all others higher.\n"
