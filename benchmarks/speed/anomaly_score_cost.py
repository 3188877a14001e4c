"""Cost of ContrastiveFlow's anomaly scores: seconds to score rows with each, as a ratio.

One fit per anomaly score (``"likelihood"``, the paper's ``-log p``; ``"latent_knn"``, the
default without labels, which adds a 5-NN search over the reference latents), on ``n x D``
correlated Gaussian rows; then, in alternating rounds in one process (a shared machine's speed
drifts, so only paired ratios are meaningful), ``decision_function`` on ``n`` fresh rows. Prints
the median seconds and the median per-round ratio, and appends them to
``benchmarks/results/speed/anomaly_score_<device>.csv``.

    OMP_NUM_THREADS=2 python benchmarks/speed/anomaly_score_cost.py --rows 10000 --features 30 --rounds 5
"""

from __future__ import annotations

import argparse
import csv
import datetime
import platform
import time
from pathlib import Path

import numpy as np

from skflowad import ContrastiveFlow

OUT = Path(__file__).resolve().parents[1] / "results" / "speed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3, help="training epochs (the fit is not timed)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    cov = 0.5 * np.eye(args.features) + 0.5
    X, X_new = (rng.multivariate_normal(np.zeros(args.features), cov, size=args.rows) for _ in "ab")
    detectors = {
        score: ContrastiveFlow(epochs=args.epochs, random_state=0, device=args.device,
                               anomaly_score=score).fit(X)
        for score in ("likelihood", "latent_knn")
    }
    seconds = {score: [] for score in detectors}
    for _ in range(args.rounds):
        for score, detector in detectors.items():
            start = time.perf_counter()
            detector.decision_function(X_new)
            seconds[score].append(time.perf_counter() - start)
    ratio = float(np.median(np.divide(seconds["latent_knn"], seconds["likelihood"])))
    n_reference = len(detectors["latent_knn"].reference_latents_)
    row = {
        "date": datetime.date.today().isoformat(), "host": platform.node(),
        "device": str(detectors["latent_knn"].device_), "rows": args.rows,
        "features": args.features, "n_reference": n_reference,
        "likelihood_s": round(float(np.median(seconds["likelihood"])), 4),
        "latent_knn_s": round(float(np.median(seconds["latent_knn"])), 4),
        "ratio": round(ratio, 2),
    }
    print(row)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"anomaly_score_{row['device'].split(':')[0]}.csv"
    new = not path.exists()
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)


if __name__ == "__main__":
    main()
