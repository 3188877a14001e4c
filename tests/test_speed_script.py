"""``benchmarks/speed/speed.py`` runs end to end on tiny sizes and writes its report."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def speed(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location("speed", ROOT / "benchmarks" / "speed" / "speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "OUT", tmp_path)
    monkeypatch.setattr(module, "_data", lambda n, d, seed=0: _small(module, n, d, seed))
    return module


def _small(module, n, d, seed):
    """The script's data, shrunk: the test checks the plumbing, not the speed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.normal(size=(min(n, 600), d))


def test_speed_script_writes_every_part(speed, tmp_path):
    assert speed.main(["--rows", "300", "--features", "4", "--epochs", "1", "--parts", "fit",
                       "score", "versus", "--rounds", "2", "--score-rows", "500",
                       "--detectors", "FlowDensity", "OneFlow", "--no-kinds"]) == 0
    rows = pd.read_csv(tmp_path / "speed_cpu.csv")
    assert {"fit", "reference", "score", "versus"} <= set(rows.kind)
    assert rows.command.str.contains("--parts fit score versus").all()
    ours = (rows.kind == "score") & ~rows.name.str.startswith("PyOD")
    assert set(rows.loc[ours, "name"]) == {"FlowDensity", "OneFlow"}
    assert rows.loc[ours, "peak_added_mb"].gt(0).all()
    assert not rows.name.str.startswith("FlowDensity[").any()  # --no-kinds
    report = (tmp_path / "speed_cpu.md").read_text()
    assert "paired rounds" in report
    assert any(line.startswith("| OneFlow ") for line in report.splitlines())
    assert (tmp_path / "speed_cpu_scaling.png").is_file()
