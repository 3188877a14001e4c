"""The training recipe: off-support constants, grid detection, dequantisation, clip, trim."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from skflowad import FlowDensity
from skflowad.base import OFF_SUPPORT_SCORE, dequantise, grid_spacing
from skflowad.detectors.flow_density import negative_log_likelihood
from skflowad.flows import build_flow

from conftest import anomaly_cluster_data, make_fast

X, Y = anomaly_cluster_data()


def test_a_row_off_a_training_constant_ranks_above_every_row_on_it(detector_cls):
    rng = np.random.default_rng(0)
    Xc = np.column_stack([X, np.full(len(X), 2.0)])
    det = make_fast(detector_cls).fit(Xc)
    X_test = np.column_stack([rng.normal(size=(50, 4)), np.full(50, 2.0)])
    X_test[:5, 4] = 2.0 + 1e-6  # five normal-looking rows that leave the constant
    X_test[5:10, :4] += 30.0  # five far rows that keep it
    scores = det.decision_function(X_test)
    assert np.isfinite(scores).all()
    assert scores[:5].min() > scores[5:].max()
    assert det.decision_scores_.max() < OFF_SUPPORT_SCORE


def test_a_column_is_constant_only_if_its_values_are_equal():
    Xs = X.copy()
    Xs[:, 3] *= 1e-13  # small spread, not constant
    det = make_fast(FlowDensity).fit(Xs)
    assert det.kept_features_.all()


def test_grid_spacing_finds_grids_and_only_grids():
    rng = np.random.default_rng(0)
    Z = np.column_stack([
        rng.integers(0, 17, 500) * 0.5 - 3.0,  # a 17-value grid of spacing 0.5
        rng.integers(0, 2, 500) * 2.0,  # binary
        rng.normal(size=500),  # continuous
        np.round(rng.normal(size=500), 2),  # rounded to a fixed precision: a fine grid
    ])
    spacing = grid_spacing(Z)
    np.testing.assert_allclose(spacing[:2], [0.5, 2.0])
    assert spacing[2] == 0.0
    np.testing.assert_allclose(spacing[3], 0.01, rtol=1e-6)


def test_dequantise_fills_each_grid_cell_and_adds_small_gaussian_noise_elsewhere():
    torch.manual_seed(0)
    batch = torch.zeros(20_000, 2)
    noisy = dequantise(batch, torch.tensor([0.5, 0.0]), sigma=0.01)
    grid_column, continuous = noisy[:, 0], noisy[:, 1]
    assert grid_column.abs().max() <= 0.25
    # U(-h/2, h/2) has standard deviation h / sqrt(12).
    assert abs(grid_column.std().item() - 0.5 / 12**0.5) < 0.005
    assert abs(continuous.std().item() - 0.01) < 0.0005


def test_trimmed_likelihood_leaves_out_the_least_likely_rows():
    torch.manual_seed(0)
    flow = build_flow("maf", 2, transforms=1, hidden_features=(8,))
    batch = torch.cat([torch.randn(90, 2), torch.full((10, 2), 50.0)])
    nll = -flow().log_prob(batch)
    trimmed = negative_log_likelihood(flow, batch, trim=0.1)
    torch.testing.assert_close(trimmed, torch.sort(nll).values[:90].mean())
    torch.testing.assert_close(negative_log_likelihood(flow, batch), nll.mean())


def test_auto_trim_leaves_out_only_rows_far_above_the_batch_median():
    torch.manual_seed(0)
    flow = build_flow("maf", 2, transforms=1, hidden_features=(8,))
    clean = torch.randn(200, 2)
    batch = torch.cat([clean, torch.full((20, 2), 50.0)])
    nll = -flow().log_prob(batch).detach()
    auto = negative_log_likelihood(flow, batch, trim="auto")
    # the 20 far rows are out, and most clean rows are in (for a 2-D Gaussian's
    # exponential-like NLL the cutoff leaves out about 6 %: at most 15 % allowed here)
    assert auto.item() < nll[:200].mean().item() + 0.05
    assert auto.item() > torch.sort(nll[:200]).values[:170].mean().item()


def test_recipe_changes_training_and_off_switch_gives_the_plain_fit():
    plain = make_fast(FlowDensity, train_noise=None, train_clip=None, train_trim=0).fit(X)
    again = make_fast(FlowDensity, train_noise=None, train_clip=None, train_trim=0).fit(X)
    recipe = make_fast(FlowDensity).fit(X)
    np.testing.assert_array_equal(plain.decision_scores_, again.decision_scores_)
    assert not np.allclose(plain.decision_scores_, recipe.decision_scores_)


def test_dequantised_fit_spreads_binary_mass_over_cells_instead_of_piling_it_on_points():
    # Three fair binary columns: the dequantised density is 0.5 / h per column on each
    # cell of width h (standardised spacing), so the exact mean log-density is
    # 3 log(0.5 / h). A plain fit puts more mass on the two points than that.
    rng = np.random.default_rng(0)
    Xb = rng.integers(0, 2, size=(500, 3)).astype(float)
    recipe = FlowDensity(epochs=30, random_state=0, device="cpu").fit(Xb)
    plain = FlowDensity(epochs=30, random_state=0, device="cpu", train_noise=None,
                        train_trim=0).fit(Xb)
    exact = np.log(0.5 / recipe.grid_spacing_).sum()
    assert abs(-recipe.decision_scores_.mean() - exact) < 0.3
    assert -plain.decision_scores_.mean() > exact + 1.0


@pytest.mark.parametrize("param, value", [("train_noise", -0.1), ("train_noise", "gauss"),
                                          ("train_clip", 0.0), ("train_trim", 0.5),
                                          ("train_trim", "half")])
def test_recipe_parameters_are_validated(param, value):
    with pytest.raises(ValueError, match=param):
        make_fast(FlowDensity, **{param: value}).fit(X)


def test_dequantise_is_flowdensitys_auto():
    auto = make_fast(FlowDensity, train_noise="auto").fit(X)
    named = make_fast(FlowDensity, train_noise="dequantise").fit(X)
    np.testing.assert_array_equal(auto.decision_scores_, named.decision_scores_)
    with pytest.raises(ValueError, match="train_clip"):  # "auto" is ContrastiveFlow's rule
        make_fast(FlowDensity, train_clip="auto").fit(X)


def test_whitened_flow_keeps_the_exact_density_and_samples_its_covariance():
    # The whitening map is part of the flow: score_samples is still a density of x (a
    # correlated Gaussian: within 0.05 nats of the exact log-density on average), sample()
    # inverts it, and "auto" whitens only when the data is wider than the conditioners.
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(0)
    cov = np.array([[1.0, 0.8, 0.0], [0.8, 1.0, 0.3], [0.0, 0.3, 1.0]])
    X = rng.multivariate_normal(np.zeros(3), cov, size=4000)
    det = FlowDensity(train_whiten=True, train_noise=None, train_trim=0.0, epochs=30,
                      random_state=0, device="cpu").fit(X)
    assert det.whitened_
    fresh = rng.multivariate_normal(np.zeros(3), cov, size=2000)
    exact = multivariate_normal(np.zeros(3), cov).logpdf(fresh)
    assert abs(np.mean(det.score_samples(fresh) - exact)) < 0.05
    drawn = det.sample(4000, random_state=0)
    assert np.abs(np.cov(drawn.T) - cov).max() < 0.2  # a short fit: the unwhitened flow is off by 0.08
    assert not make_fast(FlowDensity).fit(X).whitened_  # 3 features, conditioners of 128
    wide = make_fast(FlowDensity, hidden_features=(2,)).fit(X)
    assert wide.whitened_


def test_whitening_decorrelates_the_training_rows():
    from skflowad.detectors._likelihood import whitening_matrix

    rng = np.random.default_rng(0)
    rows = torch.as_tensor(rng.normal(size=(5000, 4)) @ rng.normal(size=(4, 4)),
                           dtype=torch.float32)
    W = whitening_matrix(rows)
    assert torch.equal(W, torch.tril(W))
    white = (rows - rows.mean(0)) @ W.T
    np.testing.assert_allclose(np.cov(white.numpy().T), np.eye(4), atol=0.05)
