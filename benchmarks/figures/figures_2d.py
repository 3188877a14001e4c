"""The seed papers' 2-D examples for every detector in one panel (decision regions).

Rows: two moons with 5 % uniform noise as anomalies (the CF/IOCN/NFAD figures) and two
Gaussian blobs holding 98 % / 2 % of the points (OneFlow's Figure 1, where the small blob
counts as anomalous). Columns: every skflowad detector and PyOD's IForest and KNN, all at
their defaults, fitted on all rows (anomalies included, labels unused: the P1 setting).
The shading is the anomaly-score rank (yellow = normal, dark = abnormal), the white line
``threshold_`` (the boundary of ``predict``).

Usage::

    python benchmarks/figures/figures_2d.py   # the figure and benchmarks/results/figures_2d.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from pyod.models.iforest import IForest  # noqa: E402
from pyod.models.knn import KNN  # noqa: E402
from sklearn.datasets import make_moons  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

import skflowad  # noqa: E402
from skflowad.plotting import plot_decision_regions  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "figures" / "detectors_2d.png"
TABLE = ROOT / "benchmarks" / "results" / "figures_2d.csv"


def moons(seed: int = 0, n: int = 1000):
    rng = np.random.default_rng(seed)
    X, _ = make_moons(n, noise=0.06, random_state=seed)
    noise = rng.uniform(X.min(axis=0) - 0.5, X.max(axis=0) + 0.5, size=(n // 20, 2))
    return np.vstack([X, noise]), np.r_[np.zeros(n, int), np.ones(len(noise), int)]


def two_blobs(seed: int = 0, n: int = 1000):
    rng = np.random.default_rng(seed)
    n_small = n // 50
    big = rng.normal(size=(n - n_small, 2))
    small = rng.normal(loc=(4.0, 4.0), scale=0.3, size=(n_small, 2))
    return np.vstack([big, small]), np.r_[np.zeros(n - n_small, int), np.ones(n_small, int)]


def detectors(seed: int) -> dict:
    own = {name: getattr(skflowad, name)(random_state=seed, device="cpu")
           for name in ("FlowDensity", "NFAD", "OneFlow", "ContrastiveFlow", "IOCN")}
    return {**own, "IForest": IForest(random_state=seed), "KNN": KNN()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--table", type=Path, default=TABLE,
                        help="CSV of each panel's AUROC on the fitted rows")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    tasks = {"two moons + 5 % noise": moons(args.seed), "blobs 98 % / 2 %": two_blobs(args.seed)}
    names = list(detectors(args.seed))
    rows = []
    fig, axes = plt.subplots(len(tasks), len(names), figsize=(2.4 * len(names), 2.6 * len(tasks)))
    for row, (task, (X, y)) in enumerate(tasks.items()):
        for col, (name, det) in enumerate(detectors(args.seed).items()):
            det.fit(X)
            auroc = roc_auc_score(y, det.decision_scores_)
            print(f"{task:24s} {name:16s} AUROC on the fitted rows {auroc:.3f}", flush=True)
            rows.append({"task": task, "detector": name, "seed": args.seed, "auroc": auroc})
            plot_decision_regions(det, X, y=y, ax=axes[row, col],
                                  title=f"{name}\n{task}: AUROC {auroc:.2f}")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    args.table.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.table, index=False)
    print("wrote", args.out, "and", args.table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
