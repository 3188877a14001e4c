"""The contract of DESIGN.md, checked for every detector skflowad exports."""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from conftest import anomaly_cluster_data, make_fast

X_CLUSTER, Y_CLUSTER = anomaly_cluster_data()


@pytest.fixture
def fitted(detector_cls):
    return make_fast(detector_cls).fit(X_CLUSTER)


def test_fit_returns_self_and_sets_attributes(detector_cls):
    det = make_fast(detector_cls)
    assert det.fit(X_CLUSTER) is det
    n = X_CLUSTER.shape[0]
    assert det.n_features_in_ == X_CLUSTER.shape[1]
    assert det.decision_scores_.shape == (n,)
    assert np.isscalar(det.threshold_) or np.ndim(det.threshold_) == 0
    assert set(np.unique(det.labels_)) <= {0, 1}
    assert str(det.device_) == "cpu"


def test_scores_are_finite_float64(fitted):
    scores = fitted.decision_function(X_CLUSTER[:50])
    assert scores.dtype == np.float64 and scores.shape == (50,)
    assert np.isfinite(scores).all()


def test_predict_flags_about_contamination(detector_cls):
    det = make_fast(detector_cls, contamination=0.1).fit(X_CLUSTER)
    assert set(np.unique(det.predict(X_CLUSTER))) <= {0, 1}
    assert abs(det.labels_.mean() - 0.1) <= 0.02


def test_pyod_api(fitted):
    X = X_CLUSTER[:40]
    proba = fitted.predict_proba(X)
    assert proba.shape == (40, 2) and np.allclose(proba.sum(axis=1), 1)
    assert fitted.predict_proba(X, method="unify").shape == (40, 2)
    labels, confidence = fitted.predict(X, return_confidence=True)
    assert labels.shape == confidence.shape == (40,)
    assert ((0 <= confidence) & (confidence <= 1)).all()
    assert set(np.unique(fitted.predict_with_rejection(X))) <= {-2, 0, 1}


def test_fit_predict(detector_cls):
    labels = make_fast(detector_cls).fit_predict(X_CLUSTER)
    assert labels.shape == (X_CLUSTER.shape[0],)


def test_clone_and_params(detector_cls):
    det = make_fast(detector_cls, contamination=0.05)
    twin = clone(det)
    assert twin.get_params() == det.get_params()
    twin.set_params(contamination=0.2)
    assert twin.contamination == 0.2 and det.contamination == 0.05


def test_obvious_anomaly_cluster_is_separated_when_trained_on_normals(detector_cls):
    det = make_fast(detector_cls).fit(X_CLUSTER[Y_CLUSTER == 0])
    X, y = anomaly_cluster_data(seed=1)
    assert roc_auc_score(y, det.decision_function(X)) > 0.9


def test_obvious_anomaly_cluster_is_separated_from_contaminated_data(fitted):
    # every detector, NFAD included: its train_trim="auto" keeps the rows its flow finds
    # unlikely out of the classifier's normal class
    X, y = anomaly_cluster_data(seed=1)
    assert roc_auc_score(y, fitted.decision_function(X)) > 0.9


def test_in_pipeline(detector_cls):
    normals = X_CLUSTER[Y_CLUSTER == 0]
    pipe = make_pipeline(StandardScaler(), make_fast(detector_cls)).fit(normals)
    assert roc_auc_score(Y_CLUSTER, pipe.decision_function(X_CLUSTER)) > 0.9
    assert set(np.unique(pipe.predict(X_CLUSTER))) <= {0, 1}


def test_grid_search_with_anomaly_labels(detector_cls):
    search = GridSearchCV(
        make_fast(detector_cls),
        {"learning_rate": [1e-3, 3e-3]},
        scoring="roc_auc",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X_CLUSTER, Y_CLUSTER)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_score_ > 0.9


@pytest.mark.parametrize("dump_load", ["pickle", "joblib"])
def test_persistence_round_trip(fitted, dump_load, tmp_path):
    if dump_load == "pickle":
        loaded = pickle.loads(pickle.dumps(fitted))
    else:
        joblib.dump(fitted, tmp_path / "det.joblib")
        loaded = joblib.load(tmp_path / "det.joblib")
    np.testing.assert_array_equal(
        loaded.decision_function(X_CLUSTER), fitted.decision_function(X_CLUSTER)
    )
    np.testing.assert_array_equal(loaded.predict(X_CLUSTER), fitted.predict(X_CLUSTER))


def test_same_random_state_same_scores(detector_cls):
    a = make_fast(detector_cls, random_state=7).fit(X_CLUSTER).decision_function(X_CLUSTER)
    b = make_fast(detector_cls, random_state=7).fit(X_CLUSTER).decision_function(X_CLUSTER)
    np.testing.assert_array_equal(a, b)


def test_fit_does_not_touch_global_torch_rng(detector_cls):
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    make_fast(detector_cls).fit(X_CLUSTER[:100])
    np.testing.assert_array_equal(torch.rand(3), expected)


# ---------------------------------------------------------------- bad input
BAD_X = {
    "nan": (np.array([[0.0, 1.0], [np.nan, 2.0], [1.0, 1.0]]), ValueError, "NaN"),
    "inf": (np.array([[0.0, 1.0], [np.inf, 2.0], [1.0, 1.0]]), ValueError, "infinity"),
    "empty": (np.empty((0, 2)), ValueError, "0 sample"),
    "one_row": (np.array([[0.0, 1.0]]), ValueError, "minimum of 2"),
    "strings": (np.array([["a", "b"], ["c", "d"]]), ValueError, "string"),
    "complex": (np.array([[1 + 1j, 2.0], [3.0, 4.0]]), ValueError, "omplex"),
    "3d": (np.zeros((3, 2, 2)), ValueError, "dim"),
}


@pytest.mark.parametrize("case", list(BAD_X))
def test_bad_X_at_fit_is_a_clear_error(detector_cls, case):
    X, error, message = BAD_X[case]
    with pytest.raises(error, match=message):
        make_fast(detector_cls).fit(X)


def test_sparse_input_is_a_clear_error(detector_cls):
    from scipy import sparse

    with pytest.raises(TypeError, match="dense data is required"):
        make_fast(detector_cls).fit(sparse.csr_matrix(X_CLUSTER))


def test_wrong_number_of_features_at_predict(fitted):
    with pytest.raises(ValueError, match="features"):
        fitted.decision_function(X_CLUSTER[:, :-1])


def test_unfitted_detector_refuses_to_score(detector_cls):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        make_fast(detector_cls).decision_function(X_CLUSTER)


@pytest.mark.parametrize(
    "y, message",
    [
        (np.zeros(5, int), "labels but X has"),
        (np.full(X_CLUSTER.shape[0], 2), "0 .normal or unlabeled. and 1"),
        (np.array(["a"] * X_CLUSTER.shape[0]), "non-numeric"),
        (np.full(X_CLUSTER.shape[0], np.nan), "0 .normal or unlabeled. and 1"),
    ],
)
def test_bad_y_is_a_clear_error(detector_cls, y, message):
    with pytest.raises(ValueError, match=message):
        make_fast(detector_cls).fit(X_CLUSTER, y)


def test_invalid_parameters_are_reported_at_fit(detector_cls):
    with pytest.raises(ValueError, match="contamination"):
        make_fast(detector_cls, contamination=0.9).fit(X_CLUSTER)
    with pytest.raises(ValueError, match="device"):
        make_fast(detector_cls, device="tpu").fit(X_CLUSTER)


# The class fixture is a constant, so sharing it between generated inputs is safe.
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@PROPERTY_SETTINGS
@given(
    X=arrays(
        np.float64,
        st.tuples(st.integers(2, 20), st.integers(1, 4)),
        elements=st.one_of(
            st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([np.nan, np.inf])
        ),
    )
)
def test_property_non_finite_input_is_rejected_before_training(detector_cls, X):
    X[0, 0] = np.nan  # at least one non-finite value
    with pytest.raises(ValueError, match="NaN|infinity"):
        make_fast(detector_cls).fit(X)


@PROPERTY_SETTINGS
@given(
    y=arrays(np.int64, 30, elements=st.integers(-3, 5)).filter(
        lambda y: not np.isin(y, (0, 1)).all()
    )
)
def test_property_labels_outside_0_1_are_rejected(detector_cls, y):
    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(ValueError, match="0 .normal or unlabeled. and 1"):
        make_fast(detector_cls).fit(X, y)


def test_failed_fit_leaves_estimator_unfitted(detector_cls):
    det = make_fast(detector_cls, learning_rate=1e4, clip_grad_norm=None, weight_decay=0.0)
    with pytest.raises(ValueError, match="learning_rate"):
        det.fit(X_CLUSTER)
    assert not hasattr(det, "decision_scores_")
    assert not hasattr(det, "scaler_")
