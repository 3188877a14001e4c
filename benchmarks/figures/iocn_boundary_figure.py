"""The paper's Figure 1: IOCN's inlier region (the cube's boundary mapped back) in 2-D.

    OMP_NUM_THREADS=1 python benchmarks/figures/iocn_boundary_figure.py [--out docs/methods/iocn_boundary.png]

Two moons and two Gaussians: the inlier region is one connected piece, so the two
modes are joined by a bridge (the limitation the paper states).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import make_blobs, make_moons  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

from skflowad import IOCN  # noqa: E402
from skflowad.plotting import plot_boundaries, save_figure  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "methods" / "iocn_boundary.png"))
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args(argv)
    datasets = {
        "two moons": make_moons(1000, noise=0.08, random_state=0)[0],
        "two Gaussians": make_blobs(1000, centers=[(-3, 0), (3, 0)], random_state=0)[0],
    }
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, (title, X) in zip(axes, datasets.items()):
        det = IOCN(epochs=args.epochs, patience=50, random_state=0).fit(X)
        plot_boundaries(X, {"IOCN": det.boundary(400)}, ax=ax)
        inside = np.mean(det.decision_scores_ <= 0)
        ax.set_title(f"{title}: {inside:.0%} of training rows inside the cube")
        ax.set_aspect("equal")
    save_figure(fig, args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
