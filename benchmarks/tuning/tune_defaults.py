"""Compare variants of one skflowad detector over many datasets, to choose defaults.

Each variant is a named set of constructor parameters; every variant runs through the
benchmark harness (the benchmark protocol splits, settings and metrics) on the same datasets and
seeds, and the summary (mean AUROC, average rank) says which defaults to keep.

Example (all shared ADBench sets, P1 and P2, seed 0, 8 workers on a GPU machine)::

    SKFLOWAD_DATA=../shared/data/adbench python benchmarks/tuning/tune_defaults.py \\
        --detector FlowDensity --datasets all --settings P1 P2 --seeds 0 --n-jobs 8 \\
        --variant default: --variant nsf:flow='coupling_nsf' \\
        --out benchmarks/results/tuning/FlowDensity
"""

from __future__ import annotations

import argparse
import sys

from skflowad.benchmark.registry import DetectorSpec, parse_param_overrides, skflowad_detectors
from skflowad.benchmark import run_benchmark


def variant_registry(detector: str, variants: list[str]) -> dict[str, DetectorSpec]:
    """``["name:key=value,key=value", ...]`` -> a registry of named detector specs."""
    cls = skflowad_detectors()[detector]
    registry = {}
    for item in variants:
        name, _, assignments = item.partition(":")
        items = [f"{detector}.{a}" for a in assignments.split(";") if a]
        params = parse_param_overrides(items).get(detector, {})
        registry[f"{detector}[{name}]"] = DetectorSpec(
            f"{detector}[{name}]", (lambda cls=cls: cls), family="skflowad",
            uses_labels=bool(getattr(cls, "_uses_labels", False)), fixed_params=params,
        )
    return registry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", default="FlowDensity")
    parser.add_argument("--variant", action="append", required=True,
                        help="NAME:param=value;param=value (values are Python literals)")
    parser.add_argument("--datasets", nargs="+", default=["all"])
    parser.add_argument("--settings", nargs="+", default=["P2"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--cap", type=int, default=5000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    registry = variant_registry(args.detector, args.variant)
    results = run_benchmark(
        args.datasets, args.settings, list(registry), args.seeds, out=args.out,
        device=args.device, n_jobs=args.n_jobs, cap=args.cap or None, registry=registry,
        progress=False, figures=False,
    )
    ok = results[results.status == "ok"]
    print(ok.pivot_table(index="detector", columns="setting", values="auroc", aggfunc="mean")
          .round(4).to_string())
    print((results.status != "ok").groupby(results.detector).sum().rename("failed").to_string())
    print((ok.groupby(["setting", "detector"]).fit_s.mean().round(1)).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
