"""NFAD: tail sampler, Jacobian regulariser, known anomalies, unseen anomalies, options."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import chi2, kstest
from sklearn.datasets import make_moons
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from conftest import unseen_kind_case
from skflowad import NFAD
from skflowad.detectors._gaussian_tail import chi2_tail_threshold, sample_gaussian_tail

SMALL = dict(
    n_transforms=2,
    hidden_features=(16, 16),
    epochs=15,
    batch_size=128,
    learning_rate=1e-3,  # the rate these small tests were written for (default: 4e-3 at 1024)
    classifier_epochs=30,
    device="cpu",
    random_state=0,
)


def _clusters(seed=0, n_normal=400, dim=4, offset=3.0):
    """Normals N(0, I); cluster A near +3 on feature 0, cluster B near +3 on feature 1."""
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=(n_normal, dim))

    def cluster(axis, n):
        c = rng.normal(scale=0.3, size=(n, dim))
        c[:, axis] += offset
        return c

    return normal, cluster(0, 60), cluster(1, 60), rng


def _auroc(det, normal, anomalies):
    scores = det.decision_function(np.vstack([normal, anomalies]))
    return roc_auc_score(np.r_[np.zeros(len(normal)), np.ones(len(anomalies))], scores)


# ---------------------------------------------------------------- (c) exact tail sampling
@pytest.mark.parametrize("dim", [2, 200])
@pytest.mark.parametrize("tail_p", [0.05, 0.3])
def test_tail_sampling_is_exact(dim, tail_p):
    torch.manual_seed(0)
    z = sample_gaussian_tail(5000, dim, tail_p, device=torch.device("cpu")).double()
    r2 = z.square().sum(1).numpy()
    threshold = chi2_tail_threshold(tail_p, dim)
    assert (r2 >= threshold * (1 - 1e-6)).all()
    # The tail holds mass tail_p of N(0, I): checked on plain Gaussian draws.
    plain = np.random.default_rng(0).normal(size=(50_000, dim))
    mass = np.mean(np.square(plain).sum(1) >= threshold)
    assert abs(mass - tail_p) < 4 * np.sqrt(tail_p * (1 - tail_p) / 50_000)
    # Radii follow chi2(D) conditioned on the tail: sf(r2) / tail_p ~ U(0, 1).
    assert kstest(chi2.sf(r2, dim) / tail_p, "uniform").pvalue > 1e-3
    # Directions are uniform on the sphere: the mean direction is near 0.
    directions = z / z.norm(dim=1, keepdim=True)
    assert directions.mean(0).norm() < 5 / np.sqrt(5000)


# ---------------------------------------------------------------- (d) the regulariser
def test_jacobian_penalty_sends_surrogates_to_low_likelihood():
    """Two moons (the papers' Fig. 2): without λ the flow distorts the tail."""
    X, _ = make_moons(1000, noise=0.05, random_state=0)
    tail_p = 0.05

    def share_below(lam):
        params = {**SMALL, "flow": "realnvp", "n_transforms": 3, "hidden_features": (32, 32),
                  "epochs": 30, "classifier_epochs": 1}
        det = NFAD(jacobian_penalty=lam, tail_p=tail_p, **params).fit(X)
        with torch.no_grad():
            flow = det.flow_()
            ll_normal = flow.log_prob(det._to_tensor(det._standardise(X))).numpy()
            ll_sur = flow.log_prob(det._to_tensor(det._standardise(det.sample_surrogates(2000))))
        return np.mean(ll_sur.numpy() < np.quantile(ll_normal, tail_p)), det

    share_reg, reg = share_below(1.0)
    share_plain, plain = share_below(0.0)
    print(f"surrogates below the tail_p quantile: λ=1 {share_reg:.3f}, λ=0 {share_plain:.3f}")
    assert share_reg > 0.9
    assert share_reg > share_plain + 0.2
    assert reg.log_det_jacobian_sq_ < 0.5 * plain.log_det_jacobian_sq_


# ---------------------------------------------------------------- (a) known anomalies help
def test_known_anomalies_improve_detection_of_their_cluster():
    normal, cluster_a, _, _ = _clusters(seed=2)
    X = np.vstack([normal, cluster_a[:5]])
    y = np.r_[np.zeros(len(normal), int), np.ones(5, int)]
    test_normal, test_a = normal[::3], cluster_a[5:]
    with_labels = NFAD(**SMALL).fit(X, y)
    without = NFAD(**SMALL).fit(normal)
    assert with_labels.n_known_anomalies_ == 5 and without.n_known_anomalies_ == 0
    auc_with = _auroc(with_labels, test_normal, test_a)
    auc_without = _auroc(without, test_normal, test_a)
    assert auc_with > auc_without
    assert auc_with > 0.95


# ---------------------------------------------------------------- (b) unseen anomalies
def test_unseen_anomaly_cluster_stays_detected_where_a_classifier_fails():
    normal, cluster_a, cluster_b, _ = _clusters(seed=3, offset=4.0)
    X = np.vstack([normal, cluster_a[:10]])
    y = np.r_[np.zeros(len(normal), int), np.ones(10, int)]
    test_normal = np.random.default_rng(30).normal(size=(300, normal.shape[1]))
    params = {**SMALL, "classifier_epochs": 100}
    one_class = _auroc(NFAD(**params).fit(normal), test_normal, cluster_b)
    nfad_b = _auroc(NFAD(**params).fit(X, y), test_normal, cluster_b)
    print(f"one-class {one_class:.3f}, NFAD with A labels {nfad_b:.3f}")
    hgb = HistGradientBoostingClassifier(random_state=0).fit(X, y)
    scores = hgb.decision_function(np.vstack([test_normal, cluster_b]))
    hgb_b = roc_auc_score(np.r_[np.zeros(300), np.ones(len(cluster_b))], scores)
    print(f"HGB {hgb_b:.3f}")
    # Measured: one-class 0.992, with A's labels 0.982, HGB 0.751.
    assert nfad_b > one_class - 0.05
    assert nfad_b > 0.9
    assert hgb_b < 0.8
    assert nfad_b > hgb_b + 0.1


# ---------------------------------------------------------------- options
@pytest.mark.parametrize(
    "classifier",
    [HistGradientBoostingClassifier(max_iter=50, random_state=0), LogisticRegression()],
    ids=["hgb", "logreg"],
)
def test_any_sklearn_classifier(classifier):
    normal, cluster_a, _, _ = _clusters(seed=4)
    X = np.vstack([normal, cluster_a[:5]])
    y = np.r_[np.zeros(len(normal), int), np.ones(5, int)]
    det = NFAD(classifier=classifier, n_surrogates=500, **SMALL).fit(X, y)
    assert type(det.classifier_) is type(classifier) and det.classifier_ is not classifier
    assert "classifier" not in det.history_
    test_normal = np.random.default_rng(40).normal(size=(300, normal.shape[1]))
    assert _auroc(det, test_normal, cluster_a[5:]) > 0.9
    if isinstance(classifier, HistGradientBoostingClassifier):
        # A flexible classifier also learns the surrogate shell: far rows in any direction.
        ball = np.random.default_rng(41).normal(scale=4.0, size=(400, normal.shape[1]))
        far = ball[np.linalg.norm(ball, axis=1) > 6]
        assert _auroc(det, test_normal, far) > 0.85


def test_distillation_student_matches_teacher():
    normal, cluster_a, _, _ = _clusters(seed=5)
    det = NFAD(flow="maf", distill=True, **SMALL).fit(normal)
    assert det.sampler_ is not det.flow_
    curve = det.history_["distillation"].validation_curve
    assert curve[-1] < curve[0]  # KL(student || teacher) went down
    assert min(curve) < 0.5
    # The student's surrogates lie in the teacher's low-likelihood region too.
    with torch.no_grad():
        teacher = det.flow_()
        sur = det._to_tensor(det._standardise(det.sample_surrogates(1000)))
        ll_normal = teacher.log_prob(det._to_tensor(det._standardise(normal)))
        assert (teacher.log_prob(sur) < ll_normal.quantile(0.1)).float().mean() > 0.5
    # 0.88-0.98 over random_state 0-5 except one poor start (0.55-0.59); 15 epochs only
    assert _auroc(det, normal[::3], cluster_a) > 0.85


def test_tail_p_auto_uses_known_anomalies():
    def fitted(offset):
        normal, cluster_a, _, _ = _clusters(seed=6, offset=offset)
        X = np.vstack([normal, cluster_a[:5]])
        y = np.r_[np.zeros(len(normal), int), np.ones(5, int)]
        det = NFAD(tail_p="auto", **{**SMALL, "classifier_epochs": 1}).fit(X, y)
        with torch.no_grad():
            z = det.flow_().transform(det._to_tensor(det._standardise(cluster_a[:5])))
        expected = np.median(chi2.sf(z.square().sum(1).double().numpy(), z.shape[1]))
        assert det.tail_p_ == pytest.approx(max(expected, 1e-6), rel=1e-4)
        return det.tail_p_

    assert fitted(6.0) < fitted(3.0) < 0.5
    normal, _, _, _ = _clusters(seed=6, n_normal=100)
    assert NFAD(tail_p="auto", **{**SMALL, "classifier_epochs": 1}).fit(normal).tail_p_ == 0.05


def test_classifier_epochs_auto_depends_on_labels():
    # "auto": the papers' 10 epochs with known anomalies, 100 one-class (P2 benchmark)
    normal, cluster_a, _, _ = _clusters(seed=5, n_normal=100)
    params = {**SMALL, "epochs": 1, "classifier_epochs": "auto", "patience": 1000}
    one_class = NFAD(**params).fit(normal)
    assert one_class.classifier_epochs_ == 100
    assert one_class.history_["classifier"].n_epochs == 100
    X = np.vstack([normal, cluster_a[:3]])
    y = np.r_[np.zeros(len(normal), int), np.ones(3, int)]
    labelled = NFAD(**params).fit(X, y)
    assert labelled.classifier_epochs_ == 10
    assert labelled.history_["classifier"].n_epochs == 10
    assert NFAD(**{**params, "classifier_epochs": 7}).fit(X, y).classifier_epochs_ == 7


def test_jacobian_warmup_and_one_plus_epsilon_loss_run():
    normal, cluster_a, _, _ = _clusters(seed=7)
    X = np.vstack([normal, cluster_a[:5]])
    y = np.r_[np.zeros(len(normal), int), np.ones(5, int)]
    det = NFAD(jacobian_warmup=5, surrogate_discount=0.5, gamma=2.0, **SMALL).fit(X, y)
    assert _auroc(det, normal[::3], cluster_a[5:]) > 0.9


def test_labels_all_zero_equals_no_labels():
    normal, _, _, _ = _clusters(seed=8, n_normal=200)
    a = NFAD(**{**SMALL, "epochs": 3}).fit(normal).decision_scores_
    b = NFAD(**{**SMALL, "epochs": 3}).fit(normal, np.zeros(len(normal))).decision_scores_
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_label_errors():
    normal, _, _, _ = _clusters(seed=9, n_normal=50)
    with pytest.raises(ValueError, match="row\(s\) as normal"):
        NFAD(**SMALL).fit(normal, np.ones(len(normal)))
    with pytest.raises(ValueError, match="0 \\(normal"):
        NFAD(**SMALL).fit(normal, np.full(len(normal), 2))
    with pytest.raises(ValueError, match="labels but X has"):
        NFAD(**SMALL).fit(normal, np.zeros(3))
    with pytest.raises(ValueError, match="surrogate_discount"):
        NFAD(surrogate_discount=1.0, **SMALL).fit(normal)


@pytest.mark.parametrize("classifier_epochs", ["default", "auto"])
def test_known_anomalies_do_not_blind_nfad_to_an_unseen_kind(classifier_epochs):
    """At its defaults, NFAD with 10 labelled anomalies of one kind keeps at least 0.95 of
    its one-class AUROC on an unseen kind (measured: 0.926 against 0.937)."""
    normal, known, test_normal, unseen = unseen_kind_case()
    X = np.vstack([normal, known])
    y = np.r_[np.zeros(len(normal), int), np.ones(len(known), int)]
    params = dict(random_state=0, device="cpu")
    if classifier_epochs != "default":
        params["classifier_epochs"] = classifier_epochs
    one_class = _auroc(NFAD(**params).fit(normal), test_normal, unseen)
    with_labels = _auroc(NFAD(**params).fit(X, y), test_normal, unseen)
    print(f"classifier_epochs={classifier_epochs}: one-class {one_class:.3f}, "
          f"with labels {with_labels:.3f}")
    if classifier_epochs == "auto" and with_labels < 0.95 * one_class:
        pytest.xfail("classifier_epochs='auto' trains the papers' 10 epochs with labels, "
                     f"which memorises the known kind: {with_labels:.3f} against {one_class:.3f}")
    assert with_labels >= 0.95 * one_class


def test_deprecated_epsilon_warns_and_is_used():
    normal, cluster_a, _, _ = _clusters(seed=10, n_normal=200)
    X = np.vstack([normal, cluster_a[:5]])
    y = np.r_[np.zeros(len(normal), int), np.ones(5, int)]
    params = {**SMALL, "epochs": 3, "random_state": 0}
    with pytest.warns(FutureWarning, match="surrogate_discount"):
        old = NFAD(epsilon=0.5, **params).fit(X, y).decision_scores_
    new = NFAD(surrogate_discount=0.5, **params).fit(X, y).decision_scores_
    default = NFAD(**params).fit(X, y).decision_scores_
    np.testing.assert_allclose(old, new, rtol=1e-5, atol=1e-5)
    assert not np.allclose(new, default, rtol=1e-3, atol=1e-3)
