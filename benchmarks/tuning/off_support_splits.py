"""Which benchmark splits have columns that are constant on the fit rows but not on test.

On these splits, and only there, the off-support term of the scores
(``skflowad.base.OFF_SUPPORT_SCORE``) changes a detector's test scores; the grid rows of the
detectors measured before it are superseded on exactly these splits. Per (dataset, setting,
seed): the number of constant columns and of test anomalies / normals off them. The fit rows
are those the detector's scaler sees: all train rows (P1), the train normals (P2), the train
rows without the labelled anomalies (P3, the label-using detectors).

    SKFLOWAD_DATA=../shared/data/adbench python benchmarks/tuning/off_support_splits.py \
        > benchmarks/results/recipe/off_support_splits.csv
"""

from __future__ import annotations

import csv
import os
import sys

import numpy as np

from skflowad.benchmark.splits import expand_datasets, load_dataset, make_split, p3_labels


def main() -> None:
    data_home = os.environ.get("SKFLOWAD_DATA")
    writer = csv.writer(sys.stdout)
    writer.writerow(["dataset", "setting", "seed", "n_constant", "test_anomalies_off",
                     "test_normals_off", "n_test_anomalies", "n_test_normals"])
    for ref in expand_datasets(["all"], data_home):
        X, y = load_dataset(ref, data_home)
        for seed in (0, 1, 2):
            split = make_split(X.astype(np.float64), y, seed)
            fit_rows = {
                "P1": split.X_train,
                "P2": split.X_train[split.y_train == 0],
                "P3": split.X_train[p3_labels(split.y_train, seed) == 0],
            }
            for setting, rows in fit_rows.items():
                constant = (rows == rows[:1]).all(axis=0)
                off = (split.X_test[:, constant] != rows[0, constant]).any(axis=1)
                if off.any():
                    writer.writerow([
                        ref.name, setting, seed, int(constant.sum()),
                        int(off[split.y_test == 1].sum()), int(off[split.y_test == 0].sum()),
                        int((split.y_test == 1).sum()), int((split.y_test == 0).sum()),
                    ])


if __name__ == "__main__":
    main()
