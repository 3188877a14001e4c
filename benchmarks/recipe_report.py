"""Ablation table of FlowDensity's training recipe against PROTOCOL.md's references.

Reads the recipe runs (``benchmarks/results/recipe/results.csv``, written by
``run_recipe_ablation.sh``), the grid (``benchmarks/results/grid/results.csv``: the PyOD
references; FlowDensity before the recipe from ``results_superseded.csv`` beside it) and the plain-flow floor of ANCHORS.md
(``../shared/anchors/plain_flow_floor_P{1,2}_shared_seed0.csv``, seed 0 only: with other
seeds the floor's seed-0 AUROC stands in for each seed). For each variant and
setting: mean AUROC over the datasets every detector finished, the variant's average rank
among {the 14 references, the plain-flow floor, the variant} (1 = best), and against the
floor: the mean difference, the worst set and the number of sets more than 0.03 below it.

    python benchmarks/recipe_report.py [--seeds 0] [--out benchmarks/results/recipe/ablation.md]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from skflowad._benchmark_detectors import PYOD_REFERENCES

ROOT = Path(__file__).resolve().parents[1]
FLOOR = "plain-flow floor"


def load(recipe_csv: Path, grid_csv: Path, anchors: Path, seeds: list[int]) -> pd.DataFrame:
    recipe = pd.read_csv(recipe_csv)
    grid = pd.read_csv(grid_csv)
    superseded = pd.read_csv(grid_csv.with_name("results_superseded.csv"))
    before = superseded[(superseded["detector"] == "FlowDensity")
                        & superseded["superseded_by"].str.contains("training recipe")]
    before = before.assign(detector="FlowDensity (before)")
    refs = grid[grid["detector"].isin(PYOD_REFERENCES)]
    floor = pd.concat(
        [pd.read_csv(anchors / f"plain_flow_floor_{s}_shared_seed0.csv") for s in ("P1", "P2")]
    ).assign(detector=FLOOR, status="ok")
    rows = pd.concat([recipe, before, refs, floor], ignore_index=True)
    rows = rows[rows["seed"].isin(seeds) & rows["setting"].isin(["P1", "P2"])]
    return rows[rows["status"] == "ok"]


def ablation(rows: pd.DataFrame, seeds: list[int]) -> pd.DataFrame:
    """One row per (setting, variant) that ran on every seed of ``seeds``."""
    ran = rows.groupby("detector")["seed"].unique()
    variants = [d for d in rows["detector"].unique()
                if d.startswith("FlowDensity") and set(seeds) <= set(ran[d])]
    out = []
    for setting in ("P1", "P2"):
        cells = rows[rows["setting"] == setting].pivot_table(
            index=["dataset", "seed"], columns="detector", values="auroc", aggfunc="last")
        per_set = cells.groupby(level="dataset").mean()
        pool = [*PYOD_REFERENCES, FLOOR]
        for variant in variants:
            table = per_set[[*pool, variant]].dropna()
            ranks = table.rank(axis=1, ascending=False).mean()
            gap = table[variant] - table[FLOOR]
            out.append({
                "setting": setting, "detector": variant, "n_sets": len(table),
                "mean_auroc": table[variant].mean(), "avg_rank": ranks[variant],
                "floor_mean": table[FLOOR].mean(), "vs_floor": gap.mean(),
                "worst_vs_floor": gap.min(), "worst_set": gap.idxmin(),
                "sets_below_floor_by_0.03": int((gap < -0.03).sum()),
                "best_reference": ranks[list(PYOD_REFERENCES)].idxmin(),
                "best_reference_rank": ranks[list(PYOD_REFERENCES)].min(),
            })
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", type=Path, default=ROOT / "benchmarks/results/recipe/results.csv")
    parser.add_argument("--grid", type=Path, default=ROOT / "benchmarks/results/grid/results.csv")
    parser.add_argument("--anchors", type=Path, default=ROOT.parent / "shared/anchors")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    table = ablation(load(args.recipe, args.grid, args.anchors, args.seeds), args.seeds)
    text = table.to_markdown(index=False, floatfmt=".3f")
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
