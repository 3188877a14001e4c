"""ContrastiveFlow on two moons: what the auxiliary data q does to the learned density.

Panels (score -log p_theta(x) as a heat map, dark = abnormal): FlowDensity on the normals;
ContrastiveFlow with the default q (per-feature permutation of the normals);
ContrastiveFlow with a few labelled anomalies (``y == 1``, a cluster between the moons) as q.

    OMP_NUM_THREADS=1 python benchmarks/figures/contrastive_flow_figure.py \
        --out docs/methods/contrastive_flow.png
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
from skflowad import ContrastiveFlow, FlowDensity  # noqa: E402
from skflowad.plotting import save_figure  # noqa: E402


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--out", default=str(ROOT / "docs/methods/contrastive_flow.png"))
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    X, _ = make_moons(1000, noise=0.08, random_state=0)
    A = rng.normal([0.5, 0.25], 0.12, size=(30, 2))  # known anomalies between the moons
    XA, y = np.vstack([X, A]), np.r_[np.zeros(len(X), int), np.ones(len(A), int)]
    common = dict(epochs=args.epochs, device="cpu", random_state=0)
    panels = [
        ("FlowDensity (normals)", FlowDensity(**common).fit(X)),
        ("ContrastiveFlow, q = permutation", ContrastiveFlow(**common).fit(X)),
        ("ContrastiveFlow, q = known anomalies (red)", ContrastiveFlow(**common).fit(XA, y)),
    ]
    gx, gy = np.meshgrid(np.linspace(-2, 3, 150), np.linspace(-1.5, 2, 150))
    grid = np.c_[gx.ravel(), gy.ravel()]
    # One linear colour scale for the three score panels, up to the highest score of a
    # training normal under FlowDensity plus 2 nats; beyond it (far from the data) all is dark.
    low, high = panels[0][1].decision_scores_.min(), panels[0][1].decision_scores_.max() + 2
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6), sharex=True, sharey=True)
    scores = []
    for ax, (title, det) in zip(axes, panels):
        scores.append(det.decision_function(grid).reshape(gx.shape))
        ax.contourf(gx, gy, np.clip(scores[-1], low, high), levels=np.linspace(low, high, 21),
                    cmap="viridis_r")
        ax.set_title(title, fontsize=9)
    # Last panel: where the known anomalies moved the score, on the data's support.
    change = np.where(scores[0] <= high, scores[2] - scores[0], np.nan)
    image = axes[3].contourf(gx, gy, np.clip(change, -3, 3), levels=np.linspace(-3, 3, 13),
                             cmap="RdBu_r")
    axes[3].set_title("score change: third panel minus first", fontsize=9)
    fig.colorbar(image, ax=axes[3])
    for ax in axes:
        ax.scatter(*X.T, s=2, c="k", alpha=0.3)
    for ax in axes[2:]:
        ax.scatter(*A.T, s=10, c="tab:red")
    fig.suptitle("score -log p(x) of the learned density (one colour scale, dark = abnormal)")
    save_figure(fig, args.out, dpi=90)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
