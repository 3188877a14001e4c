"""The shared training loop."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from skflowad.training import TrainingConfig, TrainingDivergedError, train


def _quadratic_problem():
    torch.manual_seed(0)
    module = nn.Linear(1, 1, bias=False)
    data = torch.full((200, 1), 2.0)
    loss_fn = lambda batch: ((module.weight * 1.0 - batch) ** 2).mean()  # noqa: E731
    return module, data, loss_fn


def test_loss_decreases_and_history_is_recorded():
    module, data, loss_fn = _quadratic_problem()
    result = train(module, loss_fn, data, TrainingConfig(epochs=30, learning_rate=0.1))
    assert result.n_epochs == len(result.loss_curve) == len(result.validation_curve)
    assert result.loss_curve[-1] < result.loss_curve[0]
    assert abs(module.weight.item() - 2.0) < 0.2


def test_early_stopping_restores_the_best_weights():
    module, data, loss_fn = _quadratic_problem()
    values = iter([3.0, 1.0, 2.0, 2.0, 2.0] + [5.0] * 100)
    snapshots = []

    def criterion(rows):
        snapshots.append(module.weight.detach().clone())
        return torch.tensor(next(values))

    result = train(
        module,
        loss_fn,
        data,
        TrainingConfig(epochs=50, learning_rate=0.05, patience=3),
        validation_loss=criterion,
    )
    assert result.best_epoch == 2 and result.n_epochs == 5
    torch.testing.assert_close(module.weight.detach(), snapshots[1])


def test_method_supplied_validation_criterion_sees_held_out_rows():
    module, data, loss_fn = _quadratic_problem()
    seen = []
    train(
        module,
        loss_fn,
        torch.arange(100.0).unsqueeze(1),
        TrainingConfig(epochs=2, validation_fraction=0.2),
        validation_loss=lambda rows: seen.append(rows.shape[0]) or torch.tensor(0.0),
    )
    assert seen == [20, 20]


def test_divergence_names_the_parameter_to_change():
    module, data, _ = _quadratic_problem()
    with pytest.raises(TrainingDivergedError, match="learning_rate"):
        train(
            module,
            lambda batch: module.weight.sum() * torch.tensor(float("nan")),
            data,
            TrainingConfig(epochs=3),
        )


def test_no_validation_split_for_tiny_data():
    module, _, loss_fn = _quadratic_problem()
    result = train(module, loss_fn, torch.ones(3, 1), TrainingConfig(epochs=2))
    assert result.validation_curve == []
