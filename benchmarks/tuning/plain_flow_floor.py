"""The plain-flow floor of ANCHORS.md, re-run on more seeds to measure its own spread.

ANCHORS.md gives the floor's per-set AUROCs for seed 0 only, and the issue asks FlowDensity to be
within 0.03 of it on every set. This script runs the floor as ANCHORS.md describes it (PROTOCOL.md's
split and cap; StandardScaler on the fit rows, clipped to +-10; zuko MAF, 5 transforms, hidden
[128, 128]; AdamW lr 1e-3, weight decay 1e-5; 10 % of the fit rows held out; batches of 256 with
N(0, 0.01^2) noise; gradient norm clipped at 5; best held-out weights kept, stop after 15 epochs
without an improvement of 1e-3, at most 200; score -log p, non-finite set to the largest finite
one) for the given seeds, with ``torch.manual_seed(seed)``. ANCHORS.md does not say how the 10 %
are drawn: here a ``torch.randperm`` after the seed, so a seed-0 re-run is a replicate of the
anchor's run, not a copy of it. Resumes from its CSV.

    SKFLOWAD_DATA=../shared/data/adbench OMP_NUM_THREADS=1 python benchmarks/tuning/plain_flow_floor.py \
        --datasets <the 45 sets of run_grid.sh> --settings P2 P1 --seeds 0 1 2 \
        --out benchmarks/results/recipe/floor_seeds.csv
"""
import argparse
import os
import time

import numpy as np
import pandas as pd
import torch
import zuko
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from skflowad.benchmark.splits import expand_datasets, load_dataset, make_split, setting_data


def floor_scores(X_train: np.ndarray, X_test: np.ndarray, seed: int) -> np.ndarray:
    """-log p of the test rows under the floor's MAF fitted on ``X_train``."""
    torch.manual_seed(seed)
    scaler = StandardScaler().fit(X_train)
    train = torch.tensor(np.clip(scaler.transform(X_train), -10, 10), dtype=torch.float32)
    test = torch.tensor(np.clip(scaler.transform(X_test), -10, 10), dtype=torch.float32)
    order = torch.randperm(len(train))
    n_val = max(1, int(0.1 * len(train)))
    val, fit = train[order[:n_val]], train[order[n_val:]]
    flow = zuko.flows.MAF(train.shape[1], transforms=5, hidden_features=[128, 128])
    optimiser = torch.optim.AdamW(flow.parameters(), lr=1e-3, weight_decay=1e-5)
    best, best_state, stale = np.inf, None, 0
    for _ in range(200):
        for batch in fit[torch.randperm(len(fit))].split(256):
            loss = -flow().log_prob(batch + 0.01 * torch.randn_like(batch)).mean()
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(flow.parameters(), 5.0)
            optimiser.step()
        with torch.no_grad():
            held_out = -flow().log_prob(val).mean().item()
        if held_out < best - 1e-3:
            best, stale = held_out, 0
            best_state = {k: v.clone() for k, v in flow.state_dict().items()}
        else:
            stale += 1
            if stale >= 15:
                break
    if best_state is not None:
        flow.load_state_dict(best_state)
    with torch.no_grad():
        scores = -flow().log_prob(test).double().numpy()
    finite = np.isfinite(scores)
    top = scores[finite].max() if finite.any() else 0.0
    return np.where(finite, scores, top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", required=True)
    parser.add_argument("--settings", nargs="+", default=["P2", "P1"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    data_home = os.environ.get("SKFLOWAD_DATA")
    done = pd.read_csv(args.out) if os.path.exists(args.out) else pd.DataFrame(
        columns=["dataset", "setting", "seed"])
    finished = set(zip(done.dataset, done.setting, done.seed))
    for ref in expand_datasets(args.datasets, data_home):
        X, y = load_dataset(ref, data_home)
        for seed in args.seeds:
            split = make_split(X, y, seed)
            for setting in args.settings:
                if (ref.name, setting, seed) in finished:
                    continue
                X_train, _ = setting_data(split, setting, seed)
                start = time.perf_counter()
                scores = floor_scores(X_train, split.X_test, seed)
                row = dict(dataset=ref.name, setting=setting, seed=seed,
                           auroc=roc_auc_score(split.y_test, scores),
                           fit_s=time.perf_counter() - start, n_train=len(X_train))
                pd.DataFrame([row]).to_csv(args.out, mode="a", index=False,
                                           header=not os.path.exists(args.out))
                print(row, flush=True)


if __name__ == "__main__":
    main()
