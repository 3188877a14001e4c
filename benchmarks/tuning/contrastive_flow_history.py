"""ContrastiveFlow's adopted changes, one step at a time, from the grid's own rows.

Each adopted change re-ran ContrastiveFlow's grid rows and moved the old ones to
``results_superseded.csv`` with the change's name. This table reads each step's rows (45 sets x
seeds 0-2, as they ran then) and ranks them in place of ContrastiveFlow among today's detectors
of the setting (``average_ranks`` of the grid report: the sets and seeds every detector finished).

    python benchmarks/tuning/contrastive_flow_history.py > benchmarks/results/recipe/contrastive_flow_history.md
"""
from pathlib import Path

import pandas as pd

from skflowad.benchmark.report import average_ranks

GRID = Path(__file__).resolve().parents[1] / "results" / "grid"
DETECTOR = "ContrastiveFlow"
# (setting, step, text that names the step's rows in superseded_by; None: today's grid rows)
STEPS = [
    ("P1", "paper's plain fit, -log p", "16d7f6f"),
    ("P1", "+ FlowDensity's recipe (train_noise/train_clip 'auto')", "anomaly_score='auto'"),
    ("P1", "+ latent_knn score (anomaly_score 'auto'; today)", None),
    ("P2", "paper's plain fit, -log p", "16d7f6f"),
    ("P2", "+ FlowDensity's recipe (train_noise/train_clip 'auto')", "anomaly_score='auto'"),
    ("P2", "+ latent_knn score (anomaly_score 'auto'; today)", None),
    ("P3", "paper's clamp, 10 % quantile", "76c5e18"),
    ("P3", "clamp at the 1 % quantile (epsilon_quantile 'auto', 2026-12-03)", "7a41e76"),
    ("P3", "clamp at the 0.1 % quantile (epsilon_quantile 'auto', 2026-12-08; today)", None),
]


def main() -> None:
    grid = pd.read_csv(GRID / "results.csv")
    superseded = pd.read_csv(GRID / "results_superseded.csv")
    print("# ContrastiveFlow's adopted changes, step by step (grid rows, 45 sets x seeds 0-2)\n")
    print(__doc__.split("\n\n")[1].replace("\n", " ") + "\n")
    print("| setting | step | rows | mean AUROC | AUPRC | avg rank | best other detector (rank) |")
    print("|---|---|---|---|---|---|---|")
    for setting, step, label in STEPS:
        others = grid[(grid.setting == setting) & (grid.detector != DETECTOR)]
        if label is None:
            rows = grid[(grid.setting == setting) & (grid.detector == DETECTOR)]
        else:
            rows = superseded[(superseded.setting == setting) & (superseded.detector == DETECTOR)
                              & superseded.superseded_by.str.contains(label, regex=False)]
            rows = rows.drop(columns="superseded_by")
        pool = pd.concat([others, rows])
        ok = pool[pool.status == "ok"]
        ranks, _ = average_ranks(pool, setting)
        per_set = ok[ok.detector == DETECTOR].groupby("dataset")[["auroc", "auprc"]].mean()
        refs = ranks.drop(DETECTOR)
        best = refs.idxmin()
        print(f"| {setting} | {step} | {len(rows)} | {per_set.auroc.mean():.3f} | "
              f"{per_set.auprc.mean():.3f} | {ranks[DETECTOR]:.2f} | {best} ({refs[best]:.2f}) |")


if __name__ == "__main__":
    main()
