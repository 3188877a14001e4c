"""Table of each recipe technique alone and left out (``run_technique_ablation.sh``'s runs).

Reads ``benchmarks/results/recipe/techniques/results.csv`` and ranks each variant, and the
grid's FlowDensity at its defaults (the whole recipe), with ``recipe_report.py``'s pools:
the protocol's 14 PyOD references and the plain-flow floor in P1/P2, DeepOD's DevNet and the
other label users in P3 (FlowDensity ignores labels: its P3 rows are its P1 rows).
``[whiten_only]`` and ``[no_whiten]`` ran only on the sets where whitening acts (wider than
128 features) and on two narrow ones, where their AUROCs equal those of ``[none]`` and of the
defaults (checked here); on the other narrow sets those rows stand for them.

    python benchmarks/tuning/technique_ablation_report.py [--seeds 0 1 2] [--out FILE.md]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from recipe_report import ROOT, ablation, load

RUNS = ROOT / "benchmarks/results/recipe/techniques/results.csv"
GRID = ROOT / "benchmarks/results/grid/results.csv"
# A whitening variant, and the run that stands for it where whitening does not act.
STAND_INS = {"FlowDensity[whiten_only]": "FlowDensity[none]",
             "FlowDensity[no_whiten]": "FlowDensity"}  # the grid's rows at the defaults


def with_whitening_filled(runs: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
    """``runs`` with each whitening variant's stand-in rows where the variant did not run.

    Whitening acts only on sets wider than 128 features; on the narrow sets that ran, the
    variant must equal its stand-in exactly, else this raises.
    """
    key = ["dataset", "setting", "seed"]
    both = pd.concat([runs, grid[grid["detector"] == "FlowDensity"]], ignore_index=True)
    filled = [runs]
    for variant, stand_in in STAND_INS.items():
        ran = runs[runs["detector"] == variant].set_index(key)
        if ran.empty:
            continue
        other = both[both["detector"] == stand_in].set_index(key)
        narrow = ran.index[ran["n_features"] <= 128]
        mismatch = (ran.loc[narrow, "auroc"] - other.loc[narrow, "auroc"]).abs().max()
        if mismatch > 0:
            raise ValueError(f"{variant} differs from {stand_in} on a narrow set by {mismatch}")
        missing = other.index.difference(ran.index)
        filled.append(other.loc[missing].assign(detector=variant).reset_index())
    return pd.concat(filled, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    runs = with_whitening_filled(pd.read_csv(RUNS), pd.read_csv(GRID))
    rows = load(runs, GRID, ROOT.parent / "shared/anchors", "FlowDensity", args.seeds)
    text = ablation(rows, "FlowDensity", args.seeds).to_markdown(index=False, floatfmt=".3f")
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
