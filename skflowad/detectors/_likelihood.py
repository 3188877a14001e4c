"""The maximum-likelihood flow stage and the density API, shared by FlowDensity and ContrastiveFlow.

Both detectors fit a flow by (trimmed) maximum likelihood with the training recipe
(``train_noise``, ``train_clip``), FlowDensity as its whole method, ContrastiveFlow as the
warm-up of eq. 1, and both hold a flow whose density is the model, so both offer
``score_samples``, ``score`` and ``sample`` in data units. :class:`LikelihoodFlowMixin`
gives them these; the loss is :func:`negative_log_likelihood`. :func:`latent_knn_score` reads the
same flow with a nearest-neighbour term in its base (ContrastiveFlow's unlabelled score).
"""

from __future__ import annotations

__all__ = [
    "LATENT_NEIGHBOURS", "LikelihoodFlowMixin", "MAX_REFERENCE_LATENTS", "RECIPE_CONSTRAINTS",
    "kth_neighbour_distance", "latent_knn_score", "negative_log_likelihood", "whitening_matrix",
    "whitened_flow",
]

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.covariance import LedoitWolf
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import Tensor
from zuko.lazy import Flow, UnconditionalTransform
from zuko.transforms import LULinearTransform

from ..base import within_robust_cutoff
from ..training import split_validation

RECIPE_CONSTRAINTS: dict = {
    "train_noise": [StrOptions({"auto", "dequantise"}), Interval(Real, 0, None, closed="left"),
                    None],
    "train_clip": [Interval(Real, 0, None, closed="neither"), None],
    "train_whiten": [StrOptions({"auto"}), "boolean"],
}
"""Parameter constraints of the training recipe's ``train_noise``, ``train_clip`` and
``train_whiten``."""


def negative_log_likelihood(flow, batch: Tensor, trim: float | str = 0.0) -> Tensor:
    """Mean of :math:`-\\log p_\\theta(x)` over a batch: the maximum-likelihood loss.

    With ``trim > 0``, the ``trim`` share of the batch's rows that the flow finds least
    likely is left out of the mean (a trimmed likelihood: rows the model cannot explain,
    such as contaminating anomalies, do not pull the fit towards them). With
    ``trim="auto"``, the rows left out are those whose negative log-likelihood lies more
    than :data:`skflowad.base.AUTO_TRIM_CUTOFF` robust standard deviations above the batch median (none
    when the batch has no such rows).
    """
    nll = -flow().log_prob(batch)
    if trim == "auto":
        kept = within_robust_cutoff(nll.detach())
        return (nll * kept).sum() / kept.sum().clamp(min=1)
    if trim <= 0:
        return nll.mean()
    n_kept = max(1, int(round(nll.shape[0] * (1.0 - trim))))
    return torch.topk(nll, n_kept, largest=False, sorted=False).values.mean()


# anomaly_score="latent_knn": the neighbour (k) whose distance sets the k-NN density of the latents,
# and the most reference latents kept (a uniform draw beyond it bounds the cost of scoring a row).
LATENT_NEIGHBOURS = 5
MAX_REFERENCE_LATENTS = 10_000
# Rows per distance matrix of the neighbour search (memory: this many x the reference rows).
_NEIGHBOUR_CHUNK = 2048


def kth_neighbour_distance(z: Tensor, reference: Tensor, k: int) -> Tensor:
    """Euclidean distance from each row of ``z`` to its ``k``-th nearest row of ``reference``
    (``k`` capped at ``len(reference)``), in float64."""
    k = min(k, reference.shape[0])
    reference = reference.double()
    return torch.cat([
        torch.cdist(chunk.double(), reference).topk(k, dim=1, largest=False).values[:, -1]
        for chunk in torch.split(z, _NEIGHBOUR_CHUNK)
    ])


def latent_knn_score(flow, rows: Tensor, reference_latents: Tensor,
                     k: int = LATENT_NEIGHBOURS) -> Tensor:
    """``-log`` of the flow's density with its base replaced by the geometric mean of the
    Gaussian and a k-nearest-neighbour density of ``reference_latents``, constants dropped:

    .. math:: \\tfrac12 \\left(\\tfrac12 |z|^2 + d \\log r_k(z)\\right) - \\log|\\det J_f(x)|,
       \\qquad z = f(x),

    with :math:`r_k(z)` the distance from ``z`` to its k-th nearest reference latent. Both base
    terms are negative log-densities in nats (the standard Gaussian's, and the k-NN density
    estimate :math:`k / (n V_d r_k^d)` of Loftsgaarden and Quesenberry, 1965), so their mean
    needs no rescaling. The Gaussian term keeps the flow's global shape, the neighbour term
    its local gaps; the log-Jacobian maps both back to ``x``.
    """
    z, log_det = flow().transform.call_and_ladj(rows)
    radius = kth_neighbour_distance(z, reference_latents, k)
    base = z.double().square().sum(1) / 2 + z.shape[1] * torch.log(radius + 1e-12)
    return base / 2 - log_det.double()


def whitening_matrix(rows: Tensor) -> Tensor:
    """``L^-1`` for the Ledoit-Wolf covariance ``L L^T`` of ``rows`` (lower triangular).

    Ledoit and Wolf (2004), "A well-conditioned estimator for large-dimensional covariance
    matrices": the shrinkage keeps the map well conditioned with fewer rows than features.
    """
    cov = LedoitWolf().fit(rows.double().cpu().numpy()).covariance_
    chol = np.linalg.cholesky(cov)
    inverse = np.linalg.solve(chol, np.eye(cov.shape[0]))
    return torch.as_tensor(np.tril(inverse), dtype=rows.dtype, device=rows.device)


def whitened_flow(flow, rows: Tensor):
    """``flow`` with a fixed whitening map (from ``rows``' covariance) as its first transform.

    ``z = L^-1 x`` decorrelates the features before the flow's own transforms, so the flow
    starts from the Gaussian with the rows' covariance and learns what departs from it.
    The map is a buffer (not trained); its log-determinant ``-log|det L|`` is part of
    ``log_prob``, so the density stays a density of ``x``.
    """
    first = UnconditionalTransform(LULinearTransform, whitening_matrix(rows), buffer=True)
    return Flow([first, *flow.transform.transforms], flow.base).to(rows.device)


class LikelihoodFlowMixin:
    """``flow_`` fitted by (trimmed) maximum likelihood, and the density API over it.

    For subclasses of :class:`~skflowad.base.FlowDetector` with the parameters ``flow``,
    ``n_transforms``, ``hidden_features`` and ``train_whiten``.
    """

    def _fit_flow_by_likelihood(self, X: Tensor, trim: float | str, noise, clip: float | None
                                ) -> None:
        """Fit ``flow_`` by (trimmed) maximum likelihood, with training noise ``noise`` (a
        ``train_noise`` value) and training rows clipped at ``clip``."""
        flow = self._build_flow(X.shape[1])
        self.whitened_ = self._whitens(X.shape[1])
        if self.whitened_:
            flow = whitened_flow(flow, self._rows_the_training_loop_fits(X))
        self._train(
            "flow",
            flow,
            lambda batch: negative_log_likelihood(flow, batch, trim),
            self._training_rows(X, clip),
            batch_transform=self._training_noise(noise),
            source_rows=X,
        )
        self.flow_ = flow

    def _rows_the_training_loop_fits(self, X: Tensor) -> Tensor:
        """The rows of ``X`` that the next training run fits, without its held-out ones.

        The held-out rows choose the epoch and calibrate ``threshold_`` and
        ``predict_pvalue``, so no part of the model may be estimated on them (the
        whitening map included: with it, they scored as more typical than fresh rows).
        The split is drawn as the training loop will draw it, and the fit's stream is put
        back, so the loop draws the same split and everything after it unchanged.
        """
        generator = self._generator(X.device)
        state = generator.get_state()
        fit_rows, _, _ = split_validation(X, self.validation_fraction, generator)
        generator.set_state(state)
        return fit_rows

    def _whitens(self, n_features: int) -> bool:
        """Whether ``train_whiten`` puts a whitening map first: ``"auto"`` does when the
        conditioners are narrower than the data (``n_features > min(hidden_features)``)."""
        if self.train_whiten == "auto":
            return n_features > min(self.hidden_features or (), default=n_features)
        return bool(self.train_whiten)

    # ------------------------------------------------------------------ density API
    def score_samples(self, X):
        """Log-density of each row in the units of ``X`` (higher = more normal).

        The flow's log-density of the standardised row plus the standardisation's
        log-Jacobian, ``-sum_j log(scale_j)`` over the kept features, as scikit-learn's
        ``GaussianMixture.score_samples`` returns. A row that differs from a
        training-constant column gets ``-OFF_SUPPORT_SCORE`` per such column (a finite
        stand-in for a density of 0). For FlowDensity, ``score_samples(X) ==
        -decision_function(X) - sum(log(scaler_.scale_))``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_density : ndarray of shape (n_samples,), float64
        """
        check_is_fitted(self, "flow_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        neg_log_density = self._score_array(X, lambda rows: -self.flow_().log_prob(rows))
        return -neg_log_density - float(np.log(self.scaler_.scale_).sum())

    def score(self, X, y=None):
        """Mean log-density of the rows of ``X`` in data units (see :meth:`score_samples`).

        The scorer of ``cross_val_score(det, X)`` and ``GridSearchCV(det, grid)`` without
        labels: they select by held-out likelihood. ``y`` is ignored.
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, random_state=None):
        """Draw rows from the fitted flow, in the units of the training data.

        Training-constant columns are filled with their constant. The draw is seeded by
        ``random_state`` (an int gives the same rows on every call) and leaves the
        caller's torch random state unchanged.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState or None, default=None

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self, "flow_")
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        generator = torch.Generator(device=self.device_).manual_seed(seed)
        rows = np.empty((n_samples, self.n_kept_features_))
        with torch.inference_mode():
            distribution = self.flow_()
            for start in range(0, n_samples, self.score_batch_size):
                n = min(self.score_batch_size, n_samples - start)
                # x = f^-1(z), z ~ N(0, I): drawn here with this call's own generator
                # (zuko's ``sample`` draws from torch's global stream)
                z = torch.randn((n, self.n_kept_features_), generator=generator,
                                device=self.device_)
                rows[start:start + n] = distribution.transform.inv(z).double().cpu().numpy()
        out = np.tile(self.feature_constants_, (n_samples, 1))
        out[:, self.kept_features_] = self.scaler_.inverse_transform(rows)
        return out
