"""The regeneration benchmark runs end to end on two assets (SQLite, local files)."""
from __future__ import annotations

from bench import regenerate


def test_generate_renditions_throughput_is_measured_and_extrapolated(tmp_path):
    data = regenerate.run(assets=2, bases=1, out_dir=tmp_path, echo=lambda *a: None)
    [result] = data["results"]
    assert result["assets"] == 2 and "14 renditions made for 2 assets; 0 failed" in result["summary"]
    assert result["cpu_s"] > 0 and result["wall_s"] > 0
    assert result["assets_per_min_per_core"] == 60 * 2 / result["cpu_s"]
    assert result["archive_core_hours"] == 100_000 * result["cpu_s"] / 2 / 3600
    assert "assets/min per core" in data["text"]
    assert (tmp_path / "regenerate.md").read_text().strip() == data["text"].strip()
