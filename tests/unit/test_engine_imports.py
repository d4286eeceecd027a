"""House rules 2 and 7: the engine imports no Django, and loads models lazily."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, json, pkgutil, sys
import renditions.engine as engine
names = sorted(m.name for m in pkgutil.iter_modules(engine.__path__))
for name in names:
    importlib.import_module("renditions.engine." + name)
print(json.dumps({"modules": names, "loaded": sorted(sys.modules)}))
"""

# Engine modules whose import must stay light (no onnxruntime session, no
# model file read): heavy things load once per process, on first use.
LIGHT = ["loading", "saliency", "planning", "rendering", "heatmap", "cli", "grid",
         "confidence", "sizing", "preprocess", "faces", "focal"]


def run(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_engine_and_all_its_modules_import_without_django():
    result = run(PROBE)
    expected = {"loading", "saliency", "planning", "rendering", "heatmap", "cli"}
    assert expected <= set(result["modules"])
    assert not [m for m in result["loaded"] if m == "django" or m.startswith("django.")]


def test_engine_modules_do_not_load_onnxruntime_at_import():
    code = ("import json, sys\n"
            + "".join(f"import renditions.engine.{name}\n" for name in LIGHT)
            + "print(json.dumps({'loaded': sorted(sys.modules)}))")
    assert "onnxruntime" not in run(code)["loaded"]
