"""FlowDensity: the likelihood baseline ("LL-Flow") every seed paper compares to."""

from __future__ import annotations

__all__ = ["FlowDensity", "negative_log_likelihood"]

from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions
from torch import Tensor

from ..base import FlowDetector, fill_parameters_doc
from ._likelihood import (
    RECIPE_CONSTRAINTS,
    LikelihoodFlowMixin,
    negative_log_likelihood,
)


class FlowDensity(LikelihoodFlowMixin, FlowDetector):
    """Anomaly score = negative log-likelihood under a normalizing flow.

    A flow :math:`p_\\theta` is trained by maximum likelihood on the training rows,
    :math:`\\min_\\theta -\\frac{1}{n}\\sum_i \\log p_\\theta(x_i)`, and a row's anomaly
    score is :math:`-\\log p_\\theta(x)` (higher = more abnormal). This is the
    "LL-Flow" baseline of the OneFlow, NFAD, contrastive-flow and IOCN papers.

    Parameters
    ----------
%(common)s
    train_noise : "auto", "dequantise", float >= 0 or None, default=%(train_noise)r
        Noise added to each training batch. ``"auto"`` (the same as ``"dequantise"``):
        columns whose training values lie on a grid (counts, binary, ratings) are
        dequantised with uniform noise of one grid cell, the others get N(0, 0.01^2)
        (standardised units); a float: N(0,
        train_noise^2) on every column; None: no noise (the plain maximum-likelihood fit).
    train_clip : float > 0 or None, default=%(train_clip)r
        Standardised training rows are clipped at +-train_clip before the flow is fitted
        (scoring is not clipped); None fits the rows as they are.
    train_trim : "auto" or float in [0, 0.5), default=%(train_trim)r
        Rows of each batch left out of the loss (a trimmed likelihood, robust to
        anomalies among the training rows). ``"auto"``: the rows whose negative
        log-likelihood lies more than 3 robust standard deviations (1.4826 MAD) above the
        batch median; a float: that share of the least likely rows; 0 uses every row.
    train_whiten : "auto" or bool, default=%(train_whiten)r
        A fixed whitening map (the inverse Cholesky factor of the Ledoit-Wolf covariance
        of the training rows the flow is fitted on, the held-out ones left out) as the
        flow's first transform, so the flow learns what
        departs from a Gaussian with that covariance. ``"auto"``: when the data has more
        features than the narrowest conditioner layer (``n_features > min(hidden_features)``),
        where a masked conditioner cannot represent every linear dependency itself.

    Attributes
    ----------
    flow_ : zuko.lazy.Flow
        The fitted flow (on ``device_``), over standardised, non-constant features.
    whitened_ : bool
        Whether ``flow_`` starts with the whitening map of ``train_whiten``.
    scaler_ : sklearn.preprocessing.StandardScaler
        Internal standardisation of the kept features.
    kept_features_ : ndarray of bool, shape (n_features_in_,)
        Features that are not constant on the training rows (the others are set aside).
    feature_constants_ : ndarray of shape (n_features_in_,)
        A training row's values; where ``kept_features_`` is False, the constant.
    grid_spacing_ : ndarray of shape (n_kept_features_,)
        Per kept feature, the spacing of the grid its standardised training values lie
        on (0: continuous); ``train_noise="auto"`` dequantises with it.
    device_ : torch.device
        Device the flow lives on.
    history_ : dict
        ``{"flow": TrainingResult}`` with ``loss_curve``, ``validation_curve``,
        ``best_epoch`` and ``n_epochs``.
    decision_scores_ : ndarray of shape (n_samples,)
        Anomaly scores of the training rows.
    calibration_scores_ : ndarray or None
        Sorted scores of the training rows held out for validation (not fitted), which
        calibrate :meth:`predict_pvalue`; None with ``validation_fraction=0``.
    threshold_ : float
        Score above which ``predict`` returns 1 (from ``contamination``).
    labels_ : ndarray of shape (n_samples,)
        0/1 labels of the training rows.
    n_features_in_ : int
        Number of features seen during ``fit``.

    See Also
    --------
    skflowad.flows.build_flow : the flow kinds.

    Notes
    -----
    Constant training columns are set aside and the rest standardised; standardised
    values are clipped to +-1e4 so that hostile inputs give a large finite score. A row
    that differs from a training constant lies off the support of the training data: its
    score gets :data:`skflowad.base.OFF_SUPPORT_SCORE` per such column, so it ranks above
    every row that does not (the flow's score breaks ties).
    ``y`` is accepted (and validated) but ignored: every training row is used.

    :meth:`score_samples`, :meth:`score` and :meth:`sample` give the fitted density in
    the units of the training data, as scikit-learn's density estimators do.

    The training recipe (noise, training-row clipping, trimming) is a regulariser of
    the fit, not a change of the model: ``train_noise=None, train_clip=None,
    train_trim=0`` is the plain maximum-likelihood "LL-Flow" of the papers. The
    defaults were chosen on the 45 shared benchmark sets, seeds 0-2, P1 and P2 (see
    ``docs/methods/flow_density.md``).

    Examples
    --------
    >>> from pyod.utils.data import generate_data
    >>> from skflowad import FlowDensity
    >>> X_train, X_test, y_train, y_test = generate_data(
    ...     n_train=300, n_test=100, n_features=2, contamination=0.1, random_state=0)
    >>> det = FlowDensity(epochs=20, random_state=0).fit(X_train)
    >>> det.decision_function(X_test).shape
    (100,)
    """

    def __init__(
        self,
        *,
        contamination=0.1,
        flow="maf",
        n_transforms=5,
        hidden_features=(128, 128),
        epochs=100,
        batch_size=1024,
        learning_rate=4e-3,
        weight_decay=1e-2,
        validation_fraction=0.1,
        patience=15,
        clip_grad_norm=5.0,
        score_batch_size=65536,
        device="auto",
        random_state=None,
        verbose=0,
        train_noise="auto",
        train_clip=10.0,
        train_trim="auto",
        train_whiten="auto",
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
        self.score_batch_size = score_batch_size
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.train_noise = train_noise
        self.train_clip = train_clip
        self.train_trim = train_trim
        self.train_whiten = train_whiten

    _parameter_constraints: dict = {
        **FlowDetector._parameter_constraints,
        **RECIPE_CONSTRAINTS,
        "train_trim": [Interval(Real, 0, 0.5, closed="left"), StrOptions({"auto"})],
    }

    def _fit_tensors(self, X: Tensor, y: Tensor | None) -> None:
        self._fit_flow_by_likelihood(X, trim=self.train_trim, noise=self.train_noise,
                                    clip=self.train_clip)

    def _score_tensors(self, X: Tensor) -> Tensor:
        return -self.flow_().log_prob(X)


fill_parameters_doc(FlowDensity)
