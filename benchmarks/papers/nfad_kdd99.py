"""The PeerJ paper's KDD-99 protocol (Table 1): AUROC against the number of known attack classes.

Normal traffic is the normal class; attack types are anomaly classes; ``k`` of them are
known (``--per-class`` labelled rows each in training), the others unseen (test only).
Needs ``sklearn.datasets.fetch_kddcup99`` to find the data (downloaded once, or in
scikit-learn's data home); offline without a copy it stops with a clear message.

    OMP_NUM_THREADS=1 python benchmarks/papers/nfad_kdd99.py --known 0 1 2 4 8 --seeds 0 --max-normal 20000
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[2]
from skflowad import NFAD  # noqa: E402

# PeerJ CS 2021, Table 1, nfad (iaf): one-class, then 1 / 2 / 4 / 8 known attack classes.
PAPER_NFAD_IAF = {0: 0.981, 1: 0.984, 2: 0.993, 4: 0.997, 8: 0.997}


def load_kdd():
    from sklearn.datasets import fetch_kddcup99

    try:
        bunch = fetch_kddcup99(percent10=True, download_if_missing=True)
    except Exception as exc:  # offline and not cached
        raise SystemExit(
            f"KDD-99 is not available ({type(exc).__name__}: {exc}); run where "
            "sklearn.datasets.fetch_kddcup99 can download it, or copy it into scikit-learn's "
            "data home."
        ) from exc
    import pandas as pd

    frame = pd.DataFrame(bunch.data, columns=bunch.feature_names)
    categorical = ["protocol_type", "service", "flag"]
    X = pd.get_dummies(frame, columns=categorical).astype(np.float64).to_numpy()
    labels = np.array([v.decode() if isinstance(v, bytes) else v for v in bunch.target])
    return X, labels


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--known", nargs="*", type=int, default=[0, 1, 2, 4, 8])
    p.add_argument("--per-class", type=int, default=10)
    p.add_argument("--seeds", nargs="*", type=int, default=[0])
    p.add_argument("--max-normal", type=int, default=20000, help="budget: normal training rows")
    p.add_argument("--flow", default="iaf")
    args = p.parse_args(argv)
    X, labels = load_kdd()
    attacks = sorted(set(labels) - {"normal."})
    print(f"{'known':>5} {'seed':>4} {'ours':>6} {'paper nfad-iaf':>14}")
    for k in args.known:
        for seed in args.seeds:
            rng = np.random.default_rng(seed)
            known = rng.permutation(attacks)[:k]
            normal = rng.permutation(np.flatnonzero(labels == "normal."))
            n_tr = min(args.max_normal, int(0.7 * len(normal)))
            train, test_n = normal[:n_tr], normal[n_tr:][: n_tr // 2]
            lab = np.concatenate(
                [rng.permutation(np.flatnonzero(labels == a))[: args.per_class] for a in known]
                or [np.array([], int)]
            )
            test_a = np.setdiff1d(np.flatnonzero(labels != "normal."), lab)
            test_a = rng.permutation(test_a)[: len(test_n)]
            y = np.r_[np.zeros(len(train), int), np.ones(len(lab), int)]
            det = NFAD(flow=args.flow, random_state=seed).fit(X[np.r_[train, lab]], y)
            scores = det.decision_function(X[np.r_[test_n, test_a]])
            auc = roc_auc_score(np.r_[np.zeros(len(test_n)), np.ones(len(test_a))], scores)
            paper = PAPER_NFAD_IAF.get(k, float("nan"))
            print(f"{k:>5} {seed:>4} {auc:6.3f} {paper:14.3f}", flush=True)


if __name__ == "__main__":
    main()
