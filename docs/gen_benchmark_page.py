"""The results part of ``docs/benchmark.md``, generated from ``benchmarks/results/``.

A mkdocs hook (``hooks:`` in ``mkdocs.yml``): when the site is built, the line
``<!-- benchmark-results -->`` of ``docs/benchmark.md`` is replaced by one section per
``benchmarks/results/**/results.csv`` that exists (those under ``tuning/`` go to
``docs/tuning.md``, at the same marker), made by the report functions of
:mod:`skflowad.benchmark.report` (the same tables as each run's ``summary.md``), and
each section's average-rank figure is drawn at build time. The speed reports
(``benchmarks/results/speed/*.md`` and their scaling plots) follow. A new results folder
appears on the page at the next build without any edit here.

``python docs/gen_benchmark_page.py`` prints the generated Markdown.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MARKER = "<!-- benchmark-results -->"
FIGURES = "benchmark_figures"

# What each known results folder is; others get a generic heading. Listed first, in order.
KNOWN = {
    "grid": ("The full grid",
             "The ADBench grid of `benchmarks/run_grid.sh`: P1, P2 and P3, every skflowad "
             "detector and the classical PyOD detectors."),
    "foundation_p2": ("FlowDensity against IForest and KNN (P2, five ADBench sets)",
                      "The first comparison, run before the other detectors existed."),
    "quick": ("The quick job (`make bench`)",
              "Six small tasks built from data bundled with scikit-learn and PyOD (no "
              "download): a smoke test of the whole harness, too small to rank methods."),
    "tuning/FlowDensity": ("FlowDensity defaults (tuning run)",
                           "Variants of FlowDensity's parameters, from "
                           "`benchmarks/tuning/tune_defaults.py`; not every variant finished every "
                           "dataset."),
}
SETTING_NAMES = {"P1": "unsupervised", "P2": "novelty (trained on normals)",
                 "P3": "semi-supervised (10 % of the train anomalies labelled)"}


def results_files() -> list[tuple[str, Path]]:
    """``(folder relative to benchmarks/results, csv)``: the known folders first."""
    found = {csv.parent.relative_to(RESULTS).as_posix(): csv
             for csv in RESULTS.rglob("results.csv")
             if "tmp" not in csv.relative_to(RESULTS).parts}  # results/tmp: scratch runs
    order = [name for name in KNOWN if name in found]
    return [(name, found[name]) for name in order + sorted(set(found) - set(order))]


def _indent(text: str) -> str:
    return textwrap.indent(text, "    ")


def section(name: str, csv: Path, figure: str | None = None) -> str:
    """The Markdown of one results folder."""
    from skflowad.benchmark.report import (
        markdown_table,
        load_results,
        per_dataset_table,
        summary_tables,
    )

    results = load_results(csv)
    title, about = KNOWN.get(name, (f"`{name}`", ""))
    failed = int((results["status"] != "ok").sum())
    seeds = sorted(int(s) for s in results["seed"].unique())
    devices = sorted(results["device"].dropna().astype(str).unique())
    parts = [
        f"### {title}",
        (about + " " if about else "")
        + f"Source: `{csv.relative_to(ROOT).as_posix()}`: {len(results)} runs "
        f"({failed} failed{'; their errors are in the CSV' if failed else ''}), "
        f"{results['dataset'].nunique()} datasets, seeds {seeds}, devices {devices}.",
    ]
    for setting in sorted(results["setting"].unique()):
        overall = summary_tables(results, [setting]).split("\n", 2)[2]  # drop "## P1"
        per_dataset = markdown_table(per_dataset_table(results, setting), "dataset")
        parts += [
            f"#### {setting}: {SETTING_NAMES.get(setting, setting)}",
            overall,
            f'??? note "{setting}: test AUROC per dataset (mean ± sd over seeds, best in '
            f'bold)"\n\n' + _indent(per_dataset),
        ]
    if figure:
        parts.append(f"![average rank, {title.replace('`', '')}]({figure})")
    return "\n\n".join(parts)


def is_tuning(name: str) -> bool:
    """Tuning runs (``benchmarks/results/tuning/...``) go on a page of their own."""
    return name.startswith("tuning/")


def generate(figure_dir: Path | None = None, tuning: bool = False
             ) -> tuple[str, dict[str, Path]]:
    """The Markdown of the results page (``tuning=False``: every results folder but the
    tuning runs, then the speed reports) or of the tuning page, and the figures drawn
    into ``figure_dir``."""
    sections, figures = [], {}
    for name, csv in results_files():
        if is_tuning(name) != tuning:
            continue
        uri = None
        if figure_dir is not None:
            uri, path = _rank_figure(name, csv, figure_dir)
            if path is not None:
                figures[uri] = path
            else:
                uri = None
        sections.append(section(name, csv, uri))
    if not sections:
        sections.append("No results yet: `benchmarks/results/` holds no `results.csv`.")
    if tuning:
        return "\n\n".join(sections), figures
    reports = sorted((RESULTS / "speed").glob("*.md"),
                     key=lambda path: (not path.name.startswith("speed_"), path.name))
    for report in reports:  # speed_<device>.md first, then the other speed notes
        sections.append(speed_section(report))
        plot = report.with_name(f"{report.stem}_scaling.png")
        if figure_dir is not None and plot.is_file():
            uri = f"{FIGURES}/{plot.name}"
            figures[uri] = plot
            sections.append(f"![seconds per epoch against n and D, {report.stem}]({uri})")
    return "\n\n".join(sections), figures


def speed_section(report: Path) -> str:
    """A speed report of ``benchmarks/speed/speed.py``, its headings moved two levels down."""
    lines = [("##" + line) if line.startswith("#") else line
             for line in report.read_text().splitlines()]
    source = f"Source: `{report.relative_to(ROOT).as_posix()}` (`benchmarks/speed/speed.py`)."
    return "\n".join(lines[:1] + ["", source] + lines[1:])


def _rank_figure(name: str, csv: Path, figure_dir: Path) -> tuple[str, Path | None]:
    uri = f"{FIGURES}/{name.replace('/', '_')}_avg_rank.png"
    try:
        from skflowad.benchmark.report import load_results, plot_ranks
    except ImportError:  # pragma: no cover - pandas is needed for the tables anyway
        return uri, None
    try:
        path = plot_ranks(load_results(csv), figure_dir / Path(uri).name)
    except ImportError:  # matplotlib missing: tables only
        return uri, None
    return uri, path


# ---------------------------------------------------------------------------------------
# mkdocs hooks

_generated: dict[str, str] = {}


def on_files(files, config):
    from mkdocs.structure.files import File

    figure_dir = Path(tempfile.mkdtemp(prefix="skflowad-docs-"))
    for page, tuning in (("benchmark.md", False), ("tuning.md", True)):
        markdown, figures = generate(figure_dir, tuning=tuning)
        _generated[page] = markdown
        for uri, path in figures.items():
            files.append(File.generated(config, uri, content=path.read_bytes()))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri in _generated:
        if MARKER not in markdown:
            raise ValueError(f"docs/{page.file.src_uri} lost its marker line {MARKER}")
        markdown = markdown.replace(MARKER, _generated[page.file.src_uri])
    return markdown


def on_serve(server, config, builder):
    server.watch(str(RESULTS))
    return server


if __name__ == "__main__":
    print(generate()[0])
