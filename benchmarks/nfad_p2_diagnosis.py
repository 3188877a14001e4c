"""Why NFAD's score inverts on some P2 sets (e.g. 43_WDBC): where test rows, surrogates and
the classifier's logits lie, next to the flow's own likelihood ranking.

Usage (about 30 s on one CPU core)::

    SKFLOWAD_DATA=../shared/data/adbench python benchmarks/nfad_p2_diagnosis.py 43_WDBC

Output of the run recorded in docs/methods/nfad.md (seed 0): the flow's NLL ranks the test
anomalies almost perfectly (AUROC 0.99; their latent radius² ~94 against the tail threshold
43.8), while the classifier, trained on normals (input norm ~4.7) against surrogates on a thin
shell (norm ~7.2), gives the anomalies (norm ~13.4) a lower logit than the normals: AUROC 0.15.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import torch
from scipy.stats import chi2
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from skflowad import NFAD
from skflowad.benchmark.splits import make_split, setting_data
from skflowad.datasets import load_adbench


def main(name: str, seed: int = 0) -> None:
    X, y = load_adbench(name, data_home=os.environ.get("SKFLOWAD_DATA"))
    split = make_split(X, y, seed)
    X_fit, _ = setting_data(split, "P2", seed)
    scaler = StandardScaler().fit(X_fit)  # as the benchmark does
    X_fit, X_test, y_test = scaler.transform(X_fit), scaler.transform(split.X_test), split.y_test
    det = NFAD(random_state=seed, device="cpu").fit(X_fit)
    logits = det.decision_function(X_test)
    rows = det._to_tensor(det._standardise(X_test))
    with torch.no_grad():
        nll = -det.flow_().log_prob(rows).numpy()
        latent = det.flow_().transform(rows).numpy()
        surrogates = det._sample_surrogates(2000, latent.shape[1], torch.device("cpu"))
        surrogate_logits = det.classifier_(surrogates).squeeze(-1).numpy()
    normal, anomaly = y_test == 0, y_test == 1
    radius2 = (latent**2).sum(1)
    norm = np.linalg.norm(rows.numpy(), axis=1)
    print(f"{name}, P2, seed {seed}")
    print(f"AUROC of the classifier logit (NFAD's score): {roc_auc_score(y_test, logits):.3f}")
    print(f"AUROC of the flow's NLL:                     {roc_auc_score(y_test, nll):.3f}")
    print(f"latent radius^2: tail threshold {chi2(latent.shape[1]).isf(det.tail_p_):.1f}, "
          f"median normals {np.median(radius2[normal]):.1f}, anomalies {np.median(radius2[anomaly]):.1f}")
    print(f"input norm (median): normals {np.median(norm[normal]):.1f}, anomalies "
          f"{np.median(norm[anomaly]):.1f}, surrogates "
          f"{np.median(np.linalg.norm(surrogates.numpy(), axis=1)):.1f}")
    print(f"classifier logit (median): normals {np.median(logits[normal]):.2f}, anomalies "
          f"{np.median(logits[anomaly]):.2f}, surrogates {np.median(surrogate_logits):.2f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "43_WDBC")
