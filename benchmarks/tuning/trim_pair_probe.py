"""FlowDensity trimmed and untrimmed, alone and combined: does the pair resolve the trim trade?

Per split, FlowDensity is fitted twice at its defaults, with ``train_trim="auto"`` (the
default) and with ``train_trim=0``, and the test rows are scored four ways:

- ``trimmed``, ``untrimmed``: each fit's ``decision_function``;
- ``zmean``: the mean of the two scores, each standardised by the median and the robust SD
  (1.4826 MAD) of its own held-out training rows (``calibration_scores_``), so that a row's
  combined score does not depend on the other test rows;
- ``zmax``: the larger of the two standardised scores.

Writes one CSV row per split as it finishes (resumes from ``out``).

    SKFLOWAD_DATA=../shared/data/adbench OMP_NUM_THREADS=1 python benchmarks/tuning/trim_pair_probe.py \\
        "<datasets>" "P2 P1" out.csv <n_jobs>
"""
import sys
import warnings

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.metrics import roc_auc_score

from skflowad import FlowDensity
from skflowad.benchmark.result_csv import append_rows, done_keys
from skflowad.benchmark.splits import expand_datasets, load_dataset, make_split, setting_data

FIELDS = ["dataset", "setting", "seed", "trimmed", "untrimmed", "zmean", "zmax"]


def robust_z(scores: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``(scores - median) / (1.4826 MAD)`` of ``reference`` (spread floored at 1e-12)."""
    median = np.median(reference)
    spread = 1.4826 * np.median(np.abs(reference - median))
    return (scores - median) / max(spread, 1e-12)


def one(dataset: str, setting: str, seed: int) -> dict:
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    split = make_split(*load_dataset(expand_datasets([dataset])[0]), seed)
    X_fit, _ = setting_data(split, setting, seed)
    z, scores = {}, {}
    for name, trim in (("trimmed", "auto"), ("untrimmed", 0)):
        det = FlowDensity(random_state=seed, train_trim=trim).fit(X_fit)
        scores[name] = det.decision_function(split.X_test)
        z[name] = robust_z(scores[name], det.calibration_scores_)
    scores["zmean"] = (z["trimmed"] + z["untrimmed"]) / 2
    scores["zmax"] = np.maximum(z["trimmed"], z["untrimmed"])
    row = dict(dataset=dataset, setting=setting, seed=seed)
    row.update({name: roc_auc_score(split.y_test, s) for name, s in scores.items()})
    return row


def run_probe(one, fields: list[str], argv: list[str]) -> None:
    """``one(dataset, setting, 0)`` per split of ``argv = [datasets, settings, out, n_jobs]``,
    in parallel, one CSV row each as it finishes; splits already in ``out`` are skipped."""
    datasets, settings = argv[0].split(), argv[1].split()
    out, n_jobs = argv[2], int(argv[3])
    done = done_keys(out, ("dataset", "setting", "seed"), {"seed": int})
    todo = [(d, s, 0) for s in settings for d in datasets if (d, s, 0) not in done]
    append_rows(out, fields, Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(one)(*job) for job in todo))


if __name__ == "__main__":
    run_probe(one, FIELDS, sys.argv[1:])
