"""Scores read off one fit of a likelihood detector: the likelihood against latent-space alternatives.

Per split, the detector (FlowDensity, or ContrastiveFlow with a fifth argument) is fitted once
at its defaults and the test rows are scored five ways from the same flow ``z = f(x)``:

- ``nll``: ``-log p(x)`` (the detector's own score);
- ``znorm``: ``|z|^2`` (the latent radius, OneFlow's kind of score, without the log-det);
- ``knn_z``: distance to the 5th nearest training row in the latent space;
- ``knn_x``: the same in the standardised data space (PyOD's KNN, largest distance);
- ``nll_knnz``, ``nll_znorm``: the mean of the two scores' test ranks;
- ``knnd_z``: ``-log`` of the flow's density with its Gaussian base replaced by a
  nearest-neighbour density of the training latents, ``d log r_5(z) - log|det J_f(x)|``;
- ``nll_znorm_knnz``: the mean of the three scores' test ranks;
- ``lunar_z``: PyOD's LUNAR (its defaults) fitted on the training latents (the flow as the
  metric LUNAR's graph is built in).

Every score adds the off-support term (a row off a training-constant column ranks first).
Writes one CSV row per split; ``benchmarks/results/recipe/latent_scores.md`` has the results.

    python benchmarks/tuning/latent_score_probe.py "<datasets>" "P2 P1" out.csv <n_jobs> [ContrastiveFlow [seed]]
"""
import csv
import sys
import warnings

import numpy as np
import torch
from joblib import Parallel, delayed
from pyod.models.lunar import LUNAR
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from skflowad import ContrastiveFlow, FlowDensity
from skflowad.benchmark.splits import expand_datasets, load_dataset, make_split, setting_data
from skflowad.training import map_batches

K = 5
DETECTORS = {"FlowDensity": FlowDensity, "ContrastiveFlow": ContrastiveFlow}


def latent(det, X: np.ndarray) -> np.ndarray:
    """``z = f(x)`` of raw rows under the fitted flow (standardised as the detector does)."""
    rows = det._to_tensor(det._standardise(X))
    with torch.inference_mode():
        return map_batches(det.flow_().transform, rows, 4096).double().cpu().numpy()


def kth_neighbour_distance(train: np.ndarray, test: np.ndarray) -> np.ndarray:
    distance, _ = NearestNeighbors(n_neighbors=K).fit(train).kneighbors(test)
    return distance[:, -1]


def latent_and_log_jacobian(det, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``z = f(x)`` and ``log|det J_f(x)|`` of raw rows, from one pass through the flow."""
    rows = det._to_tensor(det._standardise(X))
    with torch.inference_mode():
        pairs = [det.flow_().transform.call_and_ladj(chunk) for chunk in torch.split(rows, 4096)]
    z = torch.cat([z for z, _ in pairs]).double().cpu().numpy()
    return z, torch.cat([ladj for _, ladj in pairs]).double().cpu().numpy()


def standardised_split(dataset: str, setting: str, seed: int):
    """The benchmark's split and its fit and test rows, standardised on the fit rows."""
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    X, y = load_dataset(expand_datasets([dataset])[0])
    split = make_split(X, y, seed)
    X_fit, _ = setting_data(split, setting, seed)
    scaler = StandardScaler().fit(X_fit)
    return split, scaler.transform(X_fit), scaler.transform(split.X_test)


def run_and_write(one, argv: list[str]) -> None:
    """``one(dataset, setting, seed, detector)`` over
    ``"<datasets>" "<settings>" out.csv n_jobs [detector [seed]]`` (FlowDensity, seed 0 by default)."""
    datasets, settings, out, n_jobs = argv[1].split(), argv[2].split(), argv[3], int(argv[4])
    detector = argv[5] if len(argv) > 5 else "FlowDensity"
    seed = int(argv[6]) if len(argv) > 6 else 0
    rows = Parallel(n_jobs=n_jobs)(delayed(one)(d, s, seed, detector) for s in settings for d in datasets)
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def one(dataset: str, setting: str, seed: int, detector: str = "FlowDensity") -> dict:
    split, X_fit, X_test = standardised_split(dataset, setting, seed)
    det = DETECTORS[detector](random_state=seed).fit(X_fit)
    off = 1e6 * det._n_off_support(X_test)
    z_fit = latent(det, X_fit)
    z_test, log_det = latent_and_log_jacobian(det, X_test)
    lunar = LUNAR().fit(z_fit.astype(np.float32))
    scores = {
        "nll": det.decision_function(X_test),
        "znorm": (z_test ** 2).sum(axis=1) + off,
        "knn_z": kth_neighbour_distance(z_fit, z_test) + off,
        "knn_x": kth_neighbour_distance(X_fit, X_test) + off,
        "knnd_z": z_test.shape[1] * np.log(kth_neighbour_distance(z_fit, z_test) + 1e-12)
        - log_det + off,
        "lunar_z": lunar.decision_function(z_test.astype(np.float32)) + off,
    }
    def rank(s):
        return rankdata(s) / len(s)
    scores["nll_knnz"] = rank(scores["nll"]) + rank(scores["knn_z"])
    scores["nll_znorm"] = rank(scores["nll"]) + rank(scores["znorm"])
    scores["nll_znorm_knnz"] = scores["nll_znorm"] + rank(scores["knn_z"])
    row = dict(dataset=dataset, setting=setting, seed=seed, detector=detector)
    row.update({name: roc_auc_score(split.y_test, s) for name, s in scores.items()})
    print(row, flush=True)
    return row


if __name__ == "__main__":
    run_and_write(one, sys.argv)
