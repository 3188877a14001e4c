"""FlowDensity's density API: score_samples / score in data units, sample."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.model_selection import GridSearchCV, cross_val_score

from skflowad import ContrastiveFlow, FlowDensity

COV = np.array([[1.0, 0.8], [0.8, 1.0]])
RNG = np.random.default_rng(0)
GAUSS = RNG.multivariate_normal([0.0, 0.0], COV, size=4000)
# train_trim=0: the density of all rows (the default trims the tails; see score_samples)
FIT = dict(epochs=60, random_state=0, device="cpu", train_trim=0)


@pytest.fixture(scope="module")
def fitted():
    return FlowDensity(**FIT).fit(GAUSS)


def test_score_samples_matches_the_exact_log_density_of_a_correlated_gaussian(fitted):
    X_test = RNG.multivariate_normal([0.0, 0.0], COV, size=500)
    exact = stats.multivariate_normal([0.0, 0.0], COV).logpdf(X_test)
    learned = fitted.score_samples(X_test)
    # Tolerances of a finite-sample fit (4 000 rows, a 5-layer MAF): 0.2 nats per row on
    # average, 0.05 nats on the mean log-likelihood; a density off by its scaling's
    # log-Jacobian (log 0.6 = -0.51 here) or by its correlation fails both.
    assert np.mean(np.abs(learned - exact)) < 0.2
    assert abs(learned.mean() - exact.mean()) < 0.05


def test_score_samples_is_in_data_units_rescaling_shifts_it_by_the_log_jacobian(fitted):
    scaled = FlowDensity(**FIT).fit(GAUSS * [10.0, 0.5])
    X_test = GAUSS[:200]
    difference = fitted.score_samples(X_test) - scaled.score_samples(X_test * [10.0, 0.5])
    # log p_{aX}(a x) = log p_X(x) - sum log a: the same flow fitted on standardised rows
    np.testing.assert_allclose(difference, np.log(10.0 * 0.5), atol=1e-4)


def test_score_samples_and_decision_function_agree_and_score_is_their_mean(fitted):
    X_test = GAUSS[:100]
    np.testing.assert_allclose(
        fitted.score_samples(X_test),
        -fitted.decision_function(X_test) - np.log(fitted.scaler_.scale_).sum(),
    )
    assert fitted.score(X_test) == pytest.approx(fitted.score_samples(X_test).mean())


def test_a_row_off_a_training_constant_gets_the_most_abnormal_density():
    Xc = np.column_stack([GAUSS[:500], np.full(500, 3.0)])
    det = FlowDensity(epochs=5, random_state=0, device="cpu").fit(Xc)
    off = Xc[:2].copy()
    off[0, 2] = 3.5
    log_density = det.score_samples(off)
    assert log_density[0] < -1e8 < log_density[1]


def test_sample_reproduces_mean_and_covariance_and_restores_constants(fitted):
    rows = fitted.sample(4000, random_state=1)
    assert rows.shape == (4000, 2)
    # Two-sample tests per coordinate and on the correlation's Fisher z.
    for j in range(2):
        assert stats.ks_2samp(rows[:, j], GAUSS[:, j]).pvalue > 0.01
    r_sample, r_train = np.corrcoef(rows.T)[0, 1], np.corrcoef(GAUSS.T)[0, 1]
    z = (np.arctanh(r_sample) - np.arctanh(r_train)) / np.sqrt(2 / (4000 - 3))
    assert abs(z) < 3
    Xc = np.column_stack([GAUSS[:300], np.full(300, -7.0)])
    det = FlowDensity(epochs=3, random_state=0, device="cpu").fit(Xc)
    assert (det.sample(10, random_state=0)[:, 2] == -7.0).all()


def test_sample_is_seeded_and_leaves_the_callers_torch_rng_alone(fitted):
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = fitted.sample(50, random_state=0)
    assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_array_equal(a, fitted.sample(50, random_state=0))
    assert not np.array_equal(a, fitted.sample(50, random_state=1))
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(0)


def test_unlabelled_cross_validation_and_search_select_by_held_out_likelihood():
    det = FlowDensity(epochs=5, random_state=0, device="cpu")
    scores = cross_val_score(det, GAUSS[:600], cv=3)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    search = GridSearchCV(det, {"n_transforms": [1, 3]}, cv=3).fit(GAUSS[:600])
    assert search.best_params_["n_transforms"] in (1, 3)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_contrastive_flow_score_samples_is_its_flows_density():
    """With the paper's score, score_samples is minus the anomaly score in data units; the
    default unlabelled score (a k-NN term in the base) leaves the flow and its density alone."""
    X = GAUSS[:600]
    det = ContrastiveFlow(epochs=5, random_state=0, device="cpu",
                          anomaly_score="likelihood").fit(X)
    np.testing.assert_allclose(
        det.score_samples(X[:20]),
        -det.decision_function(X[:20]) - np.log(det.scaler_.scale_).sum(),
    )
    default = ContrastiveFlow(epochs=5, random_state=0, device="cpu").fit(X)
    assert default.anomaly_score_ == "latent_knn"
    np.testing.assert_array_equal(default.score_samples(X[:20]), det.score_samples(X[:20]))
