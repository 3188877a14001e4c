"""The flow factory: every kind is a working, invertible zuko flow."""

from __future__ import annotations

import pickle

import pytest
import torch

from skflowad.flows import FLOW_KINDS, build_flow, flow_inverse_is_fast


@pytest.mark.parametrize("kind", FLOW_KINDS)
@pytest.mark.parametrize("n_features", [1, 2, 5])
@pytest.mark.parametrize("base", ["normal", "uniform"])
def test_every_kind_is_invertible(kind, n_features, base):
    torch.manual_seed(0)
    flow = build_flow(kind, n_features, transforms=3, hidden_features=(16,), base=base)
    x = 0.5 * torch.randn(32, n_features)
    z = flow().transform(x)
    assert flow().log_prob(x).shape == (32,)
    torch.testing.assert_close(flow().transform.inv(z), x, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("kind", FLOW_KINDS)
def test_log_prob_matches_change_of_variables(kind):
    torch.manual_seed(0)
    flow = build_flow(kind, 3, transforms=2, hidden_features=(16,))
    x = torch.randn(8, 3)
    z, ladj = flow().transform.call_and_ladj(x)
    expected = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1) + ladj
    torch.testing.assert_close(flow().log_prob(x), expected)


def test_nice_has_a_constant_jacobian():
    torch.manual_seed(0)
    flow = build_flow("nice", 4, transforms=3, hidden_features=(16,))
    with torch.no_grad():  # move the scaling layer away from the identity
        for p in flow.parameters():
            p.add_(0.3 * torch.randn_like(p))
    _, ladj = flow().transform.call_and_ladj(torch.randn(20, 4) * 3)
    torch.testing.assert_close(ladj, ladj[:1].expand_as(ladj))
    assert ladj.abs().max() > 0  # the diagonal scaling does change the volume


def test_inn_soft_clamps_its_scales():
    torch.manual_seed(0)
    flow = build_flow("inn", 4, transforms=1, hidden_features=(8,), clamp=0.5)
    with torch.no_grad():
        for p in flow.parameters():
            p.mul_(100.0)
    _, ladj = flow().transform.call_and_ladj(torch.randn(50, 4))
    # One ActNorm (bounded by zuko's soft bound) plus a coupling on 2 of 4 features,
    # each log-scale at most 0.5 in magnitude.
    actnorm = flow.transform.transforms[0]().log_abs_det_jacobian(torch.zeros(4), None).sum()
    assert (ladj - actnorm).abs().max() <= 2 * 0.5 + 1e-5


def test_fast_inverse_kinds():
    assert flow_inverse_is_fast("iaf") and flow_inverse_is_fast("realnvp")
    assert not flow_inverse_is_fast("maf") and not flow_inverse_is_fast("nsf")


def test_unknown_kind_and_base_are_clear_errors():
    with pytest.raises(ValueError, match="Unknown flow kind"):
        build_flow("glow", 3)
    with pytest.raises(ValueError, match="Unknown base"):
        build_flow("maf", 3, base="laplace")


@pytest.mark.parametrize("kind", FLOW_KINDS)
def test_flows_pickle(kind):
    flow = build_flow(kind, 3, transforms=2, hidden_features=(8,))
    x = torch.randn(5, 3)
    torch.testing.assert_close(pickle.loads(pickle.dumps(flow))().log_prob(x), flow().log_prob(x))
