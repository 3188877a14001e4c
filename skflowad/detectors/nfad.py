"""NFAD: a classifier on normals against known and flow-sampled surrogate anomalies."""

from __future__ import annotations

__all__ = ["NFAD"]

import warnings
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import chi2
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import has_fit_parameter
from torch import Tensor, nn

from ..base import FlowDetector, fill_parameters_doc, within_robust_cutoff
from ..flows import flow_inverse_is_fast
from ..training import map_batches
from ._gaussian_tail import sample_gaussian_tail

_AUTO_TAIL_P_FALLBACK = 0.05
_AUTO_EPOCHS_WITH_LABELS = 10  # PeerJ Appendix A
_AUTO_EPOCHS_ONE_CLASS = 100  # the P2 benchmark (docstring Notes)
_MIN_CLASSIFIER_STEPS = 10  # per classifier epoch (the papers trained on 1e5+ rows)
# Surrogates drawn per flow pass: large enough to amortise the pass, small enough that
# the pass's activations stay bounded on large data (no change below this many rows).
_POOL_ROWS = 65_536
# Fresh base samples per step for the Jacobian penalty: an unbiased estimate of eq. 9's
# expectation that does not grow with the batch (the base-to-data pass is half a step).
_PENALTY_SAMPLES = 256
# Flow stages on small sets: the batch shrinks (not below 256) to keep this many steps per
# epoch, and the learning rate follows it linearly (see _flow_batch_and_rate).
_FLOW_MIN_STEPS = 8
_FLOW_SMALL_BATCH = 256


class NFAD(FlowDetector):
    """Normalizing flows for anomaly detection: surrogate anomalies from the flow's tail.

    Step 1 trains a flow ``x = f(z)`` by maximum likelihood on the normal rows
    (``y == 0``) with the Jacobian regulariser of PeerJ eqs. 9-10,
    :math:`\\max_\\theta E_x \\log p_f(x) - \\lambda E_{z\\sim N(0,I)}(\\log|\\det J(f|z)|)^2`,
    so that the tail of the base Gaussian maps to low-density regions of the data.
    Step 2 trains a binary classifier on the normal rows against the known anomalies
    (``y == 1``, if any) and surrogate anomalies ``f(z)``, ``z`` drawn from the
    Gaussian tail of probability mass ``tail_p``, with the (1+ε) loss of the TKDE
    preprint (eq. 6), :math:`\\tfrac12(L_+ + \\gamma L_- + (1-\\varepsilon) L_0)`;
    ``surrogate_discount=0, gamma=1`` is exactly PeerJ Algorithm 1 (three equal-weight
    cross-entropy terms). The anomaly score is the classifier's anomaly logit.

    Parameters
    ----------
%(common)s
    jacobian_penalty : float >= 0, default=%(jacobian_penalty)r
        λ of PeerJ eq. 10 (TKDE eq. 41), weight of E_z[(log|det J(f|z)|)^2].
    jacobian_warmup : int, default=0
        Epochs over which λ ramps linearly from 0 (the schedule the papers suggest);
        0 uses the full λ from the start.
    tail_p : float in (0, 0.5] or "auto", default=%(tail_p)r
        Probability mass of the Gaussian tail surrogates are drawn from:
        ``||z||**2 >= chi2(D).isf(tail_p)``. "auto" takes the median tail
        probability of the known anomalies' latent radii (0.05 without labels).
    distill : bool, default=False
        TKDE's probability distillation (eq. 34): ``flow`` is the teacher (use
        "maf"), and surrogates come from an IAF student fitted by minimising
        KL(P_student || P_teacher) on its own samples (one-pass sampling).
    classifier : "mlp" or scikit-learn classifier, default="mlp"
        "mlp": the papers' dense net D -> 3D -> 2D -> 1 with ReLU, trained on the
        device with AdamW and fresh surrogates every step. A scikit-learn classifier
        (with ``fit`` and ``predict_proba``) is cloned and fitted once on the normal
        rows, the known anomalies and ``n_surrogates`` fixed surrogates.
    classifier_epochs : int or "auto", default=%(classifier_epochs)r
        Epochs (passes over the normal rows) of the "mlp" classifier, with or without
        known anomalies. "auto": the papers' 10 when ``y`` has known anomalies, 100
        without (higher P3 AUROC, blind to unseen kinds: see Notes).
    classifier_batch_size : int, default=100
        Normal rows per "mlp" step; each step adds as many known anomalies
        (resampled) and as many fresh surrogates (PeerJ Appendix A: 100). On small
        data it is lowered so that an epoch has at least 10 steps.
    classifier_learning_rate : float, default=%(classifier_learning_rate)r
        Learning rate of the "mlp" classifier's AdamW (the papers: PyTorch's default,
        1e-3); ``learning_rate`` and ``batch_size`` apply to the flow stages.
    n_surrogates : int or None, default=None
        Surrogates given to a scikit-learn classifier; None: as many as normal rows.
    surrogate_discount : float in [0, 1], default=0.0
        ε of TKDE eq. 6: the surrogate term is weighted by 1 - ε; 0 keeps it whole, 1
        drops it (a binary classifier of normals against known anomalies).
    gamma : float >= 0, default=1.0
        γ of TKDE eq. 6: weight of the known-anomaly term.
    train_trim : "auto" or 0, default=%(train_trim)r
        Normal rows the classifier learns as normal. ``"auto"``: the rows whose negative
        log-likelihood under the fitted flow lies more than 3 robust standard deviations
        (1.4826 MAD) above the median are left out (as FlowDensity's ``train_trim="auto"``
        does per batch), so that anomalies among unlabeled training rows are not learnt
        as normal. 0: every normal-labelled row (the papers' method).

    epsilon : float in [0, 1], default="deprecated"
        Former name of ``surrogate_discount`` (renamed in 0.2: ContrastiveFlow's
        ``epsilon`` is a log-density clamp); still used, with a FutureWarning, when set.
        Removed in 0.3.

    Attributes
    ----------
    flow_ : zuko.lazy.Flow
        The flow trained by likelihood on the normal rows (the teacher with ``distill``).
    sampler_ : zuko.lazy.Flow
        The flow surrogates are drawn from (``flow_``, or the IAF student).
    classifier_ : torch.nn.Module or scikit-learn classifier
        The fitted anomaly classifier.
    tail_p_ : float
        The tail mass used (resolved when ``tail_p="auto"``).
    log_det_jacobian_sq_ : float
        E_z[(log|det J(f|z)|)^2] of ``sampler_`` at 4096 fresh base samples.
    n_known_anomalies_ : int
        Number of ``y == 1`` rows used as known anomalies.
    n_classifier_normals_ : int
        Number of rows the classifier learnt as normal (fewer with ``train_trim="auto"``).
    classifier_epochs_ : int
        The classifier's epoch budget (resolved when ``classifier_epochs="auto"``).
    history_ : dict
        ``TrainingResult`` per stage: "flow", "distillation", "classifier".
    scaler_, kept_features_, device_, decision_scores_, threshold_, labels_, n_features_in_
        As in :class:`~skflowad.FlowDensity`.

    Notes
    -----
    Readings of the papers taken here:

    * The penalty squares the log-determinant (the only non-negative reading of
      eq. 9). It is estimated at fresh base samples through the base-to-data pass
      when that pass is one pass (``flow_inverse_is_fast``); for "maf"/"nsf" it is
      estimated at the latent codes of the minibatch instead (one pass), a
      substitute that equals the paper's expectation once the flow fits. Each step
      draws at most 256 fresh base samples, however large the batch.
    * Flow stages train with ``batch_size`` and ``learning_rate`` on large sets; on
      sets of fewer than ``8 * batch_size`` rows the batch shrinks to keep 8 steps per
      epoch (not below 256) and the learning rate with it (linear scaling), so sets
      of up to 2048 rows train with 256 / 1e-3.
    * The classifier trains 100 epochs (at least 10 steps each) with or without known
      anomalies. The papers' 10 epochs with labels score higher when the test anomalies
      are of the labelled kinds, but leave the classifier short of the surrogates'
      boundary, so that an unseen kind of anomaly scores as normal: the labels would
      blind it to what it detects without them, against the papers' central claim
      (``classifier_epochs="auto"`` keeps that rule; the measurements are in
      ``docs/methods/nfad.md``). The classifier has its own learning rate, AdamW's
      default 1e-3.
    * "p(Z) <= p" is read as the isotropic tail ``||z|| >= r`` of mass ``tail_p``,
      sampled exactly (uniform direction, chi radius by inverse CDF).
    * Surrogates are drawn fresh for every classifier step (the papers: every epoch),
      an epoch's worth in one flow pass and sliced per step.
      Known anomalies are resampled with replacement into every step, as many as
      normal rows, rather than class-weighted.
    * f(x) in eq. 6 is the probability of being normal; the classifier here outputs
      the anomaly logit l, so L+ = softplus(l) and L-, L0 = softplus(-l).
    * Early stopping of the classifier uses the same loss on held-out normals, all
      known anomalies and a fixed draw of surrogates.

    References
    ----------
    .. [1] Ryzhikov, Borisyak, Ustyuzhanin, Derkach, "Normalizing flows for anomaly
       detection", PeerJ Computer Science 7:e757 (2021). https://doi.org/10.7717/peerj-cs.757
    .. [2] Ryzhikov, Borisyak, Ustyuzhanin, Derkach, "Normalizing flows for deep
       anomaly detection", IEEE TKDE preprint. https://arxiv.org/abs/1912.09323

    Examples
    --------
    >>> import numpy as np
    >>> from pyod.utils.data import generate_data
    >>> from skflowad import NFAD
    >>> X_train, X_test, y_train, y_test = generate_data(
    ...     n_train=300, n_test=100, n_features=2, contamination=0.1, random_state=0)
    >>> y_known = y_train * (np.arange(300) %% 5 == 0)  # a few labelled anomalies
    >>> det = NFAD(epochs=10, random_state=0).fit(X_train, y_known)
    >>> det.decision_function(X_test).shape
    (100,)
    """

    _uses_labels = True
    _scored_stage = "classifier"  # the held-out normals of the "mlp" classifier

    _parameter_constraints: dict = {
        **FlowDetector._parameter_constraints,
        "jacobian_penalty": [Interval(Real, 0, None, closed="left")],
        "jacobian_warmup": [Interval(Integral, 0, None, closed="left")],
        "tail_p": [Interval(Real, 0, 0.5, closed="right"), StrOptions({"auto"})],
        "distill": ["boolean"],
        "classifier": [StrOptions({"mlp"}), HasMethods(["fit", "predict_proba"])],
        "classifier_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "classifier_batch_size": [Interval(Integral, 1, None, closed="left")],
        "classifier_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "n_surrogates": [Interval(Integral, 1, None, closed="left"), None],
        "surrogate_discount": [Interval(Real, 0, 1, closed="both")],
        "epsilon": [Interval(Real, 0, 1, closed="both"), StrOptions({"deprecated"})],
        "train_trim": [StrOptions({"auto"}), Options(Real, {0.0})],
        "gamma": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        contamination=0.1,
        flow="realnvp",
        n_transforms=5,
        hidden_features=(128, 128),
        epochs=100,
        batch_size=1024,
        learning_rate=4e-3,
        weight_decay=1e-2,
        validation_fraction=0.1,
        patience=15,
        clip_grad_norm=5.0,
        jacobian_penalty=0.1,
        jacobian_warmup=0,
        tail_p=0.05,
        distill=False,
        classifier="mlp",
        classifier_epochs=100,
        classifier_batch_size=100,
        classifier_learning_rate=1e-3,
        n_surrogates=None,
        surrogate_discount=0.0,
        gamma=1.0,
        train_trim="auto",
        score_batch_size=65536,
        device="auto",
        random_state=None,
        verbose=0,
        epsilon="deprecated",
    ):
        self.contamination = contamination
        self.flow = flow
        self.n_transforms = n_transforms
        self.hidden_features = hidden_features
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.clip_grad_norm = clip_grad_norm
        self.jacobian_penalty = jacobian_penalty
        self.jacobian_warmup = jacobian_warmup
        self.tail_p = tail_p
        self.distill = distill
        self.classifier = classifier
        self.classifier_epochs = classifier_epochs
        self.classifier_batch_size = classifier_batch_size
        self.classifier_learning_rate = classifier_learning_rate
        self.n_surrogates = n_surrogates
        self.surrogate_discount = surrogate_discount
        self.gamma = gamma
        self.train_trim = train_trim
        self.score_batch_size = score_batch_size
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.epsilon = epsilon

    # ------------------------------------------------------------------ Algorithm 1
    def _fit_tensors(self, X: Tensor, y: Tensor | None) -> None:
        normals = X if y is None else X[y == 0]
        anomalies = X[:0] if y is None else X[y == 1]
        self.n_known_anomalies_ = int(anomalies.shape[0])
        if self.epsilon != "deprecated":
            warnings.warn("NFAD's `epsilon` was renamed `surrogate_discount` in 0.2 and will be "
                          "removed in 0.3; its value is used.", FutureWarning, stacklevel=3)
        if self._discount() == 1 and not self.n_known_anomalies_:
            raise ValueError(
                "surrogate_discount=1 drops the surrogate term and y has no known anomaly (1): "
                "nothing would be learnt as anomalous; lower surrogate_discount or pass "
                "labelled anomalies."
            )
        self.flow_ = self._fit_flow(normals)  # step 1
        self.sampler_ = self._distill(self.flow_, normals) if self.distill else self.flow_
        self.tail_p_ = self._resolve_tail_p(anomalies)
        with torch.no_grad():
            z = torch.randn(4096, X.shape[1], generator=self._generator(X.device),
                            device=X.device)
            _, ladj = self.sampler_().transform.inv.call_and_ladj(z)
            self.log_det_jacobian_sq_ = float(ladj.square().mean())
        self.classifier_epochs_ = self.classifier_epochs
        if self.classifier_epochs == "auto":  # the papers' 10 with labels (see Notes)
            self.classifier_epochs_ = (
                _AUTO_EPOCHS_WITH_LABELS if self.n_known_anomalies_ else _AUTO_EPOCHS_ONE_CLASS
            )
        trimmed = normals[:0]
        if self.train_trim == "auto":
            likely = self._likely_rows(normals)
            normals, trimmed = normals[likely], normals[~likely]
        self.n_classifier_normals_ = int(normals.shape[0])
        if isinstance(self.classifier, str):  # step 2
            self.classifier_ = self._fit_mlp(normals, anomalies)
        else:
            self.classifier_ = self._fit_sklearn(normals, anomalies)
        self._calibrate_on_trimmed_rows_too(trimmed)

    def _calibrate_on_trimmed_rows_too(self, trimmed: Tensor) -> None:
        """Add to the classifier's held-out normals the same share of the trimmed rows.

        The classifier's held-out rows are drawn from the normals it kept, which lack the
        unlikely tail that ``train_trim`` left out, so their scores alone would set
        ``threshold_`` too low for fresh normals. The trimmed rows are unseen by the
        classifier too; every k-th of them (k = 1 / validation_fraction) joins the held-out
        rows, so that they sample all normal rows alike. Scores do not change.
        """
        held_out = self._held_out_rows.get("classifier")
        if held_out is None or trimmed.shape[0] == 0 or self.validation_fraction <= 0:
            return
        step = max(1, round(1 / self.validation_fraction))
        self._held_out_rows["classifier"] = torch.cat([held_out, trimmed[::step]])

    def _likely_rows(self, rows: Tensor) -> Tensor:
        """Mask of the rows the flow does not find unusually unlikely (within_robust_cutoff)."""
        with torch.no_grad():
            nll = -map_batches(self.flow_().log_prob, rows, self.score_batch_size)
        return within_robust_cutoff(nll)

    def _fit_flow(self, normals: Tensor) -> nn.Module:
        """PeerJ eqs. 7-10: max log-likelihood minus λ·E_z[(log|det J(f|z)|)^2]."""
        flow = self._build_flow(normals.shape[1])
        fresh_z = flow_inverse_is_fast(self.flow)
        batch_size, learning_rate = self._flow_batch_and_rate(normals.shape[0])
        steps_per_epoch = max(1, -(-normals.shape[0] // batch_size))
        schedule = PenaltySchedule(self.jacobian_penalty, self.jacobian_warmup * steps_per_epoch)
        generator = self._generator(normals.device)

        def loss_fn(batch: Tensor) -> Tensor:
            n_z = min(batch.shape[0], _PENALTY_SAMPLES)
            z = (torch.randn(n_z, batch.shape[1], generator=generator, device=batch.device)
                 if fresh_z else None)
            return jacobian_penalised_nll(flow, batch, z, schedule.step())

        val_z = (torch.randn(1024, normals.shape[1], generator=generator, device=normals.device)
                 if fresh_z else None)
        self._train(
            "flow",
            flow,
            loss_fn,
            normals,
            validation_loss=lambda rows: jacobian_penalised_nll(
                flow, rows, val_z, schedule.current),
            batch_size=batch_size,
            learning_rate=learning_rate,
        )
        return flow

    def _flow_batch_and_rate(self, n_rows: int) -> tuple[int, float]:
        """Batch size and learning rate of the flow stages for ``n_rows`` training rows.

        ``batch_size`` is used where the data has at least ``8 * batch_size`` rows; on
        smaller sets the batch shrinks to ``n_rows // 8`` (never below 256, nor above
        ``batch_size``) so that an epoch keeps 8 steps, and the learning rate shrinks in
        proportion (linear scaling). With the defaults (1024, 4e-3), sets of up to
        2048 rows train at 256 / 1e-3.
        """
        batch = min(self.batch_size, max(_FLOW_SMALL_BATCH, n_rows // _FLOW_MIN_STEPS))
        return batch, self.learning_rate * batch / self.batch_size

    def _distill(self, teacher: nn.Module, normals: Tensor) -> nn.Module:
        """TKDE eq. 34: min KL(P_S || P_T) = E_{x~S}[log P_S(x) - log P_T(x)] over an IAF."""
        student = self._build_flow(normals.shape[1], "iaf")
        teacher.requires_grad_(False)

        def kl(z: Tensor) -> Tensor:
            dist = student()
            x, ladj = dist.transform.inv.call_and_ladj(z)  # reparameterised student sample
            log_student = dist.base.log_prob(z) - ladj
            return (log_student - teacher().log_prob(x)).mean()

        generator = self._generator(normals.device)
        # only sets the epoch size and the validation draw
        base_rows = torch.randn(normals.shape, generator=generator, device=normals.device)
        batch_size, learning_rate = self._flow_batch_and_rate(normals.shape[0])
        try:
            self._train(
                "distillation",
                student,
                lambda batch: kl(torch.randn(batch.shape, generator=generator,
                                             device=batch.device)),
                base_rows,
                validation_loss=kl,
                batch_size=batch_size,
                learning_rate=learning_rate,
            )
        finally:
            teacher.requires_grad_(True)
        return student

    def _sample_surrogates(self, n: int, dim: int, device: torch.device,
                           generator: torch.Generator | None) -> Tensor:
        """Algorithm 1: Z ~ N(0, I) s.t. ||Z||^2 >= chi2.isf(tail_p); X = f(Z)."""
        z = sample_gaussian_tail(n, dim, self.tail_p_, device=device, generator=generator)
        with torch.no_grad():
            return self.sampler_().transform.inv(z)

    def _fit_mlp(self, normals: Tensor, anomalies: Tensor) -> nn.Module:
        dim = normals.shape[1]
        net = self._construct(classifier_network, dim).to(normals.device)
        generator = self._generator(normals.device)

        def loss(rows: Tensor, known: Tensor | None, surrogates: Tensor) -> Tensor:
            return classifier_loss(net, rows, known, surrogates, self._discount(), self.gamma)

        # Fresh surrogates for every step, drawn an epoch's worth (at most _POOL_ROWS) at a
        # time: one flow pass over many rows costs far less than one per step (5x on 2 CPU
        # cores).
        pool = _SurrogatePool(
            lambda n: self._sample_surrogates(n, dim, normals.device, generator),
            min(normals.shape[0], _POOL_ROWS),
        )

        def loss_fn(batch: Tensor) -> Tensor:
            m = batch.shape[0]
            known = None
            if anomalies.shape[0]:
                known = anomalies[torch.randint(anomalies.shape[0], (m,), generator=generator,
                                                device=batch.device)]
            return loss(batch, known, pool.take(m))

        n_val = max(256, normals.shape[0] // 10)
        val_surrogates = self._sample_surrogates(n_val, dim, normals.device, generator)
        # at least _MIN_CLASSIFIER_STEPS steps per epoch on small data sets
        small_data_batch = max(1, -(-normals.shape[0] // _MIN_CLASSIFIER_STEPS))
        self._train(
            "classifier",
            net,
            loss_fn,
            normals,
            validation_loss=lambda rows: loss(
                rows, anomalies if anomalies.shape[0] else None, val_surrogates
            ),
            epochs=self.classifier_epochs_,
            batch_size=min(self.classifier_batch_size, small_data_batch),
            learning_rate=self.classifier_learning_rate,
            learning_rate_parameter="classifier_learning_rate",
        )
        return net

    def _fit_sklearn(self, normals: Tensor, anomalies: Tensor):
        """The papers' model-agnostic claim: any classifier on a fixed set of surrogates."""
        n_sur = self.n_surrogates or normals.shape[0]
        surrogates = self._sample_surrogates(n_sur, normals.shape[1], normals.device,
                                             self._generator(normals.device))
        parts = [normals, anomalies, surrogates]
        weights = [1.0, self.gamma, 1.0 - self._discount()]  # eq. 6: one weight per term
        X = torch.cat(parts).cpu().numpy().astype(np.float64)
        y = np.concatenate([np.zeros(len(normals)), np.ones(len(anomalies) + n_sur)])
        w = np.concatenate([np.full(len(p), wt / max(len(p), 1)) for p, wt in zip(parts, weights)])
        clf = clone(self.classifier)
        if has_fit_parameter(clf, "sample_weight"):
            clf.fit(X, y, sample_weight=w * len(X) / w.sum())
        else:
            clf.fit(X, y)
        return clf

    def _discount(self) -> float:
        """ε of TKDE eq. 6: ``surrogate_discount``, or the deprecated ``epsilon`` when set."""
        return self.surrogate_discount if self.epsilon == "deprecated" else self.epsilon

    def _resolve_tail_p(self, anomalies: Tensor) -> float:
        if self.tail_p != "auto":
            return float(self.tail_p)
        if anomalies.shape[0] == 0:
            return _AUTO_TAIL_P_FALLBACK
        with torch.no_grad():  # the papers' heuristic: tail location from known anomalies
            z = self.flow_().transform(anomalies)
        p = chi2.sf(z.square().sum(1).double().cpu().numpy(), anomalies.shape[1])
        return float(np.clip(np.median(p), 1e-6, 0.5))

    # ------------------------------------------------------------------ score
    def _score_tensors(self, X: Tensor) -> Tensor:
        if isinstance(self.classifier_, nn.Module):
            return self.classifier_(X).squeeze(-1)  # anomaly logit
        rows = X.cpu().numpy().astype(np.float64)
        if hasattr(self.classifier_, "decision_function"):
            raw = self.classifier_.decision_function(rows)
        else:
            p = np.clip(self.classifier_.predict_proba(rows)[:, 1], 1e-12, 1 - 1e-12)
            raw = np.log(p) - np.log1p(-p)
        return torch.as_tensor(np.asarray(raw, dtype=np.float64).ravel())

    def sample_surrogates(self, n_samples: int, random_state=None) -> np.ndarray:
        """Draw surrogate anomalies f(z), z from the Gaussian tail, in the input space.

        Dropped constant features are filled with their training value. The draw is
        seeded by ``random_state`` (an int gives the same rows on every call) and leaves
        torch's global random state unchanged.

        Parameters
        ----------
        n_samples : int
        random_state : int, RandomState or None, default=None

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_)
        """
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        generator = torch.Generator(device=self.device_).manual_seed(seed)
        x = self._sample_surrogates(n_samples, self.n_kept_features_, self.device_, generator)
        out = np.tile(self.feature_constants_, (n_samples, 1))
        out[:, self.kept_features_] = self.scaler_.inverse_transform(x.double().cpu().numpy())
        return out


fill_parameters_doc(NFAD)


class _SurrogatePool:
    """Hands out surrogates that are never reused, drawing ``size`` at a time.

    Each row is an independent draw from the (frozen) sampler, so slicing a large draw
    gives the same distribution as drawing every step's rows separately.
    """

    def __init__(self, draw: Callable[[int], Tensor], size: int):
        self._draw, self._size = draw, max(1, size)
        self._rows: Tensor | None = None
        self._next = 0

    def take(self, n: int) -> Tensor:
        if self._rows is None or self._next + n > self._rows.shape[0]:
            self._rows, self._next = self._draw(max(n, self._size)), 0
        self._next += n
        return self._rows[self._next - n : self._next]


def jacobian_penalised_nll(flow, rows: Tensor, z: Tensor | None, penalty: float) -> Tensor:
    """PeerJ eqs. 7-10: :math:`-\\overline{\\log p(x)} + \\lambda\\,\\mathbb{E}_z[(\\log|\\det J_{f^{-1}}(z)|)^2]`.

    With base samples ``z`` (flows whose inverse is one pass), the penalty of eq. 9 is
    taken at ``z``; with ``z=None`` (maf, nsf: slow inverse) at the latent codes of
    ``rows``, where :math:`\\log|\\det J_{f^{-1}}| = -\\log|\\det J_f(x)|`.
    """
    dist = flow()
    if z is not None:
        nll = -dist.log_prob(rows).mean()
        _, ladj = dist.transform.inv.call_and_ladj(z)
    else:
        latent, ladj_xz = dist.transform.call_and_ladj(rows)
        nll = -(dist.base.log_prob(latent) + ladj_xz).mean()
        ladj = -ladj_xz
    if penalty == 0:
        return nll
    return nll + penalty * ladj.square().mean()  # eq. 10


class PenaltySchedule:
    """The Jacobian penalty :math:`\\lambda`, ramped linearly from 0 over ``ramp_steps``.

    :meth:`step` advances one optimisation step and returns that step's value (a Python
    counter: no host sync); :attr:`current` is the value now (for validation).
    """

    def __init__(self, penalty: float, ramp_steps: int):
        self.penalty, self.ramp_steps, self.steps = penalty, ramp_steps, 0

    @property
    def current(self) -> float:
        if self.ramp_steps == 0:
            return self.penalty
        return self.penalty * min(1.0, self.steps / self.ramp_steps)

    def step(self) -> float:
        self.steps += 1
        return self.current


def classifier_network(dim: int) -> nn.Module:
    """The classifier of PeerJ Appendix A, Fig. 4: D -> 3D -> 2D -> 1 with ReLUs (a logit)."""
    return nn.Sequential(
        nn.Linear(dim, 3 * dim), nn.ReLU(), nn.Linear(3 * dim, 2 * dim), nn.ReLU(),
        nn.Linear(2 * dim, 1),
    )


def classifier_loss(net: nn.Module, rows: Tensor, known: Tensor | None, surrogates: Tensor,
                    surrogate_discount: float, gamma: float) -> Tensor:
    """TKDE eq. 6: :math:`\\tfrac12[L^+ + (1-\\epsilon) L^0 + \\gamma L^-]`, ε = ``surrogate_discount``.

    With :math:`f = P(\\text{normal}) = \\sigma(-\\text{logit})`, :math:`-\\log f` is
    ``softplus(logit)``: :math:`L^+` over the normal ``rows``, :math:`L^0` over the
    ``surrogates`` and :math:`L^-` over the ``known`` anomalies (none: no term). The three
    groups go through the net in one pass (it acts row by row).
    """
    groups = [rows, surrogates] if known is None else [rows, surrogates, known]
    logits = net(torch.cat(groups)).split([g.shape[0] for g in groups])
    total = F.softplus(logits[0]).mean()  # L+
    total = total + (1 - surrogate_discount) * F.softplus(-logits[1]).mean()  # L0
    if known is not None:
        total = total + gamma * F.softplus(-logits[2]).mean()  # L-
    return 0.5 * total

