"""scikit-learn's own estimator checks, run on every skflowad detector.

PyOD's detector conventions differ from scikit-learn's outlier detectors in a few
deliberate ways; the checks that test exactly those conventions are listed below with
the reason, and pytest reports them as expected failures (xfail), never as passes.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import DETECTORS, make_fast

PYOD_CONVENTION_FAILURES = {
    # scikit-learn outlier detectors predict +1 (inlier) / -1 (outlier) and score
    # "higher = more normal"; PyOD (and so skflowad) predicts 1 = anomaly / 0 = normal
    # and scores "higher = more abnormal".
    "check_outliers_train": "PyOD convention: predict in {0, 1}, higher score = more abnormal",
    "check_outliers_fit_predict": "PyOD convention: fit_predict returns {0, 1}",
    # skflowad validates y against PyOD's label convention (1 = known anomaly, 0 =
    # normal or unlabeled) and raises a ValueError for other values. These checks
    # build y as e.g. X[:, 0].astype(int) shifted to {1, 2}, which is not a 0/1 label.
    "check_estimators_dtypes": "passes y in {1, 2}; skflowad requires 0/1 labels",
    "check_classifier_data_not_an_array": "passes y in {1, 2}; skflowad requires 0/1 labels",
    "check_fit2d_1feature": "passes y in {1, 2}; skflowad requires 0/1 labels",
    # Flows score in float32: another row order or subset changes how BLAS blocks the
    # matrix products, which can move a score by one float32 ulp (~1e-7 relative), more
    # than the check's rtol=1e-7. Seen for NFAD; may pass (XPASS) for the others.
    "check_methods_sample_order_invariance": "float32 scores differ in the last bit",
    "check_methods_subset_invariance": "float32 scores differ in the last bit",
    "check_outlier_corruption": "PyOD convention: predict in {0, 1}",
}

# Fitting many small flows: keep each check cheap.
CHECK_PARAMS = dict(epochs=2, n_transforms=1, hidden_features=(8,), batch_size=32)


def _expected_failures(estimator):
    return PYOD_CONVENTION_FAILURES


@parametrize_with_checks(
    [make_fast(cls, **CHECK_PARAMS) for cls in DETECTORS],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
