"""The layers in pyproject.toml's [tool.importlinter] hold (import-linter)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ._images import required

ROOT = Path(__file__).resolve().parents[2]
LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent))


@required(LINT is not None, "import-linter is not installed (the test extra)")
def test_the_import_contracts_are_kept():
    done = subprocess.run([LINT, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


@required(LINT is not None, "import-linter is not installed (the test extra)")
def test_a_django_import_in_the_engine_breaks_a_contract(tmp_path):
    """The contract can fail: the same check on a copy of the tree with one bad import."""
    copy = tmp_path / "tree"
    for package in ("dam", "renditions", "training", "bench", "webhooks"):
        shutil.copytree(ROOT / package, copy / package,
                        ignore=shutil.ignore_patterns("*.onnx", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "renditions" / "engine" / "leak.py").write_text("from django.conf import settings\n")
    done = subprocess.run([LINT, "--no-cache"], cwd=copy, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0 and "renditions.engine.leak -> django" in done.stdout
