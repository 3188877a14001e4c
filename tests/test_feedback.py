"""Feedback on long or odd work: convergence and constant-column warnings, verbose stage
budgets, devices."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from conftest import make_fast
from skflowad import NFAD, FlowDensity
from skflowad.base import ConstantFeatureWarning, resolve_device

X = np.random.default_rng(0).normal(size=(300, 3))


def test_convergence_warning_when_the_last_epoch_still_improves():
    rng = np.random.default_rng(0)
    curved = rng.normal(size=(3000, 3))
    curved[:, 1] += curved[:, 0] ** 2
    with pytest.warns(ConvergenceWarning, match="limit of 3 epochs"):  # a slow learning rate
        FlowDensity(epochs=3, learning_rate=1e-4, batch_size=256, random_state=0,
                    device="cpu").fit(curved)


def test_no_convergence_warning_after_early_stopping():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        det = FlowDensity(epochs=300, patience=3, random_state=0, device="cpu").fit(X[:100])
    assert det.history_["flow"].n_epochs < 300


def test_constant_columns_are_named_in_a_warning():
    import pandas as pd

    frame = pd.DataFrame(np.column_stack([X, np.ones(300), np.zeros(300)]),
                         columns=["a", "b", "c", "flat", "zero"])
    with pytest.warns(ConstantFeatureWarning, match="2 feature.*flat, zero"):
        make_fast(FlowDensity, epochs=2).fit(frame)


def test_verbose_says_the_device_and_every_stages_budget(capsys):
    NFAD(epochs=2, classifier_epochs="auto", verbose=1, random_state=0, device="cpu",
         hidden_features=(8,), n_transforms=1).fit(X)
    err = capsys.readouterr().err
    assert "NFAD flow: at most 2 epochs" in err and "on cpu" in err
    assert "NFAD classifier: at most 100 epochs" in err  # "auto" without labels


def test_mps_is_accepted_where_torch_has_it():
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        assert resolve_device("mps").type == "mps"
    else:
        with pytest.raises(ValueError, match="no MPS device"):
            resolve_device("mps")
    with pytest.raises(ValueError, match="'mps'"):
        resolve_device("xpu")
