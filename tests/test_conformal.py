"""Conformal p-values from the held-out rows of the scoring stage."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from skflowad import NFAD, ContrastiveFlow, FlowDensity

from conftest import make_fast


def test_pvalues_are_valid_and_small_for_obvious_anomalies(detector_cls):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    X[:, 1] += X[:, 0]  # a correlation, for ContrastiveFlow's permutation contrast
    det = make_fast(detector_cls, epochs=10).fit(X)
    # validation_fraction=0.1 of the rows the scoring stage trains on; NFAD's classifier
    # holds out 10 % of the normals left after train_trim, plus every 10th trimmed row
    n_kept = getattr(det, "n_classifier_normals_", 400)
    n_trimmed = 400 - n_kept
    assert det.calibration_scores_.shape == (round(0.1 * n_kept) + -(-n_trimmed // 10),)
    p = det.predict_pvalue(np.vstack([X[:50], X[:5] + 25.0]))
    assert ((p > 0) & (p <= 1)).all()
    assert (p[-5:] == 1 / (len(det.calibration_scores_) + 1)).all()  # beyond every one
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
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError, match="held-out"):
        make_fast(NFAD, classifier=LogisticRegression()).fit(X).predict_pvalue(X)


@pytest.mark.parametrize("objective", ["contrastive", "ratio"])
def test_contrastive_flow_stages_hold_out_the_same_rows(objective):
    # The warm-up fits neither the rows the later stage holds out nor any it trains on less:
    # one split for both, so the calibration rows were fitted by no stage.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    X[:, 1] += X[:, 0]
    det = make_fast(ContrastiveFlow, objective=objective).fit(X)
    later = "contrastive" if objective == "contrastive" else "auxiliary"
    warm_up = det.history_["flow"].validation_index
    assert len(warm_up) == 30
    assert torch.equal(det.history_[later].validation_index, warm_up)
    held_out = np.sort(det.decision_function(X[warm_up.numpy()]))
    np.testing.assert_allclose(det.calibration_scores_, held_out, rtol=1e-5, atol=1e-5)


def test_threshold_comes_from_held_out_rows_and_labels_from_the_training_rows(detector_cls):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    X[:, 1] += X[:, 0]
    det = make_fast(detector_cls, epochs=5, contamination=0.1).fit(X)
    assert det.threshold_ == pytest.approx(np.percentile(det.calibration_scores_, 90))
    assert det.labels_.sum() == (det.decision_scores_ > np.percentile(det.decision_scores_, 90)
                                 ).sum()  # PyOD's rule: the top 10 % of the training rows
    no_holdout = make_fast(detector_cls, epochs=5, contamination=0.1,
                           validation_fraction=0.0).fit(X)
    assert no_holdout.threshold_ == pytest.approx(np.percentile(no_holdout.decision_scores_, 90))


def test_held_out_threshold_flags_the_contamination_share_of_fresh_normals():
    # A flow overfits a small, spiky training set: its in-sample quantile flags more fresh
    # normals than contamination says; the held-out quantile does not.
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(30, 6)) * 3
    draw = lambda n: centres[rng.integers(30, size=n)] + 0.3 * rng.normal(size=(n, 6))  # noqa: E731
    X, fresh = draw(1500), draw(4000)
    det = FlowDensity(epochs=60, patience=60, validation_fraction=0.3, random_state=0,
                      device="cpu").fit(X)
    in_sample = np.mean(det.decision_function(fresh) > np.percentile(det.decision_scores_, 90))
    held_out = np.mean(det.predict(fresh))
    assert abs(held_out - 0.1) <= 0.03
    assert abs(held_out - 0.1) < abs(in_sample - 0.1)


@pytest.mark.parametrize("detector_cls", [FlowDensity, ContrastiveFlow])
def test_whitening_map_is_not_fitted_on_the_calibration_rows(detector_cls):
    # 60 features, conditioners of width 16: train_whiten="auto" whitens. A covariance
    # estimated on 400 rows fits those rows noticeably, so when it included the held-out
    # rows they scored as more typical than fresh rows and the threshold flagged 0.29
    # (FlowDensity) and 0.32 (ContrastiveFlow) of fresh normals; estimated on the fitted
    # rows only, 0.13 and 0.11 (0.08 to 0.16 over seeds 0-3).
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(60, 60)) / np.sqrt(60)
    X, fresh = rng.normal(size=(400, 60)) @ mixing, rng.normal(size=(2000, 60)) @ mixing
    det = detector_cls(epochs=20, hidden_features=(16, 16), random_state=0,
                       device="cpu").fit(X)
    assert det.whitened_
    assert np.mean(det.predict(fresh)) < 0.2
    assert np.mean(det.predict_pvalue(fresh) <= 0.1) < 0.2


def test_whitening_rows_are_exactly_the_rows_the_loop_fits(monkeypatch):
    # The mixin peeks at the split the training loop draws (same stream, restored after):
    # the rows it whitens must be the loop's fitted rows, none of its held-out ones.
    import skflowad.detectors._likelihood as likelihood

    seen = {}
    original = likelihood.whitened_flow

    def recording(flow, rows):
        seen["rows"] = rows.clone()
        return original(flow, rows)

    monkeypatch.setattr(likelihood, "whitened_flow", recording)
    X = np.random.default_rng(0).normal(size=(200, 12))
    det = FlowDensity(epochs=2, hidden_features=(8, 8), random_state=0, device="cpu").fit(X)
    held_out = det.history_["flow"].validation_index
    standardised = torch.as_tensor(det._standardise(X), dtype=seen["rows"].dtype)
    fitted = np.setdiff1d(np.arange(len(X)), held_out.numpy())
    assert det.whitened_ and len(seen["rows"]) == len(fitted)
    torch.testing.assert_close(torch.sort(seen["rows"], dim=0).values,
                               torch.sort(standardised[fitted], dim=0).values)
