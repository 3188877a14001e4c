"""Compare a tuning run's variants with the grid's seed-0 rows of the same detector.

The grid (``benchmarks/results/grid/results.csv``) already holds each detector at the
defaults it had when the grid ran, on the same PROTOCOL.md splits; a tuning run of
``benchmarks/tune_defaults.py`` then only needs the new variants. Runs are
deterministic on CPU, so the grid rows stand in for a re-run of the old defaults
(checked: FlowDensity's re-run matched all 45 grid AUROCs exactly).

    python benchmarks/compare_to_grid.py --detector IOCN --setting P2 \\
        benchmarks/results/tuning/batch_size/IOCN/results.csv
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from skflowad.benchmark.report import markdown_table


def compare(tuning: pd.DataFrame, grid: pd.DataFrame, detector: str, setting: str,
            seed: int = 0) -> pd.DataFrame:
    """Mean AUROC, average rank, wins/losses (> 0.005) and fit seconds per variant."""
    rows = grid[(grid.detector == detector) & (grid.setting == setting) & (grid.seed == seed)]
    both = pd.concat([tuning[tuning.setting == setting],
                      rows.assign(detector=f"{detector}[grid]")])
    both = both[both.status == "ok"]
    auroc = both.pivot_table(index="dataset", columns="detector", values="auroc").dropna()
    fit = both.pivot_table(index="dataset", columns="detector", values="fit_s").loc[auroc.index]
    base = auroc[f"{detector}[grid]"]
    return pd.DataFrame({
        "datasets": len(auroc),
        "mean AUROC": auroc.mean().round(4),
        "average rank": auroc.rank(axis=1, ascending=False).mean().round(2),
        "better by > 0.005": auroc.gt(base + 0.005, axis=0).sum(),
        "worse by > 0.005": auroc.lt(base - 0.005, axis=0).sum(),
        "fit s (sum)": fit.sum().round(0),
    })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tuning_csv")
    parser.add_argument("--detector", required=True)
    parser.add_argument("--setting", default="P2")
    parser.add_argument("--grid", default="benchmarks/results/grid/results.csv")
    args = parser.parse_args(argv)
    table = compare(pd.read_csv(args.tuning_csv), pd.read_csv(args.grid), args.detector,
                    args.setting)
    print(markdown_table(table, "variant"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
