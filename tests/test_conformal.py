"""Conformal p-values from the held-out rows of the scoring stage."""

from __future__ import annotations

import numpy as np
import pytest

from skflowad import NFAD, ContrastiveFlow, FlowDensity

from conftest import make_fast


def test_pvalues_are_valid_and_small_for_obvious_anomalies(detector_cls):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    X[:, 1] += X[:, 0]  # a correlation, for ContrastiveFlow's permutation contrast
    det = make_fast(detector_cls, epochs=10).fit(X)
    assert det.calibration_scores_.shape == (40,)  # validation_fraction=0.1 of 400
    p = det.predict_pvalue(np.vstack([X[:50], X[:5] + 25.0]))
    assert ((p > 0) & (p <= 1)).all()
    assert (p[-5:] == 1 / 41).all()  # beyond every calibration score
    assert np.median(p[:50]) > 0.1


def test_conformal_false_alarm_rate_is_at_most_alpha_on_fresh_normals():
    # Marginal guarantee: averaged over calibration draws, P(p <= alpha) <= alpha.
    # Tolerance 0.03 for the 5 draws' sampling error and early stopping on the same rows.
    alpha, rates = 0.1, []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        X, fresh = rng.normal(size=(1000, 4)), rng.normal(size=(2000, 4))
        det = FlowDensity(epochs=15, validation_fraction=0.3, random_state=seed,
                          device="cpu").fit(X)
        rates.append(np.mean(det.predict_pvalue(fresh) <= alpha))
    assert np.mean(rates) <= alpha + 0.03
    assert np.mean(rates) >= alpha - 0.05  # and not trivially conservative


def test_no_calibration_rows_is_a_clear_error():
    X = np.random.default_rng(0).normal(size=(100, 2))
    X[:, 1] += X[:, 0]
    with pytest.raises(ValueError, match="validation_fraction"):
        make_fast(FlowDensity, validation_fraction=0.0).fit(X).predict_pvalue(X)
    with pytest.raises(ValueError, match="held-out"):
        make_fast(ContrastiveFlow, objective="ratio").fit(X).predict_pvalue(X)
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError, match="held-out"):
        make_fast(NFAD, classifier=LogisticRegression()).fit(X).predict_pvalue(X)
