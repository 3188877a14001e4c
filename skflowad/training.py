"""The one training loop every detector uses.

Minibatches are sliced from a tensor that already lives on the device, the loss is
accumulated on the device and read back once per epoch (no per-step host sync),
AdamW (fused on CUDA) updates the parameters, gradients are clipped, a held-out
validation split drives early stopping with best-weights restore, and a NaN/inf
guard stops training with an error that names the parameter to change.

A method supplies its loss (``loss_fn(batch) -> scalar tensor``) and, when the loss
says nothing about quality (IOCN's does not), its own ``validation_loss``.
"""

from __future__ import annotations

__all__ = [
    "TrainingConfig", "TrainingResult", "TrainingDivergedError", "train", "split_validation",
    "split_at", "mean_loss", "map_batches",
]

import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from sklearn.exceptions import ConvergenceWarning
from torch import Tensor, nn
from tqdm.auto import tqdm

LossFn = Callable[[Tensor], Tensor]
Criterion = Callable[[Tensor], Tensor]


class TrainingDivergedError(FloatingPointError, ValueError):
    """The training loss became NaN or infinite."""


@dataclass(frozen=True)
class TrainingConfig:
    """Settings of one training run (filled from a detector's parameters)."""

    epochs: int = 100
    batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 1e-2
    validation_fraction: float = 0.1
    patience: int | None = 15
    clip_grad_norm: float | None = 5.0
    verbose: int = 0
    description: str = "training"
    divergence_hint: str = "lower `learning_rate` or set `clip_grad_norm`"
    """The end of the divergence error: which parameters to change (with their values)."""


@dataclass
class TrainingResult:
    """What happened during training: per-epoch losses and the epoch kept."""

    loss_curve: list[float] = field(default_factory=list)
    validation_curve: list[float] = field(default_factory=list)
    best_epoch: int = 0
    n_epochs: int = 0
    validation_index: Tensor | None = field(default=None, repr=False)
    """Indices (into the training data) of the held-out rows; None without a split."""


def train(
    module: nn.Module,
    loss_fn: LossFn,
    data: Tensor,
    config: TrainingConfig,
    *,
    validation_loss: Criterion | None = None,
    parameters: Iterable[nn.Parameter] | None = None,
    batch_transform: Callable[[Tensor], Tensor] | None = None,
    generator: torch.Generator | None = None,
    validation_index: Tensor | None = None,
) -> TrainingResult:
    """Minimise ``loss_fn`` over minibatches of ``data``; restore the best weights.

    Parameters
    ----------
    module : torch.nn.Module
        Holds the parameters; its state is restored to the best validation epoch.
    loss_fn : callable
        ``loss_fn(batch)`` returns a scalar loss for a minibatch of rows of ``data``.
    data : Tensor of shape (n_samples, ...)
        Training rows, already on the training device. A random
        ``config.validation_fraction`` of them is held out for model selection.
    config : TrainingConfig
    validation_loss : callable, optional
        ``validation_loss(validation_rows)`` returns a scalar tensor, lower is
        better. Default: the mean of ``loss_fn`` over the held-out rows. When there
        is no held-out split, a given criterion is evaluated on the training rows
        (the training loss is monitored only when no criterion is given).
    parameters : iterable of Parameter, optional
        What the optimizer updates (default: all of ``module``'s parameters).
    batch_transform : callable, optional
        Applied to each training minibatch before ``loss_fn`` (e.g. training noise);
        the validation rows are evaluated as they are.
    generator : torch.Generator, optional
        Draws the validation split and the batch order (on ``data``'s device; default:
        torch's global stream).
    validation_index : Tensor of int, optional
        Hold out these rows of ``data`` instead of drawing ``config.validation_fraction``
        of them (e.g. the rows an earlier stage held out, so that no stage fits them).

    Returns
    -------
    TrainingResult

    Raises
    ------
    TrainingDivergedError
        If the training loss or the validation criterion becomes NaN or infinite.
    """
    params = [p for p in (module.parameters() if parameters is None else parameters)]
    device = data.device
    if validation_index is None:
        train_rows, val_rows, val_index = split_validation(data, config.validation_fraction,
                                                           generator)
    else:
        train_rows, val_rows, val_index = split_at(data, validation_index)
    criterion = validation_loss or (lambda rows: mean_loss(loss_fn, rows, config.batch_size))
    optimizer = _adamw(params, config)
    n_train = train_rows.shape[0]
    n_batches = max(1, math.ceil(n_train / config.batch_size))
    result = TrainingResult(validation_index=val_index)
    best_value, best_state, waited = math.inf, None, 0

    epochs = tqdm(range(config.epochs), desc=config.description, disable=config.verbose < 1)
    for epoch in epochs:
        module.train()
        total = torch.zeros((), device=device)
        order = torch.randperm(n_train, generator=generator, device=device)
        for index in torch.tensor_split(order, n_batches):
            batch = train_rows[index]
            loss = loss_fn(batch if batch_transform is None else batch_transform(batch))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.clip_grad_norm is not None:
                nn.utils.clip_grad_norm_(params, config.clip_grad_norm)
            optimizer.step()
            total += loss.detach()
        epoch_loss = (total / n_batches).item()  # the one host sync of the epoch
        _check_finite(epoch_loss, "training loss", epoch, config)
        result.loss_curve.append(epoch_loss)

        if val_rows is None and validation_loss is None:
            value = epoch_loss
        else:  # a method's own criterion is used even without a split (on the train rows)
            module.eval()
            with torch.no_grad():
                value = float(criterion(train_rows if val_rows is None else val_rows))
            _check_finite(value, "validation criterion", epoch, config)
            result.validation_curve.append(value)
        epochs.set_postfix(loss=f"{epoch_loss:.4g}", val=f"{value:.4g}", refresh=False)

        if value < best_value:
            best_value, waited, result.best_epoch = value, 0, epoch + 1
            best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        else:
            waited += 1
            if config.patience is not None and waited >= config.patience:
                break
    result.n_epochs = len(result.loss_curve)
    if result.n_epochs == config.epochs and result.best_epoch == result.n_epochs > 1:
        warnings.warn(
            f"{config.description}: training stopped at its limit of {config.epochs} epochs "
            f"while the validation criterion was still improving; more epochs may fit better.",
            ConvergenceWarning, stacklevel=3,
        )
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return result


def _adamw(params: list[nn.Parameter], config: TrainingConfig) -> torch.optim.AdamW:
    """AdamW, fused into one kernel where this torch supports it (CUDA; CPU since 2.4)."""
    kwargs = dict(lr=config.learning_rate, weight_decay=config.weight_decay)
    try:
        return torch.optim.AdamW(params, fused=True, **kwargs)
    except (RuntimeError, TypeError):
        return torch.optim.AdamW(params, **kwargs)


def split_validation(data: Tensor, fraction: float, generator: torch.Generator | None = None
           ) -> tuple[Tensor, Tensor | None, Tensor | None]:
    """Random ``(train, validation, validation indices)`` split of ``data``'s rows.

    ``round(n * fraction)`` rows are held out, drawn with ``generator``; with no row to
    hold out (or none left to train on) the result is ``(data, None, None)``.
    """
    n = data.shape[0]
    n_val = int(round(n * fraction))
    if fraction <= 0 or n_val < 1 or n - n_val < 1:
        return data, None, None
    perm = torch.randperm(n, generator=generator, device=data.device)
    return data[perm[n_val:]], data[perm[:n_val]], perm[:n_val].cpu()


def split_at(data: Tensor, validation_index: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``(train, validation, validation indices)`` with the rows ``validation_index`` held out."""
    index = validation_index.to(data.device)
    held_out = torch.zeros(data.shape[0], dtype=torch.bool, device=data.device)
    held_out[index] = True
    if not 0 < int(held_out.sum()) < data.shape[0]:
        raise ValueError("validation_index must hold out some rows of data and not all.")
    return data[~held_out], data[index], index.cpu()


def map_batches(fn: Callable[[Tensor], Any], rows: Tensor, batch_size: int) -> Any:
    """``fn`` applied to ``rows`` in chunks of at most ``batch_size`` rows, concatenated.

    Every tensor-side chunked map of the package goes through it: memory stays bounded by
    one chunk. When ``fn`` returns a tuple of tensors, each part is concatenated on its own.
    """
    outputs = [fn(chunk) for chunk in torch.split(rows, batch_size)]
    if isinstance(outputs[0], tuple):
        return tuple(torch.cat(parts) for parts in zip(*outputs))
    return torch.cat(outputs)


def mean_loss(loss_fn: LossFn, rows: Tensor, batch_size: int) -> Tensor:
    """Row-weighted mean of ``loss_fn`` over ``rows`` in chunks of ``max(batch_size, 4096)``."""
    weighted = map_batches(lambda chunk: (loss_fn(chunk) * chunk.shape[0]).reshape(1),
                           rows, max(batch_size, 4096))
    return weighted.sum() / rows.shape[0]


def _check_finite(value: float, what: str, epoch: int, config: TrainingConfig) -> None:
    if not math.isfinite(value):
        raise TrainingDivergedError(
            f"{config.description}: the {what} became {value} at epoch {epoch + 1}; "
            f"training diverged. To fix it, {config.divergence_hint}."
        )
