"""Share of fresh normal rows that ``predict`` flags, against ``contamination``.

For each dataset (P2 split of the benchmark, seed 0: trained on normals only), each
detector is fitted at its defaults with ``contamination=0.1`` and the test normals it flags
are counted, with two thresholds: the training rows' own ``1 - contamination`` quantile
(PyOD's rule; in-sample for a model that fitted those rows) and, for skflowad detectors,
the same quantile of the held-out calibration rows' scores (``calibration_scores_``).
Rows are appended to the CSV as they finish; a re-run resumes.

    SKFLOWAD_DATA=../shared/data/adbench python benchmarks/tuning/threshold_calibration.py \
        --datasets 6_cardio 18_Ionosphere --out benchmarks/results/thresholds/flagged_shares.csv
"""

from __future__ import annotations

import argparse
import csv
import warnings
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler

from skflowad.benchmark import build_detector, expand_datasets, get_registry, load_dataset
from skflowad.benchmark import make_split, setting_data

CONTAMINATION = 0.1
FIELDS = ["dataset", "detector", "n_train", "n_test_normals", "flagged_in_sample",
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
    return dict(dataset=dataset, detector=detector, n_train=len(X_fit),
                n_test_normals=len(scores), flagged_in_sample=float(np.mean(scores > in_sample)),
                flagged_held_out=float(np.mean(scores > held_out)) if calibration is not None
                else "", n_calibration=0 if calibration is None else len(calibration))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", required=True)
    parser.add_argument("--detectors", nargs="+", default=[
        "FlowDensity", "NFAD", "OneFlow", "ContrastiveFlow", "IOCN", "IForest", "KNN", "KDE"])
    parser.add_argument("--out", default="benchmarks/results/thresholds/flagged_shares.csv")
    args = parser.parse_args(argv)
    out = Path(args.out)
    done = set()
    if out.is_file():
        with out.open() as f:
            done = {(r["dataset"], r["detector"]) for r in csv.DictReader(f)}
    for dataset in args.datasets:
        for detector in args.detectors:
            if (dataset, detector) in done:
                continue
            row = measure(dataset, detector)
            new = not out.is_file()
            with out.open("a", newline="") as f:
                writer = csv.DictWriter(f, FIELDS)
                if new:
                    writer.writeheader()
                writer.writerow(row)
            print(row, flush=True)


if __name__ == "__main__":
    main()
