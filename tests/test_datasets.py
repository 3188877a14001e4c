"""Tests of skflowad.datasets: ADBench loading, data folder, download (faked), quick tasks."""

import os
import urllib.error
import warnings
from pathlib import Path

import numpy as np
import pytest

from skflowad import datasets
from skflowad.datasets import (
    ADBENCH_CLASSICAL,
    ADBENCH_CV,
    ADBENCH_DATASETS,
    QUICK_TASKS,
    available_datasets,
    get_data_home,
    load_adbench,
    load_quick_task,
    load_quick_tasks,
    resolve_adbench_name,
)

SHARED = Path(os.environ.get("SKFLOWAD_DATA") or
              Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "adbench")
REAL_FETCH = datasets._fetch  # kept before the autouse fixture replaces it
needs_shared = pytest.mark.skipif(
    not (SHARED / "38_thyroid.npz").is_file(), reason="shared ADBench folder not found"
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never download: any unexpected fetch fails loudly."""
    def refuse(url, dest, **kwargs):
        raise AssertionError(f"unexpected download of {url}")

    monkeypatch.setattr(datasets, "_fetch", refuse)


def _write_npz(path, n=20, d=3, seed=0):
    rng = np.random.RandomState(seed)
    y = np.r_[np.zeros(n - 2, int), np.ones(2, int)]
    np.savez(path, X=rng.normal(size=(n, d)).astype(np.float32), y=y)
    return y


def test_names_tuple():
    assert len(ADBENCH_CLASSICAL) == 47
    assert len(set(ADBENCH_DATASETS)) == len(ADBENCH_DATASETS)
    assert {"CIFAR10_0", "SVHN_8", "MVTec-AD_bottle", "MNIST-C_zigzag"} <= set(ADBENCH_CV)


@pytest.mark.parametrize("alias, full", [
    ("38_thyroid", "38_thyroid"), ("thyroid", "38_thyroid"), ("THYROID", "38_thyroid"),
    ("satimage-2", "31_satimage-2"), ("cifar10_0", "CIFAR10_0"),
    ("MVTec-AD_metal_nut.npz", "MVTec-AD_metal_nut"), ("annthyroid", "2_annthyroid"),
])
def test_resolve_aliases(alias, full):
    assert resolve_adbench_name(alias) == full


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="thyroid"):
        resolve_adbench_name("thyriod")


@needs_shared
def test_shared_files_are_known_names():
    present = {p.stem for p in SHARED.glob("*.npz")}
    assert present and present <= set(ADBENCH_DATASETS)
    assert set(available_datasets(SHARED)) == present


@needs_shared
def test_load_shared_by_name_and_alias():
    X, y = load_adbench("38_thyroid", data_home=SHARED, download=False)
    X2, y2 = load_adbench("thyroid", data_home=SHARED, download=False)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert X.shape == (3772, 6) and y.sum() == 93
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


@needs_shared
def test_env_var_and_argument_priority(monkeypatch, tmp_path):
    monkeypatch.setenv("SKFLOWAD_DATA", str(SHARED))
    assert get_data_home() == SHARED
    assert load_adbench("vertebral")[0].shape == (240, 6)
    assert get_data_home(tmp_path) == tmp_path  # the argument wins over the variable


def test_default_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SKFLOWAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert get_data_home() == tmp_path / "skflowad" / "adbench"


def test_offline_error_names_file_folder_and_variable(monkeypatch, tmp_path):
    def offline(url, dest, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(datasets, "_fetch", offline)
    with pytest.raises(FileNotFoundError) as info:
        load_adbench("yeast", data_home=tmp_path)
    message = str(info.value)
    assert "47_yeast.npz" in message and str(tmp_path) in message
    assert "SKFLOWAD_DATA" in message and "no network" in message


def test_download_false_does_not_fetch(tmp_path):
    # the autouse fixture makes any fetch an AssertionError
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_adbench("wine", data_home=tmp_path, download=False)


def test_download_writes_file_once(monkeypatch, tmp_path):
    calls = []

    def fake_fetch(url, dest, **kwargs):
        calls.append(url)
        _write_npz(dest)

    monkeypatch.setattr(datasets, "_fetch", fake_fetch)
    X, y = load_adbench("wine", data_home=tmp_path / "new")
    assert X.shape == (20, 3) and y.sum() == 2
    assert calls == [f"{datasets.ADBENCH_URL}/Classical/45_wine.npz"]
    load_adbench("45_wine", data_home=tmp_path / "new")
    assert len(calls) == 1  # second load reads the file
    load_adbench("SVHN_0", data_home=tmp_path / "new")
    assert calls[-1].endswith("/CV_by_ResNet18/SVHN_0.npz")


def test_invalid_download_is_removed(monkeypatch, tmp_path):
    def fake_fetch(url, dest, **kwargs):
        dest.write_text("<html>not found</html>")

    monkeypatch.setattr(datasets, "_fetch", fake_fetch)
    with pytest.raises(ValueError, match="not a valid ADBench archive"):
        load_adbench("wine", data_home=tmp_path)
    assert not (tmp_path / "45_wine.npz").exists()


def test_fetch_goes_through_pooch_and_leaves_no_partial_file(tmp_path):
    # the real _fetch with a local downloader in place of pooch's HTTP one (no network)
    source = tmp_path / "src.npz"
    _write_npz(source)

    def copy(url, output_file, pooch):
        with open(output_file, "wb") as out:
            out.write(source.read_bytes())

    def broken(url, output_file, pooch):
        with open(output_file, "wb") as out:
            out.write(b"half a file")
        raise OSError("connection reset")

    dest = tmp_path / "out" / "copy.npz"
    dest.parent.mkdir()
    REAL_FETCH("https://example.invalid/copy.npz", dest, downloader=copy)
    assert dest.read_bytes() == source.read_bytes()
    with pytest.raises(OSError, match="reset"):
        REAL_FETCH("https://example.invalid/x.npz", tmp_path / "out" / "x.npz",
                   downloader=broken)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["copy.npz"]  # no partial file


def test_download_with_another_hash_warns(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "_fetch", lambda url, dest, **kwargs: _write_npz(dest))
    assert "45_wine" in datasets.ADBENCH_SHA256
    with pytest.warns(datasets.DatasetVersionWarning, match="SHA-256"):
        load_adbench("wine", data_home=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a local file is read as it is: no hash check
        load_adbench("wine", data_home=tmp_path)


@needs_shared
def test_registered_hashes_are_those_of_the_shared_files():
    import pooch

    names = available_datasets(SHARED)
    assert len(names) >= 45 and set(names) <= set(datasets.ADBENCH_SHA256)
    for name in names:
        assert pooch.file_hash(str(SHARED / f"{name}.npz")) == datasets.ADBENCH_SHA256[name]


def test_available_datasets_lists_only_known_files(tmp_path):
    _write_npz(tmp_path / "45_wine.npz")
    _write_npz(tmp_path / "38_thyroid.npz")
    _write_npz(tmp_path / "my_own.npz")
    assert available_datasets(tmp_path) == ["38_thyroid", "45_wine"]


@pytest.mark.parametrize("name", QUICK_TASKS)
def test_quick_tasks_are_valid_and_deterministic(name):
    X, y = load_quick_task(name, random_state=0)
    assert X.dtype == np.float64 and X.ndim == 2 and np.isfinite(X).all()
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1} and len(y) == len(X)
    assert 0.02 <= y.mean() <= 0.15  # a few % anomalies
    X_again, y_again = load_quick_task(name, random_state=0)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    X_other, _ = load_quick_task(name, random_state=1)
    assert not np.array_equal(X, X_other)  # the seed matters


def test_load_quick_tasks_and_unknown():
    tasks = load_quick_tasks()
    assert list(tasks) == list(QUICK_TASKS)
    with pytest.raises(ValueError, match="quick task"):
        load_quick_task("nope")
