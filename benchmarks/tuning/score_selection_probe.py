"""Choosing a flow's anomaly score per fit without labels: held-out inliers against synthetic
negatives.

Per split the detector is fitted once at its defaults. Several scores are read off the fitted
flow (``z = f(x)``, ``d`` features, ``r_5`` the distance to the 5th nearest reference latent;
the reference is the fitted rows without the held-out ones, trimmed by the flow's robust cutoff):

- ``nll``: ``|z|^2/2 - log|det J|`` (``-log p(x)``); ``z2``: ``|z|^2/2``;
- ``geo``: ``(|z|^2/2 + d log r_5)/2 - log|det J|`` (ContrastiveFlow's ``latent_knn``);
- ``geo_b05``: the same with half the log-Jacobian; ``knnd``: ``d log r_5 - log|det J|``;
  ``logr``: ``log r_5`` (the latent kNN distance).

Each score's test AUROC is recorded, and, as a criterion a detector could compute, the AUROC
of the detector's own held-out inliers against synthetic negatives built from training rows
only: ``marg`` (each column drawn from a random fitted row: the product of the marginals),
``swap1`` (a held-out row with one column taken from another row), ``jit`` (a held-out row plus
N(0, 0.5^2) per standardised column), ``unif`` (uniform in the fitted rows' bounding box).
``--report`` prints what choosing the score by each criterion would give.

    SKFLOWAD_DATA=../shared/data/adbench OMP_NUM_THREADS=1 \\
        python benchmarks/tuning/score_selection_probe.py \\
        "<datasets>" "P2 P1" out.csv <n_jobs> [FlowDensity|ContrastiveFlow [seed]]
    python benchmarks/tuning/score_selection_probe.py --report out.csv [...]
"""
import sys

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import roc_auc_score

from latent_score_probe import (  # a sibling script: its folder is on sys.path
    DETECTORS, latent_and_log_jacobian, run_and_write, standardised_split)
from jacobian_knn_probe import knn_base_nll
from skflowad.base import within_robust_cutoff

SCORES = ("nll", "z2", "geo", "geo_b05", "knnd", "logr")
NEGATIVES = ("marg", "swap1", "jit", "unif")


def scores_of(det, reference: np.ndarray, X: np.ndarray) -> dict:
    z, log_det = latent_and_log_jacobian(det, X)
    off = 1e6 * det._n_off_support(X)
    z2 = (z ** 2).sum(axis=1) / 2
    knn = knn_base_nll(reference, z, 5)
    return {"nll": z2 - log_det + off, "z2": z2 + off, "geo": (z2 + knn) / 2 - log_det + off,
            "geo_b05": (z2 + knn) / 2 - log_det / 2 + off, "knnd": knn - log_det + off,
            "logr": knn / z.shape[1] + off}


def negatives(X_fit: np.ndarray, held: np.ndarray, rng: np.random.Generator) -> dict:
    n, d = max(len(held), 200), X_fit.shape[1]
    base = held[rng.integers(len(held), size=n)]
    marg = X_fit[rng.integers(len(X_fit), size=(n, d)), np.arange(d)]
    swap = base.copy()
    cols = rng.integers(d, size=n)
    swap[np.arange(n), cols] = X_fit[rng.integers(len(X_fit), size=n), cols]
    low, high = X_fit.min(axis=0), X_fit.max(axis=0)
    return {"marg": marg, "swap1": swap, "jit": base + 0.5 * rng.standard_normal((n, d)),
            "unif": rng.uniform(low, high, size=(n, d))}


def one(dataset: str, setting: str, seed: int, detector: str = "FlowDensity") -> dict:
    split, X_fit, X_test = standardised_split(dataset, setting, seed)
    det = DETECTORS[detector](random_state=seed).fit(X_fit)
    held_index = det.history_[det._calibration_stage()].validation_index.numpy()
    fitted = np.ones(len(X_fit), dtype=bool)
    fitted[held_index] = False
    z_fit, log_det_fit = latent_and_log_jacobian(det, X_fit[fitted])
    nll_fit = (z_fit ** 2).sum(axis=1) / 2 - log_det_fit
    reference = z_fit[within_robust_cutoff(torch.as_tensor(nll_fit)).numpy()]
    row = dict(dataset=dataset, setting=setting, seed=seed, detector=detector)
    test = scores_of(det, reference, X_test)
    row.update({f"test_{s}": roc_auc_score(split.y_test, test[s]) for s in SCORES})
    held = X_fit[held_index]
    held_scores = scores_of(det, reference, held)
    rng = np.random.default_rng(seed)
    for kind, rows in negatives(X_fit, held, rng).items():
        neg = scores_of(det, reference, rows)
        labels = np.r_[np.zeros(len(held)), np.ones(len(rows))]
        for s in SCORES:
            row[f"{kind}_{s}"] = roc_auc_score(labels, np.r_[held_scores[s], neg[s]])
    print(row, flush=True)
    return row


def report(paths: list[str]) -> None:
    rows = pd.concat([pd.read_csv(p) for p in paths])
    for (detector, setting), group in rows.groupby(["detector", "setting"]):
        print(f"\n{detector} {setting}: {len(group)} splits")
        for s in SCORES:
            print(f"  fixed {s:8s} {group[f'test_{s}'].mean():.4f}")
        print(f"  oracle    {group[[f'test_{s}' for s in SCORES]].max(axis=1).mean():.4f}")
        for kind in NEGATIVES + ("all",):
            kinds = NEGATIVES if kind == "all" else (kind,)
            crit = np.stack([group[[f"{k}_{s}" for k in kinds]].mean(axis=1) for s in SCORES], 1)
            chosen = crit.argmax(axis=1)
            test = group[[f"test_{s}" for s in SCORES]].to_numpy()
            picked = test[np.arange(len(group)), chosen]
            counts = np.bincount(chosen, minlength=len(SCORES))
            print(f"  by {kind:6s}  {picked.mean():.4f}  chosen: "
                  + ", ".join(f"{s} {c}" for s, c in zip(SCORES, counts) if c))


if __name__ == "__main__":
    if sys.argv[1] == "--report":
        report(sys.argv[2:])
    else:
        run_and_write(one, sys.argv)
