"""The NFAD papers' known-anomaly-classes protocol on scikit-learn's digits.

One digit is normal; ``k`` of the other digits are "known" anomaly classes with a few
labelled samples each in the training set; the remaining digits are unseen (test only).
Test rows: held-out normals, held-out rows of the known classes and every row of the
unseen classes. AUROC is reported on all test anomalies and on the unseen ones only
(the papers' central claim: labels must not cost detection of new anomalies).

Example (small budget)::

    OMP_NUM_THREADS=1 python benchmarks/papers/nfad_digits.py --normal 0 --seeds 0 --known 0 1 2 4
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[2]
from skflowad import NFAD, FlowDensity  # noqa: E402

NFAD_KINDS = {
    "NFAD[realnvp]": dict(flow="realnvp"),  # NFAD's defaults
    "NFAD[realnvp,auto]": dict(flow="realnvp", classifier_epochs="auto"),  # 10 with labels
    "NFAD[coupling_nsf]": dict(flow="coupling_nsf"),
    "NFAD[iaf]": dict(flow="iaf"),
    "NFAD[maf->iaf]": dict(flow="maf", distill=True),
}


def make_task(X, digit_y, normal, n_known, per_class, seed):
    rng = np.random.default_rng(seed)
    others = rng.permutation([d for d in range(10) if d != normal])
    known, unseen = others[:n_known], others[n_known:]
    idx_n = rng.permutation(np.flatnonzero(digit_y == normal))
    n_tr = int(0.7 * len(idx_n))
    train, test_n = idx_n[:n_tr], idx_n[n_tr:]
    lab, test_known = [], []
    for d in known:
        rows = rng.permutation(np.flatnonzero(digit_y == d))
        lab.append(rows[:per_class])
        test_known.append(rows[per_class:])
    lab = np.concatenate(lab) if lab else np.array([], int)
    test_known = np.concatenate(test_known) if test_known else np.array([], int)
    test_unseen = np.flatnonzero(np.isin(digit_y, unseen))
    Xtr = X[np.r_[train, lab]]
    ytr = np.r_[np.zeros(len(train), int), np.ones(len(lab), int)]
    return Xtr, ytr, X[test_n], X[test_known], X[test_unseen]


def protocol_arguments(description: str, out_default: str | None = None) -> argparse.ArgumentParser:
    """The protocol's command-line options (normal digits, known-class counts, seeds, out)."""
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--normal", nargs="*", type=int, default=[0])
    p.add_argument("--known", nargs="*", type=int, default=[0, 1, 2, 4])
    p.add_argument("--per-class", type=int, default=5, help="labelled samples per known class")
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--out", default=out_default, required=out_default is None)
    return p


def run_protocol(args, detectors_for) -> None:
    """Fit ``detectors_for(n_known, seed)`` (``{name: (detector, uses_labels)}``) on every task
    of ``args`` and write one CSV row per fit to ``args.out`` (AUROC on all test anomalies and
    on the unseen kinds alone)."""
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    X, digit_y = load_digits(return_X_y=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["normal", "n_known_classes", "seed", "detector", "auroc_all", "auroc_unseen",
                    "fit_s"])
        for normal in args.normal:
            for k in args.known:
                for seed in args.seeds:
                    Xtr, ytr, Xn, Xk, Xu = make_task(X, digit_y, normal, k, args.per_class, seed)
                    for name, (det, uses_labels) in detectors_for(k, seed).items():
                        t = time.perf_counter()
                        if uses_labels:
                            det.fit(Xtr, ytr)
                        else:
                            det.fit(Xtr[ytr == 0])
                        fit_s = time.perf_counter() - t

                        def auc(anomalies):
                            s = det.decision_function(np.vstack([Xn, anomalies]))
                            truth = np.r_[np.zeros(len(Xn)), np.ones(len(anomalies))]
                            return roc_auc_score(truth, s)

                        all_anomalies = np.vstack([Xk, Xu])
                        row = [normal, k, seed, name, auc(all_anomalies), auc(Xu), round(fit_s, 1)]
                        w.writerow(row)
                        f.flush()
                        print(*row, flush=True)


def main(argv=None) -> None:
    p = protocol_arguments(__doc__, str(ROOT / "benchmarks/results/nfad_digits.csv"))
    p.add_argument("--kinds", nargs="*",
                   default=[k for k in NFAD_KINDS if k != "NFAD[realnvp,auto]"])
    args = p.parse_args(argv)
    from pyod.models.iforest import IForest

    def detectors_for(k, seed):
        dets = {name: (NFAD(random_state=seed, device="cpu", **kw), True)
                for name, kw in NFAD_KINDS.items() if name in args.kinds}
        dets["FlowDensity"] = (FlowDensity(random_state=seed, device="cpu"), False)
        dets["IForest"] = (IForest(random_state=seed), False)
        if k:
            dets["HGB(labels)"] = (HistGradientBoostingClassifier(random_state=seed), True)
        return dets

    run_protocol(args, detectors_for)


if __name__ == "__main__":
    main()
