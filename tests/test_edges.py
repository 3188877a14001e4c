"""Reliability at the edges: any finite magnitude trains; errors name the real cause."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from skflowad import NFAD, ContrastiveFlow, FlowDensity
from skflowad.training import TrainingDivergedError

from conftest import make_fast

X = np.random.default_rng(0).normal(size=(200, 4))


def _with_extreme_cell(value: float) -> np.ndarray:
    Xe = X.copy()
    Xe[0, 0] = value
    return Xe


@pytest.mark.parametrize("Xe", [_with_extreme_cell(1e200), _with_extreme_cell(-1.79e308),
                                X * 1e-300, X * 1e300], ids=["1e200", "-max", "1e-300", "1e300"])
def test_every_finite_magnitude_trains(detector_cls, Xe):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow on the way
        det = make_fast(detector_cls).fit(Xe)
    scores = det.decision_function(Xe)
    assert np.isfinite(scores).all()
    assert det.kept_features_.all()


def test_a_tiny_scale_column_is_kept_and_its_outlier_scores_high():
    Xt = X.copy()
    Xt[:, 3] *= 1e-13
    det = make_fast(FlowDensity, epochs=20).fit(Xt)
    outlier = Xt[:1].copy()
    outlier[0, 3] = 50 * Xt[:, 3].std()
    assert det.decision_function(outlier)[0] > det.decision_scores_.max()


def test_huge_weight_decay_divergence_advises_to_lower_it():
    with pytest.raises(TrainingDivergedError, match="lower `weight_decay`"):
        FlowDensity(weight_decay=1e6, epochs=3, random_state=0).fit(X)


def test_divergence_reports_the_learning_rate_the_user_set():
    X500 = np.random.default_rng(0).normal(size=(500, 4))
    with pytest.raises(TrainingDivergedError, match=r"`learning_rate` \(now 10\)"):
        NFAD(learning_rate=10, epochs=3, random_state=0).fit(X500)


def test_classifier_divergence_names_classifier_learning_rate():
    with pytest.raises(TrainingDivergedError, match="classifier_learning_rate"):
        NFAD(classifier_learning_rate=1e6, epochs=3, classifier_epochs=3,
             random_state=0).fit(X)


@pytest.mark.parametrize("params", [{"epsilon": float("nan")}, {"epsilon": float("inf")},
                                    {"epsilon_offset": float("nan")},
                                    {"aux_weights": {"permutation": float("inf")}},
                                    {"aux_weights": {"permutation": float("nan")}}])
def test_non_finite_contrastive_parameters_are_refused_up_front(params):
    with pytest.raises(ValueError, match=next(iter(params))):
        make_fast(ContrastiveFlow, **params).fit(X)


@pytest.mark.parametrize("widths", [(0,), (-4,), (16, 0), (2.5,), (True,)])
def test_hidden_features_must_be_positive_ints(detector_cls, widths):
    with pytest.raises(ValueError, match="hidden_features"):
        make_fast(detector_cls, hidden_features=widths).fit(X)


def test_one_normal_row_is_named_as_the_problem():
    y = (np.arange(200) != 7).astype(int)
    with pytest.raises(ValueError, match=r"1 row\(s\) as normal"):
        NFAD(epochs=3).fit(X, y)


def test_x_aux_dataframe_with_reordered_columns_is_refused():
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    aux = pd.DataFrame(rng.normal(size=(100, 4)), columns=list("abcd"))
    with pytest.raises(ValueError, match="same order"):
        make_fast(ContrastiveFlow).fit(frame, X_aux=aux[list("dcba")])
    make_fast(ContrastiveFlow).fit(frame, X_aux=aux)  # the same columns are accepted


def test_unknown_fit_parameters_are_named(detector_cls):
    X = np.random.default_rng(0).normal(size=(60, 3))
    det = detector_cls(epochs=1)
    with pytest.raises(TypeError, match="unexpected fit parameter.*sample_weight"):
        det.fit(X, sample_weight=np.ones(60))
    assert not hasattr(det, "scaler_")  # nothing fitted
