"""scikit-learn model selection: searches with 0/1 labels, NFAD's labels, ContrastiveFlow's
``X_aux`` through metadata routing, nested ``set_params`` in a Pipeline."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sklearn
from scipy.stats import loguniform
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from conftest import FAST_PARAMS, anomaly_cluster_data, make_fast
from skflowad import NFAD, ContrastiveFlow, FlowDensity

X_CLUSTER, Y_CLUSTER = anomaly_cluster_data()
X_FRESH, Y_FRESH = anomaly_cluster_data(seed=1)
CV2 = StratifiedKFold(2, shuffle=True, random_state=0)


def best_by_table(search, metric: str) -> dict:
    """The candidate with the highest mean test score, read from ``cv_results_``."""
    scores = search.cv_results_[f"mean_test_{metric}"]
    return search.cv_results_["params"][int(np.argmax(scores))]


# ------------------------------------------------------------------ every detector
def test_grid_search_roc_auc_and_average_precision(detector_cls):
    """Both scorers in one search (y: 1 = anomaly); the refit model is the best candidate."""
    search = GridSearchCV(
        make_fast(detector_cls),
        {"learning_rate": [1e-3, 3e-3]},
        scoring=["roc_auc", "average_precision"],
        refit="average_precision",
        cv=CV2,
    ).fit(X_CLUSTER, Y_CLUSTER)
    for metric in ("roc_auc", "average_precision"):
        assert np.isfinite(search.cv_results_[f"mean_test_{metric}"]).all()
    assert search.best_params_ == best_by_table(search, "average_precision")
    assert search.best_score_ > 0.8
    assert search.best_estimator_.learning_rate == search.best_params_["learning_rate"]
    assert roc_auc_score(Y_FRESH, search.decision_function(X_FRESH)) > 0.9
    assert set(np.unique(search.predict(X_FRESH))) <= {0, 1}


@pytest.mark.parametrize("scoring", ["roc_auc", "average_precision"])
def test_randomized_search_over_a_pipeline(detector_cls, scoring):
    """Distributions and lists over nested parameter names of a Pipeline's detector."""
    pipe = make_pipeline(StandardScaler(), make_fast(detector_cls))
    step = pipe.steps[-1][0]
    search = RandomizedSearchCV(
        pipe,
        {f"{step}__learning_rate": loguniform(1e-3, 1e-2),
         f"{step}__hidden_features": [(16,), (16, 16)]},
        n_iter=2,
        scoring=scoring,
        cv=CV2,
        random_state=0,
    ).fit(X_CLUSTER, Y_CLUSTER)
    sampled = [p[f"{step}__learning_rate"] for p in search.cv_results_["params"]]
    assert len(sampled) == 2 and all(1e-3 <= lr <= 1e-2 for lr in sampled)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_ == best_by_table(search, "score")
    assert search.best_score_ > 0.8
    assert roc_auc_score(Y_FRESH, search.decision_function(X_FRESH)) > 0.9


# ------------------------------------------------------------------ the search chooses
def ring(n_normal=300, n_anomalies=30, seed=0):
    """Normals on a ring of radius 3; anomalies in its empty centre (densest for a Gaussian)."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n_normal)
    radius = 3 + 0.2 * rng.normal(size=n_normal)
    X = np.vstack([np.c_[radius * np.cos(angle), radius * np.sin(angle)],
                   0.3 * rng.normal(size=(n_anomalies, 2))])
    return X, np.r_[np.zeros(n_normal, int), np.ones(n_anomalies, int)]


def test_grid_search_chooses_the_learning_rate_that_learns():
    """lr=1e-7 leaves the flow near its Gaussian start (the centre looks normal, AUROC ~0);
    lr=1e-2 learns the ring. Measured mean AUROC: 0.02 and 0.88."""
    X, y = ring()
    det = FlowDensity(**{**FAST_PARAMS, "flow": "nsf", "epochs": 30})
    search = GridSearchCV(det, {"learning_rate": [1e-7, 1e-2]}, scoring="roc_auc", cv=CV2)
    search.fit(X, y)
    low, high = search.cv_results_["mean_test_score"]
    assert low < 0.3 < 0.7 < high
    assert search.best_params_ == {"learning_rate": 1e-2}
    X_new, y_new = ring(seed=1)
    assert roc_auc_score(y_new, search.decision_function(X_new)) > 0.7


# ------------------------------------------------------------------ NFAD's labels
def test_nfad_trains_on_the_labels_the_search_passes():
    search = GridSearchCV(
        make_fast(NFAD), {"tail_p": [0.01, 0.05]}, scoring="average_precision", cv=CV2
    ).fit(X_CLUSTER, Y_CLUSTER)
    # Each fold's model saw its training fold's anomalies, the refit model all of them.
    assert search.best_estimator_.n_known_anomalies_ == Y_CLUSTER.sum()
    assert search.best_params_ == best_by_table(search, "score")
    assert search.best_score_ > 0.9
    assert roc_auc_score(Y_FRESH, search.decision_function(X_FRESH)) > 0.9


# ------------------------------------------------------------------ ContrastiveFlow's X_aux
class RecordingContrastiveFlow(ContrastiveFlow):
    """ContrastiveFlow that records (rows of X, rows of X_aux) of every fit."""

    calls: list[tuple[int, int | None]] = []

    def fit(self, X, y=None, X_aux=None):
        aux = X_aux() if callable(X_aux) else X_aux
        type(self).calls.append((len(X), None if aux is None else len(aux)))
        return super().fit(X, y, X_aux=X_aux)


@pytest.fixture
def recorder():
    RecordingContrastiveFlow.calls = []
    return make_fast(RecordingContrastiveFlow)


def background(n: int, seed: int = 2) -> np.ndarray:
    """Auxiliary rows: uniform over a box that holds both the normals and the cluster."""
    return np.random.default_rng(seed).uniform(-8, 8, size=(n, X_CLUSTER.shape[1]))


def aux_rows_seen() -> set:
    return {aux for _, aux in RecordingContrastiveFlow.calls}


def test_x_aux_is_routed_whole_to_every_fit(recorder):
    A = background(200)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            recorder.set_fit_request(X_aux=True), {"epochs": [2, 3]}, scoring="roc_auc", cv=CV2
        ).fit(X_CLUSTER, Y_CLUSTER, X_aux=A)
    assert len(RecordingContrastiveFlow.calls) == 2 * 2 + 1  # candidates x folds + refit
    assert aux_rows_seen() == {len(A)}
    assert search.best_estimator_.aux_weights_.keys() == {"X_aux", "anomalies"}
    assert search.best_params_ == best_by_table(search, "score")
    assert roc_auc_score(Y_FRESH, search.decision_function(X_FRESH)) > 0.9


def test_x_aux_with_n_samples_rows_is_split_unless_passed_as_a_callable(recorder):
    """scikit-learn splits a fit parameter with as many rows as X by the folds
    (scikit-learn issue #30739); a callable is passed whole."""
    A = background(len(X_CLUSTER))
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            recorder.set_fit_request(X_aux=True), {"epochs": [3]}, scoring="roc_auc", cv=CV2
        )
        search.fit(X_CLUSTER, Y_CLUSTER, X_aux=A)
        fold_sizes = {n for n, _ in RecordingContrastiveFlow.calls[:-1]}
        assert aux_rows_seen() == fold_sizes | {len(A)}  # folds got a fold of A
        RecordingContrastiveFlow.calls = []
        search.fit(X_CLUSTER, Y_CLUSTER, X_aux=functools.partial(np.asarray, A))
    assert aux_rows_seen() == {len(A)}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_x_aux_in_a_pipeline_search(recorder):
    """Fit parameters skip the preceding steps: X_aux goes through them beforehand."""
    A = background(len(X_CLUSTER))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), recorder.set_fit_request(X_aux=True))
        A_scaled = pipe[:-1].fit(X_CLUSTER).transform(A)
        search = GridSearchCV(
            pipe, {"recordingcontrastiveflow__epochs": [2, 3]}, scoring="roc_auc", cv=CV2
        ).fit(X_CLUSTER, Y_CLUSTER, X_aux=functools.partial(np.asarray, A_scaled))
    assert aux_rows_seen() == {len(A)}
    assert search.best_estimator_[-1].aux_weights_.keys() == {"X_aux", "anomalies"}
    assert search.best_score_ > 0.9
    assert roc_auc_score(Y_FRESH, search.decision_function(X_FRESH)) > 0.9


def test_x_aux_needs_a_fit_request_when_routing_is_enabled():
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(make_fast(ContrastiveFlow), {"epochs": [2]}, scoring="roc_auc")
        with pytest.raises(UnsetMetadataPassedError, match="X_aux"):
            search.fit(X_CLUSTER, Y_CLUSTER, X_aux=background(10))


# ------------------------------------------------------------------ nested set_params
def test_nested_set_params_changes_the_fitted_model():
    pipe = make_pipeline(StandardScaler(), make_fast(FlowDensity)).fit(X_CLUSTER)
    before = pipe.decision_function(X_FRESH)
    assert "MaskedAutoregressiveTransform" in module_names(pipe[-1].flow_)
    pipe.set_params(flowdensity__hidden_features=(32, 32), flowdensity__flow="realnvp")
    pipe.fit(X_CLUSTER)
    flow = pipe[-1].flow_
    assert "GeneralCouplingTransform" in module_names(flow)
    assert "MaskedAutoregressiveTransform" not in module_names(flow)
    hidden = {m.out_features for m in flow.modules() if type(m).__name__ == "Linear"}
    assert 32 in hidden and 16 not in hidden
    assert not np.allclose(pipe.decision_function(X_FRESH), before)


def module_names(module) -> set[str]:
    return {type(m).__name__ for m in module.modules()}
