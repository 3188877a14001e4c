"""Ensembles across methods: FlowDensity, ContrastiveFlow and OneFlow fitted on the same split.

The seed/order ensembles of one method (``ensemble_probe.py``) gained nothing; these three
differ in what they score (a likelihood, a likelihood shaped by a contrast, a latent radius),
so their errors may differ more. Each member's test and training scores are saved to one
``.npz`` per split in ``OUT`` (resumes); the combinations (mean of the members' scores, each
standardised by the median and MAD of its own training scores, a robust form of the z-score
of PyOD's ``standardizer``; and, for comparison, the mean of their test ranks) are read by ``--report``.

    python benchmarks/tuning/method_ensemble_probe.py "<datasets>" "P2 P1" <n_jobs>
    python benchmarks/tuning/method_ensemble_probe.py --report
"""
import os
import sys
from itertools import combinations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

from skflowad import ContrastiveFlow, FlowDensity, OneFlow
from latent_score_probe import standardised_split

OUT = os.environ.get("METHOD_ENSEMBLE_SCORES", "/tmp/method_ensemble")
MEMBERS = {"FlowDensity": FlowDensity, "ContrastiveFlow": ContrastiveFlow, "OneFlow": OneFlow}


def one(dataset: str, setting: str, seed: int) -> None:
    path = f"{OUT}/{dataset}_{setting}_{seed}.npz"
    if os.path.exists(path):
        return
    split, X_fit, X_test = standardised_split(dataset, setting, seed)
    saved = {"y": split.y_test}
    for name, cls in MEMBERS.items():
        det = cls(random_state=seed, device="cpu").fit(X_fit)
        saved[f"{name}_test"] = det.decision_function(X_test)
        saved[f"{name}_train"] = det.decision_scores_
    np.savez(path, **saved)
    print(dataset, setting, seed, flush=True)


def standardised(test: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Scores on the scale of the training scores: median 0, MAD 1."""
    median = np.median(train)
    mad = np.median(np.abs(train - median)) or 1.0
    return (test - median) / mad


def report() -> pd.DataFrame:
    rows = []
    for file in sorted(os.listdir(OUT)):
        dataset, setting, seed = file[:-4].rsplit("_", 2)
        data = np.load(f"{OUT}/{file}")
        row = dict(dataset=dataset, setting=setting, seed=int(seed))
        z = {m: standardised(data[f"{m}_test"], data[f"{m}_train"]) for m in MEMBERS}
        for m in MEMBERS:
            row[m] = roc_auc_score(data["y"], data[f"{m}_test"])
        for k in (2, 3):
            for group in combinations(MEMBERS, k):
                row["+".join(group)] = roc_auc_score(data["y"], sum(z[m] for m in group))
                row["+".join(group) + " (ranks)"] = roc_auc_score(
                    data["y"], sum(rankdata(data[f"{m}_test"]) for m in group))
        rows.append(row)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    if sys.argv[1] == "--report":
        table = report()
        table.to_csv(sys.argv[2] if len(sys.argv) > 2 else "method_ensembles.csv", index=False)
        print(table.groupby("setting").mean(numeric_only=True).T.round(4))
    else:
        os.makedirs(OUT, exist_ok=True)
        datasets, settings, n_jobs = sys.argv[1].split(), sys.argv[2].split(), int(sys.argv[3])
        Parallel(n_jobs=n_jobs)(delayed(one)(d, s, 0) for s in settings for d in datasets)
