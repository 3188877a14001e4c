"""Tests of IOCN: the pull/push loss, its stop-gradient, the cube score and boundary."""

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

from skflowad import IOCN
from skflowad.detectors.iocn import (
    _CRITERIA,
    PULL_FUNCTIONS,
    cube_signed_distance,
    pull_push_loss,
)
from skflowad.flows import build_flow
from skflowad.training import TrainingConfig, train

SMALL = dict(n_transforms=4, hidden_features=(32,), batch_size=128, random_state=0)


@pytest.fixture(scope="module")
def gaussian():
    return np.random.default_rng(0).normal(size=(400, 2))


@pytest.fixture(scope="module")
def fitted(gaussian):
    return IOCN(epochs=60, **SMALL).fit(gaussian)


def _small_inn(n_features: int = 3):
    torch.manual_seed(0)
    return build_flow("inn", n_features, transforms=4, hidden_features=(16,), base="uniform")


def test_inverse_round_trip(fitted):
    z = 2 * torch.rand(256, 2) - 1
    transform = fitted.flow_().transform
    with torch.no_grad():
        assert torch.allclose(transform(transform.inv(z)), z, atol=1e-4)


@pytest.mark.parametrize("pull", sorted(PULL_FUNCTIONS))
def test_push_term_gets_no_gradient_through_the_inverse(pull):
    flow = _small_inn()
    x, z_cube = torch.randn(64, 3), 2 * torch.rand(64, 3) - 1
    f = PULL_FUNCTIONS[pull]

    def grads(loss):
        flow.zero_grad()
        loss.backward()
        return [p.grad.clone() for p in flow.parameters() if p.grad is not None]

    fused = pull_push_loss(flow().transform, x, z_cube, f)  # one INN pass over both groups
    with torch.no_grad():
        x_tilde = flow().transform.inv(z_cube)  # given as a constant
    transform = flow().transform
    two_passes = f(transform(x)).mean() - f(transform(x_tilde)).mean()
    assert torch.allclose(fused, two_passes, atol=1e-6)
    stopped, constant = grads(fused), grads(two_passes)
    through = grads(pull_push_loss(flow().transform, x, z_cube, f, stop_gradient=False))
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(stopped, constant))
    # Backpropagating through the inverse too gives another gradient: the test can fail.
    assert not all(torch.allclose(a, b, atol=1e-4) for a, b in zip(stopped, through))


def test_without_stop_gradient_the_map_collapses(gaussian):
    X = torch.as_tensor((gaussian - gaussian.mean(0)) / gaussian.std(0), dtype=torch.float32)
    config = TrainingConfig(
        epochs=25, batch_size=128, learning_rate=3e-3, validation_fraction=0, patience=None
    )
    radius = {}
    for stop_gradient in (True, False):
        flow = _small_inn(2)

        def loss_fn(batch, flow=flow, stop_gradient=stop_gradient):
            z_cube = 2 * torch.rand_like(batch) - 1
            return pull_push_loss(
                flow().transform, batch, z_cube, PULL_FUNCTIONS["max"], stop_gradient=stop_gradient
            )

        train(flow, loss_fn, X, config)
        with torch.no_grad():
            radius[stop_gradient] = flow().transform(X).abs().amax(1).median().item()
    # With the stop-gradient the inliers fill the cube (median max-norm near 2/3 on a
    # uniform square); without it the push term has no gradient and they shrink to 0.
    assert 0.4 < radius[True] < 1.2
    assert radius[False] < 0.25 * radius[True]


def test_trained_on_a_gaussian_inliers_inside_far_points_outside(fitted, gaussian):
    inside_train = np.mean(fitted.decision_scores_ <= 0)
    far = np.random.default_rng(1).normal(size=(500, 2)) + np.array([7.0, 0.0])
    ring = 8 * np.stack([np.cos(np.linspace(0, 6.28, 200)), np.sin(np.linspace(0, 6.28, 200))], 1)
    assert inside_train > 0.7
    assert np.mean(fitted.predict_cube(far)) > 0.98
    assert np.mean(fitted.predict_cube(ring)) > 0.98
    assert np.median(fitted.decision_function(far)) > np.quantile(fitted.decision_scores_, 0.95)


def test_signed_distance_eqs_2_to_4():
    z = torch.tensor([[0.5, -0.2], [1.5, -2.0], [1.0, 0.0], [0.0, 0.0], [-0.9, 0.9]])
    expected = torch.tensor([-0.5, 1.5, 0.0, -1.0, -0.1])
    assert torch.allclose(cube_signed_distance(z), expected)


@pytest.mark.parametrize("name", sorted(_CRITERIA))
def test_validation_criterion_prefers_the_uniform_cube(name):
    torch.manual_seed(0)
    uniform = 2 * torch.rand(2000, 8) - 1
    criterion = _CRITERIA[name]
    assert criterion(uniform) < 0.05
    assert criterion(0.2 * uniform) > 4 * criterion(uniform)  # collapsed map
    assert criterion(3.0 * uniform) > 4 * criterion(uniform)  # exploded map


def test_model_selection_uses_the_cube_criterion(fitted):
    result = fitted.history_["flow"]
    curve = np.asarray(result.validation_curve)
    assert result.best_epoch == int(np.argmin(curve)) + 1
    # The loss of eq. 1 is unbounded below (pull - constant); the criteria are >= 0.
    assert (curve >= 0).all()


def test_predict_cube_is_the_sign_of_the_score(fitted, gaussian):
    scores = fitted.decision_function(gaussian)
    np.testing.assert_array_equal(fitted.predict_cube(gaussian), (scores > 0).astype(int))


def test_boundary_maps_onto_the_cube_surface(fitted):
    curve = fitted.boundary(200)
    assert curve.shape == (200, 2) and np.isfinite(curve).all()
    z = fitted.flow_().transform(torch.as_tensor(fitted._standardise(curve), dtype=torch.float32))
    np.testing.assert_allclose(z.abs().amax(1).detach().numpy(), 1.0, atol=1e-3)
    # The curve encloses most training rows: scores on it are ~0 (the cube boundary).
    np.testing.assert_allclose(fitted.decision_function(curve), 0.0, atol=1e-3)


def test_boundary_needs_two_features():
    X = np.random.default_rng(0).normal(size=(100, 3))
    det = IOCN(epochs=2, **SMALL).fit(X)
    with pytest.raises(ValueError, match="2 non-constant features"):
        det.boundary()


def test_plot_boundary_draws_a_closed_curve(fitted, gaussian):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skflowad.plotting import plot_boundaries

    fig, ax = plt.subplots()
    assert plot_boundaries(gaussian, {"IOCN": fitted.boundary(50)}, ax=ax) is ax
    line = ax.get_lines()[-1].get_xydata()
    assert line.shape == (51, 2) and np.allclose(line[0], line[-1])
    plt.close(fig)


@pytest.mark.parametrize("bad", [dict(flow="maf"), dict(pull="l1"), dict(clamp=0.0)])
def test_invalid_parameters(bad, gaussian):
    with pytest.raises(InvalidParameterError):
        IOCN(epochs=1, **{**SMALL, **bad}).fit(gaussian)


@pytest.mark.parametrize("kw", [dict(pull="squared"), dict(flow="realnvp"), dict(flow="nice")])
def test_other_pulls_and_coupling_flows_train(kw, gaussian):
    det = IOCN(epochs=15, **{**SMALL, **kw}).fit(gaussian)
    far = np.random.default_rng(1).normal(size=(200, 2)) + np.array([7.0, 0.0])
    assert np.isfinite(det.decision_scores_).all()
    assert det.decision_function(far).mean() > np.quantile(det.decision_scores_, 0.9)


def test_without_a_split_the_cube_criterion_still_selects(gaussian):
    # The loss of eq. 1 would pick the most contracted epoch; the criterion must decide.
    det = IOCN(epochs=8, validation_fraction=0, **SMALL).fit(gaussian)
    result = det.history_["flow"]
    assert len(result.validation_curve) == result.n_epochs == 8
    assert result.best_epoch == int(np.argmin(result.validation_curve)) + 1
    assert min(result.validation_curve) != min(result.loss_curve)
