"""ContrastiveFlow side by side with FlowDensity, its ratio baseline, IForest and KNN (the benchmark protocol).

P2 (novelty: fit on train rows with y == 0) and P3 (semi-supervised: fit on all train rows,
10 % of the train anomalies labelled 1), stratified 70/30 split per seed, train and test each
capped at ``--cap`` rows, a StandardScaler fitted on the rows a detector is trained on. One CSV
row per (dataset, seed, setting, detector); a run resumes from its CSV.

The data and the split are the benchmark harness's (``skflowad.benchmark``: ``load_dataset``,
``make_split``, ``setting_data``); ``--cap 0`` means no cap. One difference from the protocol,
kept on purpose so that the committed results reproduce: P3's labelled anomalies are drawn
with ``np.random.default_rng(seed)``, not with ``p3_labels``'s ``RandomState(seed)`` (the same
count, ``max(1, round(0.10 * n_anomalies))``, other rows).

    python benchmarks/papers/contrastive_flow_bench.py --datasets 6_cardio 38_thyroid --seeds 0 \
        --detectors FlowDensity CF CF_ratio --small

``--small`` is the small-budget mode (30 epochs, patience 5). Data: ``--data`` or
``SKFLOWAD_DATA``, default ``../shared/data/adbench`` relative to the repository root.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

from skflowad.benchmark.result_csv import appender, done_keys
from skflowad.benchmark import DatasetRef, load_dataset, make_split, setting_data

ROOT = Path(__file__).resolve().parents[2]
LN10 = math.log(10)

# name -> (class name, parameters); CF is ContrastiveFlow with its defaults.
DETECTORS = {
    "FlowDensity": ("FlowDensity", {}),
    "CF": ("ContrastiveFlow", {}),
    "CF_plus_ln10": ("ContrastiveFlow", {"epsilon_offset": LN10}),
    "CF_minus_ln10": ("ContrastiveFlow", {"epsilon_offset": -LN10}),
    "CF_offset0": ("ContrastiveFlow", {"epsilon_offset": 0.0}),
    "CF_eps0": ("ContrastiveFlow", {"epsilon": 0.0}),
    "CF_ratio": ("ContrastiveFlow", {"objective": "ratio"}),
    "CF_inn": ("ContrastiveFlow", {"flow": "inn", "n_transforms": 8}),
    "IForest": ("IForest", {}),
    "KNN": ("KNN", {}),
}
FIELDS = ["dataset", "seed", "setting", "detector", "auroc", "auprc", "fit_s", "score_s",
          "device", "capped", "n_train", "n_lab", "error"]


def make_detector(name: str, seed: int, epochs: int | None, patience: int | None):
    import pyod.models.iforest
    import pyod.models.knn

    import skflowad

    cls_name, params = DETECTORS[name]
    if cls_name == "IForest":
        return pyod.models.iforest.IForest(random_state=seed), False
    if cls_name == "KNN":
        return pyod.models.knn.KNN(), False
    params = dict(params, random_state=seed)
    if epochs is not None:
        params.update(epochs=epochs, patience=patience)
    return getattr(skflowad, cls_name)(**params), cls_name == "ContrastiveFlow"


def run_task(task: tuple) -> dict:
    dataset, seed, setting, name, data_dir, cap, epochs, patience = task
    import torch

    torch.set_num_threads(1)
    row = dict(dataset=dataset, seed=seed, setting=setting, detector=name, error="")
    try:
        X, y = load_dataset(DatasetRef(dataset, str(Path(data_dir) / f"{dataset}.npz")))
        data = make_split(X, y, seed, cap or None)
        X_tr, X_te, y_tr, y_te = data.X_train, data.X_test, data.y_train, data.y_test
        row["capped"] = data.capped
        rng = np.random.default_rng(seed)
        y_lab = np.zeros_like(y_tr)
        if setting == "P2":
            X_fit, y_fit = setting_data(data, "P2", seed)
        else:
            anomalies = np.flatnonzero(y_tr == 1)
            n_lab = max(1, round(0.10 * len(anomalies)))
            y_lab[rng.choice(anomalies, n_lab, replace=False)] = 1
            X_fit, y_fit = X_tr, y_lab
        row["n_train"], row["n_lab"] = len(X_fit), int(y_lab.sum())
        scaler = StandardScaler().fit(X_fit)
        det, uses_labels = make_detector(name, seed, epochs, patience)
        start = time.perf_counter()
        if uses_labels and y_fit is not None:
            det.fit(scaler.transform(X_fit), y_fit)
        else:
            det.fit(scaler.transform(X_fit))
        row["fit_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        scores = det.decision_function(scaler.transform(X_te))
        row["score_s"] = round(time.perf_counter() - start, 3)
        row["auroc"] = roc_auc_score(y_te, scores)
        row["auprc"] = average_precision_score(y_te, scores)
        row["device"] = str(getattr(det, "device_", "cpu"))
        if str(row["device"]).startswith("cuda"):
            row["device"] = torch.cuda.get_device_name()
    except Exception as exc:  # noqa: BLE001 - recorded in the CSV, the run goes on
        row["error"] = f"{type(exc).__name__}: {exc}"[:300]
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--settings", nargs="+", default=["P2", "P3"])
    parser.add_argument("--detectors", nargs="+", default=["FlowDensity", "CF", "CF_ratio",
                                                            "IForest", "KNN"])
    parser.add_argument("--data", default=os.environ.get(
        "SKFLOWAD_DATA", str(ROOT.parent / "shared" / "data" / "adbench")))
    parser.add_argument("--cap", type=int, default=5000)
    parser.add_argument("--small", action="store_true", help="30 epochs, patience 5")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop taking new tasks after this long (resume later)")
    parser.add_argument("--summary", action="store_true", help="only summarise --out")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/contrastive_flow.csv"))
    args = parser.parse_args(argv)

    if args.summary:
        return summarise(Path(args.out))
    datasets = args.datasets or sorted(p.stem for p in Path(args.data).glob("*.npz"))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = done_keys(out, ("dataset", "seed", "setting", "detector"), {"seed": int})
    epochs, patience = (30, 5) if args.small else (None, None)
    tasks = [(ds, s, st, det, args.data, args.cap, epochs, patience)
             for s in args.seeds for ds in datasets for st in args.settings
             for det in args.detectors if (ds, s, st, det) not in done]
    print(f"{len(tasks)} tasks ({len(done)} already in {out})", flush=True)
    deadline = None if args.max_minutes is None else time.time() + 60 * args.max_minutes
    with appender(out, FIELDS) as write:
        ctx = mp.get_context("spawn")
        with ctx.Pool(args.workers, maxtasksperchild=20) as pool:
            results = pool.imap_unordered(run_task, tasks)
            for _ in tasks:
                remaining = None if deadline is None else max(1.0, deadline - time.time())
                try:
                    row = results.next(timeout=remaining)
                except mp.TimeoutError:
                    print("time budget reached; rerun to resume", flush=True)
                    pool.terminate()
                    break
                write(row)
                print(row["dataset"], row["seed"], row["setting"], row["detector"],
                      row.get("auroc"), row.get("fit_s"), row["error"], flush=True)


def summarise(path: Path) -> None:
    """Per setting: mean AUROC / AUPRC over datasets (each a mean over seeds) and average rank
    on the datasets that every detector finished."""
    import pandas as pd

    df = pd.read_csv(path)
    df = df[df["error"].isna()]
    for setting, part in df.groupby("setting"):
        table = part.groupby(["dataset", "detector"])[["auroc", "auprc"]].mean().reset_index()
        wide = table.pivot(index="dataset", columns="detector", values="auroc").dropna()
        ranks = wide.rank(axis=1, ascending=False).mean()
        summary = pd.DataFrame({
            "mean_auroc": wide.mean(), "mean_auprc": table.pivot(
                index="dataset", columns="detector", values="auprc").loc[wide.index].mean(),
            "avg_rank": ranks, "n_datasets": len(wide)}).sort_values("avg_rank")
        print(f"\n{setting} ({len(wide)} datasets, seeds {sorted(part.seed.unique())})")
        print(summary.round(3).to_string())


if __name__ == "__main__":
    sys.exit(main())
