"""The comparisons each method issue asks for, cut from one run of the full grid.

Every table is computed from the same ``results.csv`` (one run, same splits): mean test
AUROC over datasets, and the average rank among the listed detectors on the datasets all
of them finished. Image-feature tasks (CIFAR10_k, SVHN_k, MVTec-AD_*) and tabular sets are
reported separately where the papers do.

Without ``--seeds``, each table uses the seeds that every detector in it completed (as many
rows as on its first seed), so means over seeds compare like with like; the seeds used are
printed under each table.

Usage::

    python benchmarks/tuning/grid_subsets.py benchmarks/results/grid/results.csv --seeds 0 \\
        > benchmarks/results/grid/subsets.md
    python benchmarks/tuning/grid_subsets.py benchmarks/results/grid/results.csv \\
        > benchmarks/results/grid/subsets_all_seeds.md
"""

from __future__ import annotations

import argparse

import pandas as pd

from skflowad.benchmark.report import average_ranks, markdown_table, load_results, setting_table

IMAGE_PREFIXES = ("CIFAR10_", "SVHN_", "MVTec-AD_")
FLOWS = ["FlowDensity", "NFAD", "OneFlow", "ContrastiveFlow", "IOCN"]
COMPARISONS = [
    # (title, setting, detectors, which datasets)
    ("All detectors, P2 novelty", "P2", None, "all"),
    ("All detectors, P1 unsupervised", "P1", None, "all"),
    ("All detectors, P3 semi-supervised", "P3", None, "all"),
    ("All detectors, P2 novelty, tabular sets", "P2", None, "tabular"),
    ("All detectors, P2 novelty, image-feature tasks", "P2", None, "image"),
    ("All detectors, P1 unsupervised, tabular sets", "P1", None, "tabular"),
    ("All detectors, P1 unsupervised, image-feature tasks", "P1", None, "image"),
    ("All detectors, P3 semi-supervised, tabular sets", "P3", None, "tabular"),
    ("All detectors, P3 semi-supervised, image-feature tasks", "P3", None, "image"),
    ("NFAD (issue 11), P3 against the label-using references", "P3",
     ["NFAD", "DevNet", "DevNetFixed", "DeepODDevNet", "HistGradientBoosting", "IForest"],
     "all"),
    ("NFAD (issue 11), P3 against the references issue 11 names", "P3",
     ["NFAD", "DevNet", "DevNetFixed", "HistGradientBoosting", "IForest"], "all"),
    ("NFAD (issue 11), P2", "P2", ["NFAD", "IForest", "KNN", "FlowDensity"], "all"),
    ("OneFlow (issue 12), P1", "P1", ["OneFlow", "FlowDensity", "IForest", "KNN", "LOF", "PCA"],
     "all"),
    ("OneFlow (issue 12), P2", "P2", ["OneFlow", "FlowDensity", "IForest", "KNN", "LOF", "PCA"],
     "all"),
    ("ContrastiveFlow (issue 13), P2", "P2", ["ContrastiveFlow", "FlowDensity", "IForest", "KNN"],
     "all"),
    ("ContrastiveFlow (issue 13), P3", "P3",
     ["ContrastiveFlow", "FlowDensity", "IForest", "KNN"], "all"),
    ("ContrastiveFlow (issue 13), P2, image-feature tasks", "P2",
     ["ContrastiveFlow", "FlowDensity", "IForest", "KNN"], "image"),
    ("ContrastiveFlow (issue 13), P3, image-feature tasks", "P3",
     ["ContrastiveFlow", "FlowDensity", "IForest", "KNN"], "image"),
    ("IOCN (issue 14), P2, tabular", "P2",
     ["IOCN", "FlowDensity[inn]", "KNN", "KDE", "PCA", "IForest", "COPOD", "DeepSVDD"], "tabular"),
    ("IOCN (issue 14), P2, image-feature tasks", "P2",
     ["IOCN", "FlowDensity[inn]", "KNN", "KDE", "PCA", "IForest", "COPOD", "DeepSVDD"], "image"),
]


def subset(results: pd.DataFrame, setting: str, detectors, which: str) -> pd.DataFrame:
    rows = results[results.setting == setting]
    if detectors is not None:
        present = [d for d in detectors if d in set(rows.detector)]
        rows = rows[rows.detector.isin(present)]
        rows = rows.assign(_order=rows.detector.map(present.index)).sort_values(
            "_order", kind="stable").drop(columns="_order")
    image = rows.dataset.str.startswith(IMAGE_PREFIXES)
    return rows[image] if which == "image" else rows[~image] if which == "tabular" else rows


def complete_seeds(rows: pd.DataFrame) -> pd.DataFrame:
    """Keep the seeds on which every detector has as many rows as on its first seed."""
    counts = rows.groupby(["detector", "seed"]).size().unstack(fill_value=0)
    complete = counts.ge(counts.iloc[:, 0], axis=0).all(axis=0)
    return rows[rows.seed.isin(complete[complete].index)]


def sets_deciding_the_lead(results: pd.DataFrame, setting: str, leaders=None,
                           challengers=None) -> tuple[str, str, int, list[str]]:
    """How many datasets decide the first place by average rank in ``setting``.

    On the datasets every detector finished, per dataset the detectors' ranks (of their
    mean AUROC over seeds) as in the README's tables. The leader is the best-ranked
    detector (among ``leaders`` if given). For each challenger (every other detector, or
    those in ``challengers``), the fewest datasets whose removal puts it level with or
    ahead of the leader (removing, for that pair, the datasets where the leader's rank
    advantage is largest, which is the fewest there are). Returns ``(leader, closest
    challenger, that number, those datasets)``.
    """
    ok = results[(results.setting == setting) & (results.status == "ok")]
    _, datasets = average_ranks(results, setting)
    cells = ok[ok.dataset.isin(datasets)].pivot_table(
        index="dataset", columns="detector", values="auroc", aggfunc="mean")
    ranks = cells.rank(axis=1, ascending=False, method="average")
    mean_rank = ranks.mean()
    if leaders is not None:
        mean_rank = mean_rank[mean_rank.index.isin(leaders)]
    leader = mean_rank.idxmin()
    others = ranks.columns.drop(leader)
    if challengers is not None:
        others = others[others.isin(challengers)]
    best = (leader, leader, len(ranks), [])
    for challenger in others:
        advantage = (ranks[challenger] - ranks[leader]).sort_values(ascending=False)
        for k in range(len(advantage) + 1):
            if advantage.iloc[k:].mean() <= 0:
                break
        if k < best[2]:
            best = (leader, challenger, k, list(advantage.index[:k]))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--seeds", type=int, nargs="+",
                        help="only these seeds (default: per table, the seeds every detector in "
                             "it completed; per dataset, the mean over seeds)")
    args = parser.parse_args(argv)
    results = load_results(args.csv)
    if args.seeds is not None:
        results = results[results.seed.isin(args.seeds)]
    seeds = ", ".join(map(str, sorted(results.seed.unique())))
    print(f"# Comparisons from one grid run (`{args.csv}`, seeds {seeds})\n")
    for title, setting, detectors, which in COMPARISONS:
        rows = subset(results, setting, detectors, which)
        if args.seeds is None and not rows.empty:
            rows = complete_seeds(rows)
        if rows.empty:
            continue
        table = setting_table(rows, setting)
        missing = sorted(set(detectors or ()) - set(rows.detector))
        print(f"## {title}\n")
        shown = table[["avg_rank", "auroc_mean", "auprc_mean", "n_datasets", "n_failed",
                       "fit_s_mean"]]
        print(markdown_table(shown.astype(object), "detector"))
        print(f"\nSeeds: {', '.join(map(str, sorted(rows.seed.unique())))}.")
        if missing:
            print(f"\nNot in this run yet: {', '.join(missing)}.")
        print()
    print("## How many sets decide each first place\n")
    print("Fewest data sets whose removal puts another detector level with or ahead of the")
    print("leader by average rank (all detectors of the setting, the sets every one finished).\n")
    for setting in ("P1", "P2", "P3"):
        if (results.setting == setting).any():
            leader, challenger, k, decisive = sets_deciding_the_lead(results, setting)
            print(f"- {setting}: {leader} leads; {k} set(s) decide it against {challenger}"
                  f" ({', '.join(decisive)}).")
            flows = [d for d in set(results.detector) if d.split("[")[0] in FLOWS]
            references = sorted(set(results.detector) - set(flows))
            leader, challenger, k, decisive = sets_deciding_the_lead(
                results, setting, leaders=flows, challengers=references)
            print(f"  The best skflowad detector, {leader}, against the references: {k} set(s)"
                  f" decide it against {challenger} ({', '.join(decisive)}); 0 means behind.")
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
