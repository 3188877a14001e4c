"""The benchmark runner: skflowad and PyOD detectors on the same splits, side by side.

Implements the benchmark protocol (``docs/benchmark.md``): for each dataset and seed, X as float64 with constant columns
dropped, a stratified 70/30 split (``random_state=seed``), train and test each capped at
``cap`` rows by a stratified subsample with the same seed, a ``StandardScaler`` fitted on the
rows the detector is trained on, and three settings:

* ``P1`` unsupervised: fit on all train rows, labels unused;
* ``P2`` novelty: fit on the train rows with ``y == 0``;
* ``P3`` semi-supervised: fit on all train rows; ``n_lab = max(1, round(0.10 * n_anom))``
  random train anomalies get ``y_lab = 1``; label-aware detectors get ``fit(X, y_lab)``.

Every run appends one row to ``OUT/results.csv`` as soon as it finishes; rows already there
are not run again, so an interrupted grid resumes. Each call that runs rows first appends a
line to ``OUT/runs.jsonl``: when, what, and the package versions and CPU it ran on (a flow's
training is deterministic on one machine, not across CPUs or library versions). A failing run is recorded with
``status="failed"`` and its error. ``OUT/summary.md`` and the figures summarise the CSV.

The command line is in :mod:`skflowad.benchmark.cli`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import json
import os
import platform
import sys
import time
import warnings
from datetime import datetime, timezone
from importlib import metadata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

from .registry import (
    DetectorSpec,
    build_detector,
    default_detectors,
    get_registry,
)
from .splits import (
    DEFAULT_CAP,
    SETTINGS,
    DatasetRef,
    Split,
    ensure_available,
    expand_datasets,
    load_dataset,
    make_split,
    setting_data,
)

__all__ = ["COLUMNS", "KEY", "plan_runs", "run_benchmark", "run_one"]

KEY: tuple[str, ...] = ("dataset", "setting", "detector", "seed")
COLUMNS: tuple[str, ...] = KEY + (
    "auroc", "auprc", "fit_s", "score_s", "device", "n_train", "n_test", "n_features",
    "n_labeled", "capped", "status", "error",
)
"""Columns of ``results.csv``, one row per (dataset, setting, detector, seed)."""


@functools.lru_cache(maxsize=2)
def _cached_split(ref: DatasetRef, seed: int, cap: int | None, data_home: str | None) -> Split:
    X, y = load_dataset(ref, data_home)
    return make_split(X, y, seed, cap)


# ----------------------------------------------------------------------------------------
# One run


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence prints and warnings of third-party detectors (PyOD's DevNet prints per epoch)."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _device_used(detector: Any, requested: str | None) -> str:
    """Device a detector ran on: its ``device_``/torch ``device`` if any, else cpu/cuda."""
    for attr in ("device_", "device"):
        value = getattr(detector, attr, None)
        if value is not None and str(value) != "auto":
            return str(value)
    if "device" not in detector.get_params():
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _one_line(exc: BaseException, limit: int = 500) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text[:limit]


def run_one(
    ref: DatasetRef,
    setting: str,
    spec: DetectorSpec,
    seed: int,
    *,
    cap: int | None = DEFAULT_CAP,
    data_home: str | None = None,
    device: str | None = "auto",
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit one detector on one dataset, setting and seed; return its CSV row.

    Never raises for a detector's failure: the row then has ``status="failed"`` and the
    error message.
    """
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(dataset=ref.name, setting=setting, detector=spec.name, seed=seed,
               status="ok", error="")
    try:
        split = _cached_split(ref, seed, cap, data_home)
        X_fit, y_lab = setting_data(split, setting, seed)
        row.update(n_train=len(X_fit), n_test=len(split.X_test), n_features=X_fit.shape[1],
                   n_labeled=int(y_lab.sum()) if y_lab is not None else 0,
                   capped=split.capped)
        scaler = StandardScaler().fit(X_fit)
        X_fit, X_test = scaler.transform(X_fit), scaler.transform(split.X_test)
        detector = build_detector(spec, params, n_features=X_fit.shape[1], seed=seed,
                                  device=device)
        row["device"] = _device_used(detector, device)
        with _quiet():
            start = time.perf_counter()
            if spec.uses_labels and y_lab is not None:
                detector.fit(X_fit, y_lab)
            else:
                detector.fit(X_fit)
            row["fit_s"] = time.perf_counter() - start
            start = time.perf_counter()
            scores = np.asarray(detector.decision_function(X_test), dtype=np.float64).ravel()
            row["score_s"] = time.perf_counter() - start
        row["device"] = _device_used(detector, device)
        if scores.shape != split.y_test.shape or not np.isfinite(scores).all():
            raise ValueError(f"decision_function returned {np.size(scores)} scores, "
                             f"{int(np.sum(~np.isfinite(scores)))} of them not finite")
        row["auroc"] = roc_auc_score(split.y_test, scores)
        row["auprc"] = average_precision_score(split.y_test, scores)
    except Exception as exc:  # recorded, not raised: one failure must not stop the grid
        row.update(status="failed", error=_one_line(exc))
    return row


# ----------------------------------------------------------------------------------------
# The grid


def _resolve_detectors(
    names: Sequence[str] | str | None, setting: str, registry: dict[str, DetectorSpec],
    quick: bool,
) -> list[str]:
    """Detector names for ``setting``; groups expanded; label-only detectors P3 only.

    A name ``Base[label]`` (e.g. ``FlowDensity[inn]``) is a variant of a registered detector:
    it is added to ``registry`` (a mutable mapping) with Base's spec, and gets its own
    parameters through ``params`` (``--param "FlowDensity[inn].flow='inn'"``).
    """
    if names is None:
        names = ["quick" if quick else "all"]
    elif isinstance(names, str):
        names = [names]
    groups = {"all", "quick", "skflowad", "pyod"}
    out: list[str] = []
    for name in names:
        out += default_detectors(setting, name) if name in groups else [name]
    for name in out:  # variants "Base[label]": Base's spec, parameters from --param
        base, bracket, _ = name.partition("[")
        if name not in registry and bracket and name.endswith("]") and base in registry:
            registry[name] = dataclasses.replace(registry[base], name=name)
    unknown = [n for n in out if n not in registry]
    if unknown:
        raise ValueError(f"Unknown detector(s) {unknown}; known: {sorted(registry)}.")
    return [n for n in dict.fromkeys(out)
            if setting == "P3" or not registry[n].requires_labels]


def plan_runs(
    datasets: Sequence[DatasetRef],
    settings: Sequence[str],
    detectors: Mapping[str, Sequence[str]],
    seeds: Sequence[int],
) -> list[tuple[DatasetRef, str, str, int]]:
    """Every (dataset, setting, detector, seed) of the grid, grouped by dataset and seed."""
    return [(ref, setting, det, seed)
            for ref in datasets for seed in seeds for setting in settings
            for det in detectors[setting]]


def _done_keys(csv_path: Path, retry_failed: bool) -> set[tuple]:
    if not csv_path.is_file():
        return set()
    from .report import load_results

    done = load_results(csv_path)
    if retry_failed:
        done = done[done["status"] == "ok"]
    return {(d, s, m, int(k)) for d, s, m, k in done[list(KEY)].itertuples(index=False)}


def _append_row(csv_path: Path, row: Mapping[str, Any]) -> None:
    import pandas as pd

    frame = pd.DataFrame([row], columns=list(COLUMNS))
    frame.to_csv(csv_path, mode="a", header=not csv_path.is_file(), index=False)


RECORDED_PACKAGES: tuple[str, ...] = (
    "skflowad", "torch", "zuko", "numpy", "scipy", "scikit-learn", "pyod",
)
"""Packages whose versions ``runs.jsonl`` records (those that can change a score)."""


def _cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` where there is one, else ``platform``'s."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def environment_record(todo: Sequence[tuple], device: str | None, n_jobs: int) -> dict:
    """What a run of ``todo`` (``(ref, setting, detector, seed)`` tuples) ran on and when."""
    versions = {}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rows": len(todo),
        "detectors": sorted({run[2] for run in todo}),
        "settings": sorted({run[1] for run in todo}),
        "seeds": sorted({int(run[3]) for run in todo}),
        "device": device, "n_jobs": n_jobs,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "python": platform.python_version(), "machine": platform.machine(),
        "cpu": _cpu_model(), "cpu_count": os.cpu_count(), "versions": versions,
    }


def run_benchmark(
    datasets: Sequence[str] = ("quick",),
    settings: Sequence[str] = SETTINGS,
    detectors: Sequence[str] | str | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    *,
    out: str | os.PathLike = "benchmark_results",
    device: str | None = "auto",
    n_jobs: int = 1,
    cap: int | None = DEFAULT_CAP,
    data_home: str | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    retry_failed: bool = False,
    registry: Mapping[str, DetectorSpec] | None = None,
    progress: bool = True,
    report: bool = True,
    figures: bool = True,
):
    """Run the grid, append rows to ``out/results.csv``, write the report.

    Parameters
    ----------
    datasets : sequence of str
        ADBench names or aliases, ``"all"``, ``"quick"``, quick-task names, or paths of
        ``.npz`` / ``.csv`` files.
    settings : sequence of {"P1", "P2", "P3"}
    detectors : sequence of str or str, optional
        Detector names and/or groups (``all``, ``quick``, ``skflowad``, ``pyod``). Default:
        ``quick`` when every dataset is a quick task, else ``all``. Detectors that need
        labels (DevNet, HistGradientBoosting) run in P3 only.
    seeds : sequence of int
    out : path, default="benchmark_results"
        Output folder: ``results.csv``, ``runs.jsonl`` (one line per call that ran rows:
        :func:`environment_record`), ``summary.md``, figures.
    device : str, default="auto"
        Passed to every detector that has a ``device`` parameter.
    n_jobs : int, default=1
        joblib workers over dataset x setting x seed x detector, on the active joblib
        backend (loky processes, or a cluster's: ``with joblib.parallel_backend("dask")``
        or ``"ray"``; see ``docs/howto/scale_out.md``).
    cap : int or None, default=5000
        Row cap of train and of test.
    data_home : str, optional
        ADBench folder (else ``SKFLOWAD_DATA``, else the cache folder).
    params : mapping, optional
        ``{detector: {parameter: value}}`` constructor overrides; a detector the run does not
        include is an error (its parameters would be silently ignored).
    retry_failed : bool, default=False
        Run again the rows recorded as failed (the new row supersedes the old one).
    registry : mapping, optional
        Detector specs by name; default :func:`get_registry` (tests add fakes here).
    progress, report, figures : bool, default=True
        Progress bar; write ``summary.md``; draw figures.

    Returns
    -------
    pandas.DataFrame
        Every row of ``results.csv`` (the last row of each key).
    """
    from .report import load_results, write_report

    registry = dict(get_registry() if registry is None else registry)
    refs = expand_datasets(datasets, data_home)
    ensure_available(refs, data_home)
    quick = all(ref.source == "quick" for ref in refs)
    names = {s: _resolve_detectors(detectors, s, registry, quick) for s in settings}
    included = {name for run in names.values() for name in run}
    if unused := set(params or {}) - included:
        raise ValueError(
            f"params name detector(s) {sorted(unused)} that this run does not include "
            f"(it runs {sorted(included)}): their parameters would be ignored."
        )
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "results.csv"
    done = _done_keys(csv_path, retry_failed)
    todo = [run for run in plan_runs(refs, settings, names, seeds)
            if (run[0].name, run[1], run[2], run[3]) not in done]
    if progress or not todo:
        print(f"{len(todo)} run(s) to do; {len(done)} already in {csv_path}"
              + (" (nothing to run: the tables below are the recorded ones)" if not todo else ""),
              file=sys.stderr)
    if todo:
        with (out_dir / "runs.jsonl").open("a") as log:
            log.write(json.dumps(environment_record(todo, device, n_jobs)) + "\n")
    kwargs = dict(cap=cap, data_home=data_home, device=device)
    calls = ((ref, setting, registry[det], seed) for ref, setting, det, seed in todo)
    for row in _execute(calls, kwargs, params or {}, n_jobs, len(todo), progress):
        _append_row(csv_path, row)
    results = load_results(csv_path) if csv_path.is_file() else None
    if report and results is not None and len(results):
        write_report(results, out_dir, figures=figures)
    return results


def _execute(calls, kwargs, params, n_jobs: int, total: int, progress: bool):
    """Yield rows as runs finish, sequentially or through joblib."""
    from tqdm.auto import tqdm

    jobs = ((ref, setting, spec, seed, dict(kwargs, params=params.get(spec.name)))
            for ref, setting, spec, seed in calls)
    if n_jobs == 1:
        rows = (run_one(r, s, sp, k, **kw) for r, s, sp, k, kw in jobs)
    else:
        from joblib import Parallel, delayed
        from joblib.parallel import get_active_backend

        # The active joblib backend runs the grid (``parallel_backend("dask")``, ...). Rows are
        # appended as runs finish where it can stream them; a backend that cannot (Ray's) gives
        # them all when the last run ends.
        streams = get_active_backend()[0].supports_return_generator
        rows = Parallel(n_jobs=n_jobs, return_as="generator_unordered" if streams else "list")(
            delayed(run_one)(r, s, sp, k, **kw) for r, s, sp, k, kw in jobs
        )
    bar = tqdm(total=total, disable=not progress or total == 0, desc="benchmark",
               unit="run", file=sys.stderr)
    with bar:
        for row in rows:
            bar.set_postfix_str(f"{row['dataset']} {row['setting']} {row['detector']}",
                                refresh=False)
            bar.update()
            yield row
