"""Two-moons figure in the spirit of the NFAD papers' Figs. 1-2.

Rows: Jacobian penalty λ = 0 and λ > 0. Columns: normals with tail surrogates
(``tail_p``), and the classifier's decision regions (anomaly logit) with the normals.

    OMP_NUM_THREADS=1 python benchmarks/figures/nfad_moons_figure.py --out docs/methods/nfad_moons.png
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
from skflowad import NFAD  # noqa: E402
from skflowad.plotting import save_figure  # noqa: E402


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lambdas", nargs=2, type=float, default=[0.0, 1.0])
    p.add_argument("--tail-p", type=float, default=0.05)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--out", default=str(ROOT / "docs/methods/nfad_moons.png"))
    args = p.parse_args(argv)
    X, _ = make_moons(1000, noise=0.05, random_state=0)
    grid_x, grid_y = np.meshgrid(np.linspace(-2.5, 3.5, 200), np.linspace(-2, 2.5, 200))
    grid = np.c_[grid_x.ravel(), grid_y.ravel()]
    fig, axes = plt.subplots(2, 2, figsize=(10, 8), sharex=True, sharey=True)
    for row, lam in zip(axes, args.lambdas):
        det = NFAD(jacobian_penalty=lam, tail_p=args.tail_p, epochs=args.epochs,
                   device="cpu", random_state=0).fit(X)
        sur = det.sample_surrogates(1000)
        row[0].scatter(*X.T, s=3, c="tab:blue", label="normal")
        row[0].scatter(*sur.T, s=3, c="tab:red", label=f"surrogates (tail_p={args.tail_p})")
        row[0].set_title(f"λ = {lam}: E[(log|det J|)²] = {det.log_det_jacobian_sq_:.2f}")
        row[0].legend(loc="lower left", fontsize=8)
        logit = det.decision_function(grid).reshape(grid_x.shape)
        cs = row[1].contourf(grid_x, grid_y, logit, levels=20, cmap="RdBu_r")
        row[1].contour(grid_x, grid_y, logit, levels=[0.0], colors="k")
        row[1].scatter(*X.T, s=2, c="w")
        row[1].set_title(f"λ = {lam}: anomaly logit (black: 0)")
        fig.colorbar(cs, ax=row[1])
    for ax in axes.ravel():
        ax.set_xlim(-2.5, 3.5)
        ax.set_ylim(-2, 2.5)
    save_figure(fig, args.out, dpi=90)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
