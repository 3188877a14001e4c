"""FlowDensity: the likelihood baseline ("LL-Flow") every seed paper compares to."""

from __future__ import annotations

__all__ = ["FlowDensity"]

from torch import Tensor

from ..base import FlowDetector, fill_parameters_doc
from ..flows import build_flow


class FlowDensity(FlowDetector):
    """Anomaly score = negative log-likelihood under a normalizing flow.

    A flow :math:`p_\\theta` is trained by maximum likelihood on the training rows,
    :math:`\\min_\\theta -\\frac{1}{n}\\sum_i \\log p_\\theta(x_i)`, and a row's anomaly
    score is :math:`-\\log p_\\theta(x)` (higher = more abnormal). This is the
    "LL-Flow" baseline of the OneFlow, NFAD, contrastive-flow and IOCN papers.

    Parameters
    ----------
%(common)s
    Attributes
    ----------
    flow_ : zuko.lazy.Flow
        The fitted flow (on ``device_``), over standardised, non-constant features.
    scaler_ : sklearn.preprocessing.StandardScaler
        Internal standardisation of the kept features.
    kept_features_ : ndarray of bool, shape (n_features_in_,)
        Features that are not constant on the training rows (the others are dropped).
    device_ : torch.device
        Device the flow lives on.
    history_ : dict
        ``{"flow": TrainingResult}`` with ``loss_curve``, ``validation_curve``,
        ``best_epoch`` and ``n_epochs``.
    decision_scores_ : ndarray of shape (n_samples,)
        Anomaly scores of the training rows.
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
    Constant training columns are dropped, the rest standardised; standardised
    values are clipped to +-1e4 so that hostile inputs give a large finite score.
    ``y`` is accepted (and validated) but ignored: every training row is used.

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

    def _fit_tensors(self, X: Tensor, y: Tensor | None) -> None:
        flow = build_flow(
            self.flow,
            X.shape[1],
            transforms=self.n_transforms,
            hidden_features=self.hidden_features,
        ).to(self.device_)
        self._train("flow", flow, lambda batch: -flow().log_prob(batch).mean(), X)
        self.flow_ = flow

    def _score_tensors(self, X: Tensor) -> Tensor:
        return -self.flow_().log_prob(X)


fill_parameters_doc(FlowDensity)
