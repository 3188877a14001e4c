"""``benchmarks/papers/oneflow_bench.py``: Table 3 on tiny data; its report beside the paper's numbers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bench():
    spec = importlib.util.spec_from_file_location(
        "oneflow_bench", ROOT / "benchmarks" / "papers" / "oneflow_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table3_fits_and_scores_the_same_rows(bench, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(300, 3)), rng.normal(6.0, 0.3, size=(15, 3))])
    y = np.r_[np.zeros(300, int), np.ones(15, int)]
    monkeypatch.setattr(bench, "load", lambda name: (X, y))
    monkeypatch.setattr(bench.torch, "set_num_threads", lambda n: None)  # leave the session's
    out = tmp_path / "table3.csv"
    bench.main(["table3", "--datasets", "thyroid", "--configs", "paper_pid,IForest",
                "--epochs", "3", "--max-rows", "200", "--out", str(out)])
    rows = pd.read_csv(out)
    assert list(rows.detector) == ["paper_pid", "IForest"]
    assert (rows.n_rows == 200).all() and rows.capped.all()  # stratified cap applied
    assert rows.loc[rows.detector == "IForest", "auroc"].item() > 0.9  # an obvious cluster


def test_report_shows_the_largest_cap_and_the_paper(bench, tmp_path, capsys):
    def rows(dataset, n_rows, auroc):
        return [dict(dataset=dataset, seed=s, detector=d, n_rows=n_rows, capped=True,
                     auroc=auroc + 0.01 * s, f1_top5=0.1, fit_s=1.0, device="cpu")
                for s in (0, 1) for d in ("paper_pid", "flowdensity")]

    small = tmp_path / "small.csv"
    large = tmp_path / "large.csv"
    pd.DataFrame(rows("thyroid", 3000, 0.80) + rows("smtp", 5000, 0.50)).to_csv(small, index=False)
    pd.DataFrame(rows("smtp", 30000, 0.90)).to_csv(large, index=False)
    bench.main(["report", str(small), str(large)])
    printed = capsys.readouterr().out
    # the table's rows as lists of cells, whatever the column padding
    cells = [[c.strip() for c in line.strip().strip("|").split("|")]
             for line in printed.splitlines() if line.startswith("|")]
    assert ["smtp", "30000", "0.905", "0.905", "0.880/0.830/0.900"] in cells  # the 5 000-row smtp rows are not shown
    assert ["thyroid", "3000", "0.805", "0.805", "0.648/0.660/0.865"] in cells
    assert ["mean", "", "0.855", "0.855", ""] in cells
    assert cells[0][2:4] == ["OneFlow", "FlowDensity"] and "seeds 0, 1" in printed
