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


def test_the_right_feature_comes_first_for_most_anomalies(fitted):
    # 40 anomalies, each far out in one known feature (either side), and 20 whose features
    # 0 and 1 break their correlation with ordinary marginals (which a per-feature test
    # such as ECOD's cannot see): at least 90 % must be explained by the right feature(s).
    gen = np.random.default_rng(1)
    known = gen.integers(0, 4, size=40)
    far = gen.normal(scale=0.3, size=(40, 4))
    far[np.arange(40), known] = gen.choice([-1.0, 1.0], size=40) * gen.uniform(6.0, 8.0, 40)
    size = gen.uniform(1.8, 2.5, size=20)
    broken = np.column_stack([size, -size, gen.normal(scale=0.3, size=(20, 2))])
    far_top = fitted.explain(far, random_state=0).argmax(axis=1)
    broken_top = np.argsort(-fitted.explain(broken, random_state=0), axis=1)[:, :2]
    assert np.mean(far_top == known) >= 0.9
    assert np.mean([set(top) == {0, 1} for top in broken_top]) >= 0.9


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
