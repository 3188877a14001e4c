"""FlowDetector machinery: scaling, constant columns, devices, persistence, batching."""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pandas as pd
import pytest
import torch

import skflowad
from skflowad import FlowDensity
from skflowad.base import resolve_device

from conftest import anomaly_cluster_data, make_fast

X, Y = anomaly_cluster_data()


def test_constant_columns_are_dropped_and_scores_stay_finite():
    Xc = np.column_stack([X, np.full(len(X), 3.0), X[:, 0]])
    det = make_fast(FlowDensity).fit(Xc)
    assert det.kept_features_.tolist() == [True] * 4 + [False, True]
    assert det.n_kept_features_ == 5
    X_test = Xc.copy()
    X_test[:, 4] = 1e12  # a hostile value in the dropped column
    assert np.isfinite(det.decision_function(X_test)).all()


def test_all_constant_features_is_a_clear_error():
    with pytest.raises(ValueError, match="constant"):
        make_fast(FlowDensity).fit(np.ones((20, 3)))


def test_one_feature_works():
    det = make_fast(FlowDensity).fit(X[:, :1])
    assert np.isfinite(det.decision_function(X[:, :1])).all()


def test_huge_values_give_finite_scores():
    det = make_fast(FlowDensity).fit(X)
    scores = det.decision_function(np.vstack([X[:5], np.full((1, 4), 1e12)]))
    assert np.isfinite(scores).all()
    assert scores[-1] == scores.max()


def test_batched_scoring_equals_one_batch():
    det = make_fast(FlowDensity).fit(X)
    whole = det.decision_function(X)
    det.set_params(score_batch_size=7)
    np.testing.assert_allclose(det.decision_function(X), whole, rtol=1e-6)


def test_scoring_memory_is_the_output_plus_a_few_batches():
    """Issue 9: scoring adds the float64 output and O(batch) buffers, whatever n is."""
    det = make_fast(FlowDensity, score_batch_size=1000).fit(X)
    X_big = np.random.default_rng(0).normal(size=(200_000, X.shape[1]))
    det.decision_function(X_big[:1000])  # warm-up
    tracemalloc.start()
    try:
        scores = det.decision_function(X_big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    batch_bytes = 1000 * X.shape[1] * 8
    # One copy of the output: a whole-output temporary (a second copy, or NaN masks
    # over all rows) fails this.
    assert peak < scores.nbytes + 10 * batch_bytes + 200_000
    assert np.isfinite(scores).all()


def test_dataframe_feature_names_are_checked():
    frame = pd.DataFrame(X, columns=list("abcd"))
    det = make_fast(FlowDensity).fit(frame)
    assert list(det.feature_names_in_) == list("abcd")
    with pytest.raises(ValueError, match="feature names"):
        det.decision_function(frame.rename(columns={"a": "z"}))


def test_model_saved_on_cuda_loads_on_a_cpu_only_machine(monkeypatch):
    det = make_fast(FlowDensity).fit(X)
    expected = det.decision_function(X)
    det.device_ = torch.device("cuda", 0)  # as if it had been fitted on a GPU
    payload = pickle.dumps(det)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = pickle.loads(payload)
    assert loaded.device_ == torch.device("cpu")
    np.testing.assert_array_equal(loaded.decision_function(X), expected)


def test_pickle_records_the_version_and_refuses_an_incompatible_one():
    det = make_fast(FlowDensity).fit(X)
    state = det.__getstate__()
    assert state["_skflowad_version"] == skflowad.__version__
    state["_skflowad_version"] = "99.0.0"
    with pytest.raises(ValueError, match="skflowad 99.0.0"):
        FlowDensity.__new__(FlowDensity).__setstate__(state)


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in {"cpu", "cuda"}
    with pytest.raises(ValueError, match="device"):
        resolve_device("banana")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


def test_verbose_shows_a_progress_bar(capsys):
    make_fast(FlowDensity, verbose=1, epochs=2).fit(X)
    assert "FlowDensity flow" in capsys.readouterr().err


def test_history_records_training():
    det = make_fast(FlowDensity, epochs=4, patience=None).fit(X)
    history = det.history_["flow"]
    assert history.n_epochs == 4 and len(history.loss_curve) == 4
    assert 1 <= history.best_epoch <= 4
