"""Command line of the benchmark: ``python -m skflowad.benchmark`` or ``skflowad-bench``."""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from skflowad.datasets import QUICK_TASKS, available_datasets

from .registry import get_registry, parse_param_overrides
from .runner import run_benchmark
from .splits import DEFAULT_CAP, SETTINGS

__all__ = ["main"]


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m skflowad.benchmark",
        description="Benchmark skflowad and PyOD detectors under the benchmark protocol "
                    "(P1 unsupervised, P2 novelty, P3 semi-supervised).",
    )
    parser.add_argument("--datasets", nargs="+", default=["quick"],
                        help="ADBench names/aliases, 'all' (files present), 'quick' "
                             "(bundled, no download), or .npz/.csv paths [quick]")
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=SETTINGS)
    parser.add_argument("--detectors", nargs="+", default=None,
                        help="names or groups: all, quick, skflowad, pyod "
                             "[quick for quick tasks, else all]; Name[label] is a "
                             "variant of Name with its own --param values")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N [auto]")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--cap", type=int, default=DEFAULT_CAP,
                        help="row cap of train and of test; 0 = no cap [5000]")
    parser.add_argument("--out", default="benchmark_results", help="output folder")
    parser.add_argument("--data-home", default=None,
                        help="ADBench folder [SKFLOWAD_DATA, else ~/.cache/skflowad/adbench]")
    parser.add_argument("--param", action="append", default=[], metavar="DET.NAME=VALUE",
                        help="detector parameter, e.g. FlowDensity.epochs=20 (repeatable)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="run again the rows recorded as failed")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: rewrite summary.md (and the figures) from the "
                             "results.csv already in --out")
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--list", action="store_true",
                        help="list the detectors and quick tasks, then exit")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m skflowad.benchmark`` and ``skflowad-bench``."""
    args = _parse_args(argv)
    missing = [name for name in ("pandas", "tabulate", "matplotlib")
               if importlib.util.find_spec(name) is None]
    if missing:
        print(f"The benchmark needs {', '.join(missing)}: pip install \"skflowad[bench]\"",
              file=sys.stderr)
        return 2
    if args.list:
        registry = get_registry()
        print("detectors:", " ".join(registry))
        print("quick tasks:", " ".join(QUICK_TASKS))
        print("ADBench files present:", " ".join(available_datasets(args.data_home)) or "none")
        return 0
    from .report import load_results, summary_tables, write_report

    start = time.perf_counter()
    if args.report_only:
        csv_path = Path(args.out) / "results.csv"
        if not csv_path.is_file():
            print(f"--report-only: no {csv_path} to report on", file=sys.stderr)
            return 2
        results = load_results(csv_path)
        write_report(results, args.out, figures=not args.no_figures)
    else:
        results = run_benchmark(
            args.datasets, args.settings, args.detectors, args.seeds, out=args.out,
            device=args.device, n_jobs=args.n_jobs, cap=args.cap or None,
            data_home=args.data_home, params=parse_param_overrides(args.param),
            retry_failed=args.retry_failed, progress=not args.no_progress,
            figures=not args.no_figures,
        )
    if results is not None:
        print(summary_tables(results))
    print(f"\n{len(results) if results is not None else 0} rows in "
          f"{Path(args.out) / 'results.csv'}; report in {Path(args.out) / 'summary.md'} "
          f"({time.perf_counter() - start:.0f} s)")
    return 0
