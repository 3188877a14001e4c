"""Datasets and splits of the benchmark, as the benchmark protocol defines them.

For each dataset and seed: X as float64 with constant columns dropped, a stratified 70/30
split (``random_state=seed``), train and test each capped at ``cap`` rows by a stratified
subsample with the same seed; the rows of setting P1, P2 or P3 and P3's ``y_lab``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from skflowad.datasets import (
    QUICK_TASKS,
    available_datasets,
    get_data_home,
    load_adbench,
    load_quick_task,
    resolve_adbench_name,
)

__all__ = [
    "DEFAULT_CAP",
    "SETTINGS",
    "DatasetRef",
    "Split",
    "drop_constant_columns",
    "ensure_available",
    "expand_datasets",
    "load_dataset",
    "make_split",
    "p3_labels",
    "setting_data",
]

SETTINGS: tuple[str, ...] = ("P1", "P2", "P3")
DEFAULT_CAP = 5000


@dataclass(frozen=True)
class DatasetRef:
    """A dataset of the grid: its name in the CSV and where it comes from.

    ``source`` is ``"quick"`` (:func:`skflowad.datasets.load_quick_task`), ``"adbench"``
    (:func:`skflowad.datasets.load_adbench`) or the path of a ``.npz`` / ``.csv`` file.
    """

    name: str
    source: str


@dataclass(frozen=True)
class Split:
    """Train and test rows of one dataset and seed (before scaling)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    capped: bool


def expand_datasets(specs: Iterable[str], data_home: str | None = None) -> list[DatasetRef]:
    """Turn CLI dataset arguments into dataset references.

    ``quick`` expands to the quick tasks, ``all`` to the ADBench files present in
    ``data_home``; a path ending in ``.npz`` / ``.csv`` (or an existing file) is a user file;
    anything else is an ADBench name or alias, or a quick-task name.
    """
    refs: list[DatasetRef] = []
    for spec in specs:
        if spec == "quick":
            refs += [DatasetRef(n, "quick") for n in QUICK_TASKS]
        elif spec == "all":
            names = available_datasets(data_home)
            if not names:
                raise FileNotFoundError(
                    f"--datasets all: no ADBench .npz file in the data folder "
                    f"({data_home or 'SKFLOWAD_DATA or the cache folder'})."
                )
            refs += [DatasetRef(n, "adbench") for n in names]
        elif spec in QUICK_TASKS:
            refs.append(DatasetRef(spec, "quick"))
        elif spec.lower().endswith((".npz", ".csv")) or os.path.isfile(spec):
            if not os.path.isfile(spec):
                raise FileNotFoundError(f"Dataset file {spec!r} not found.")
            refs.append(DatasetRef(Path(spec).stem, str(Path(spec).resolve())))
        else:
            refs.append(DatasetRef(resolve_adbench_name(spec), "adbench"))
    return list(dict.fromkeys(refs))


def ensure_available(refs: Iterable[DatasetRef], data_home: str | None = None) -> None:
    """Download missing ADBench files now, or raise the loader's error before any run.

    Without this, a missing file would fill the CSV with failed rows that a resumed run
    then skips.
    """
    folder = get_data_home(data_home)
    for ref in refs:
        if ref.source == "adbench" and not (folder / f"{ref.name}.npz").is_file():
            load_adbench(ref.name, data_home=data_home)


def load_dataset(ref: DatasetRef, data_home: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load ``(X, y)`` for a dataset reference.

    A CSV file has the label in column ``y`` or the last one; a CSV whose first line is all
    numbers has no header, and that line is the first row of data.
    """
    if ref.source == "quick":
        return load_quick_task(ref.name)
    if ref.source == "adbench":
        return load_adbench(ref.name, data_home=data_home)
    if ref.source.lower().endswith(".csv"):
        import pandas as pd

        frame = pd.read_csv(ref.source)
        if all(_is_number(name) for name in frame.columns):  # no header: keep the first row
            frame = pd.read_csv(ref.source, header=None)
        label = "y" if "y" in frame.columns else frame.columns[-1]
        return (frame.drop(columns=label).to_numpy(dtype=np.float64),
                frame[label].to_numpy(dtype=np.int64))
    with np.load(ref.source, allow_pickle=False) as data:
        return np.asarray(data["X"], np.float64), np.asarray(data["y"]).ravel().astype(np.int64)


def _is_number(text) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def drop_constant_columns(X: np.ndarray) -> np.ndarray:
    """Return ``X`` as float64 without its constant columns."""
    X = np.asarray(X, dtype=np.float64)
    return X[:, np.ptp(X, axis=0) > 0]


def _cap(X: np.ndarray, y: np.ndarray, cap: int | None, seed: int):
    """Stratified subsample of at most ``cap`` rows; returns ``(X, y, capped)``."""
    if cap is None or len(y) <= cap:
        return X, y, False
    X_kept, _, y_kept, _ = train_test_split(
        X, y, train_size=cap, stratify=y, random_state=seed
    )
    return X_kept, y_kept, True


def make_split(X: np.ndarray, y: np.ndarray, seed: int, cap: int | None = DEFAULT_CAP) -> Split:
    """The protocol's split: constant columns dropped, stratified 70/30, capped.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        ``1`` = anomaly.
    seed : int
        ``random_state`` of the split and of the caps.
    cap : int or None, default=5000
        Most rows kept in train and in test (stratified subsample); ``None``: no cap.
    """
    X = drop_constant_columns(X)
    y = np.asarray(y).astype(np.int64)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    X_tr, y_tr, cap_tr = _cap(X_tr, y_tr, cap, seed)
    X_te, y_te, cap_te = _cap(X_te, y_te, cap, seed)
    return Split(X_tr, y_tr, X_te, y_te, cap_tr or cap_te)


def p3_labels(y_train: np.ndarray, seed: int) -> np.ndarray:
    """``y_lab`` of P3: ``max(1, round(0.10 * n_anomalies))`` random train anomalies are 1.

    ``round`` is Python's (halves to even: 2.5 -> 2, 3.5 -> 4); the draw uses
    ``np.random.RandomState(seed)``.
    """
    anomalies = np.flatnonzero(np.asarray(y_train) == 1)
    y_lab = np.zeros(len(y_train), dtype=np.int64)
    if len(anomalies) == 0:
        return y_lab
    n_lab = max(1, round(0.10 * len(anomalies)))
    y_lab[np.random.RandomState(seed).choice(anomalies, size=n_lab, replace=False)] = 1
    return y_lab


def setting_data(split: Split, setting: str, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows a detector is trained on, and ``y_lab`` (P3 only, else ``None``)."""
    if setting == "P1":
        return split.X_train, None
    if setting == "P2":
        return split.X_train[split.y_train == 0], None
    if setting == "P3":
        return split.X_train, p3_labels(split.y_train, seed)
    raise ValueError(f"Unknown setting {setting!r}; choose from {SETTINGS}.")
