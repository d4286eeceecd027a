"""Saliency backends: where people are likely to look, as a probability map.

Every backend's ``compute(img)`` takes an oriented RGB image (any size; the
analysis image from ``loading.open_for_analysis`` is typical) and returns a
float32 2-D array that sums to 1. Its longest side is ``grid.MAP_LONGEST``
(128) cells and its aspect equals the image's to the nearest cell; cell (r, c)
covers the image rectangle described in ``grid``.

Backends load once per process (``get_backend`` is cached) and lazily: an ONNX
session is created on the first ``compute`` or ``version`` access, not at import.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import math
import threading
from pathlib import Path

import numpy as np
from PIL import Image

from . import grid
from .preprocess import to_model_input

#: The model the product ships, written by the project's own training code.
SHIPPED_MODEL = Path(__file__).with_name("models") / "salient.onnx"

log = logging.getLogger(__name__)


class SaliencyBackend:
    """Interface: ``name`` and ``version`` strings and ``compute(img)``.

    ``version`` changes whenever the maps could change; it goes into the keys
    of derived files.
    """

    name: str = "base"
    version: str = "0"

    def compute(self, img: Image.Image) -> np.ndarray:
        """Return the saliency map of RGB ``img`` (see the module docstring)."""
        raise NotImplementedError


def get_backend(name: str | None = None) -> SaliencyBackend:
    """The backend for ``name``, created once per process.

    ``None`` or ``"auto"``: the shipped model if its file exists, else the
    spectral backend (with a warning); ``"spectral"``: the classical backend
    (no weights); a path ending in ``.onnx``: ``OnnxSaliency`` on that file.
    Names that resolve to the same backend share one instance (one ONNX
    session per model file).
    """
    if name in (None, "auto"):
        name = str(SHIPPED_MODEL) if SHIPPED_MODEL.is_file() else "spectral"
        if name == "spectral":
            log.warning("saliency model %s is missing: using the spectral fallback", SHIPPED_MODEL)
    if name == "spectral":
        return _backend("spectral")
    if str(name).endswith(".onnx"):
        if not Path(name).is_file():
            raise ValueError(f"saliency model file not found: {name}")
        return _backend(str(Path(name).resolve()))
    raise ValueError(f"unknown saliency backend {name!r}: use auto, spectral or a .onnx path")


@functools.cache
def _backend(key: str) -> SaliencyBackend:
    return SpectralSaliency() if key == "spectral" else OnnxSaliency(key)


get_backend.cache_clear = _backend.cache_clear  # for tests that swap the model file


class SpectralSaliency(SaliencyBackend):
    """Classical spectral saliency with a centre prior; needs no weights.

    The phase spectrum of the Fourier transform (Guo, Ma & Zhang, CVPR 2008;
    a close cousin of Hou & Zhang's spectral residual, which scored lower in
    our crop checks on OSIE) of a luminance and two colour-opponent planes of
    the image fitted to 128 px, squared, blurred (sigma 3% of the longest
    side) and multiplied by a Gaussian centre prior (sigma = 1/4 of the width
    and height). A fallback: a learned model is much better.
    """

    name = "spectral"
    version = "spectral-pft-1"
    longest = 128
    blur_fraction = 0.03

    def compute(self, img: Image.Image) -> np.ndarray:
        shape = grid.fit_cells(img.width, img.height)[::-1]
        small = img.convert("RGB").resize(
            grid.fit_cells(img.width, img.height, self.longest), Image.Resampling.BOX)
        total = np.zeros(shape)
        for plane in _opponent_channels(np.asarray(small, dtype=np.float64)):
            total += grid.normalise(grid.resize(_phase_saliency(plane), shape))
        total = grid.blur(total, self.blur_fraction * max(shape))
        return grid.normalise(total * grid.centre_prior(shape))


def _opponent_channels(rgb: np.ndarray) -> tuple[np.ndarray, ...]:
    """Luminance, red-green and blue-yellow planes of an (h, w, 3) 0..255 array."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return (0.299 * r + 0.587 * g + 0.114 * b, r - g, b - (r + g) / 2)


def _phase_saliency(plane: np.ndarray) -> np.ndarray:
    """Energy of the image rebuilt from its Fourier phase alone (unit amplitude)."""
    spectrum = np.fft.fft2(plane - plane.mean())
    amplitude = np.abs(spectrum)
    # unit amplitude where there is signal; empty frequencies stay empty, so a
    # flat plane gives no saliency instead of a spike at the origin
    unit = spectrum / np.maximum(amplitude, 1e-6 * amplitude.max() + 1e-12)
    unit[amplitude <= 1e-6 * amplitude.max() + 1e-12] = 0
    return np.abs(np.fft.ifft2(unit)) ** 2


class OnnxSaliency(SaliencyBackend):
    """A learned saliency model run by onnxruntime on the CPU.

    Model contract: input ``input`` float32 (1, 3, H, W), RGB 0..255, made by
    ``preprocess.to_model_input`` with the image fitted to ``input_longest``
    px; output (1, 1, h, w) unnormalised log-density over cells of
    ``output_stride`` input px (cell (r, c) centred on (s*c + s/2, s*r + s/2)).
    Metadata (onnx ``metadata_props``) read: ``salient.input_longest``
    (default 320), ``salient.output_stride`` (default: inferred from the
    shapes), ``salient.centre_prior`` (``builtin``: the model has its own, so
    none is added) and ``salient.version``.

    ``centre_prior``: None follows the metadata; True always multiplies by the
    Gaussian centre prior (sigma = 1/4 of width and height); False never does.
    ``threads``: onnxruntime's threads for one map. One by default: the map runs
    beside the face detector, which keeps the other core busy, and two threads
    there made the analysis of a 12 MP photo slower (24.5 ms median against
    23.1, 2 cores); alone, two take 10.6 ms of wall and 16.6 of CPU against 14.7.
    """

    name = "onnx"

    def __init__(self, path, *, centre_prior: bool | None = None, threads: int = 1):
        self.path = Path(path)
        self.centre_prior = centre_prior
        self.threads = threads
        self._session = None
        self._meta: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def session(self):
        """The onnxruntime session, created on first use (once per backend)."""
        with self._lock:
            if self._session is None:
                self._session = self._create_session()
        return self._session

    def _create_session(self):
        import onnxruntime as ort  # heavy: imported only when a model is used

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # no arena kept grown between images
        # Idle pool threads would otherwise spin after each run and take the
        # cores from the face detector and the renders that run next.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"])
        self._meta = dict(session.get_modelmeta().custom_metadata_map or {})
        return session

    @property
    def metadata(self) -> dict[str, str]:
        """The model's ``metadata_props`` (loads the session)."""
        _ = self.session
        return self._meta

    @property
    def input_longest(self) -> int:
        """Longest side, in px, of the image fed to the model."""
        return int(self.metadata.get("salient.input_longest", 320))

    @property
    def uses_centre_prior(self) -> bool:
        """Whether ``compute`` multiplies the model's map by the centre prior."""
        if self.centre_prior is not None:
            return self.centre_prior
        return self.metadata.get("salient.centre_prior") != "builtin"

    @functools.cached_property
    def version(self) -> str:
        """``salient.version`` metadata (or 'onnx'), a hash of the file, the prior flag.

        The hash makes a retrained model a new version even if its metadata
        was not bumped, so derived files keyed on it are never stale.
        """
        base = self.metadata.get("salient.version") or "onnx"
        prior = "+cp" if self.uses_centre_prior else ""
        return f"{base}-{_file_hash(self.path)[:12]}{prior}"

    def compute(self, img: Image.Image) -> np.ndarray:
        tensor = to_model_input(img, self.input_longest)
        logits = self.session.run(None, {"input": tensor})[0]
        logits = np.asarray(logits, dtype=np.float64).reshape(logits.shape[-2:])
        prob = np.exp(logits - logits.max())
        in_h, in_w = tensor.shape[2:]
        shape = grid.fit_cells(img.width, img.height)[::-1]
        stride = self._stride(logits.shape, (in_w, in_h))
        out = _upsample_cells(prob / prob.sum(), (in_w, in_h), stride, shape)
        if self.uses_centre_prior:
            out = out * grid.centre_prior(shape)
        return grid.normalise(out)

    def _stride(self, out_shape, in_size) -> tuple[float, float]:
        """Input px per output cell along (x, y)."""
        if "salient.output_stride" in self.metadata:
            s = float(self.metadata["salient.output_stride"])
            return s, s
        return _infer_stride(out_shape, in_size)


def _infer_stride(out_shape, in_size) -> tuple[float, float]:
    """Integer stride s with ceil(W/s), ceil(H/s) == the output; else the ratio."""
    rows, cols = out_shape
    in_w, in_h = in_size
    for s in (16, 8, 32, 4, 2, 1, 64):
        if math.ceil(in_w / s) == cols and math.ceil(in_h / s) == rows:
            return float(s), float(s)
    return in_w / cols, in_h / rows


def _upsample_cells(cells: np.ndarray, in_size, stride, shape) -> np.ndarray:
    """Bilinear upsampling of model cells onto a map grid covering the input.

    ``in_size`` (W, H) and ``stride`` (x, y) are in model-input px; ``shape``
    is the (rows, cols) of the map.
    """
    rows, cols = shape
    in_w, in_h = in_size
    xs = (np.arange(cols) + 0.5) * in_w / cols  # map-cell centres in input px
    ys = (np.arange(rows) + 0.5) * in_h / rows
    out = grid.interp_axis(cells, ys / stride[1] - 0.5, 0)
    return grid.interp_axis(out, xs / stride[0] - 0.5, 1)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest[:16]
