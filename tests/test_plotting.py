"""The generic 2-D plotting helper works with skflowad and PyOD detectors alike."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from pyod.models.knn import KNN

from conftest import make_fast
from skflowad import FlowDensity
from skflowad.plotting import plot_decision_regions

matplotlib.use("Agg")


@pytest.mark.parametrize("make", [lambda: make_fast(FlowDensity), KNN], ids=["FlowDensity", "KNN"])
def test_plot_decision_regions_draws_scores_and_threshold(make):
    import matplotlib.pyplot as plt

    X = np.random.default_rng(0).normal(size=(200, 2))
    y = (np.linalg.norm(X, axis=1) > 2).astype(int)
    det = make().fit(X)
    ax = plot_decision_regions(det, X, y=y, resolution=30, title="t")
    # a filled score map, the threshold line, and the two scatter layers
    assert len(ax.collections) >= 3 and ax.get_title() == "t"
    plt.close(ax.figure)
