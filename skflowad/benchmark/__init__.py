"""The benchmark: skflowad and PyOD detectors on the same splits, side by side.

The protocol (``docs/benchmark.md``): for each dataset and seed, X as float64 with constant
columns dropped, a stratified 70/30 split (``random_state=seed``), train and test each
capped at ``cap`` rows by a stratified subsample with the same seed, a ``StandardScaler``
fitted on the rows the detector is trained on, and three settings:

* ``P1`` unsupervised: fit on all train rows, labels unused;
* ``P2`` novelty: fit on the train rows with ``y == 0``;
* ``P3`` semi-supervised: fit on all train rows; ``n_lab = max(1, round(0.10 * n_anom))``
  random train anomalies get ``y_lab = 1``; label-aware detectors get ``fit(X, y_lab)``.

Modules: :mod:`~skflowad.benchmark.splits` (data and splits),
:mod:`~skflowad.benchmark.registry` (the detectors and their benchmark settings),
:mod:`~skflowad.benchmark.runner` (runs, resume, parallelism),
:mod:`~skflowad.benchmark.result_csv` (resumable CSVs with a script's own columns),
:mod:`~skflowad.benchmark.report` (tables and figures, needs pandas) and
:mod:`~skflowad.benchmark.cli` (``python -m skflowad.benchmark``, ``skflowad-bench``).
``import skflowad`` imports none of them.
"""

from .registry import (
    PYOD_REFERENCES,
    DetectorSpec,
    build_detector,
    default_detectors,
    get_registry,
    parse_param_overrides,
)
from .runner import COLUMNS, KEY, plan_runs, run_benchmark, run_one
from .splits import (
    DEFAULT_CAP,
    SETTINGS,
    DatasetRef,
    Split,
    drop_constant_columns,
    ensure_available,
    expand_datasets,
    load_dataset,
    make_split,
    p3_labels,
    setting_data,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_CAP",
    "KEY",
    "PYOD_REFERENCES",
    "SETTINGS",
    "DatasetRef",
    "DetectorSpec",
    "Split",
    "build_detector",
    "default_detectors",
    "drop_constant_columns",
    "ensure_available",
    "expand_datasets",
    "get_registry",
    "load_dataset",
    "main",
    "make_split",
    "p3_labels",
    "parse_param_overrides",
    "plan_runs",
    "run_benchmark",
    "run_one",
    "setting_data",
]


def main(argv=None) -> int:
    """Entry point of ``python -m skflowad.benchmark`` and ``skflowad-bench``."""
    from .cli import main as cli_main

    return cli_main(argv)
