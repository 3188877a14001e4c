"""FlowDensity against the plain-flow floor per set, with the floor's own spread beside it.

Reads the floor's re-runs (``plain_flow_floor.py``: seeds 0-2, a seed-0 replicate of the anchor's
run), the anchors' seed-0 AUROCs (``../shared/anchors/``) and the grid's FlowDensity rows, and
prints a markdown report: how far a second run of the same floor script moves from the anchor, the
floor's spread over seeds, and the sets where FlowDensity is more than 0.03 below the floor, by
the issue's seed-0 reading and by means over seeds 0-2 (the anchor standing for the floor's seed 0).

    python benchmarks/tuning/floor_spread_report.py benchmarks/results/recipe/floor_seeds.csv \
        > benchmarks/results/recipe/floor_seeds.md
"""
import sys

import pandas as pd

from recipe_report import ROOT, read_floor_anchors

MARGIN = 0.03


def load(floor_csv: str) -> pd.DataFrame:
    """One row per (dataset, setting): the anchor, the re-runs by seed and FlowDensity by seed."""
    floor = pd.read_csv(floor_csv)
    anchors = read_floor_anchors(ROOT.parent / "shared" / "anchors")
    anchors = anchors.set_index(["dataset", "setting"]).auroc.rename("anchor")
    reruns = floor.pivot_table(index=["dataset", "setting"], columns="seed", values="auroc")
    reruns.columns = [f"floor_{s}" for s in reruns.columns]
    grid = pd.read_csv(ROOT / "benchmarks" / "results" / "grid" / "results.csv")
    grid = grid[(grid.detector == "FlowDensity") & (grid.status == "ok")]
    fd = grid.pivot_table(index=["dataset", "setting"], columns="seed", values="auroc")
    fd.columns = [f"fd_{s}" for s in fd.columns]
    table = reruns.join(anchors).join(fd).dropna()
    table["floor_mean"] = table[["anchor", "floor_1", "floor_2"]].mean(axis=1)
    table["floor_sd"] = table[["anchor", "floor_1", "floor_2"]].std(axis=1)
    table["fd_mean"] = table[["fd_0", "fd_1", "fd_2"]].mean(axis=1)
    table["replicate_gap"] = table["floor_0"] - table["anchor"]
    return table


def report(table: pd.DataFrame) -> str:
    lines = ["# FlowDensity against the plain-flow floor, with the floor's own spread", "",
             "Made by `python benchmarks/tuning/floor_spread_report.py "
             "benchmarks/results/recipe/floor_seeds.csv`; the floor re-run by "
             "`benchmarks/tuning/plain_flow_floor.py` (ANCHORS.md's script; how its 10 % are held "
             "out is not specified there, so its seed-0 run is a replicate of the anchor's, not a "
             "copy). FlowDensity: the grid's rows at the defaults.", "",
             "| setting | sets | floor re-run vs anchor, seed 0: sets apart by > 0.03 | floor SD over "
             "seeds (median / max) | FlowDensity - floor, mean | sets > 0.03 below, seed 0 vs anchor "
             "| sets > 0.03 below, means over seeds 0-2 |",
             "|---|---|---|---|---|---|---|"]
    details = []
    for setting, part in table.groupby(level="setting"):
        seed0 = part.fd_0 - part.anchor
        means = part.fd_mean - part.floor_mean
        below0 = seed0[seed0 < -MARGIN].sort_values()
        below = means[means < -MARGIN].sort_values()
        lines.append(
            f"| {setting} | {len(part)} | {(part.replicate_gap.abs() > MARGIN).sum()} "
            f"| {part.floor_sd.median():.3f} / {part.floor_sd.max():.3f} "
            f"| {means.mean():+.4f} | {len(below0)} | {len(below)} |")
        for gaps, label in ((below0, "seed 0 against the anchor"), (below, "means over seeds 0-2")):
            sets = ", ".join(f"{d} {g:+.3f} (floor SD {part.floor_sd.loc[(d, setting)]:.3f})"
                             for (d, _), g in gaps.items())
            details.append(f"- {setting}, {label}: {sets or 'none'}")
    lines += ["", "Sets more than 0.03 below the floor:", ""] + details
    wide = table.replicate_gap.abs().sort_values(ascending=False).head(8)
    lines += ["", "Largest gaps between the anchor and the re-run of the same script on seed 0:", ""]
    lines += [f"- {d} {s}: anchor {table.loc[(d, s), 'anchor']:.3f}, re-run "
              f"{table.loc[(d, s), 'floor_0']:.3f}" for (d, s), _ in wide.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(report(load(sys.argv[1])), end="")
