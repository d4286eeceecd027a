"""A small, valid ICC v2 CMYK output profile, made in Python for tests and demos.

No CMYK profile ships with Pillow or this machine, and Pillow cannot create one,
so this writes one: class ``prtr``, colour space ``CMYK``, PCS ``Lab``, with
lut16Type ``A2B0`` (CMYK -> Lab) and ``B2A0`` (Lab -> CMYK) tags on a simple
"press": ink on white paper, r = (1 - c)(1 - k) and so on in sRGB, read as
sRGB; its inverse separates with full grey replacement (K = 1 - max(r, g, b)),
so white needs no ink and black is K alone. Not a real press: a profile
LittleCMS accepts and whose numbers a test can predict.

``python -m tests._icc OUT.icc`` writes it to a file.
"""
from __future__ import annotations

import functools
import struct
import sys

import numpy as np

D50 = (0.9642, 1.0, 0.8249)
#: sRGB (linear) to XYZ, Bradford-adapted to D50 (the ICC PCS illuminant).
_SRGB_TO_XYZ_D50 = np.array([[0.4360747, 0.3850649, 0.1430804],
                             [0.2225045, 0.7168786, 0.0606169],
                             [0.0139322, 0.0971045, 0.7141733]])


@functools.cache
def cmyk_profile(description: str = "Salient test press (CMYK)") -> bytes:
    """The profile's bytes (about 80 KB)."""
    tags = [(b"desc", _desc(description)), (b"cprt", _text("No copyright, test data")),
            (b"wtpt", _xyz(D50)), (b"A2B0", _a2b()), (b"B2A0", _b2a())]
    offset = 128 + 4 + 12 * len(tags)
    table, body = [], b""
    for sig, data in tags:
        table.append(struct.pack(">4sII", sig, offset + len(body), len(data)))
        body += data + b"\0" * (-len(data) % 4)
    size = offset + len(body)
    return _header(size) + struct.pack(">I", len(tags)) + b"".join(table) + body


def _header(size: int) -> bytes:
    return (struct.pack(">I4sI4s4s4s", size, b"lcms", 0x02100000, b"prtr", b"CMYK", b"Lab ")
            + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 4
            + struct.pack(">I", 0) + b"\0" * 8 + b"\0" * 8 + struct.pack(">I", 0)
            + b"".join(_s15(v) for v in D50) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28)


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(xyz) -> bytes:
    return b"XYZ " + b"\0" * 4 + b"".join(_s15(v) for v in xyz)


def _text(text: str) -> bytes:
    return b"text" + b"\0" * 4 + text.encode("ascii") + b"\0"


def _desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    return (b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_)) + ascii_
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67)


def _lut16(inputs: int, outputs: int, grid: int, clut: np.ndarray) -> bytes:
    """lut16Type: identity matrix and 2-entry (linear) input and output curves."""
    identity = b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    linear = struct.pack(">2H", 0, 65535)
    values = np.clip(np.round(clut * 65535), 0, 65535).astype(">u2").tobytes()
    return (b"mft2" + b"\0" * 4 + struct.pack(">BBBB", inputs, outputs, grid, 0) + identity
            + struct.pack(">HH", 2, 2) + linear * inputs + values + linear * outputs)


def _a2b(grid: int = 9) -> bytes:
    """CMYK -> Lab; the CLUT's first input (C) varies slowest, as ICC orders it."""
    axis = np.linspace(0.0, 1.0, grid)
    c, m, y, k = np.meshgrid(axis, axis, axis, axis, indexing="ij")
    rgb = np.stack([(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)], axis=-1)
    return _lut16(4, 3, grid, _lab_encode(_rgb_to_lab(rgb.reshape(-1, 3))))


def _b2a(grid: int = 17) -> bytes:
    """Lab -> CMYK with full grey replacement (v2 Lab: L 0-100 is 0-0xFF00)."""
    axis = np.linspace(0.0, 1.0, grid)
    el, ea, eb = np.meshgrid(axis, axis, axis, indexing="ij")
    lab = np.stack([el * 100 * 65535 / 0xFF00, ea * 65535 / 256 - 128,
                    eb * 65535 / 256 - 128], axis=-1)
    rgb = _lab_to_rgb(lab.reshape(-1, 3))
    k = 1 - rgb.max(axis=1)
    rest = np.maximum(1 - k, 1e-9)[:, None]
    # Near black the hue is unseen and 1 - rgb / rest ill-conditioned: fade to K alone.
    cmy = (1 - rgb / rest) * np.clip(rest / 0.05, 0.0, 1.0)
    return _lut16(3, 4, grid, np.concatenate([cmy, k[:, None]], axis=1))


def _lab_encode(lab: np.ndarray) -> np.ndarray:
    """ICC v2 16-bit Lab as 0-1: L 0-100 -> 0-0xFF00, a/b -128-127.996 -> 0-0xFFFF."""
    return np.stack([lab[:, 0] / 100 * 0xFF00 / 65535, (lab[:, 1] + 128) * 256 / 65535,
                     (lab[:, 2] + 128) * 256 / 65535], axis=1)


def _rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    f = _f(linear @ _SRGB_TO_XYZ_D50.T / np.array(D50))
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]),
                     200 * (f[:, 1] - f[:, 2])], axis=1)


def _lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    fy = (lab[:, 0] + 16) / 116
    f = np.stack([fy + lab[:, 1] / 500, fy, fy - lab[:, 2] / 200], axis=1)
    xyz = np.where(f > 6 / 29, f ** 3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * np.array(D50)
    linear = np.clip(xyz @ np.linalg.inv(_SRGB_TO_XYZ_D50).T, 0.0, 1.0)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


def _f(t: np.ndarray) -> np.ndarray:
    return np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as out:
        out.write(cmyk_profile())
