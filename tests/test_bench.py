"""`benchmarks/run_all.py` runs its sections and reports them as JSON and Markdown."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from manim_diffusion.samplers.sample import SAMPLERS

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "benchmarks" / "run_all.py"


def _timings(row: dict, keys: tuple[str, ...]) -> list[float]:
    return [row[k] for k in keys]


@pytest.mark.slow
def test_quick_run_writes_json_and_prints_tables(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    cmd = [sys.executable, str(RUNNER), "--quick", "--only", "contours", "throughput",
           "--json", str(out)]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]

    results = json.loads(out.read_text())
    machine = results["machine"]
    for key in ("date", "cpu", "cores", "python", "torch", "manim"):
        assert machine[key], key
    assert results["quick"] is True
    assert list(results["sections"]) == ["contours", "throughput"]
    for name, section in results["sections"].items():
        assert section["returncode"] == 0 and "error" not in section, name
        assert section["wall_seconds"] > 0
        assert section["data"]["results"], name

    contours = results["sections"]["contours"]["data"]["results"]
    assert [(r["resolution"], r["points"], r["grid"]) for r in contours] == [
        ("480p15", 2000, 100)]
    for row in contours:
        for t in _timings(row, ("cloud_ms", "cloud_contours_ms", "contour_update_ms")):
            assert math.isfinite(t) and t > 0

    throughput = results["sections"]["throughput"]["data"]["results"]
    assert [r["sampler"] for r in throughput] == list(SAMPLERS)
    for row in throughput:
        for t in _timings(row, ("seconds", "samples_per_s", "point_evals_per_s")):
            assert math.isfinite(t) and t > 0
        assert row["nfe"] >= row["steps"] - 1 and row["points"] == 500

    table = done.stdout
    assert table.startswith("Measured ") and "QUICK MODE" in table.splitlines()[0]
    assert "### Density contours" in table
    assert "| 480p15 | 2,000 | 100x100 |" in table
    assert "### Sampling throughput per sampler" in table
    for name in SAMPLERS:
        assert f"\n| {name} | " in table, name
    assert "### Trails" not in table  # --only left it out
