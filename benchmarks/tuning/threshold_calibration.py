"""Share of fresh normal rows that ``predict`` flags, against ``contamination``.

For each dataset and seed (P2 split of the benchmark: trained on normals only), each
detector is fitted at its defaults with ``contamination=0.1`` and the test normals it flags
are counted, with two thresholds: the training rows' own ``1 - contamination`` quantile
(PyOD's rule; in-sample for a model that fitted those rows) and, for skflowad detectors,
the same quantile of the held-out calibration rows' scores (``calibration_scores_``).
Rows are appended to the CSV as they finish (``--n-jobs`` runs fits in parallel); a re-run
resumes.

    SKFLOWAD_DATA=../shared/data/adbench python benchmarks/tuning/threshold_calibration.py \
        --datasets 6_cardio 18_Ionosphere --seeds 0 --n-jobs 2 \
        --out benchmarks/results/thresholds/flagged_shares.csv
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.preprocessing import StandardScaler

from skflowad.benchmark import (
    build_detector,
    expand_datasets,
    get_registry,
    load_dataset,
    make_split,
    setting_data,
)
from skflowad.benchmark.result_csv import append_rows, done_keys

CONTAMINATION = 0.1
FIELDS = ["dataset", "detector", "seed", "n_train", "n_test_normals", "flagged_in_sample",
          "flagged_held_out", "n_calibration"]


def measure(dataset: str, detector: str, seed: int = 0) -> dict:
    ref = expand_datasets([dataset])[0]
    split = make_split(*load_dataset(ref), seed)
    X_fit, _ = setting_data(split, "P2", seed)
    scaler = StandardScaler().fit(X_fit)
    X_fit, X_test = scaler.transform(X_fit), scaler.transform(split.X_test)
    det = build_detector(get_registry()[detector], {"contamination": CONTAMINATION},
                         n_features=X_fit.shape[1], seed=seed, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        det.fit(X_fit)
        scores = np.asarray(det.decision_function(X_test[split.y_test == 0]))
    in_sample = np.percentile(det.decision_scores_, 100 * (1 - CONTAMINATION))
    calibration = getattr(det, "calibration_scores_", None)
    held_out = (np.percentile(calibration, 100 * (1 - CONTAMINATION))
                if calibration is not None else np.nan)
    return dict(dataset=dataset, detector=detector, seed=seed, n_train=len(X_fit),
                n_test_normals=len(scores), flagged_in_sample=float(np.mean(scores > in_sample)),
                flagged_held_out=float(np.mean(scores > held_out)) if calibration is not None
                else "", n_calibration=0 if calibration is None else len(calibration))


def report(frame, min_train: int = 300, tolerance: float = 0.03) -> str:
    """Markdown tables: per detector, the flagged share of fresh normals and its error.

    One table over every (dataset, seed) row, one over the rows with at least
    ``min_train`` training rows. Errors are ``|flagged share - contamination|``. "Expected
    outside by sampling" is what an exact quantile rule would still miss: the rows' sum of
    ``P(|e| > tolerance)`` for ``e ~ N(0, c(1-c)(1/n_quantile + 1/n_test))`` (the binomial
    errors of the quantile's rows, ``n_calibration`` held out or ``n_train`` in-sample, and of
    the test normals counted).
    """
    from scipy.stats import norm

    from skflowad.benchmark.report import markdown_table

    def table(rows):
        out = {}
        for detector, g in rows.groupby("detector", sort=False):
            entry = {"sets": g["dataset"].nunique(), "seeds": g["seed"].nunique()}
            for rule in ("in_sample", "held_out"):
                share = pd.to_numeric(g[f"flagged_{rule}"], errors="coerce").dropna()
                error = (share - CONTAMINATION).abs()
                entry[f"flagged, {rule} (mean)"] = share.mean() if len(share) else None
                entry[f"mean abs error, {rule}"] = error.mean() if len(share) else None
                entry[f"worst abs error, {rule}"] = error.max() if len(share) else None
                entry[f"rows within ±{tolerance}, {rule}"] = (
                    f"{int((error <= tolerance).sum())} of {len(share)}" if len(share) else None)
                n_quantile = g.loc[share.index, "n_calibration" if rule == "held_out" else "n_train"]
                sd = np.sqrt(CONTAMINATION * (1 - CONTAMINATION)
                             * (1 / n_quantile + 1 / g.loc[share.index, "n_test_normals"]))
                entry[f"expected outside by sampling, {rule}"] = (
                    float((2 * norm.sf(tolerance / sd)).sum()) if len(share) else None)
            out[detector] = entry
        return markdown_table(pd.DataFrame(out).T, "detector")

    large = frame[frame["n_train"] >= min_train]
    return (f"### All {frame['dataset'].nunique()} sets\n\n{table(frame)}\n\n"
            f"### The {large['dataset'].nunique()} sets with at least {min_train} training rows"
            f"\n\n{table(large)}\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=[])
    parser.add_argument("--detectors", nargs="+", default=[
        "FlowDensity", "NFAD", "OneFlow", "ContrastiveFlow", "IOCN", "IForest", "KNN", "KDE"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n-jobs", type=int, default=1, help="fits run in parallel (joblib)")
    parser.add_argument("--out", default="benchmarks/results/thresholds/flagged_shares.csv")
    parser.add_argument("--report", action="store_true",
                        help="print the tables of --out and run nothing")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.report:
        print(report(pd.read_csv(out)))
        return
    done = done_keys(out, ("dataset", "detector", "seed"), {"seed": int})
    todo = [(dataset, detector, seed) for seed in args.seeds for dataset in args.datasets
            for detector in args.detectors if (dataset, detector, seed) not in done]
    print(f"{len(todo)} fit(s) to do", flush=True)
    append_rows(out, FIELDS, Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(
        delayed(measure)(*job) for job in todo))


if __name__ == "__main__":
    main()
