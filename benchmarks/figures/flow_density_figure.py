"""FlowDensity on two moons with uniform anomalies, one panel per flow kind.

Each panel: the anomaly score -log p(x) as a heat map, the ``threshold_`` contour (the
``predict`` boundary set by ``contamination``), the training rows (anomalies in red).

    OMP_NUM_THREADS=1 python benchmarks/figures/flow_density_figure.py --out docs/methods/flow_density.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import make_moons  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
from skflowad import FlowDensity  # noqa: E402
from skflowad.plotting import save_figure  # noqa: E402


def moons_with_anomalies(n: int = 1000, share: float = 0.03, seed: int = 0):
    """Two moons plus ``share`` uniform anomalies on the plotting box; y = 1 for those."""
    rng = np.random.default_rng(seed)
    X, _ = make_moons(n, noise=0.08, random_state=seed)
    n_anom = int(round(share * n))
    A = rng.uniform([-2.0, -1.5], [3.0, 2.0], size=(n_anom, 2))
    return np.vstack([X, A]), np.r_[np.zeros(n, int), np.ones(n_anom, int)]


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--kinds", nargs="+", default=["maf", "nsf", "realnvp", "nice"])
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--out", default=str(ROOT / "docs/methods/flow_density.png"))
    args = p.parse_args(argv)
    X, y = moons_with_anomalies()
    gx, gy = np.meshgrid(np.linspace(-2, 3, 150), np.linspace(-1.5, 2, 150))
    grid = np.c_[gx.ravel(), gy.ravel()]
    fig, axes = plt.subplots(1, len(args.kinds), figsize=(3.6 * len(args.kinds), 3.4),
                             sharex=True, sharey=True, squeeze=False)
    for ax, kind in zip(axes[0], args.kinds):
        det = FlowDensity(flow=kind, epochs=args.epochs, contamination=0.03, device="cpu",
                          random_state=0).fit(X)
        score = det.decision_function(grid).reshape(gx.shape)
        # Log colour scale: away from the data, -log p grows by orders of magnitude.
        ax.contourf(gx, gy, np.log1p(score - score.min()), levels=20, cmap="viridis_r")
        ax.contour(gx, gy, score, levels=[det.threshold_], colors="w", linewidths=1.5)
        ax.scatter(*X[y == 0].T, s=2, c="k", alpha=0.4)
        ax.scatter(*X[y == 1].T, s=10, c="tab:red")
        ax.set_title(f'flow="{kind}"')
    fig.suptitle("FlowDensity: score -log p(x) (log colour scale, dark = abnormal); "
                 "white: threshold_ at contamination=0.03; red: uniform anomalies")
    save_figure(fig, args.out, dpi=90)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
