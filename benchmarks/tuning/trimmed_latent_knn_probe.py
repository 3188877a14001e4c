"""Latent nearest-neighbour scores with a trimmed reference set: a P2 score that keeps P1?

The latent 5-NN distance (``latent_score_probe.py``) matched LUNAR's P2 mean on seed 0 but
lost 0.048 in P1, where contaminating training rows become neighbours. Here the reference
set of the neighbour search is trimmed with the fitted flow's own likelihood: training rows
whose ``-log p(x)`` lies more than ``AUTO_TRIM_CUTOFF`` robust SDs above the median are left
out (the rule of ``train_trim="auto"``). Per split, FlowDensity is fitted once at its
defaults and the test rows scored:

- ``nll``: FlowDensity's score;
- ``knn_z``: 5th-neighbour distance in ``z = f(x)`` to all training rows;
- ``knn_zt``: the same to the trimmed reference set;
- ``zmean_t``: the mean of ``nll`` and ``knn_zt``, each standardised (median, 1.4826 MAD)
  by training-side scores, not test rows: ``nll`` by ``calibration_scores_``, ``knn_zt`` by
  the reference rows' own leave-one-out neighbour distances;
- ``rank_t``: the mean of the test ranks of ``nll`` and ``knn_zt`` (transductive; for
  comparison with ``latent_score_probe.py``'s ``nll_knnz``).

    SKFLOWAD_DATA=../shared/data/adbench OMP_NUM_THREADS=1 python benchmarks/tuning/trimmed_latent_knn_probe.py \\
        "<datasets>" "P2 P1" out.csv <n_jobs>
"""
import sys
import warnings

import numpy as np
import torch
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from skflowad import FlowDensity
from skflowad.base import within_robust_cutoff
from skflowad.benchmark.splits import expand_datasets, load_dataset, make_split, setting_data
from skflowad.training import map_batches
from trim_pair_probe import robust_z, run_probe  # a sibling script: its folder is on sys.path

K = 5
FIELDS = ["dataset", "setting", "seed", "kept_share", "nll", "knn_z", "knn_zt", "zmean_t",
          "rank_t"]


def latent(det: FlowDensity, X: np.ndarray) -> np.ndarray:
    """``z = f(x)`` of raw rows under the fitted flow (standardised as the detector does)."""
    rows = det._to_tensor(det._standardise(X))
    with torch.inference_mode():
        return map_batches(det.flow_().transform, rows, 4096).double().cpu().numpy()


def one(dataset: str, setting: str, seed: int) -> dict:
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    split = make_split(*load_dataset(expand_datasets([dataset])[0]), seed)
    X_fit, _ = setting_data(split, setting, seed)
    det = FlowDensity(random_state=seed).fit(X_fit)
    off = 1e9 * det._n_off_support(split.X_test)
    nll = det.decision_function(split.X_test)
    z_fit, z_test = latent(det, X_fit), latent(det, split.X_test)
    kept = within_robust_cutoff(torch.as_tensor(det.decision_function(X_fit))).numpy()
    reference = z_fit[kept]
    knn_all = NearestNeighbors(n_neighbors=K).fit(z_fit).kneighbors(z_test)[0][:, -1]
    search = NearestNeighbors(n_neighbors=K).fit(reference)
    knn_t = search.kneighbors(z_test)[0][:, -1]
    loo = search.kneighbors(reference, n_neighbors=K + 1)[0][:, -1]
    scores = {
        "nll": nll,
        "knn_z": knn_all + off,
        "knn_zt": knn_t + off,
        "zmean_t": (robust_z(nll, det.calibration_scores_) + robust_z(knn_t, loo)) / 2 + off,
        "rank_t": rankdata(nll) + rankdata(knn_t + off),
    }
    row = dict(dataset=dataset, setting=setting, seed=seed, kept_share=float(kept.mean()))
    row.update({name: roc_auc_score(split.y_test, s) for name, s in scores.items()})
    return row


if __name__ == "__main__":
    run_probe(one, FIELDS, sys.argv[1:])
