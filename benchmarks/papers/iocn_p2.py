"""P2 (novelty) benchmark of IOCN: ADBench tabular sets and image-feature tasks.

IOCN (and variants of its parameters) side by side with FlowDensity of the same
architecture (the paper's FLOW ablation: ``flow="inn"``, 12 blocks, one hidden layer
of 128) and PyOD's KNN, KDE, PCA, IForest, COPOD and DeepSVDD, on the splits of
the benchmark protocol (stratified 70/30, train and test capped at ``--cap`` rows, a
StandardScaler fitted on the training normals, fit on ``y == 0`` train rows only). The data
and the split are the benchmark harness's (``skflowad.benchmark``: ``load_dataset``,
``make_split``, ``setting_data``), unchanged.

Small budget (a few minutes on one CPU core)::

    OMP_NUM_THREADS=1 python benchmarks/papers/iocn_p2.py --quick

Full run, sharded over processes, then merged and summarised::

    python benchmarks/papers/iocn_p2.py --shard 0/8 --out results/p2_0.csv   # ... 1/8 ... 7/8
    python benchmarks/papers/iocn_p2.py --merge results/p2_*.csv --out benchmarks/results/iocn_p2.csv

The data directory is ``$SKFLOWAD_DATA``, else ``../shared/data/adbench`` beside the
repository. Rows already in ``--out`` are skipped (the run resumes).
"""

from __future__ import annotations

import argparse
import os
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

from skflowad.benchmark.result_csv import appender, done_keys
from skflowad import IOCN, FlowDensity
from skflowad.benchmark import DatasetRef, load_dataset, make_split, setting_data
from skflowad.benchmark.report import markdown_table

REPO = Path(__file__).resolve().parents[2]

IMAGE_PREFIXES = ("CIFAR10_", "SVHN_", "MVTec-AD_")
QUICK_DATASETS = ("4_breastw", "6_cardio", "38_thyroid", "CIFAR10_0")
PYOD_DETECTORS = ("KNN", "KDE", "PCA", "IForest", "COPOD", "DeepSVDD")
# The same architecture for both flows: the paper's FLOW ablation.
INN = dict(flow="inn", n_transforms=12, hidden_features=(128,))
COLUMNS = ("dataset", "seed", "detector", "n_train", "n_test", "n_features", "cap", "auroc",
           "auprc", "fit_s", "score_s", "inside_train", "inside_test_inliers",
           "outside_test_anomalies", "epochs_run", "best_epoch", "device", "error")


def data_dir() -> Path:
    return Path(os.environ.get("SKFLOWAD_DATA", REPO.parent / "shared" / "data" / "adbench"))


def dataset_names(which: str) -> list[str]:
    names = sorted(p.stem for p in data_dir().glob("*.npz"))
    if which == "quick":
        return [n for n in QUICK_DATASETS if n in names]
    if which in ("tabular", "image"):
        return [n for n in names if n.startswith(IMAGE_PREFIXES) == (which == "image")]
    if which == "all":
        return names
    return which.split(",")


def p2_split(name: str, seed: int, cap: int):
    """the benchmark protocol split; returns standardised train normals, test rows and labels."""
    X, y = load_dataset(DatasetRef(name, str(data_dir() / f"{name}.npz")))
    split = make_split(X, y, seed, cap)
    normals, _ = setting_data(split, "P2", seed)
    scaler = StandardScaler().fit(normals)
    return scaler.transform(normals), scaler.transform(split.X_test), split.y_test


def make_detector(name: str, n_features: int, seed: int, epochs: int | None):
    """A detector by benchmark name; ``IOCN[k=v,...]`` sets IOCN parameters."""
    flow_kw = {} if epochs is None else dict(epochs=epochs)
    if name.startswith("IOCN"):
        params = {}
        if "[" in name:
            for item in name[name.index("[") + 1 : -1].split(","):
                key, value = item.split("=")
                params[key] = _literal(value)
        return IOCN(random_state=seed, **{**flow_kw, **params})
    if name == "FlowDensity-inn":
        return FlowDensity(random_state=seed, **INN, **flow_kw)
    from pyod.models import copod, deep_svdd, iforest, kde, knn, pca

    return {
        "KNN": lambda: knn.KNN(),
        "KDE": lambda: kde.KDE(),
        "PCA": lambda: pca.PCA(),
        "IForest": lambda: iforest.IForest(random_state=seed),
        "COPOD": lambda: copod.COPOD(),
        "DeepSVDD": lambda: deep_svdd.DeepSVDD(n_features=n_features, verbose=0, random_state=seed),
    }[name]()


def _literal(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def run_one(dataset: str, seed: int, detector: str, cap: int, epochs: int | None) -> dict:
    X_train, X_test, y_test = p2_split(dataset, seed, cap)
    row = dict(dataset=dataset, seed=seed, detector=detector, n_train=len(X_train),
               n_test=len(X_test), n_features=X_train.shape[1], cap=cap)
    try:
        det = make_detector(detector, X_train.shape[1], seed, epochs)
        start = time.perf_counter()
        det.fit(X_train)
        row["fit_s"] = time.perf_counter() - start
        start = time.perf_counter()
        scores = np.asarray(det.decision_function(X_test), dtype=np.float64)
        row["score_s"] = time.perf_counter() - start
        scores = np.nan_to_num(scores, nan=np.inf)
        row["auroc"] = roc_auc_score(y_test, scores)
        row["auprc"] = average_precision_score(y_test, scores)
        if isinstance(det, IOCN):  # the method's own rule: inside the cube = score <= 0
            row["inside_test_inliers"] = float(np.mean(scores[y_test == 0] <= 0))
            row["outside_test_anomalies"] = float(np.mean(scores[y_test == 1] > 0))
            row["inside_train"] = float(np.mean(det.decision_scores_ <= 0))
            row["epochs_run"] = det.history_["flow"].n_epochs
            row["best_epoch"] = det.history_["flow"].best_epoch
        row["device"] = str(getattr(det, "device_", "cpu"))
    except Exception as exc:  # record and go on: one failing detector must not stop the grid
        row["error"] = f"{type(exc).__name__}: {exc}"[:300]
        traceback.print_exc()
    return row


def summarise(frame: pd.DataFrame) -> str:
    """Mean test AUROC and average rank per detector, tabular and image sets apart."""
    lines = []
    frame = frame.assign(group=np.where(frame.dataset.str.startswith(IMAGE_PREFIXES), "image",
                                        "tabular"))
    for group, part in frame.groupby("group"):
        table = part.pivot_table(index="dataset", columns="detector", values="auroc", aggfunc="mean")
        complete = table.dropna()
        ranks = complete.rank(axis=1, ascending=False).mean()
        out = pd.DataFrame({
            "mean AUROC (all finished)": table.mean(),
            "finished": table.notna().sum(),
            f"mean AUROC ({len(complete)} common)": complete.mean(),
            "avg rank": ranks,
        }).sort_values("avg rank")
        lines.append(f"### {group} ({table.shape[0]} datasets, seeds "
                     f"{sorted(part.seed.unique().tolist())})\n")
        # object dtype: tabulate would format the count as a float in this mixed frame
        lines.append(markdown_table(out.astype({"finished": object}), "detector"))
        iocn = part[part.detector.str.startswith("IOCN")]
        if "inside_test_inliers" in iocn:
            cube = iocn.groupby("detector")[["inside_train", "inside_test_inliers",
                                            "outside_test_anomalies"]].mean()
            lines.append("\nIOCN's own rule (mean share over datasets):\n")
            lines.append(markdown_table(cube, "detector"))
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small budget: 4 datasets, seed 0, cap 1000, 30 epochs")
    parser.add_argument("--datasets", default="all", help="all | tabular | image | a,b,c")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cap", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=None, help="override the flows' epochs")
    parser.add_argument("--detectors", nargs="+",
                        default=["IOCN", "FlowDensity-inn", *PYOD_DETECTORS])
    parser.add_argument("--shard", default="0/1", help="i/n: run every n-th dataset from i")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "iocn_p2.csv"))
    parser.add_argument("--merge", nargs="+", default=None, help="CSV files to merge into --out")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    if args.merge:
        frame = pd.concat([pd.read_csv(p) for p in args.merge], ignore_index=True)
        frame.to_csv(out, index=False)
    else:
        if args.quick:
            args.datasets, args.seeds, args.cap = "quick", [0], 1000
            args.epochs = args.epochs or 30
        index, n_shards = (int(v) for v in args.shard.split("/"))
        names = dataset_names(args.datasets)[index::n_shards]
        seen = done_keys(out, ("dataset", "seed", "detector"), {"seed": int})
        with appender(out, COLUMNS) as write:
            for name in names:
                for seed in args.seeds:
                    for detector in args.detectors:
                        if (name, seed, detector) in seen:
                            continue
                        row = run_one(name, seed, detector, args.cap, args.epochs)
                        print(f"{name:24s} seed={seed} {detector:40s} "
                              f"auroc={row.get('auroc', float('nan')):.3f} "
                              f"fit={row.get('fit_s', float('nan')):.1f}s", flush=True)
                        write(row)
        frame = pd.read_csv(out)
    summary = summarise(frame)
    out.with_suffix(".md").write_text(summary + "\n")
    print(summary)


if __name__ == "__main__":
    main()
