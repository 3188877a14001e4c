"""The methods' losses and schedules as named functions, each checked on its own."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from skflowad.detectors._likelihood import kth_neighbour_distance, latent_knn_score
from skflowad.detectors.contrastive_flow import clamped_log_prob, contrastive_objective
from skflowad.detectors.nfad import (
    PenaltySchedule,
    classifier_loss,
    classifier_network,
    jacobian_penalised_nll,
)
from skflowad.flows import build_flow

torch.manual_seed(0)
ROWS = torch.randn(64, 3)


def test_penalty_schedule_ramps_linearly_then_holds():
    schedule = PenaltySchedule(2.0, ramp_steps=4)
    assert schedule.current == 0.0
    assert [schedule.step() for _ in range(6)] == [0.5, 1.0, 1.5, 2.0, 2.0, 2.0]
    assert PenaltySchedule(2.0, ramp_steps=0).current == 2.0


def test_jacobian_penalty_is_zero_for_a_volume_preserving_flow_and_adds_otherwise():
    flow = build_flow("nice", 3)  # additive coupling: log|det J| = the final scaling's sum
    nll = -flow().log_prob(ROWS).mean()
    assert torch.allclose(jacobian_penalised_nll(flow, ROWS, None, 0.0), nll)
    _, ladj = flow().transform.call_and_ladj(ROWS)
    penalised = jacobian_penalised_nll(flow, ROWS, None, 0.5)
    assert torch.allclose(penalised, nll + 0.5 * ladj.square().mean())
    z = torch.randn(16, 3)
    _, inv_ladj = flow().transform.inv.call_and_ladj(z)
    assert torch.allclose(jacobian_penalised_nll(flow, ROWS, z, 1.0),
                          nll + inv_ladj.square().mean())


def test_classifier_loss_is_eq_6_of_the_softplus_terms():
    torch.manual_seed(1)
    net = classifier_network(3)
    surrogates, known = torch.randn(32, 3) * 4, torch.randn(8, 3) + 5
    logit = lambda rows: net(rows).squeeze(-1)  # noqa: E731
    expected = 0.5 * (F.softplus(logit(ROWS)).mean()
                      + 0.9 * F.softplus(-logit(surrogates)).mean()
                      + 2.0 * F.softplus(-logit(known)).mean())
    got = classifier_loss(net, ROWS, known, surrogates, surrogate_discount=0.1, gamma=2.0)
    assert torch.allclose(got, expected, atol=1e-6)
    without = classifier_loss(net, ROWS, None, surrogates, surrogate_discount=0.1, gamma=2.0)
    assert torch.allclose(without, expected - F.softplus(-logit(known)).mean(), atol=1e-6)


def test_contrastive_objective_is_eq_3_with_the_clamp():
    flow = build_flow("maf", 3)
    aux = torch.randn(128, 3) * 3
    parts = [(0.5, (aux, aux))]
    generator = torch.Generator().manual_seed(0)
    got = contrastive_objective(flow, ROWS, parts, eps=-8.0, generator=generator)
    index = torch.randint(aux.shape[0], (ROWS.shape[0],), generator=torch.Generator().manual_seed(0))
    expected = (-flow().log_prob(ROWS).mean()
                + 0.5 * clamped_log_prob(flow, aux[index], -8.0).mean())
    assert torch.allclose(got, expected, atol=1e-5)
    assert (clamped_log_prob(flow, aux * 100, -8.0) >= -8.0).all()
    assert math.isclose(float(clamped_log_prob(flow, ROWS, None).mean()),
                        float(flow().log_prob(ROWS).mean()), rel_tol=1e-6)


def test_latent_knn_score_is_the_geometric_mean_base_through_the_flow():
    """(|z|^2/2 + d log r_k(z))/2 - log|det J|, r_k from a brute-force neighbour search."""
    flow = build_flow("maf", 3)
    reference = torch.randn(40, 3)
    score = latent_knn_score(flow, ROWS, reference, k=3)
    z, ladj = flow().transform.call_and_ladj(ROWS)
    distances = (z[:, None, :].double() - reference[None].double()).norm(dim=2)
    radius = distances.sort(dim=1).values[:, 2]
    expected = ((z.double().square().sum(1) / 2 + 3 * radius.log()) / 2 - ladj.double())
    assert torch.allclose(score, expected, atol=1e-6)
    # A reference latent is its own nearest neighbour; a far row is far from all.
    assert kth_neighbour_distance(reference[:1] + 5.0, reference, 1) > 1.0
    assert kth_neighbour_distance(reference[:1], reference, 1) < 1e-6
    # k is capped at the reference's size.
    assert torch.isfinite(latent_knn_score(flow, ROWS, reference[:2], k=5)).all()
