"""OneFlow benchmarks: the paper's Table 3 / Table 4 protocol and the benchmark protocol's P1/P2.

Usage (a small budget; see ``--help``)::

    python benchmarks/papers/oneflow_bench.py table3 --epochs 200 --max-rows 20000 --seeds 0
    python benchmarks/papers/oneflow_bench.py protocol --configs default,gen_realnvp,flowdensity \
        --datasets all --seeds 0 --epochs 100
    python benchmarks/papers/oneflow_bench.py report benchmarks/results/oneflow_table3*.csv

``table3`` fits every detector on the whole dataset (outliers included; rows capped
by a stratified subsample when above ``--max-rows``) and reports AUROC and F1 with the
top 5 % of scores flagged, on the same rows (the paper's PIDForest-benchmark
protocol). ``protocol`` runs the benchmark protocol's splits (70/30 stratified, train and test
capped at 5000 rows, StandardScaler on the training rows) for P1 (all train rows) and
P2 (train normals only). ``--shard i/n`` runs every n-th job, for parallel processes.

The data and the protocol's split are the benchmark harness's (``skflowad.benchmark``:
``load_dataset``, ``drop_constant_columns``, ``make_split``, ``setting_data``). ``table3``
differs on purpose, as the paper's protocol does: no train/test split, and a row cap
(``--max-rows``, default 20 000) on the whole dataset, by the same stratified subsample
as the protocol's cap (its function in the harness is private, so ``cap`` here repeats it).
Each run writes its CSV anew (no resume).
Data: ``SKFLOWAD_DATA`` or ``../shared/data/adbench`` beside the repository.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skflowad import FlowDensity, OneFlow
from skflowad.benchmark import (
    DatasetRef,
    drop_constant_columns,
    load_dataset,
    make_split,
    setting_data,
)
from skflowad.benchmark.report import markdown_table

ROOT = Path(__file__).resolve().parents[2]

DATA = Path(os.environ.get("SKFLOWAD_DATA", ROOT.parent / "shared/data/adbench"))
RESULTS = ROOT / "benchmarks/results"
TABLE3 = {  # dataset -> (ADBench file, paper's OneFlow, OneFlow-Gen, LL-Flow AUROC; F1 of the same)
    "thyroid": ("38_thyroid", (0.648, 0.660, 0.865), (0.244, 0.275, 0.286)),
    "mammography": ("23_mammography", (0.675, 0.677, 0.855), (0.163, 0.195, 0.192)),
    "satimage-2": ("31_satimage-2", (0.995, 0.999, 0.907), (0.381, 0.392, 0.149)),
    "vowels": ("40_vowels", (0.835, 0.836, 0.919), (0.243, 0.341, 0.406)),
    "musk": ("25_musk", (0.998, 1.000, 0.966), (0.159, 0.773, 0.517)),
    "http": ("16_http", (0.994, 0.994, 0.992), (0.145, 0.145, 0.144)),
    "smtp": ("34_smtp", (0.880, 0.830, 0.900), (0.010, 0.009, 0.009)),
}
# Column labels of the report: OneFlow's two variants at their defaults, the paper's LL-Flow.
TABLE3_COLUMNS = {
    "paper_pid": "OneFlow", "default": "OneFlow", "gen_realnvp": "OneFlow-Gen",
    "gen_paper_pid": "OneFlow-Gen (6 x (64, 64))", "llflow_nice": "LL-Flow (NICE)",
    "flowdensity": "FlowDensity", "IForest": "IForest", "KNN": "KNN", "LOF": "LOF", "PCA": "PCA",
}
# The paper's PIDForest-benchmark settings (appendix): NICE, 6 coupling layers, width 64
# (we read "2 flow layers" as two hidden layers per coupling network), batch 1000, lr 1e-3.
PAPER_PID = dict(n_transforms=6, hidden_features=(64, 64), batch_size=1000, learning_rate=1e-3)


def configs(epochs: int) -> dict:
    """Named detector factories; every flow detector gets the same epoch budget."""
    fit = dict(epochs=epochs)
    return {
        "default": lambda s: OneFlow(random_state=s, **fit),
        "const_4x256": lambda s: OneFlow(
            n_transforms=4, hidden_features=(256, 256), random_state=s, **fit
        ),
        "paper_main": lambda s: OneFlow(
            n_transforms=4, hidden_features=(256,) * 4, random_state=s, **fit
        ),
        "batch256": lambda s: OneFlow(batch_size=256, random_state=s, **fit),
        "alpha10": lambda s: OneFlow(alpha=0.1, random_state=s, **fit),
        "paper_pid": lambda s: OneFlow(random_state=s, **PAPER_PID, **fit),
        "gen_realnvp": lambda s: OneFlow(variant="general", flow="realnvp", random_state=s, **fit),
        "gen_nsf": lambda s: OneFlow(variant="general", flow="coupling_nsf", random_state=s, **fit),
        "gen_paper_pid": lambda s: OneFlow(
            variant="general", flow="realnvp", random_state=s, **PAPER_PID, **fit
        ),
        "flowdensity": lambda s: FlowDensity(random_state=s, **fit),
        # the paper's LL-Flow: a plain likelihood fit, without FlowDensity's training recipe
        "llflow_nice": lambda s: FlowDensity(flow="nice", random_state=s, **PAPER_PID, **fit,
                                             train_noise=None, train_clip=None, train_trim=0),
        **_pyod(),
    }


def _pyod() -> dict:
    from pyod.models.iforest import IForest
    from pyod.models.knn import KNN
    from pyod.models.lof import LOF
    from pyod.models.pca import PCA

    return {
        "IForest": lambda s: IForest(random_state=s),
        "KNN": lambda s: KNN(),
        "LOF": lambda s: LOF(),
        "PCA": lambda s: PCA(random_state=s),
    }


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (float64, constant columns dropped) and ``y`` of an ADBench file in ``DATA``."""
    X, y = load_dataset(DatasetRef(name, str(DATA / f"{name}.npz")))
    return drop_constant_columns(X), y


def cap(X, y, n_max: int, seed: int):
    """Stratified subsample to at most ``n_max`` rows (no-op below it)."""
    if len(y) <= n_max:
        return X, y, False
    X, _, y, _ = train_test_split(X, y, train_size=n_max, stratify=y, random_state=seed)
    return X, y, True


def f1_top(y, scores, share=0.05) -> float:
    """F1 with the top ``share`` of scores flagged (the paper's Table 4)."""
    flagged = scores >= np.quantile(scores, 1 - share)
    return f1_score(y, flagged.astype(int))


def timed_fit_score(det, X_fit, X_score):
    start = time.perf_counter()
    det.fit(X_fit)
    fit_s = time.perf_counter() - start
    return det.decision_function(X_score), fit_s


def run_table3(args, writer):
    factories = configs(args.epochs)
    names = args.configs.split(",")
    sets = list(TABLE3) if args.datasets == "all" else args.datasets.split(",")
    jobs = [(d, s, n) for d in sets for s in args.seeds for n in names]
    for dataset, seed, name in jobs[args.shard_index :: args.shard_count]:
        X, y = load(TABLE3[dataset][0])
        X, y, capped = cap(X, y, args.max_rows, seed)
        X = StandardScaler().fit_transform(X)
        scores, fit_s = timed_fit_score(factories[name](seed), X, X)
        writer(dict(
            dataset=dataset, seed=seed, detector=name, n_rows=len(y), capped=capped,
            auroc=roc_auc_score(y, scores), f1_top5=f1_top(y, scores), fit_s=fit_s,
        ))


def run_protocol(args, writer):
    factories = configs(args.epochs)
    if args.datasets == "all":
        files = sorted(p.stem for p in DATA.glob("*.npz"))
    else:
        files = args.datasets.split(",")
    jobs = [(f, s, n) for f in files for s in args.seeds for n in args.configs.split(",")]
    for name, seed, det_name in jobs[args.shard_index :: args.shard_count]:
        split = make_split(*load(name), seed, cap=5000)
        for setting in ("P1", "P2"):
            X_fit, _ = setting_data(split, setting, seed)
            scaler = StandardScaler().fit(X_fit)
            try:
                scores, fit_s = timed_fit_score(
                    factories[det_name](seed), scaler.transform(X_fit),
                    scaler.transform(split.X_test))
                auroc = roc_auc_score(split.y_test, scores)
                auprc = average_precision_score(split.y_test, scores)
            except Exception as exc:  # record the failure, keep going
                print(f"{name} {setting} {det_name}: {exc!r}", file=sys.stderr)
                auroc = auprc = fit_s = float("nan")
            writer(dict(dataset=name, setting=setting, seed=seed, detector=det_name,
                        auroc=auroc, auprc=auprc, fit_s=fit_s))


def report(paths: list[str]) -> None:
    import pandas as pd

    df = pd.concat([pd.read_csv(p) for p in paths])
    if "setting" in df:
        for setting, part in df.groupby("setting"):
            table = part.pivot_table(index="dataset", columns="detector", values="auroc")
            full = table.dropna(axis=1)  # detectors that finished every set
            print(f"\n{setting}: mean AUROC over {len(table)} sets; "
                  f"avg rank among the {full.shape[1]} detectors that finished all")
            summary = pd.DataFrame({
                "mean_auroc": table.mean(),
                "avg_rank": full.rank(axis=1, ascending=False).mean(),
            })
            print(summary.sort_values("avg_rank").round(3).to_string())
        return
    # A dataset run at several row caps (smtp: 5 000 and 30 000) is shown at its largest.
    df = df[df.n_rows == df.groupby("dataset").n_rows.transform("max")]
    order = [d for d in TABLE3 if d in set(df.dataset)]
    columns = {name: label for name, label in TABLE3_COLUMNS.items() if name in set(df.detector)}
    columns.update({name: name for name in sorted(set(df.detector) - set(columns))})
    seeds = ", ".join(str(s) for s in sorted(df.seed.unique()))
    for metric, paper_index in (("auroc", 1), ("f1_top5", 2)):
        table = df.pivot_table(index="dataset", columns="detector", values=metric)
        table = table.reindex(index=order, columns=list(columns)).rename(columns=columns)
        table.loc["mean"] = table.mean()
        table.insert(0, "rows", [*df.groupby("dataset").n_rows.max()[order], ""])
        table["paper OneFlow / Gen / LL-Flow"] = [
            "/".join(f"{x:.3f}" for x in TABLE3[d][paper_index]) for d in order] + [""]
        print(f"\n{metric} on the fitted rows, mean over seeds {seeds}\n")
        print(markdown_table(table, metric))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["table3", "protocol", "report"])
    parser.add_argument("paths", nargs="*", help="CSV files (report mode)")
    parser.add_argument(
        "--configs",
        default="paper_pid,gen_paper_pid,llflow_nice,flowdensity,IForest,KNN,LOF,PCA",
    )
    parser.add_argument("--datasets", default="all")
    parser.add_argument("--seeds", type=lambda s: [int(x) for x in s.split(",")], default=[0])
    parser.add_argument("--epochs", type=int, default=100, help="epoch cap of every flow detector")
    parser.add_argument("--max-rows", type=int, default=20000, help="table3: row cap")
    parser.add_argument("--shard", default="0/1", help="i/n: run every n-th job from the i-th")
    parser.add_argument("--out", default=None, help="CSV path")
    args = parser.parse_args(argv)
    if args.mode == "report":
        return report(args.paths)
    args.shard_index, args.shard_count = (int(x) for x in args.shard.split("/"))
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    shard = f"{args.shard_index}of{args.shard_count}"
    out = Path(args.out or RESULTS / f"oneflow_{args.mode}_{shard}.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, csv_writer = open(out, "w", newline=""), None

    def writer(row):
        nonlocal csv_writer
        row["device"] = "cuda" if torch.cuda.is_available() else "cpu"
        if csv_writer is None:
            csv_writer = csv.DictWriter(handle, fieldnames=list(row))
            csv_writer.writeheader()
        csv_writer.writerow(row)
        handle.flush()
        print(row, flush=True)

    (run_table3 if args.mode == "table3" else run_protocol)(args, writer)
    handle.close()


if __name__ == "__main__":
    main()
