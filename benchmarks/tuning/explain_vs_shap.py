"""``explain`` (marginal imputation) against SHAP's KernelExplainer on the same rows.

For each dataset (P2 split of the benchmark, seed 0), FlowDensity is fitted at its
defaults; the ``--rows`` test anomalies it scores highest are explained both ways:
``det.explain(rows)`` and ``shap.KernelExplainer(det.decision_function, background)``
with a k-means background of 10 training rows and ``--nsamples`` coalitions per row.
Per row: Spearman correlation of the two attributions, whether their top feature agrees,
the overlap of their top-3 sets, and the seconds each took. Needs ``pip install shap``.

    SKFLOWAD_DATA=../shared/data/adbench python benchmarks/tuning/explain_vs_shap.py \
        --datasets 38_thyroid 6_cardio 18_Ionosphere 45_wine 2_annthyroid
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.preprocessing import StandardScaler

from skflowad import FlowDensity
from skflowad.benchmark import expand_datasets, load_dataset, make_split, setting_data

OUT = Path(__file__).resolve().parents[1] / "results" / "explain"


def compare(dataset: str, n_rows: int, nsamples: int) -> list[dict]:
    import shap

    split = make_split(*load_dataset(expand_datasets([dataset])[0]), 0)
    X_fit, _ = setting_data(split, "P2", 0)
    scaler = StandardScaler().fit(X_fit)
    X_fit, X_test = scaler.transform(X_fit), scaler.transform(split.X_test)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        det = FlowDensity(random_state=0, device="cpu").fit(X_fit)
    anomalies = X_test[split.y_test == 1]
    rows = anomalies[np.argsort(-det.decision_function(anomalies))[:n_rows]]
    start = time.perf_counter()
    ours = det.explain(rows, random_state=0)
    ours_s = time.perf_counter() - start
    background = shap.kmeans(X_fit, 10)
    explainer = shap.KernelExplainer(det.decision_function, background)
    start = time.perf_counter()
    theirs = np.asarray(explainer.shap_values(rows, nsamples=nsamples, silent=True))
    shap_s = time.perf_counter() - start
    results = []
    for i in range(len(rows)):
        top3_ours = set(np.argsort(-ours[i])[:3])
        top3_shap = set(np.argsort(-theirs[i])[:3])
        results.append(dict(
            dataset=dataset, row=i, n_features=rows.shape[1],
            spearman=float(spearmanr(ours[i], theirs[i]).statistic),
            top1_agrees=bool(ours[i].argmax() == theirs[i].argmax()),
            top3_overlap=len(top3_ours & top3_shap) / 3,
            explain_s=ours_s / len(rows), shap_s=shap_s / len(rows)))
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", required=True)
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--nsamples", type=int, default=500)
    args = parser.parse_args(argv)
    frame = pd.DataFrame([r for d in args.datasets for r in compare(d, args.rows, args.nsamples)])
    OUT.mkdir(parents=True, exist_ok=True)
    frame.to_csv(OUT / "shap_comparison.csv", index=False, float_format="%.4f")
    summary = frame.groupby("dataset").agg(
        features=("n_features", "first"), rows=("row", "size"),
        spearman=("spearman", "median"), top1_agrees=("top1_agrees", "mean"),
        top3_overlap=("top3_overlap", "mean"), explain_s=("explain_s", "mean"),
        shap_s=("shap_s", "mean"))
    print(summary.to_markdown(floatfmt=".3f"))


if __name__ == "__main__":
    main()
