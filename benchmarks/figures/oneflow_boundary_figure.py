"""The paper's Figure 1 / Table 2 in shape: OneFlow's region against LL-Flow's in 2-D.

LL-Flow is :class:`~skflowad.FlowDensity` with a NICE flow trained by likelihood; its
region is the latent Gaussian ball of the same alpha (radius^2 = chi2_2 quantile at
1 - alpha) mapped back through the flow. Writes ``docs/methods/oneflow_boundaries.png``
and prints boundary length / enclosed area and the share of rows inside each region.

    OMP_NUM_THREADS=1 python benchmarks/figures/oneflow_boundary_figure.py --epochs 60
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from scipy.stats import chi2
from sklearn.datasets import make_moons

ROOT = Path(__file__).resolve().parents[2]
from skflowad import FlowDensity, OneFlow  # noqa: E402
from skflowad.plotting import (  # noqa: E402
    curve_length_and_area,
    flow_region_boundary,
    plot_boundaries,
    save_figure,
)


def datasets(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    blobs = np.vstack([rng.normal(size=(980, 2)), rng.normal(loc=2.5, scale=0.4, size=(20, 2))])
    return {
        "two blobs (98 % / 2 %)": (blobs, np.r_[np.zeros(980), np.ones(20)]),
        "two moons": (make_moons(1000, noise=0.08, random_state=seed)[0], None),
    }


def main(argv=None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--out", default=str(ROOT / "docs/methods/oneflow_boundaries.png"))
    args = parser.parse_args(argv)
    fit = dict(epochs=args.epochs, patience=None, validation_fraction=0.0, hidden_features=(32, 32),
               batch_size=250, device="cpu", random_state=0)
    sets = datasets()
    fig, axes = plt.subplots(1, len(sets), figsize=(5 * len(sets), 5))
    print("dataset | region | length | area | share of rows inside")
    for ax, (name, (X, y)) in zip(axes, sets.items()):
        one = OneFlow(alpha=args.alpha, **fit).fit(X)
        # the paper's LL-Flow: a plain likelihood fit, without FlowDensity's training recipe
        ll = FlowDensity(flow="nice", n_transforms=4, train_noise=None, train_clip=None,
                         train_trim=0, **fit).fit(X)
        ll_radius = math.sqrt(chi2.ppf(1 - args.alpha, 2))
        curves = {"OneFlow": one.boundary(400), "LL-Flow": flow_region_boundary(ll, ll_radius, 400)}
        inside = {"OneFlow": (one.decision_scores_ <= one.radius_).mean(),
                  "LL-Flow": _ll_inside(ll, X, ll_radius)}
        for region, curve in curves.items():
            length, area = curve_length_and_area(curve)
            print(f"{name} | {region} | {length:.2f} | {area:.2f} | {inside[region]:.3f}")
        plot_boundaries(X, curves, y=y, ax=ax, title=name)
    save_figure(fig, args.out, dpi=120)
    print("wrote", args.out)


def _ll_inside(ll, X, radius) -> float:
    import torch

    with torch.no_grad():
        z = ll.flow_().transform(torch.as_tensor(ll._standardise(X), dtype=torch.float32))
    return float((z.norm(dim=-1) <= radius).double().mean())


if __name__ == "__main__":
    main()
