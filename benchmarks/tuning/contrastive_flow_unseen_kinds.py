"""ContrastiveFlow's clamp with known anomalies, on anomaly kinds it was not shown.

The known-anomaly-classes protocol of ``benchmarks/papers/nfad_digits.py`` (scikit-learn's
digits: one digit normal, ``k`` other digits known with ``--per-class`` labelled rows each, the
remaining digits unseen, test only) with ContrastiveFlow fitted at several
``epsilon_quantile`` values, and without labels (the normals alone) as the one-class reference.
AUROC on all test anomalies and on the unseen kinds alone; one CSV row per fit.

    OMP_NUM_THREADS=1 python benchmarks/tuning/contrastive_flow_unseen_kinds.py \\
        --normal 0 8 --known 0 1 2 4 --seeds 0 1 2 --out out.csv
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "papers"))
from nfad_digits import make_task  # noqa: E402

from skflowad import ContrastiveFlow  # noqa: E402

VARIANTS = {
    "ContrastiveFlow (no labels)": None,
    "ContrastiveFlow[q0.1]": 0.1,
    "ContrastiveFlow[q0.01]": 0.01,  # the default with labels ("auto")
    "ContrastiveFlow[q0.001]": 0.001,
}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--normal", nargs="*", type=int, default=[0])
    p.add_argument("--known", nargs="*", type=int, default=[0, 1, 2, 4])
    p.add_argument("--per-class", type=int, default=5, help="labelled samples per known class")
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    X, digit_y = load_digits(return_X_y=True)
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["normal", "n_known_classes", "seed", "detector", "auroc_all", "auroc_unseen",
                    "fit_s"])
        for normal in args.normal:
            for k in args.known:
                for seed in args.seeds:
                    Xtr, ytr, Xn, Xk, Xu = make_task(X, digit_y, normal, k, args.per_class, seed)
                    for name, quantile in VARIANTS.items():
                        if quantile is not None and k == 0:
                            continue  # no labels: every variant is the one-class fit
                        t = time.perf_counter()
                        if quantile is None:
                            det = ContrastiveFlow(random_state=seed).fit(Xtr[ytr == 0])
                        else:
                            det = ContrastiveFlow(epsilon_quantile=quantile,
                                                  random_state=seed).fit(Xtr, ytr)
                        fit_s = time.perf_counter() - t

                        def auc(anomalies):
                            s = det.decision_function(np.vstack([Xn, anomalies]))
                            return roc_auc_score(np.r_[np.zeros(len(Xn)), np.ones(len(anomalies))], s)

                        row = [normal, k, seed, name, auc(np.vstack([Xk, Xu])), auc(Xu),
                               round(fit_s, 1)]
                        w.writerow(row)
                        f.flush()
                        print(*row, flush=True)


if __name__ == "__main__":
    main()
