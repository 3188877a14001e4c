"""How far two runs of the same detector and code path land apart, split by split.

Each side is ``CSV:DETECTOR`` (a results CSV of the benchmark and a detector name in it). The
report joins the two on (dataset, setting, seed) and prints, per setting, the number of splits,
how many are identical, the median and largest absolute AUROC gap, the share of splits more than
0.03 apart, and the means of each side (per dataset over its seeds, then over datasets). Used to
measure what a run on another machine changes (a flow's fit is deterministic on one CPU only).

    python benchmarks/tuning/replicate_report.py \
        "benchmarks/results/recipe/results.csv:ContrastiveFlow[recipe_q01]" \
        "benchmarks/results/grid/results.csv:ContrastiveFlow" --settings P1 P2
"""
import argparse

import pandas as pd

KEY = ["dataset", "setting", "seed"]
MARGIN = 0.03


def read_side(spec: str) -> pd.DataFrame:
    """The ok rows of ``CSV:DETECTOR``, keyed by (dataset, setting, seed)."""
    path, detector = spec.rsplit(":", 1)
    rows = pd.read_csv(path)
    rows = rows[(rows.detector == detector) & (rows.status == "ok")]
    return rows[KEY + ["auroc"]].drop_duplicates(KEY, keep="last")


def report(first: pd.DataFrame, second: pd.DataFrame, settings, names) -> str:
    pairs = first.merge(second, on=KEY, suffixes=("_a", "_b"))
    pairs = pairs[pairs.setting.isin(settings)]
    pairs["gap"] = (pairs.auroc_b - pairs.auroc_a).abs()
    lines = [f"a = `{names[0]}`, b = `{names[1]}`", "",
             "| setting | splits | identical | median abs gap | max abs gap | "
             f"splits > {MARGIN} apart | mean a | mean b |",
             "|---|---|---|---|---|---|---|---|"]
    for setting, part in pairs.groupby("setting"):
        means = part.groupby("dataset")[["auroc_a", "auroc_b"]].mean().mean()
        worst = part.loc[part.gap.idxmax()]
        lines.append(
            f"| {setting} | {len(part)} | {int((part.gap == 0).sum())} | {part.gap.median():.4f} "
            f"| {worst.gap:.3f} ({worst.dataset} seed {int(worst.seed)}) "
            f"| {int((part.gap > MARGIN).sum())} | {means.auroc_a:.4f} | {means.auroc_b:.4f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", help="CSV:DETECTOR")
    parser.add_argument("second", help="CSV:DETECTOR")
    parser.add_argument("--settings", nargs="+", default=["P1", "P2", "P3"])
    args = parser.parse_args()
    print(report(read_side(args.first), read_side(args.second), args.settings,
                 (args.first, args.second)))


if __name__ == "__main__":
    main()
