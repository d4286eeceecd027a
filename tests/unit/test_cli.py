"""``python -m renditions``: output shapes and exit statuses, run as a user would."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ._images import photo_like

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "renditions", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("photos")
    paths = [folder / "wide.jpg", folder / "tall.png"]
    photo_like((640, 360)).save(paths[0], quality=90)
    photo_like((300, 500), seed=1).save(paths[1])
    return paths


def test_suggest_prints_one_json_line_per_image(photos):
    done = cli("suggest", *map(str, photos), "--aspect", "16:9", "--aspect", "1:1",
               "--json", "--backend", "spectral")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2
    for line, path, size in zip(lines, photos, [(640, 360), (300, 500)]):
        record = json.loads(line)
        assert {"image", "width", "height", "crops", "kept", "confidence", "faces"} <= set(record)
        assert "scores" not in record
        assert record["image"] == str(path) and (record["width"], record["height"]) == size
        assert set(record["crops"]) == set(record["kept"]) == set(record["confidence"]) \
            == {"16:9", "1:1"}
        for box in record["crops"].values():
            assert len(box) == 4 and all(isinstance(v, int) for v in box)
            assert 0 <= box[0] < box[2] <= size[0] and 0 <= box[1] < box[3] <= size[1]
        assert all(0 <= k <= 1 for k in record["kept"].values())
        assert all(0 <= c <= 1 for c in record["confidence"].values())
        assert isinstance(record["faces"], list)


def test_bad_input_exits_2_with_one_line_per_bad_file(photos, tmp_path):
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8 this is not a JPEG")
    done = cli("suggest", str(junk), str(photos[0]), "--json", "--backend", "spectral",
               "--no-faces")
    assert done.returncode == 2
    assert len(done.stdout.strip().splitlines()) == 1  # the good file still answered
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"salient: {junk}: ")


def test_saliency_writes_the_map(photos, tmp_path):
    out = tmp_path / "map.npy"
    done = cli("saliency", str(photos[0]), "--out", str(out), "--backend", "spectral")
    assert done.returncode == 0, done.stderr
    smap = np.load(out)
    assert smap.dtype == np.float32 and abs(smap.sum() - 1) < 1e-5 and smap.shape == (72, 128)


def test_render_writes_the_rendition(photos, tmp_path):
    out = tmp_path / "r.webp"
    done = cli("render", str(photos[0]), "--aspect", "1:1", "--width", "200", "--format",
               "webp", "-o", str(out), "--backend", "spectral", "--no-faces")
    assert done.returncode == 0, done.stderr
    with Image.open(out) as img:
        assert img.format == "WEBP" and img.size == (200, 200)


def test_heatmap_and_missing_file(photos, tmp_path):
    out = tmp_path / "heat.png"
    done = cli("heatmap", str(photos[1]), "-o", str(out), "--backend", "spectral", "--no-faces")
    assert done.returncode == 0, done.stderr
    with Image.open(out) as img:
        assert img.size == (300, 500)
    missing = cli("heatmap", str(tmp_path / "nope.jpg"), "-o", str(out), "--backend", "spectral")
    assert missing.returncode == 2 and missing.stderr.startswith("salient: ")


def test_unknown_backend_exits_2(photos):
    done = cli("suggest", str(photos[0]), "--backend", "crystal-ball")
    assert done.returncode == 2 and "unknown saliency backend" in done.stderr
