"""Dask and Ray (the ``scale`` extra): searches and the benchmark grid on a local cluster's
joblib backend, and scoring a lazily generated chunked array (docs/howto/scale_out.md).

Workers are processes: fits running as threads of one process share torch's global
random generator, so ``random_state`` would no longer make them reproducible.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pandas as pd
import pytest
from joblib import Parallel, delayed, parallel_backend
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from conftest import anomaly_cluster_data, make_fast
from skflowad import FlowDensity
from skflowad.benchmark import run_benchmark

HAS_DASK = all(importlib.util.find_spec(m) for m in ("dask", "distributed", "dask_ml"))
HAS_RAY = importlib.util.find_spec("ray") is not None
needs_dask = pytest.mark.skipif(
    not HAS_DASK, reason="dask[distributed] and dask-ml are not installed: pip install '.[scale]'")
needs_ray = pytest.mark.skipif(not HAS_RAY, reason="ray is not installed: pip install '.[scale]'")

X_CLUSTER, Y_CLUSTER = anomaly_cluster_data()
GRID = {"learning_rate": [1e-3, 3e-3]}
CV2 = StratifiedKFold(2, shuffle=True, random_state=0)
FAST_BENCH = {"FlowDensity": dict(epochs=3, n_transforms=2, hidden_features=(16, 16))}


@pytest.fixture(scope="module")
def dask_client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def ray_session():
    import ray
    from ray.util.joblib import register_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    register_ray()
    yield ray
    ray.shutdown()


def search() -> GridSearchCV:
    return GridSearchCV(make_fast(FlowDensity), GRID, scoring="roc_auc", cv=CV2, n_jobs=2)


@pytest.fixture(scope="module")
def sequential_search():
    return search().set_params(n_jobs=1).fit(X_CLUSTER, Y_CLUSTER)


@pytest.fixture(scope="module")
def csv_dataset(tmp_path_factory):
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(180, int), np.ones(20, int)]
    X = rng.normal(size=(200, 3)) + 4.0 * y[:, None]
    path = tmp_path_factory.mktemp("data") / "tiny.csv"
    pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y).to_csv(path, index=False)
    return str(path)


def benchmark(csv_dataset, out, n_jobs):
    return run_benchmark([csv_dataset], ["P1"], ["FlowDensity", "IForest"], [0], out=out,
                         n_jobs=n_jobs, device="cpu", params=FAST_BENCH, progress=False,
                         report=False).sort_values("detector")


@pytest.fixture(scope="module")
def sequential_benchmark(csv_dataset, tmp_path_factory):
    return benchmark(csv_dataset, tmp_path_factory.mktemp("sequential"), n_jobs=1)


def assert_same_search(parallel, sequential):
    np.testing.assert_allclose(parallel.cv_results_["mean_test_score"],
                               sequential.cv_results_["mean_test_score"])
    assert parallel.best_params_ == sequential.best_params_
    assert parallel.best_score_ > 0.9


def assert_same_benchmark(parallel, sequential):
    assert list(parallel["status"]) == ["ok", "ok"], list(parallel["error"])
    np.testing.assert_allclose(parallel["auroc"], sequential["auroc"])
    assert (parallel["auroc"] > 0.9).all()


# ------------------------------------------------------------------ Dask
@needs_dask
def test_grid_search_on_dask(dask_client, sequential_search):
    from dask.distributed import get_task_stream

    with get_task_stream(dask_client) as tasks, parallel_backend("dask"):
        parallel = search().fit(X_CLUSTER, Y_CLUSTER)
    assert len(tasks.data) >= 4  # candidates x folds ran on the cluster
    assert_same_search(parallel, sequential_search)


@needs_dask
def test_benchmark_grid_on_dask(dask_client, csv_dataset, sequential_benchmark, tmp_path):
    from dask.distributed import get_task_stream

    with get_task_stream(dask_client) as tasks, parallel_backend("dask"):
        results = benchmark(csv_dataset, tmp_path, n_jobs=2)
    assert len(tasks.data) >= 2
    assert_same_benchmark(results, sequential_benchmark)


@needs_dask
def test_scoring_a_lazy_chunked_array_with_dask(dask_client):
    import dask.array as da
    from dask_ml.wrappers import ParallelPostFit

    det = make_fast(FlowDensity).fit(X_CLUSTER)
    n_rows, chunk = 2_000_000, 250_000
    X = da.random.RandomState(0).normal(size=(n_rows, X_CLUSTER.shape[1]), chunks=(chunk, -1))

    def score_block(block):  # runs on a worker, one chunk at a time
        assert block.shape[0] <= chunk, "a task received more than one chunk"
        return det.decision_function(block)

    scores = X.map_blocks(score_block, drop_axis=1, dtype=np.float64)
    assert scores.numblocks == (n_rows // chunk,)
    n_flagged, top = da.compute((scores > det.threshold_).sum(), scores.max())
    assert 0 < n_flagged < n_rows and np.isfinite(top)

    in_memory = X[chunk - 500:chunk + 500].compute()  # a slice across two chunks
    np.testing.assert_allclose(scores[chunk - 500:chunk + 500].compute(),
                               det.decision_function(in_memory))
    labels = ParallelPostFit(det).predict(X[:chunk])  # dask-ml: predict chunk by chunk
    assert labels.sum().compute() == (scores[:chunk] > det.threshold_).sum().compute()


# ------------------------------------------------------------------ Ray
@needs_ray
def test_grid_search_on_ray(ray_session, sequential_search):
    with parallel_backend("ray"):
        pids = Parallel(n_jobs=2)(delayed(os.getpid)() for _ in range(4))
        parallel = search().fit(X_CLUSTER, Y_CLUSTER)
    assert os.getpid() not in pids  # the work ran in Ray's worker processes
    assert_same_search(parallel, sequential_search)


@needs_ray
def test_benchmark_grid_on_ray(ray_session, csv_dataset, sequential_benchmark, tmp_path):
    """Ray's backend cannot stream results: the rows come when the last run ends."""
    with parallel_backend("ray"):
        results = benchmark(csv_dataset, tmp_path, n_jobs=2)
    assert_same_benchmark(results, sequential_benchmark)
