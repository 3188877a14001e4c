"""Test rows that repeat a training row exactly: an atom the continuous flow cannot represent.

On discrete data many test normals are exact copies of training rows (P2, seed 0: 83 % of
11_donors' test normals and 54 % of 33_skin's, none of their test anomalies). A continuous
density gives such a row a finite likelihood like any other; the empirical distribution of the
training rows gives it an atom. Per split, the detector is fitted once at its defaults and the
test rows scored:

- ``nll``: the detector's own score;
- ``atom_all``: rows that repeat any training row ranked below all others (the model
  ``(1 - pi) p_flow(x) + pi * empirical(x)``: an atom beats any density), ties broken by ``nll``;
- ``atom_kept``: the same, with atoms only at the training rows the fitted flow itself finds
  typical (within the ``train_trim="auto"`` cutoff), so that in P1 a repeated contaminating
  anomaly does not make its copies normal.

``repeated_normals`` / ``repeated_anomalies``: the share of test normals / anomalies that repeat
a training row. One CSV row per split.

    SKFLOWAD_DATA=../shared/data/adbench OMP_NUM_THREADS=1 python benchmarks/tuning/repeated_rows_probe.py \\
        "<datasets>" "P2 P1" out.csv <n_jobs> [FlowDensity|ContrastiveFlow [seed]]
"""
import sys

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from latent_score_probe import DETECTORS, run_and_write, standardised_split  # sibling script
from skflowad.base import within_robust_cutoff


def repeats(train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Whether each test row equals some training row exactly."""
    seen = {row.tobytes() for row in np.ascontiguousarray(train)}
    return np.array([row.tobytes() in seen for row in np.ascontiguousarray(test)])


def one(dataset: str, setting: str, seed: int, detector: str = "FlowDensity") -> dict:
    split, X_fit, X_test = standardised_split(dataset, setting, seed)
    det = DETECTORS[detector](random_state=seed).fit(X_fit)
    nll = det.decision_function(X_test)
    kept = within_robust_cutoff(torch.as_tensor(det.decision_function(X_fit))).numpy()
    repeated, repeated_kept = repeats(X_fit, X_test), repeats(X_fit[kept], X_test)
    y = split.y_test
    row = dict(dataset=dataset, setting=setting, seed=seed, detector=detector,
               repeated_normals=repeated[y == 0].mean(), repeated_anomalies=repeated[y == 1].mean())
    for name, score in {"nll": nll, "atom_all": nll - 1e12 * repeated,
                        "atom_kept": nll - 1e12 * repeated_kept}.items():
        row[name] = roc_auc_score(y, score)
    print(row, flush=True)
    return row


if __name__ == "__main__":
    run_and_write(one, sys.argv)
