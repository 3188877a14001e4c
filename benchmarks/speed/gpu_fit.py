"""Fit FlowDensity on CUDA and print what it took, next to the same fit on the CPU.

Usage (on a machine with a GPU)::

    python benchmarks/speed/gpu_fit.py --rows 100000 --features 32 --epochs 5

Prints one line per device: fit seconds, training rows/s, scoring rows/s and test AUROC
on a generated task (PyOD's ``generate_data``), plus the GPU name; appends the same to
``benchmarks/results/gpu_fit.csv``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import time
from pathlib import Path

import torch
from pyod.utils.data import generate_data
from sklearn.metrics import roc_auc_score

from skflowad import FlowDensity

RESULTS = Path(__file__).resolve().parents[1] / "results" / "gpu_fit.csv"


def measure(device: str, X_train, X_test, y_test, epochs: int, batch_size: int) -> dict:
    det = FlowDensity(
        epochs=epochs, patience=None, batch_size=batch_size, device=device, random_state=0
    )
    start = time.perf_counter()
    det.fit(X_train)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    fit_s = time.perf_counter() - start
    det.decision_function(X_test[:1000])  # warm-up
    start = time.perf_counter()
    scores = det.decision_function(X_test)
    score_s = time.perf_counter() - start
    name = torch.cuda.get_device_name() if device.startswith("cuda") else "cpu"
    return dict(
        date=datetime.date.today().isoformat(),
        device=name,
        rows=len(X_train),
        features=X_train.shape[1],
        epochs=det.history_["flow"].n_epochs,
        batch_size=batch_size,
        fit_s=round(fit_s, 2),
        train_rows_per_s=round(det.history_["flow"].n_epochs * len(X_train) * 0.9 / fit_s),
        score_rows_per_s=round(len(X_test) / score_s),
        auroc=round(roc_auc_score(y_test, scores), 4),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[256, 4096])
    parser.add_argument("--devices", nargs="+", default=["cuda", "cpu"])
    args = parser.parse_args()
    X_train, X_test, _, y_test = generate_data(
        n_train=args.rows, n_test=max(args.rows, 100_000), n_features=args.features,
        contamination=0.05, random_state=0,
    )
    rows = []
    for device in args.devices:
        if device.startswith("cuda") and not torch.cuda.is_available():
            print("no CUDA device here; skipping", device)
            continue
        for batch_size in args.batch_size:
            row = measure(device, X_train, X_test, y_test, args.epochs, batch_size)
            print(row, flush=True)
            rows.append(row)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    new = not RESULTS.exists()
    with RESULTS.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        if new:
            writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
