"""Ablation tables of the training recipe against the benchmark protocol's references.

Reads the recipe runs (``benchmarks/results/recipe/results.csv``, written by
``run_recipe_ablation.sh`` and the commands in ``benchmarks/results/recipe/README.md``), the
grid (``benchmarks/results/grid/results.csv``: the references; a detector's rows from before
the recipe from ``results_superseded.csv`` beside it) and the plain-flow floor of ANCHORS.md
(``../shared/anchors/plain_flow_floor_P{1,2}_shared_seed0.csv``, seed 0 only: with other
seeds the floor's seed-0 AUROC stands in for each seed). For each variant of ``--family`` and
setting: mean AUROC over the datasets every detector of the pool finished, the variant's
average rank among {the references, the floor (P1/P2), the variant} (1 = best), the best
reference, and against the floor: the mean difference, the worst set and the number of sets
more than 0.03 below it. ``<family> (defaults)`` is the grid's rows of the family at its
current defaults; FlowDensity ignores labels, so its P3 rows are its P1 rows. References: the
benchmark protocol's 14 in P1/P2; in P3 DeepOD's DevNet, HistGradientBoosting, PyOD's DevNet
with its loss call corrected, IForest and KNN.

    python benchmarks/tuning/recipe_report.py [--family FlowDensity] [--seeds 0] [--out FILE.md]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from skflowad.benchmark.registry import PYOD_REFERENCES

ROOT = Path(__file__).resolve().parents[2]
FLOOR = "plain-flow floor"
P3_POOL = ("DeepODDevNet", "HistGradientBoosting", "DevNetFixed", "IForest", "KNN")
# What a family's rows looked like before the recipe, in results_superseded.csv.
BEFORE = {"FlowDensity": "training recipe", "ContrastiveFlow": "off-support"}
# Families whose fit ignores y: their P3 rows are their P1 rows (PROTOCOL.md: P1 = P3).
IGNORES_LABELS = {"FlowDensity"}


def read_floor_anchors(anchors: Path) -> pd.DataFrame:
    """The plain-flow floor's seed-0 rows, P1 and P2, from ANCHORS.md's CSVs in ``anchors``."""
    return pd.concat(
        [pd.read_csv(anchors / f"plain_flow_floor_{s}_shared_seed0.csv") for s in ("P1", "P2")],
        ignore_index=True,
    )


def load(recipe_runs: pd.DataFrame, grid_csv: Path, anchors: Path, family: str,
         seeds: list[int]) -> pd.DataFrame:
    """The family's recipe runs, its rows before the recipe and at the defaults, the
    references and the floor, on ``seeds``."""
    recipe = recipe_runs[recipe_runs["detector"].str.startswith(family)]
    grid = pd.read_csv(grid_csv)
    superseded = pd.read_csv(grid_csv.with_name("results_superseded.csv"))
    before = superseded[(superseded["detector"] == family)
                        & superseded["superseded_by"].str.contains(BEFORE[family])]
    if family == "ContrastiveFlow":  # its rows off the off-support splits still stand
        before = pd.concat([before, grid[grid["detector"] == family]])
    before = before.assign(detector=f"{family} (before)")
    defaults = grid[grid["detector"] == family].assign(detector=f"{family} (defaults)")
    refs = grid[grid["detector"].isin([*PYOD_REFERENCES, *P3_POOL])]
    floor = read_floor_anchors(anchors).assign(detector=FLOOR, status="ok")
    rows = pd.concat([recipe, before, defaults, refs, floor], ignore_index=True)
    if family in IGNORES_LABELS:  # its P3 fit is its P1 fit: same rows, the labels unused
        own = rows["detector"].str.startswith(family)
        p1 = rows[own & (rows["setting"] == "P1")]
        rows = pd.concat([rows[~(own & (rows["setting"] == "P3"))], p1.assign(setting="P3")],
                         ignore_index=True)
    return rows[rows["seed"].isin(seeds) & (rows["status"] == "ok")]


def ablation(rows: pd.DataFrame, family: str, seeds: list[int]) -> pd.DataFrame:
    """One row per (setting, variant) that ran on every seed of ``seeds``."""
    out = []
    for setting in ("P1", "P2", "P3"):
        in_setting = rows[rows["setting"] == setting]
        ran = in_setting.groupby("detector")["seed"].unique()
        variants = [d for d in in_setting["detector"].unique()
                    if d.startswith(family) and set(seeds) <= set(ran[d])]
        if not variants:
            continue
        cells = in_setting.pivot_table(
            index=["dataset", "seed"], columns="detector", values="auroc", aggfunc="last")
        per_set = cells.groupby(level="dataset").mean()
        references = list(P3_POOL if setting == "P3" else PYOD_REFERENCES)
        pool = references + ([] if setting == "P3" else [FLOOR])
        for variant in variants:
            table = per_set[[*pool, variant]].dropna()
            ranks = table.rank(axis=1, ascending=False).mean()
            best = ranks[references].idxmin()
            row = {"setting": setting, "detector": variant, "n_sets": len(table),
                   "mean_auroc": table[variant].mean(), "avg_rank": ranks[variant],
                   "best_reference": best, "its_mean": table[best].mean(),
                   "its_rank": ranks[best]}
            if FLOOR in table:
                gap = table[variant] - table[FLOOR]
                row.update({"vs_floor": gap.mean(), "worst_vs_floor": gap.min(),
                            "worst_set": gap.idxmin(),
                            "sets_below_floor_by_0.03": int((gap < -0.03).sum())})
            out.append(row)
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", type=Path,
                        default=ROOT / "benchmarks/results/recipe/results.csv")
    parser.add_argument("--grid", type=Path, default=ROOT / "benchmarks/results/grid/results.csv")
    parser.add_argument("--anchors", type=Path, default=ROOT.parent / "shared/anchors")
    parser.add_argument("--family", default="FlowDensity", choices=sorted(BEFORE))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = load(pd.read_csv(args.recipe), args.grid, args.anchors, args.family, args.seeds)
    text = ablation(rows, args.family, args.seeds).to_markdown(index=False, floatfmt=".3f")
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
