"""Datasets for anomaly detection: ADBench files and small tasks that need no download.

ADBench (Han et al., "ADBench: Anomaly Detection Benchmark", NeurIPS 2022,
https://github.com/Minqi824/ADBench) ships each dataset as an ``.npz`` file holding
``X`` (features) and ``y`` (``1`` = anomaly). :func:`load_adbench` reads them from a
data folder and, when a file is missing and the network allows, downloads it from
ADBench's public repository with pooch (atomic writes, a progress bar) and compares its
SHA-256 with :data:`ADBENCH_SHA256`, the hashes of the files the benchmark tables were
computed from. :func:`load_quick_task` builds small anomaly tasks from
data bundled with scikit-learn and PyOD, for tests and the quick benchmark.
"""

from __future__ import annotations

import difflib
import os
import re
import warnings
from pathlib import Path

import numpy as np

from ._adbench_sha256 import ADBENCH_SHA256

__all__ = [
    "ADBENCH_CLASSICAL",
    "ADBENCH_CV",
    "ADBENCH_DATASETS",
    "ADBENCH_SHA256",
    "ADBENCH_URL",
    "DatasetVersionWarning",
    "QUICK_TASKS",
    "available_datasets",
    "get_data_home",
    "load_adbench",
    "load_quick_task",
    "load_quick_tasks",
    "resolve_adbench_name",
]

ADBENCH_URL = "https://github.com/Minqi824/ADBench/raw/main/adbench/datasets"
"""Root of ADBench's dataset folders; a file lives at ``{ADBENCH_URL}/{folder}/{name}.npz``."""

ENV_VAR = "SKFLOWAD_DATA"


class DatasetVersionWarning(UserWarning):
    """A downloaded ADBench file is not the one the benchmark tables were computed from."""


ADBENCH_CLASSICAL: tuple[str, ...] = (
    "1_ALOI", "2_annthyroid", "3_backdoor", "4_breastw", "5_campaign", "6_cardio",
    "7_Cardiotocography", "8_celeba", "9_census", "10_cover", "11_donors", "12_fault",
    "13_fraud", "14_glass", "15_Hepatitis", "16_http", "17_InternetAds", "18_Ionosphere",
    "19_landsat", "20_letter", "21_Lymphography", "22_magic.gamma", "23_mammography",
    "24_mnist", "25_musk", "26_optdigits", "27_PageBlocks", "28_pendigits", "29_Pima",
    "30_satellite", "31_satimage-2", "32_shuttle", "33_skin", "34_smtp", "35_SpamBase",
    "36_speech", "37_Stamps", "38_thyroid", "39_vertebral", "40_vowels", "41_Waveform",
    "42_WBC", "43_WDBC", "44_Wilt", "45_wine", "46_WPBC", "47_yeast",
)
"""The 47 tabular datasets of ADBench (folder ``Classical``)."""

_MNIST_C = (
    "brightness", "canny_edges", "dotted_line", "fog", "glass_blur", "identity",
    "impulse_noise", "motion_blur", "rotate", "scale", "shear", "shot_noise", "spatter",
    "stripe", "translate", "zigzag",
)
_MVTEC = (
    "bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather", "metal_nut",
    "pill", "screw", "tile", "toothbrush", "transistor", "wood", "zipper",
)
ADBENCH_CV: tuple[str, ...] = (
    tuple(f"CIFAR10_{k}" for k in range(10))
    + tuple(f"FashionMNIST_{k}" for k in range(10))
    + tuple(f"SVHN_{k}" for k in range(10))
    + tuple(f"MNIST-C_{c}" for c in _MNIST_C)
    + tuple(f"MVTec-AD_{c}" for c in _MVTEC)
)
"""ADBench's image sets as 512-d ResNet-18 features (folder ``CV_by_ResNet18``)."""

ADBENCH_DATASETS: tuple[str, ...] = ADBENCH_CLASSICAL + ADBENCH_CV
"""Every ADBench name :func:`load_adbench` knows."""

QUICK_TASKS: tuple[str, ...] = (
    "sk_breast_cancer", "sk_digits", "sk_wine", "sk_iris", "sk_moons", "pyod_generated",
)
"""Names of the small tasks of :func:`load_quick_task` (no download needed)."""


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """Return the folder that holds ADBench ``.npz`` files.

    Parameters
    ----------
    data_home : str or path-like, optional
        Used as is when given. Otherwise the environment variable ``SKFLOWAD_DATA``,
        otherwise ``$XDG_CACHE_HOME/skflowad/adbench`` (``~/.cache/skflowad/adbench``).

    Returns
    -------
    pathlib.Path
        The folder (not created).
    """
    if data_home is not None:
        return Path(data_home).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "skflowad" / "adbench"


def resolve_adbench_name(name: str) -> str:
    """Return the full ADBench name for ``name``.

    Accepts full names (``"38_thyroid"``, ``"CIFAR10_0"``), short aliases without the
    number prefix (``"thyroid"``), any letter case and an optional ``.npz`` suffix.

    Raises
    ------
    ValueError
        If the name is unknown; the message suggests close names.
    """
    key = name.removesuffix(".npz").lower()
    for full in ADBENCH_DATASETS:
        if key in (full.lower(), _short(full).lower()):
            return full
    options = list(ADBENCH_DATASETS) + [_short(n) for n in ADBENCH_CLASSICAL]
    close = difflib.get_close_matches(name, options, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ValueError(f"Unknown ADBench dataset {name!r}.{hint} See ADBENCH_DATASETS.")


def available_datasets(data_home: str | os.PathLike | None = None) -> list[str]:
    """List the ADBench datasets present in the data folder, in ``ADBENCH_DATASETS`` order."""
    folder = get_data_home(data_home)
    return [n for n in ADBENCH_DATASETS if (folder / f"{n}.npz").is_file()]


def load_adbench(
    name: str,
    data_home: str | os.PathLike | None = None,
    download: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Load an ADBench dataset.

    Parameters
    ----------
    name : str
        Full ADBench name (``"38_thyroid"``, ``"MVTec-AD_bottle"``) or short alias
        (``"thyroid"``).
    data_home : str or path-like, optional
        Folder of ``.npz`` files; see :func:`get_data_home` for the default.
    download : bool, default=True
        Download a missing file from ADBench's public repository into ``data_home``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int64
        ``1`` = anomaly, ``0`` = normal.

    Raises
    ------
    FileNotFoundError
        If the file is missing and cannot be downloaded; the message names the file,
        the folder searched and the variable ``SKFLOWAD_DATA``.
    """
    full = resolve_adbench_name(name)
    folder = get_data_home(data_home)
    path = folder / f"{full}.npz"
    if not path.is_file():
        _obtain(full, path, download)
    return _read_npz(path)


def _short(full: str) -> str:
    return re.sub(r"^\d+_", "", full)


def _url(full: str) -> str:
    folder = "Classical" if full in ADBENCH_CLASSICAL else "CV_by_ResNet18"
    return f"{ADBENCH_URL}/{folder}/{full}.npz"


def _obtain(full: str, path: Path, download: bool) -> None:
    """Download ``full`` to ``path`` or raise a FileNotFoundError that says what to do."""
    reason = "downloading is switched off (download=False)"
    if download:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _fetch(_url(full), path)
        except OSError as exc:  # requests' errors, timeouts and disk errors are OSErrors
            reason = f"the download from {_url(full)} failed ({exc})"
        else:
            _check_download(path)
            return
    raise FileNotFoundError(
        f"ADBench file {path.name!r} not found in {str(path.parent)!r}, and {reason}. "
        f"Put the file there, or point the environment variable {ENV_VAR} (or the "
        f"data_home argument) at a folder that holds it."
    )


def _check_download(path: Path) -> None:
    """Remove a downloaded file that is not a valid ADBench archive (then raise), and warn
    when its SHA-256 is not the registered one (:data:`ADBENCH_SHA256`)."""
    try:
        _read_npz(path)
    except Exception as exc:
        path.unlink(missing_ok=True)
        raise ValueError(f"The file downloaded to {path} is not a valid ADBench archive ({exc}).")
    import pooch

    expected = ADBENCH_SHA256.get(path.stem)
    got = pooch.file_hash(str(path), alg="sha256")
    if expected is not None and got != expected:
        warnings.warn(
            f"{path.name} has SHA-256 {got}, not {expected}, the file the benchmark tables "
            "were computed from: results on it may differ from the published ones.",
            DatasetVersionWarning, stacklevel=4,
        )


def _fetch(url: str, dest: Path, downloader=None) -> None:
    """Download ``url`` to ``dest`` with pooch: a temporary file renamed when complete, so
    an interrupted download leaves nothing behind; a progress bar on the terminal.

    ``downloader`` replaces pooch's HTTP downloader (``downloader(url, output_file, pooch)``).
    """
    import pooch

    pooch.retrieve(url, known_hash=None, fname=dest.name, path=dest.parent,
                   downloader=downloader or pooch.HTTPDownloader(progressbar=True, timeout=60))


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        if "X" not in data or "y" not in data:
            raise ValueError(f"{path} holds {sorted(data.files)}, expected arrays 'X' and 'y'.")
        X = np.asarray(data["X"], dtype=np.float64)
        y = np.asarray(data["y"]).ravel().astype(np.int64)
    if X.ndim != 2 or X.shape[0] != y.shape[0] or not np.isin(y, (0, 1)).all():
        raise ValueError(f"{path}: expected X of shape (n, d) and y in {{0, 1}} of length n.")
    return X, y


# ----------------------------------------------------------------------------------------
# Quick tasks: bundled data, no download.


def load_quick_task(name: str, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Build a small anomaly task from data bundled with scikit-learn or PyOD.

    One class of a bundled classification set is normal; a few rows drawn from the other
    classes are the anomalies (``y == 1``). Deterministic given ``random_state``.

    - ``sk_breast_cancer``: benign (357 rows) normal, 5 % malignant;
    - ``sk_digits``: digit 9 (180) normal, 10 % other digits (64 features);
    - ``sk_wine``: cultivar 1 (71) normal, 10 % other cultivars;
    - ``sk_iris``: virginica (50) normal, 10 % setosa / versicolor;
    - ``sk_moons``: ``make_moons`` (1000 rows, noise 0.1) normal, 5 % uniform on their
      bounding box (some land on the moons, so AUROC < 1 is expected);
    - ``pyod_generated``: PyOD's ``generate_data``, 1500 rows x 10 features, 5 % anomalies.

    Parameters
    ----------
    name : str
        One of :data:`QUICK_TASKS`.
    random_state : int, default=0
        Seed of the anomaly subsample (and of ``generate_data``).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int64
    """
    if name not in _QUICK_SPECS:
        raise ValueError(f"Unknown quick task {name!r}; choose from {QUICK_TASKS}.")
    return _QUICK_SPECS[name](random_state)


def load_quick_tasks(random_state: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return every quick task as ``{name: (X, y)}``; see :func:`load_quick_task`."""
    return {name: load_quick_task(name, random_state) for name in QUICK_TASKS}


def _one_vs_rest(
    X: np.ndarray, labels: np.ndarray, normal: int, fraction: float, random_state: int
) -> tuple[np.ndarray, np.ndarray]:
    """Normal class ``normal`` plus anomalies from other classes, ``fraction`` of all rows."""
    rng = np.random.RandomState(random_state)
    normal_idx = np.flatnonzero(labels == normal)
    other_idx = np.flatnonzero(labels != normal)
    n_anom = max(2, round(len(normal_idx) * fraction / (1.0 - fraction)))
    anom_idx = np.sort(rng.choice(other_idx, size=n_anom, replace=False))
    idx = np.concatenate([normal_idx, anom_idx])
    y = np.r_[np.zeros(len(normal_idx), np.int64), np.ones(n_anom, np.int64)]
    return np.asarray(X[idx], dtype=np.float64), y


def _sklearn_task(loader_name: str, normal: int, fraction: float):
    def load(random_state: int) -> tuple[np.ndarray, np.ndarray]:
        import sklearn.datasets

        X, labels = getattr(sklearn.datasets, loader_name)(return_X_y=True)
        return _one_vs_rest(X, labels, normal, fraction, random_state)

    return load


def _moons(random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """Two moons; anomalies uniform on their bounding box (some land on the moons)."""
    from sklearn.datasets import make_moons

    rng = np.random.RandomState(random_state)
    X_normal, _ = make_moons(n_samples=1000, noise=0.1, random_state=random_state)
    low, high = X_normal.min(axis=0), X_normal.max(axis=0)
    X_anom = rng.uniform(low, high, size=(53, 2))  # 53 / 1053 = 5 %
    y = np.r_[np.zeros(1000, np.int64), np.ones(53, np.int64)]
    return np.vstack([X_normal, X_anom]).astype(np.float64), y


def _pyod_generated(random_state: int) -> tuple[np.ndarray, np.ndarray]:
    from pyod.utils.data import generate_data

    X_tr, X_te, y_tr, y_te = generate_data(
        n_train=1000, n_test=500, n_features=10, contamination=0.05,
        random_state=random_state,
    )
    X = np.vstack([X_tr, X_te]).astype(np.float64)
    return X, np.r_[y_tr, y_te].astype(np.int64)


_QUICK_SPECS = {
    # breast cancer: target 0 = malignant, 1 = benign
    "sk_breast_cancer": _sklearn_task("load_breast_cancer", normal=1, fraction=0.05),
    "sk_digits": _sklearn_task("load_digits", normal=9, fraction=0.10),
    "sk_wine": _sklearn_task("load_wine", normal=1, fraction=0.10),
    "sk_iris": _sklearn_task("load_iris", normal=2, fraction=0.10),
    "sk_moons": _moons,
    "pyod_generated": _pyod_generated,
}
