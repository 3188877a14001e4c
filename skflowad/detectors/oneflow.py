"""OneFlow: the minimum-volume (1 - alpha)-bounding region of a normalizing flow."""

from __future__ import annotations

__all__ = ["OneFlow", "bernstein_weights", "bernstein_quantile"]

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import Tensor

from ..base import FlowDetector, fill_parameters_doc
from ..flows import build_flow, sphere_preimage
from ..training import map_batches

# (flow, n_transforms, hidden_features) used where those parameters are None: NICE with
# the paper's PIDForest-table architecture for "const"; RealNVP, 4 x (256, 256) for
# "general" (chosen by benchmarks/papers/oneflow_bench.py protocol; see docs/methods/oneflow.md).
_VARIANT_DEFAULTS = {"const": ("nice", 6, (64, 64)), "general": ("realnvp", 4, (256, 256))}


class OneFlow(FlowDetector):
    """Flow-based one-class classifier: the smallest region holding (1 - alpha) of the data.

    A flow :math:`f` maps data to a latent space where the bounding region is the
    ball :math:`B(0, R_\\alpha)`; its pre-image :math:`U = f^{-1}(B(0, R_\\alpha))` is
    the region in data space. Per minibatch, :math:`R_\\alpha` is the Bernstein
    estimate of the upper (1 - alpha)-quantile of the latent norms
    :math:`r_i = \\lVert f(x_i) \\rVert` (eq. 3), and the flow minimises
    :math:`\\log \\mathrm{vol}(U) = \\log \\mathrm{vol}(B(0,1)) + \\log w + D \\log R_\\alpha`
    (eq. 1; ``variant="const"``, :math:`w = |\\det \\partial f^{-1}/\\partial z|` constant)
    or its Monte-Carlo estimate (eq. 2; ``variant="general"``). Only points near the
    boundary get gradient (Remark 1), so outliers barely move the region. The anomaly
    score is the latent norm :math:`\\lVert f(x) \\rVert`.

    Parameters
    ----------
    alpha : float in (0, 0.5], default=0.05
        The paper's p-value: the share of training rows the learned region leaves
        outside (training objective). Independent of ``contamination``, which only
        sets PyOD's ``threshold_`` (see Notes).
    variant : {"const", "general"}, default="const"
        ``"const"``: a constant-Jacobian flow (NICE) and the exact volume, eq. 1 (the
        paper's OneFlow). ``"general"``: any flow, volume by Monte Carlo over
        ``n_volume_samples`` points uniform in the latent ball, eq. 2 (OneFlow-Gen).
        ``flow``, ``n_transforms`` and ``hidden_features`` left at None take the
        variant's defaults: ``"nice"``, 6, (64, 64) for ``"const"``; ``"realnvp"``,
        4, (256, 256) for ``"general"``. The general variant scores below the constant
        one on the benchmark (``docs/methods/oneflow.md``); prefer ``"const"``.
    n_volume_samples : int, default=256
        Monte-Carlo points per step for the general variant's volume (``m``).
    threshold_rule : {"contamination", "radius"}, default="contamination"
        ``"contamination"``: ``threshold_`` is PyOD's (1 - contamination)-quantile of
        the training scores, like every detector. ``"radius"``: the paper's own rule,
        ``threshold_ = radius_`` (normal inside :math:`f^{-1}(B(0, R))`), so about a
        share ``alpha`` of the training rows is flagged.
%(common)s
    Attributes
    ----------
    flow_ : zuko.lazy.Flow
        The fitted flow (on ``device_``), over standardised, non-constant features.
    radius_ : float
        :math:`R_\\alpha`: one Bernstein estimate (eq. 3) over the latent norms of all
        training rows.
    log_volume_ : float
        Log-volume of the bounding region in the standardised feature space (eq. 1,
        or eq. 2 with 4096 Monte-Carlo points for the general variant).
    scaler_, kept_features_, device_, history_
        As in :class:`~skflowad.FlowDensity`; ``history_`` has the key ``"flow"``.
    decision_scores_, threshold_, labels_, n_features_in_
        As in :class:`~skflowad.FlowDensity` (``threshold_`` per ``threshold_rule``).

    See Also
    --------
    skflowad.FlowDensity : the likelihood baseline ("LL-Flow").
    skflowad.flows.sphere_preimage : the pre-image of a latent sphere.

    Notes
    -----
    Readings taken from the paper (Maziarka et al.):

    * Eq. 3 sorts the radii in **descending** order; with the weights
      :math:`\\binom{n-1}{k-1}\\alpha^{k-1}(1-\\alpha)^{n-k}` that estimates the upper
      (1 - alpha)-quantile (the general definition just before it sorts ascending,
      which would give the alpha-quantile). Weights are computed in log space.
    * :math:`\\log w = -\\log|\\det \\partial f / \\partial x|`: the NICE flow's final
      diagonal scaling layer enters the loss through it (otherwise the flow would
      shrink the latent scale to cheat the radius). The loss is then invariant to a
      global latent scale; only the data-space volume matters.
    * The general cost is :math:`\\log \\mathrm{vol}(B(0,1)) + D\\log R_\\alpha +
      \\log\\frac{1}{m}\\sum_k w(R_\\alpha e_k)` (the paper writes ``n`` for ``m``), with
      :math:`e_k = u_k\\, U_k^{1/D}` (``u_k`` a uniform direction); the gradient flows
      through :math:`R_\\alpha` in both terms.
    * Early stopping watches the held-out log-volume: :math:`R_\\alpha` estimated once
      over all validation rows (not per batch), and fixed Monte-Carlo points.
    * ``alpha`` vs ``contamination``: ``alpha`` shapes the region during training (the
      paper uses 5 %% everywhere, whatever the true outlier rate); ``contamination``
      only places PyOD's threshold on the scores. With ``threshold_rule="radius"`` the
      flagged share is about ``alpha`` and ``contamination`` no longer sets ``labels_``
      (PyOD's ``predict_confidence`` still uses it).
    * ``y`` is accepted (and validated) but ignored, as in the paper.

    References
    ----------
    .. [1] Maziarka, Ł., Śmieja, M., Sendera, M., Struski, Ł., Tabor, J. and Spurek, P.
       "Flow-based anomaly detection". arXiv:2010.03002, 2020.
    .. [2] Cheng, C. "The Bernstein polynomial estimator of a smooth quantile
       function". Statistics & Probability Letters 24(4), 1995.

    Examples
    --------
    >>> from pyod.utils.data import generate_data
    >>> from skflowad import OneFlow
    >>> X_train, X_test, y_train, y_test = generate_data(
    ...     n_train=300, n_test=100, n_features=2, contamination=0.1, random_state=0)
    >>> det = OneFlow(epochs=20, random_state=0).fit(X_train)
    >>> det.decision_function(X_test).shape
    (100,)
    >>> det.boundary(50).shape
    (50, 2)
    """

    _parameter_constraints: dict = {
        **FlowDetector._parameter_constraints,
        "flow": [*FlowDetector._parameter_constraints["flow"], None],
        "n_transforms": [*FlowDetector._parameter_constraints["n_transforms"], None],
        "hidden_features": [*FlowDetector._parameter_constraints["hidden_features"], None],
        "alpha": [Interval(Real, 0, 0.5, closed="right")],
        "variant": [StrOptions({"const", "general"})],
        "n_volume_samples": [Interval(Integral, 1, None, closed="left")],
        "threshold_rule": [StrOptions({"contamination", "radius"})],
    }

    def __init__(
        self,
        *,
        alpha=0.05,
        variant="const",
        n_volume_samples=256,
        threshold_rule="contamination",
        contamination=0.1,
        flow=None,
        n_transforms=None,
        hidden_features=None,
        epochs=100,
        batch_size=1000,
        learning_rate=1e-3,
        weight_decay=1e-2,
        validation_fraction=0.1,
        patience=15,
        clip_grad_norm=5.0,
        score_batch_size=65536,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.alpha = alpha
        self.variant = variant
        self.n_volume_samples = n_volume_samples
        self.threshold_rule = threshold_rule
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

    # ------------------------------------------------------------------ the algorithm
    def _fit_tensors(self, X: Tensor, y: Tensor | None) -> None:
        chosen = (self.flow, self.n_transforms, self.hidden_features)
        kind, n_transforms, hidden = (
            default if value is None else value
            for value, default in zip(chosen, _VARIANT_DEFAULTS[self.variant])
        )
        if self.variant == "const" and kind != "nice":
            raise ValueError(
                f"variant='const' needs a constant-Jacobian flow (flow='nice'); got "
                f"flow={kind!r}. Use variant='general' for flows with a varying Jacobian."
            )
        n_features = X.shape[1]
        flow = self._construct(build_flow, kind, n_features, transforms=n_transforms,
                               hidden_features=hidden)
        flow = flow.to(self.device_)
        generator = self._generator(X.device)
        volume = _VolumeCost(flow, self.alpha, self.variant, n_features)
        fixed_ball = _uniform_ball(max(self.n_volume_samples, 1024), n_features, X.device,
                                   generator)

        def loss_fn(batch: Tensor) -> Tensor:  # Algorithm: one minibatch
            z, ladj = flow().transform.call_and_ladj(batch)  # r_i = ||f(x_i)||
            ball = _uniform_ball(self.n_volume_samples, n_features, z.device, generator)
            general = self.variant == "general"
            return volume(z.norm(dim=-1), ladj, ball if general else None)

        def held_out_log_volume(rows: Tensor) -> Tensor:  # R_alpha over all held-out rows
            z, ladj = self._latent(flow, rows)
            return volume(z.norm(dim=-1), ladj, fixed_ball)

        self._train("flow", flow, loss_fn, X, validation_loss=held_out_log_volume)
        self.flow_ = flow
        with torch.no_grad():
            z, ladj = self._latent(flow, X)
            radii = z.norm(dim=-1)
            self.radius_ = float(bernstein_quantile(radii, self.alpha))
            ball = _uniform_ball(4096, n_features, X.device, generator)
            self.log_volume_ = float(volume(radii, ladj, ball))

    def _score_tensors(self, X: Tensor) -> Tensor:
        return self.flow_().transform(X).norm(dim=-1)  # r = ||f(x)||

    def _latent(self, flow, rows: Tensor) -> tuple[Tensor, Tensor]:
        """Latent points and forward log-determinants of ``rows``, in bounded chunks."""
        return map_batches(flow().transform.call_and_ladj, rows, self.score_batch_size)

    def _process_decision_scores(self):
        super()._process_decision_scores()
        if self.threshold_rule == "radius":  # the paper's rule: normal inside f^-1(B(0, R))
            self.threshold_ = self.radius_
            self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)
        return self

    # ------------------------------------------------------------------ the region
    def boundary(self, n_points: int = 200) -> np.ndarray:
        """Points on the boundary of the region :math:`f^{-1}(B(0, R_\\alpha))`, in data units.

        Parameters
        ----------
        n_points : int, default=200
            Number of boundary points: an ordered closed curve in 2-D, a
            near-uniform (Fibonacci) set on the sphere in 3-D.

        Returns
        -------
        ndarray of shape (n_points, n_features_in_)
        """
        check_is_fitted(self, "radius_")
        if self.n_features_in_ not in (2, 3) or not self.kept_features_.all():
            raise ValueError(
                f"boundary needs 2-D or 3-D data with no constant feature; got "
                f"{self.n_features_in_} features, {int(self.kept_features_.sum())} non-constant."
            )
        points = sphere_preimage(self.flow_, self.radius_, self.n_features_in_, n_points,
                                 self.device_)
        return self.scaler_.inverse_transform(points.numpy())


class _VolumeCost:
    """log vol(f^-1(B(0, R_alpha))): eq. 1 (const) or its Monte-Carlo form, eq. 2 (general)."""

    def __init__(self, flow, alpha: float, variant: str, n_features: int):
        self.flow, self.alpha, self.variant, self.dim = flow, alpha, variant, n_features
        # log vol(B(0, 1)) = (D / 2) log(pi) - log Gamma(D / 2 + 1)
        self.log_unit_ball = 0.5 * n_features * math.log(math.pi) - math.lgamma(n_features / 2 + 1)

    def __call__(self, radii: Tensor, ladj: Tensor, ball: Tensor | None) -> Tensor:
        log_radius = bernstein_quantile(radii, self.alpha).log()  # eq. 3
        if self.variant == "const":
            log_w = -ladj.mean()  # log w = -log|det df/dx|, constant for NICE
        else:
            # eq. 2: w at z_k = R_alpha e_k from the inverse pass; mean in log space
            _, log_w_k = self.flow().transform.inv.call_and_ladj(log_radius.exp() * ball)
            log_w = torch.logsumexp(log_w_k, dim=0) - math.log(ball.shape[0])
        return self.log_unit_ball + log_w + self.dim * log_radius  # cost(theta)


def bernstein_weights(n: int, alpha: float, *, device=None, dtype=torch.float32) -> Tensor:
    """Weights of eq. 3: :math:`\\binom{n-1}{k-1}\\alpha^{k-1}(1-\\alpha)^{n-k}`, k = 1..n.

    They are the Binomial(n - 1, alpha) probabilities of k - 1, computed in log space
    (stable for large ``n``); they sum to one.
    """
    k = torch.arange(n, dtype=torch.float64, device=device)  # k - 1
    log_w = (
        math.lgamma(n)
        - torch.lgamma(k + 1)
        - torch.lgamma(n - k)
        + k * math.log(alpha)
        + (n - 1 - k) * math.log1p(-alpha)
    )
    return torch.softmax(log_w, dim=0).to(dtype)


def bernstein_quantile(values: Tensor, alpha: float) -> Tensor:
    """Bernstein estimate of the upper (1 - alpha)-quantile of ``values`` (eq. 3).

    The values are sorted in descending order, so the weight mass sits near the
    ``n * alpha``-th largest value. Differentiable in ``values``.
    """
    ordered = torch.sort(values.flatten(), descending=True).values
    n = ordered.shape[0]
    weights = bernstein_weights(n, alpha, device=ordered.device, dtype=ordered.dtype)
    return (weights * ordered).sum()


def _uniform_ball(m: int, dim: int, device, generator: torch.Generator | None = None) -> Tensor:
    """``m`` points uniform in the unit ball: a uniform direction times U^(1/D)."""
    direction = torch.randn(m, dim, generator=generator, device=device)
    direction = torch.nn.functional.normalize(direction, dim=-1)
    return direction * torch.rand(m, 1, generator=generator, device=device) ** (1.0 / dim)


fill_parameters_doc(OneFlow)
