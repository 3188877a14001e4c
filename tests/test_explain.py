"""explain(X): per-feature contributions to the anomaly score, for every detector."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import make_fast
from skflowad.base import OFF_SUPPORT_SCORE

rng = np.random.default_rng(0)
X = rng.normal(size=(400, 4))
X[:, 1] += X[:, 0]  # a correlation to break
ROWS = np.array([
    [0.0, 0.0, 7.0, 0.0],   # feature 2 far out, alone
    [2.5, -2.5, 0.0, 0.0],  # ordinary marginals, the correlation of 0 and 1 broken
])


@pytest.fixture(scope="module", params=["FlowDensity", "NFAD", "OneFlow", "ContrastiveFlow",
                                        "IOCN"])
def fitted(request):
    import skflowad

    return make_fast(getattr(skflowad, request.param), epochs=25).fit(X)


def test_the_abnormal_feature_gets_the_largest_contribution(fitted):
    contributions = fitted.explain(ROWS, random_state=0)
    assert contributions.shape == ROWS.shape and np.isfinite(contributions).all()
    assert contributions[0].argmax() == 2
    assert set(np.argsort(-contributions[1])[:2]) == {0, 1}


def test_explain_is_seeded_and_leaves_the_scores_alone(fitted):
    before = fitted.decision_function(ROWS)
    a = fitted.explain(ROWS, n_draws=16, random_state=3)
    np.testing.assert_array_equal(a, fitted.explain(ROWS, n_draws=16, random_state=3))
    np.testing.assert_array_equal(before, fitted.decision_function(ROWS))
    with pytest.raises(ValueError, match="n_draws"):
        fitted.explain(ROWS, n_draws=0)


def test_a_value_off_a_training_constant_is_explained_by_that_column():
    from skflowad import FlowDensity

    data = np.column_stack([X, np.zeros(len(X))])
    det = make_fast(FlowDensity, epochs=5).fit(data)
    row = np.array([[0.0, 0.0, 0.0, 0.0, 1.0]])
    contributions = det.explain(row, random_state=0)
    assert contributions[0].argmax() == 4
    assert contributions[0, 4] == pytest.approx(OFF_SUPPORT_SCORE, rel=1e-3)


def test_plot_explanation_draws_the_top_features():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skflowad.plotting import plot_explanation

    fig, ax = plt.subplots()
    assert plot_explanation([0.1, -2.0, 5.0, 0.0], ["a", "b", "c", "d"], ax=ax, top=3) is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["a", "b", "c"]  # the largest |contribution| at the top
    with pytest.raises(ValueError, match="feature names"):
        plot_explanation([1.0, 2.0], ["a"])
    plt.close(fig)
