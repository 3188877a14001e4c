"""Score columns of a probe CSV against the benchmark protocol's 14 PyOD references.

The score probes (``latent_score_probe.py``, ``jacobian_knn_probe.py``, ...) write one row per
split with one AUROC column per score. Per detector, setting and score this prints the mean
AUROC over the probe's sets (seed means) and the score's average rank among {the 14 references,
the score} on the sets every reference finished (1 = best), ranked on each detector's mean over
the seeds it finished. (The grid's ``skflowad.benchmark.report.average_ranks`` keeps only the
(set, seed) pairs every detector finished, so where a reference failed on some seeds its ranks
differ from these by a few hundredths; the recipe README's probe tables use these.)
also the number of sets where the score beats / trails the first score column (the detector's
own) by more than 0.005, and LUNAR's and GMM's mean and rank in the same pool.

    python benchmarks/tuning/probe_score_report.py benchmarks/results/recipe/jacobian_knn.csv [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from skflowad.benchmark.registry import PYOD_REFERENCES

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("dataset", "setting", "seed", "detector")
# Per-split descriptions the probes write beside their AUROC columns.
DESCRIPTORS = ("kept_share", "repeated_normals", "repeated_anomalies")


def report(probe: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
    """One row per (detector, setting, score column) of ``probe``."""
    grid = grid[(grid["status"] == "ok") & grid["detector"].isin(PYOD_REFERENCES)]
    scores = [c for c in probe.select_dtypes("number").columns
              if c not in KEYS and c not in DESCRIPTORS]
    out = []
    for (detector, setting), runs in probe.groupby(["detector", "setting"]):
        seeds = sorted(runs["seed"].unique())
        refs = grid[(grid["setting"] == setting) & grid["seed"].isin(seeds)].pivot_table(
            index="dataset", columns="detector", values="auroc")  # seed means
        own = runs.groupby("dataset")[scores].mean()
        full = refs.dropna().index.intersection(own.index)
        for score in scores:
            table = refs.loc[full].assign(**{"(score)": own.loc[full, score]})
            ranks = table.rank(axis=1, ascending=False).mean()
            gain = own[score] - own[scores[0]]
            out.append({"detector": detector, "setting": setting, "seeds": len(seeds),
                        "score": score, "mean": own[score].mean(), "rank": ranks["(score)"],
                        f"n_above_{scores[0]}": int((gain > 0.005).sum()),
                        f"n_below_{scores[0]}": int((gain < -0.005).sum()),
                        "n_sets": len(own), "n_ranked": len(full),
                        "LUNAR": refs["LUNAR"].reindex(own.index).mean(),
                        "LUNAR_rank": ranks["LUNAR"], "GMM": refs["GMM"].reindex(own.index).mean(),
                        "GMM_rank": ranks["GMM"]})
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probe_csv", type=Path)
    parser.add_argument("--grid", type=Path, default=ROOT / "benchmarks/results/grid/results.csv")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    args = parser.parse_args()
    probe = pd.read_csv(args.probe_csv)
    if args.seeds is not None:
        probe = probe[probe["seed"].isin(args.seeds)]
    print(report(probe, pd.read_csv(args.grid)).round(4).to_string(index=False))


if __name__ == "__main__":
    main()
