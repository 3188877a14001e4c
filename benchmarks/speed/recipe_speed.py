"""Cost of FlowDensity's training recipe: seconds per epoch with and without each technique.

On one device, in one process, in alternating rounds (a shared machine's speed drifts by 2x
within minutes, so only paired ratios are meaningful): FlowDensity with a fixed epoch budget
and no early stopping, at the recipe's defaults and with each technique switched off, on
``n x D`` standard-normal rows with a third of the columns integer-valued (so that the
dequantisation path runs). Prints the median seconds per epoch and the median per-round ratio
to the plain fit (``train_noise=None, train_clip=None, train_trim=0``), the same ratio to the
defaults for a technique added to them (whitening, which ``"auto"`` leaves off at 30 features),
and the complete default fit time
(early stopping included). Appends to ``benchmarks/results/speed/recipe_<device>.csv``.

    OMP_NUM_THREADS=2 python benchmarks/speed/recipe_speed.py --rows 10000 --features 30 --rounds 3
"""

from __future__ import annotations

import argparse
import csv
import datetime
import platform
import time
from pathlib import Path

import numpy as np
import torch

from skflowad import FlowDensity

VARIANTS = {
    "plain": dict(train_noise=None, train_clip=None, train_trim=0),
    "noise (auto)": dict(train_clip=None, train_trim=0),
    "clip": dict(train_noise=None, train_trim=0),
    "trim (auto)": dict(train_noise=None, train_clip=None),
    "recipe (defaults)": dict(),
    "recipe + whiten": dict(train_whiten=True),
}
ADDED_TO_DEFAULTS = ("recipe + whiten",)
"""Variants that add a technique to the defaults: also given as a ratio to the defaults."""


def data(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:, : d // 3] = np.round(X[:, : d // 3] * 2)  # integer-valued columns
    return X


def seconds_per_epoch(X: np.ndarray, epochs: int, device: str, **params) -> float:
    det = FlowDensity(epochs=epochs, patience=None, device=device, random_state=0, **params)
    start = time.perf_counter()
    det.fit(X)
    return (time.perf_counter() - start) / det.history_["flow"].n_epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    X = data(args.rows, args.features)
    times = {name: [] for name in VARIANTS}
    for _ in range(args.rounds):
        for name, params in VARIANTS.items():
            times[name].append(seconds_per_epoch(X, args.epochs, args.device, **params))
    start = time.perf_counter()
    default_fit = FlowDensity(device=args.device, random_state=0).fit(X)
    default_fit_s = time.perf_counter() - start
    device_name = (torch.cuda.get_device_name() if args.device.startswith("cuda")
                   else platform.processor() or platform.machine())
    out = Path(__file__).resolve().parents[1] / "results/speed" / f"recipe_{args.device}.csv"
    new = not out.exists()
    with out.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(["date", "device", "threads", "rows", "features", "variant",
                             "median_s_per_epoch", "median_ratio_to_plain"])
        for name, values in times.items():
            ratio = float(np.median(np.array(values) / np.array(times["plain"])))
            row = [datetime.date.today().isoformat(), device_name, torch.get_num_threads(),
                   args.rows, args.features, name, f"{np.median(values):.4f}", f"{ratio:.3f}"]
            writer.writerow(row)
            print(f"{name:18s} {np.median(values):.3f} s/epoch  x{ratio:.2f} of plain")
        for name in ADDED_TO_DEFAULTS:
            ratio = float(np.median(np.array(times[name]) / np.array(times["recipe (defaults)"])))
            writer.writerow([datetime.date.today().isoformat(), device_name,
                             torch.get_num_threads(), args.rows, args.features,
                             f"{name}: ratio to recipe (defaults)", "", f"{ratio:.3f}"])
            print(f"{name}: x{ratio:.2f} of the defaults")
        writer.writerow([datetime.date.today().isoformat(), device_name,
                         torch.get_num_threads(), args.rows, args.features,
                         f"default fit ({default_fit.history_['flow'].n_epochs} epochs)",
                         f"{default_fit_s:.2f}", ""])
    print(f"default fit: {default_fit_s:.1f} s ({default_fit.history_['flow'].n_epochs} epochs)")


if __name__ == "__main__":
    main()
