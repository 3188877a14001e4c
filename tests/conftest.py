"""Shared fixtures: every exported detector, with settings small enough for CI."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

import skflowad
from skflowad.base import FlowDetector

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))

# Small networks and few epochs: the contract is about behaviour, not quality.
FAST_PARAMS = dict(
    n_transforms=2,
    hidden_features=(16, 16),
    epochs=3,
    batch_size=64,
    device="cpu",
    random_state=0,
)
# Method-specific fast settings (parameter name -> value), added by each method.
EXTRA_FAST_PARAMS: dict[str, dict] = {
    "NFAD": {"classifier_epochs": 20},
}

DETECTORS = sorted(
    (
        obj
        for name in skflowad.__all__
        if isinstance(obj := getattr(skflowad, name), type)
        and issubclass(obj, FlowDetector)
        and obj is not FlowDetector
    ),
    key=lambda cls: cls.__name__,
)

DATA_DIR = Path(
    os.environ.get("SKFLOWAD_DATA", Path(__file__).resolve().parents[2] / "shared/data/adbench")
)


def make_fast(cls, **overrides) -> FlowDetector:
    """An instance of ``cls`` with the fast settings its signature accepts."""
    accepted = cls().get_params()
    params = {**FAST_PARAMS, **EXTRA_FAST_PARAMS.get(cls.__name__, {}), **overrides}
    return cls(**{k: v for k, v in params.items() if k in accepted})


@pytest.fixture(params=DETECTORS, ids=lambda cls: cls.__name__)
def detector_cls(request):
    return request.param


def anomaly_cluster_data(n_normal=300, n_anomalies=30, n_features=4, seed=0):
    """Normals from N(0, I); anomalies a tight cluster far away (an obvious case)."""
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=(n_normal, n_features))
    anomalies = rng.normal(loc=6.0, scale=0.3, size=(n_anomalies, n_features))
    X = np.vstack([normal, anomalies])
    y = np.r_[np.zeros(n_normal, int), np.ones(n_anomalies, int)]
    order = rng.permutation(len(y))
    return X[order], y[order]


def unseen_kind_case(seed=0, d=4):
    """Correlated normals; 10 known anomalies far out along the main axis; unseen test
    anomalies whose marginals look normal but which break the correlation.

    Returns ``(normal, known, test_normal, unseen)``.
    """
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(np.full((d, d), 0.9) + 0.1 * np.eye(d))
    normal = rng.normal(size=(1000, d)) @ chol.T
    axis = np.ones(d) / np.sqrt(d)
    known = axis * 6 * np.sqrt(d) + 0.3 * rng.normal(size=(10, d))
    test_normal = rng.normal(size=(300, d)) @ chol.T
    unseen = rng.normal(size=(60, d))
    unseen = unseen[np.abs(unseen @ axis) < 1]  # not along the known anomalies' axis
    return normal, known, test_normal, unseen
