"""Check every detector on CUDA: fit, score, and load the pickle on a CPU-only process.

Usage (on a machine with a GPU)::

    python benchmarks/speed/gpu_check.py --epochs 20

For each exported detector: fit on CUDA (PyOD's ``generate_data``, 5 000 x 16), test AUROC,
fit seconds, then pickle the model and score it again in a child process that sees no GPU
(``CUDA_VISIBLE_DEVICES=""``); the CPU scores must match the GPU scores. Writes
``benchmarks/results/gpu_check.csv``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from pyod.utils.data import generate_data
from sklearn.metrics import roc_auc_score

import skflowad
from skflowad.base import FlowDetector

RESULTS = Path(__file__).resolve().parents[1] / "results" / "gpu_check.csv"

_CHILD = """
import pickle, sys, numpy as np, torch
assert not torch.cuda.is_available()
det = pickle.load(open(sys.argv[1], "rb"))
np.save(sys.argv[3], det.decision_function(np.load(sys.argv[2])))
print(det.device_)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    assert torch.cuda.is_available(), "this check needs a CUDA device"
    X_train, X_test, _, y_test = generate_data(
        n_train=5000, n_test=2000, n_features=16, contamination=0.05, random_state=0
    )
    gpu = torch.cuda.get_device_name()
    rows = []
    for name in skflowad.__all__:
        cls = getattr(skflowad, name)
        if not (isinstance(cls, type) and issubclass(cls, FlowDetector)) or cls is FlowDetector:
            continue
        det = cls(epochs=args.epochs, device="cuda", random_state=0)
        start = time.perf_counter()
        det.fit(X_train)
        torch.cuda.synchronize()
        fit_s = time.perf_counter() - start
        gpu_scores = det.decision_function(X_test)
        with tempfile.TemporaryDirectory() as tmp:
            model, data, out = (os.path.join(tmp, f) for f in ("m.pkl", "x.npy", "s.npy"))
            with open(model, "wb") as handle:
                pickle.dump(det, handle)
            np.save(data, X_test)
            child = subprocess.run(
                [sys.executable, "-c", _CHILD, model, data, out],
                env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
                capture_output=True, text=True, check=True,
            )
            cpu_scores = np.load(out)
        row = dict(
            date=datetime.date.today().isoformat(), device=gpu, detector=name,
            fitted_on=str(det.device_), epochs=args.epochs, fit_s=round(fit_s, 2),
            auroc=round(roc_auc_score(y_test, gpu_scores), 4),
            loaded_on=child.stdout.strip(),
            max_abs_diff_cpu_vs_gpu=float(np.abs(cpu_scores - gpu_scores).max()),
            ranking_equal_auroc=round(roc_auc_score(y_test, cpu_scores), 4),
        )
        print(row, flush=True)
        rows.append(row)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
