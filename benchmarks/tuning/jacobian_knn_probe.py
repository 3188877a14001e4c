"""The Jacobian-corrected latent kNN density in P1 and P2, and the forms a detector could ship.

``latent_score_probe.py`` found the best-ranked flow score in P2 (seed 0): ``-log`` of the
flow's density with its Gaussian base replaced by a k-nearest-neighbour density of the training
latents, ``d log r_k(z) - log|det J_f(x)|`` (``knnd_z``). Its P1 was not measured. Per split,
the detector is fitted once at its defaults and the test rows scored:

- ``nll``: ``-log p(x)`` (the detector's own score);
- ``knnd5`` / ``knnd10``: the kNN density score with k = 5 / 10, all training rows as reference;
- ``knnd5_t``: k = 5, the reference trimmed by the fitted flow's own likelihood (training rows
  beyond the ``train_trim="auto"`` cutoff left out, so that contaminating rows are not neighbours);
- ``mix_t``: the mean of ``nll`` and ``knnd5_t``, each standardised (median, 1.4826 MAD) by
  training-side scores only (``nll`` by ``calibration_scores_``, ``knnd5_t`` by the reference
  rows' own leave-one-out scores): a form that scores one row at a time;
- ``geo`` / ``geo_t``: ``-log`` of the flow's density with its base replaced by the geometric mean
  of the Gaussian and the kNN density (k = 5; all / trimmed reference):
  ``(|z|^2 / 2 + d log r_5(z)) / 2 - log|det J_f(x)|``; both base terms are ``-log`` densities in
  nats, so they are averaged without rescaling (constants dropped);
- ``rank``: the mean of the test ranks of ``nll`` and ``knnd5`` (transductive, for comparison).

Every score adds the off-support term. One CSV row per split.

    SKFLOWAD_DATA=../shared/data/adbench OMP_NUM_THREADS=1 python benchmarks/tuning/jacobian_knn_probe.py \\
        "<datasets>" "P2 P1" out.csv <n_jobs> [FlowDensity|ContrastiveFlow [seed]]
"""
import sys

import numpy as np
import torch
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from latent_score_probe import (  # a sibling script: its folder is on sys.path
    DETECTORS, latent, latent_and_log_jacobian, run_and_write, standardised_split)
from skflowad.base import within_robust_cutoff
from trim_pair_probe import robust_z


def knn_base_nll(reference: np.ndarray, z: np.ndarray, k: int, leave_one_out: bool = False) -> np.ndarray:
    """``d log r_k(z)``: ``-log`` of a kNN density of the reference latents at ``z``, constants dropped."""
    search = NearestNeighbors(n_neighbors=k + leave_one_out).fit(reference)
    return z.shape[1] * np.log(search.kneighbors(z)[0][:, -1] + 1e-12)


def one(dataset: str, setting: str, seed: int, detector: str = "FlowDensity") -> dict:
    split, X_fit, X_test = standardised_split(dataset, setting, seed)
    det = DETECTORS[detector](random_state=seed).fit(X_fit)
    off = 1e6 * det._n_off_support(X_test)
    nll = det.decision_function(X_test)
    z_fit, log_det_fit = latent_and_log_jacobian(det, X_fit)
    z_fit_t = z_fit[kept := within_robust_cutoff(torch.as_tensor(det.decision_function(X_fit))).numpy()]
    z_test, log_det = latent_and_log_jacobian(det, X_test)
    knn5, knn5_t = knn_base_nll(z_fit, z_test, 5), knn_base_nll(z_fit_t, z_test, 5)
    loo = knn_base_nll(z_fit_t, z_fit_t, 5, leave_one_out=True) - log_det_fit[kept]
    gauss = (z_test ** 2).sum(axis=1) / 2
    scores = {
        "nll": nll,
        "knnd5": knn5 - log_det + off,
        "knnd10": knn_base_nll(z_fit, z_test, 10) - log_det + off,
        "knnd5_t": knn5_t - log_det + off,
        "mix_t": (robust_z(nll, det.calibration_scores_) + robust_z(knn5_t - log_det, loo)) / 2 + off,
        "geo": (gauss + knn5) / 2 - log_det + off,
        "geo_t": (gauss + knn5_t) / 2 - log_det + off,
        "rank": rankdata(nll) + rankdata(knn5 - log_det + off),
    }
    row = dict(dataset=dataset, setting=setting, seed=seed, detector=detector,
               kept_share=float(kept.mean()))
    row.update({name: roc_auc_score(split.y_test, s) for name, s in scores.items()})
    print(row, flush=True)
    return row


if __name__ == "__main__":
    run_and_write(one, sys.argv)
