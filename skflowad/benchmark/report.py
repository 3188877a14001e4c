"""Summaries of the benchmark CSV: tables, average ranks, markdown report, figures.

Definitions (the protocol's "Metrics", ``docs/benchmark.md``):

* per dataset: mean ± std over the seeds a detector finished (``status == "ok"``);
* per setting: mean AUROC over the datasets a detector finished (± std over those
  datasets), and the **average rank** (1 = best AUROC, ties averaged) over the datasets
  that every detector of the setting finished. Within such a dataset only the seeds that
  every detector finished are averaged, so each detector is ranked on the same runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "average_ranks",
    "load_results",
    "markdown_table",
    "per_dataset_table",
    "plot_heatmaps",
    "plot_ranks",
    "setting_table",
    "summary_markdown",
    "summary_tables",
    "write_report",
]

_KEY = ["dataset", "setting", "detector", "seed"]


def load_results(path: str | Path) -> pd.DataFrame:
    """Read ``results.csv``; of rows sharing a key the last one wins (retried runs)."""
    frame = pd.read_csv(path, keep_default_na=True, dtype={"error": "string"})
    frame["error"] = frame["error"].fillna("").astype(str)
    return frame.drop_duplicates(_KEY, keep="last").reset_index(drop=True)


def _ok(results: pd.DataFrame, setting: str) -> pd.DataFrame:
    rows = results[(results["setting"] == setting) & (results["status"] == "ok")]
    return rows.dropna(subset=["auroc"])


def _detectors(results: pd.DataFrame, setting: str) -> list[str]:
    return list(dict.fromkeys(results.loc[results["setting"] == setting, "detector"]))


def average_ranks(results: pd.DataFrame, setting: str) -> tuple[pd.Series, list[str]]:
    """Average AUROC rank of each detector of ``setting`` (1 = best).

    Returns
    -------
    ranks : pandas.Series
        Indexed by detector; empty when no dataset was finished by every detector.
    datasets : list of str
        The datasets the ranks were computed on.
    """
    detectors = _detectors(results, setting)
    cells = _ok(results, setting).pivot_table(
        index=["dataset", "seed"], columns="detector", values="auroc", aggfunc="last"
    ).reindex(columns=detectors)
    complete = cells.dropna(how="any")
    if complete.empty:
        return pd.Series(dtype=float, name="avg_rank"), []
    per_dataset = complete.groupby(level="dataset").mean()
    ranks = per_dataset.rank(axis=1, ascending=False, method="average").mean()
    return ranks.rename("avg_rank"), list(per_dataset.index)


def setting_table(results: pd.DataFrame, setting: str) -> pd.DataFrame:
    """One row per detector: mean/std AUROC, mean AUPRC, average rank, counts, seconds."""
    ok = _ok(results, setting)
    per_dataset = ok.groupby(["detector", "dataset"])[["auroc", "auprc"]].mean()
    by_det = per_dataset.groupby(level="detector")
    table = pd.DataFrame({
        "auroc_mean": by_det["auroc"].mean(),
        "auroc_std": by_det["auroc"].std(ddof=0),
        "auprc_mean": by_det["auprc"].mean(),
        "n_datasets": by_det.size(),
    }).reindex(_detectors(results, setting))
    rows = results[results["setting"] == setting]
    table["n_failed"] = (rows["status"] != "ok").groupby(rows["detector"]).sum()
    table["fit_s_mean"] = ok.groupby("detector")["fit_s"].mean()
    ranks, _ = average_ranks(results, setting)
    table.insert(0, "avg_rank", ranks)
    table["n_datasets"] = table["n_datasets"].fillna(0).astype(int)
    table["n_failed"] = table["n_failed"].fillna(0).astype(int)
    return table.sort_values(["avg_rank", "auroc_mean"], ascending=[True, False])


def per_dataset_table(results: pd.DataFrame, setting: str, metric: str = "auroc",
                      bold: bool = True) -> pd.DataFrame:
    """Datasets x detectors, cells ``"mean ± std"`` over seeds (the mean alone for one
    seed); the best mean in bold."""
    ok = _ok(results, setting)
    stats = ok.groupby(["dataset", "detector"])[metric].agg(["mean", "std", "count"])
    means = stats["mean"].unstack().reindex(columns=_detectors(results, setting))
    stds = stats["std"].unstack().reindex_like(means).fillna(0.0)
    seeds = stats["count"].unstack().reindex_like(means).fillna(0)
    cells = means.map(lambda v: "—" if pd.isna(v) else f"{v:.3f}")
    # "± sd" only where a cell averages two seeds or more
    cells = cells + stds.map(lambda s: f" ± {s:.3f}").where(means.notna() & (seeds > 1), "")
    if bold:
        best = means.eq(means.max(axis=1), axis=0) & means.notna()
        cells = cells.where(~best, "**" + cells + "**")
    return cells


def markdown_table(frame: pd.DataFrame, index_name: str) -> str:
    """``frame`` as a GitHub markdown table (floats to 3 decimals, missing values as —)."""
    # tabulate's missingval replaces None only: missing cells become None (object columns)
    shown = frame.rename_axis(index_name)
    shown = shown.astype(object).where(shown.notna(), None)
    return shown.to_markdown(tablefmt="github", floatfmt=".3f", missingval="—")


def _overall(results: pd.DataFrame, setting: str) -> str:
    table = setting_table(results, setting)
    shown = pd.DataFrame({
        "avg rank": table["avg_rank"],
        "AUROC (mean ± sd over datasets)": [
            "—" if pd.isna(m) else f"{m:.3f} ± {s:.3f}"
            for m, s in zip(table["auroc_mean"], table["auroc_std"])
        ],
        "AUPRC": table["auprc_mean"],
        "datasets": table["n_datasets"],
        "failed runs": table["n_failed"],
        "fit s": table["fit_s_mean"],
    }, index=table.index)
    _, ranked_on = average_ranks(results, setting)
    note = (f"Average rank over the {len(ranked_on)} dataset(s) every detector finished.")
    return markdown_table(shown, "detector") + "\n\n" + note


def summary_tables(results: pd.DataFrame, settings: Sequence[str] | None = None) -> str:
    """The per-setting tables as markdown (what the CLI prints)."""
    settings = settings or sorted(results["setting"].unique())
    return "\n\n".join(f"## {s}\n\n{_overall(results, s)}" for s in settings)


def summary_markdown(results: pd.DataFrame, figures: Sequence[str] = ()) -> str:
    """The whole report: per-setting tables, per-dataset tables, failures, figures."""
    settings = sorted(results["setting"].unique())
    parts = [
        "# Benchmark summary",
        f"{len(results)} runs, {int((results['status'] != 'ok').sum())} failed; "
        f"seeds {sorted(int(s) for s in results['seed'].unique())}; "
        f"devices {sorted(results['device'].dropna().astype(str).unique())}.",
    ]
    for setting in settings:
        parts += [f"## {setting}", _overall(results, setting),
                  f"### {setting}: test AUROC per dataset (mean ± sd over seeds)",
                  markdown_table(per_dataset_table(results, setting), "dataset")]
    failed = results[results["status"] != "ok"]
    if len(failed):
        listing = failed[["dataset", "setting", "detector", "seed", "error"]].copy()
        listing["error"] = listing["error"].str.slice(0, 160).str.replace("|", "/")
        parts += ["## Failed runs", markdown_table(listing.set_index("dataset"), "dataset")]
    parts += [f"![{Path(f).stem}]({Path(f).name})" for f in figures]
    return "\n\n".join(parts) + "\n"


def plot_ranks(results: pd.DataFrame, path: str | Path) -> Path | None:
    """Bar chart of average ranks, one panel per setting; ``None`` if nothing to rank."""
    settings = [s for s in sorted(results["setting"].unique())
                if len(average_ranks(results, s)[0])]
    if not settings:
        return None
    fig = _figure(figsize=(4.5 * len(settings), 1.0 + 0.35 * _max_detectors(results)))
    axes = fig.subplots(1, len(settings), squeeze=False)
    for ax, setting in zip(axes[0], settings):
        ranks, used = average_ranks(results, setting)
        ranks = ranks.sort_values(ascending=False)
        ax.barh(ranks.index, ranks.values, color="tab:blue")
        ax.set_title(f"{setting} ({len(used)} datasets)")
        ax.set_xlabel("average AUROC rank (lower is better)")
    fig.savefig(path, dpi=120)
    return Path(path)


def plot_heatmaps(results: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """One AUROC heat map (datasets x detectors) per setting."""
    paths = []
    for setting in sorted(results["setting"].unique()):
        means = _ok(results, setting).groupby(["dataset", "detector"])["auroc"].mean()
        if means.empty:
            continue
        grid = means.unstack().reindex(columns=_detectors(results, setting))
        fig = _figure(figsize=(2.0 + 0.6 * grid.shape[1], 2.0 + 0.3 * grid.shape[0]))
        ax = fig.subplots()
        image = ax.imshow(grid.to_numpy(dtype=float), vmin=0.5, vmax=1.0, cmap="viridis",
                          aspect="auto")
        ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=60, ha="right")
        ax.set_yticks(range(grid.shape[0]), grid.index)
        if grid.size <= 400:  # small enough to print the values
            for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
                if not np.isnan(value):
                    ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if value < 0.75 else "black")
        ax.set_title(f"{setting}: test AUROC (mean over seeds)")
        fig.colorbar(image, ax=ax)
        path = Path(out_dir) / f"heatmap_{setting}.png"
        fig.savefig(path, dpi=120)
        paths.append(path)
    return paths


def write_report(results: pd.DataFrame, out_dir: str | Path, figures: bool = True) -> str:
    """Write ``summary.md`` (and the figures) into ``out_dir``; return the markdown."""
    out_dir = Path(out_dir)
    drawn: list[Path] = []
    if figures:
        rank_plot = plot_ranks(results, out_dir / "avg_rank.png")
        drawn = ([rank_plot] if rank_plot else []) + plot_heatmaps(results, out_dir)
    text = summary_markdown(results, [str(p) for p in drawn])
    (out_dir / "summary.md").write_text(text)
    return text


def _max_detectors(results: pd.DataFrame) -> int:
    return int(results.groupby("setting")["detector"].nunique().max())


def _figure(figsize: tuple[float, float]):
    """A figure drawn by the Agg canvas, outside pyplot (no global backend change)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig
