"""ContrastiveFlow: a flow trained on inliers against auxiliary data (the positive difference density)."""

from __future__ import annotations

__all__ = ["ContrastiveFlow"]

import math
import warnings
from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array
from torch import Tensor

from ..base import FlowDetector, fill_parameters_doc, within_robust_cutoff
from ..training import map_batches, mean_loss, split_validation
from ._likelihood import (
    MAX_REFERENCE_LATENTS,
    RECIPE_CONSTRAINTS,
    LikelihoodFlowMixin,
    latent_knn_score,
)

# Bounds that admit every finite float and refuse NaN and +-inf.
_FINITE = float(np.finfo(np.float64).max)

AUX_SOURCES = ("X_aux", "anomalies", "permutation")

# epsilon_quantile="auto": the quantile of the inliers' warm-up log-densities that sets the
# clamp, the paper's example (section 5.2.1) unless known anomalies train the contrast.
PAPER_QUANTILE = 0.1
KNOWN_ANOMALY_QUANTILE = 0.001
# train_clip="auto" without known anomalies: FlowDensity's default clip.
AUTO_CLIP = 10.0


class ContrastiveFlow(LikelihoodFlowMixin, FlowDetector):
    """Normalizing flow that learns the normalised positive difference of inliers and auxiliary data.

    The flow maximises the likelihood of the inliers ``x ~ p`` and minimises the
    clamped likelihood of auxiliary ("contrastive") rows ``y ~ q`` (eq. 3 with the
    clamp of section 5.2.1)::

        min_theta  E_p[-log p_theta(x)] + E_q[max(log p_theta(y), epsilon)],

    whose optimum is ``p_theta = C (p - q) 1{p > q}`` (eqs. 4-9) up to the mass the
    clamp leaves where ``q > p``. The anomaly score is the paper's ``-log p_theta(x)``, or
    with the permutation contrast alone (the default ``anomaly_score="auto"`` on unlabeled
    data) the same flow's density with a k-NN term in its base (``"latent_knn"``). ``q`` is a
    user-given auxiliary set (``fit(X, y, X_aux=...)``), the known anomalies
    (``y == 1``, "informed anomaly detection", section 5.3.3), or, when neither is
    given, the inliers with each feature permuted independently within the batch
    (section 5.4). ``objective="ratio"`` gives the likelihood-ratio baseline instead.

    Parameters
    ----------
%(common)s
    epsilon : "auto", float or None, default="auto"
        Clamp threshold on the auxiliary log-density, in the standardised space the
        flow is trained in. ``"auto"``: the paper's recipe for unknown data, the
        ``epsilon_quantile`` quantile of the inliers' log-densities under the warm-up
        flow plus ``epsilon_offset``. None disables the clamp (the loss then diverges;
        for ablations only).
    epsilon_quantile : "auto" or float in (0, 1), default=%(epsilon_quantile)r
        Quantile of the inliers' warm-up log-densities used by ``epsilon="auto"``.
        ``"auto"``: 0.001 (``KNOWN_ANOMALY_QUANTILE``) when the known anomalies
        (``y == 1``) are an auxiliary source, else the paper's example, 0.1. Known
        anomalies are then pushed down to the density of the 0.1 %% least likely inliers
        (with fewer than 1 000 inliers, about the least likely one) instead of the 10 %%;
        the permuted rows of the unlabelled default overlap the inliers, and a lower clamp
        there carves into the inliers' density (the measurements are in
        ``docs/methods/contrastive_flow.md``).
    epsilon_offset : float, default=%(epsilon_offset)r
        Added to that quantile (natural log units). The paper's wording is "plus a
        fixed offset (e.g. ln 10)"; the default is ``0`` (the choice is in
        ``docs/methods/contrastive_flow.md``).
    train_noise : "auto", "dequantise", float >= 0 or None, default=%(train_noise)r
        Noise added to each inlier training batch of both stages. ``"dequantise"``:
        FlowDensity's recipe (grid-valued columns dequantised, N(0, 0.01^2) on the
        others); a float: N(0, train_noise^2) on every column; None: none (the paper's
        plain fit). ``"auto"``: ``"dequantise"`` unless the known anomalies (``y == 1``)
        are an auxiliary source, then None (the measurements are in
        ``docs/methods/contrastive_flow.md``).
    train_clip : "auto", float > 0 or None, default=%(train_clip)r
        Standardised inlier training rows clipped at +-train_clip (scoring is not
        clipped); None: not clipped. ``"auto"``: ``AUTO_CLIP`` (10, as in FlowDensity)
        unless the known anomalies are an auxiliary source, then None.
    train_whiten : "auto" or bool, default=%(train_whiten)r
        A fixed whitening map as the flow's first transform, as in FlowDensity
        (``"auto"``: when ``n_features > min(hidden_features)``).
    aux_weights : dict or None, default=None
        Mixing shares of the auxiliary sources, keys among ``"X_aux"``,
        ``"anomalies"`` and ``"permutation"``. None: equal shares of ``X_aux`` and
        the known anomalies, whichever are present, else the permutation alone.
        Sources that are absent at fit time are dropped, the rest renormalised.
    objective : {"contrastive", "ratio"}, default="contrastive"
        ``"ratio"``: the likelihood-ratio baseline of the paper, a second flow of the
        same architecture trained by maximum likelihood on ``q``; the score is
        ``log q_phi(x) - log p_theta(x)``.
    anomaly_score : {"auto", "likelihood", "latent_knn"}, default=%(anomaly_score)r
        ``"likelihood"``: the paper's ``-log p_theta(x)``. ``"latent_knn"``: the fitted
        flow's density with its Gaussian base replaced by the geometric mean of the
        Gaussian and a 5-nearest-neighbour density of the training latents,
        ``(|z|^2/2 + d log r_5(z))/2 - log|det J_f(x)|`` with ``z = f(x)``
        (:func:`~skflowad.detectors._likelihood.latent_knn_score`); the reference latents
        are the fitted inliers (not the held-out ones) that the flow finds typical (within
        ``train_trim="auto"``'s robust cutoff), at most ``MAX_REFERENCE_LATENTS`` (10 000)
        of them. Measured without labels, it ranks better
        at nearly the same mean AUROC; with known anomalies it lost
        (``docs/methods/contrastive_flow.md``). ``"auto"``: ``"latent_knn"`` when the
        permutation is the only auxiliary source (no known anomalies, no ``X_aux``) and
        ``objective="contrastive"``, else ``"likelihood"``. :meth:`score_samples` stays
        the flow's density.

    Attributes
    ----------
    flow_ : zuko.lazy.Flow
        The fitted flow ``p_theta`` over standardised, non-constant features.
    whitened_ : bool
        Whether ``flow_`` starts with the whitening map of ``train_whiten``.
    aux_flow_ : zuko.lazy.Flow or None
        The flow fitted on ``q`` (``objective="ratio"`` only).
    epsilon_ : float or None
        The clamp threshold used (None without clamping or for the ratio).
    epsilon_quantile_ : float or None
        The quantile ``epsilon="auto"`` used (None when ``epsilon`` is not ``"auto"``
        and for the ratio).
    aux_weights_ : dict
        The auxiliary sources used and their shares.
    anomaly_score_ : str
        The anomaly score used (``"auto"`` resolved).
    reference_latents_ : ndarray of shape (n_reference, n_kept_features_) or None
        The latents of ``anomaly_score="latent_knn"``'s neighbour search (None for
        ``"likelihood"``).
    train_noise_, train_clip_
        The ``train_noise`` and ``train_clip`` that both stages used (``"auto"``
        resolved).
    history_ : dict
        ``{"flow": ...}`` for the maximum-likelihood warm-up, then ``"contrastive"``
        (or ``"auxiliary"`` for the ratio's second flow); each a ``TrainingResult``.
    scaler_, kept_features_, device_, decision_scores_, threshold_, labels_, n_features_in_
        As in :class:`~skflowad.FlowDensity`.

    See Also
    --------
    skflowad.FlowDensity : maximum likelihood alone (the warm-up stage here).

    Notes
    -----
    Readings of the paper taken here:

    - Training starts with the maximum-likelihood fit of :class:`FlowDensity` on the
      inliers (``history_["flow"]``); it gives ``epsilon="auto"`` its log-densities
      and initialises the contrastive stage, which then runs with the same settings.
    - The paper's recipe for ``epsilon`` on unknown data ("e.g. the 10 %% quantile of the
      in-distribution log density plus a fixed offset (e.g. ln 10)", section 5.2.1) is an
      example: ``epsilon_quantile="auto"`` keeps its 10 %% for the permutation and takes
      0.1 %% when known anomalies train the contrast, ``epsilon_offset`` is 0 (both chosen on
      the benchmark, ``docs/methods/contrastive_flow.md``).
    - The paper scores by ``-log p_theta(x)``. Without labels or ``X_aux`` the default
      (``anomaly_score="auto"``) departs from it: the same flow with a 5-NN density of the
      training latents averaged into its base ranked better on the benchmark in P1 and P2
      (``docs/methods/contrastive_flow.md``); ``anomaly_score="likelihood"`` is the paper's.
    - The paper's ``epsilon = 0`` lives in its own feature space; in standardised
      space an inlier's log-density is about ``-1.4 D``, so ``0`` would clamp the
      auxiliary term from the start (ContrastiveFlow would be FlowDensity).
    - A mixture ``q = sum_k w_k q_k`` enters eq. 3 as ``sum_k w_k E_{q_k}[...]``.
    - Early stopping and best-weights restore use the clamped objective on held-out
      inliers and held-out auxiliary rows (when a source has too few rows to split,
      all of them serve both purposes). The warm-up and the later stage hold out the
      same inliers, so no stage fits the rows that calibrate ``threshold_`` and
      :meth:`predict_pvalue`.
    - With 0/1 labels, ``y == 1`` rows train the model as anomalies, so scores
      cross-validated with labels (``GridSearchCV``) are not comparable with those
      of unsupervised detectors. In a ``Pipeline``, fit parameters bypass the
      preceding steps: pass ``X_aux=pipe[:-1].transform(A)`` (see the docs).
    - ``X_aux`` is a sample set of its own, not one value per row of ``X``. scikit-learn's
      cross-validation (``GridSearchCV``, ``cross_validate``, with or without metadata
      routing) cannot tell the two apart: it splits by the folds every fit parameter
      with as many rows as ``X`` and passes the others whole (scikit-learn issue #30739).
      ``fit`` therefore also takes a callable returning ``X_aux``, which is always passed
      whole: ``search.fit(X, y, X_aux=functools.partial(np.asarray, A))``.

    References
    ----------
    .. [1] "Anomaly detection using normalizing flows and contrastive data" (contrastive
       normalizing flow), under review, 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skflowad import ContrastiveFlow
    >>> rng = np.random.default_rng(0)
    >>> X = rng.multivariate_normal([0, 0], [[1, 0.9], [0.9, 1]], size=300)
    >>> det = ContrastiveFlow(epochs=5, hidden_features=(16,), random_state=0).fit(X)
    >>> inlier, anomaly = det.decision_function([[0.0, 0.0], [2.0, -2.0]])
    >>> bool(anomaly > inlier)
    True
    """

    _uses_labels = True
    _parameter_constraints: dict = {
        **FlowDetector._parameter_constraints,
        "epsilon": [StrOptions({"auto"}), Interval(Real, -_FINITE, _FINITE, closed="both"), None],
        "epsilon_quantile": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="neither")],
        "epsilon_offset": [Interval(Real, -_FINITE, _FINITE, closed="both")],
        "aux_weights": [dict, None],
        "objective": [StrOptions({"contrastive", "ratio"})],
        "anomaly_score": [StrOptions({"auto", "likelihood", "latent_knn"})],
        **RECIPE_CONSTRAINTS,
        "train_clip": [StrOptions({"auto"}), *RECIPE_CONSTRAINTS["train_clip"]],
    }

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
        epsilon="auto",
        epsilon_quantile="auto",
        epsilon_offset=0.0,
        aux_weights=None,
        objective="contrastive",
        train_noise="auto",
        train_clip="auto",
        train_whiten="auto",
        anomaly_score="auto",
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
        self.epsilon = epsilon
        self.epsilon_quantile = epsilon_quantile
        self.epsilon_offset = epsilon_offset
        self.aux_weights = aux_weights
        self.objective = objective
        self.train_noise = train_noise
        self.train_clip = train_clip
        self.train_whiten = train_whiten
        self.anomaly_score = anomaly_score

    def fit(self, X, y=None, X_aux=None, **fit_params):
        """Fit the detector.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,), optional
            ``1`` marks a known anomaly (used as auxiliary data), ``0`` a normal or
            unlabeled row.
        X_aux : array-like of shape (n_aux, n_features), or a callable returning one, optional
            Auxiliary ("contrastive") rows in the same space as ``X``; they are
            standardised like ``X``. In a Pipeline, pass ``pipe[:-1].transform(A)``.
            A callable (``functools.partial(np.asarray, A)``) is called once here; use it
            in ``GridSearchCV`` / ``cross_validate`` when ``A`` may have as many rows as
            ``X``, which they would otherwise split by the folds (see Notes).

        Returns
        -------
        self : object
        """
        return super().fit(X, y, X_aux=X_aux, **fit_params)

    def _check_fit_params(self, fit_params: dict) -> dict:
        """``X_aux`` validated like ``X`` (float64, finite, same features) and standardised."""
        X_aux = fit_params.pop("X_aux", None)
        super()._check_fit_params(fit_params)  # no other fit parameter
        if callable(X_aux):  # cross-validation passes a callable whole (see Notes)
            X_aux = X_aux()
        if X_aux is None:
            return {"X_aux": None}
        aux_names = getattr(X_aux, "columns", None)
        X_aux = check_array(X_aux, dtype=np.float64, input_name="X_aux")
        if X_aux.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X_aux has {X_aux.shape[1]} features but X has {self.n_features_in_}."
            )
        names = getattr(self, "feature_names_in_", None)
        if names is not None and aux_names is not None and list(aux_names) != list(names):
            raise ValueError(
                "X_aux's columns must be X's columns in the same order: X has "
                f"{list(names)}, X_aux has {list(aux_names)}."
            )
        Z_aux = self._standardise(X_aux)
        if np.median(np.abs(np.median(Z_aux, axis=0))) > 10:
            warnings.warn(
                "X_aux lies more than 10 standard deviations of X away from it on most "
                "features: is it on the same scale? In a Pipeline, fit parameters skip "
                "the preceding steps; pass X_aux=pipe[:-1].transform(A).",
                UserWarning, stacklevel=5,
            )
        return {"X_aux": self._to_tensor(Z_aux)}

    def _fit_tensors(self, X: Tensor, y: Tensor | None, X_aux: Tensor | None = None) -> None:
        if self.anomaly_score == "latent_knn" and self.objective == "ratio":
            raise ValueError('anomaly_score="latent_knn" reads the latents of the contrastive '
                             'flow; objective="ratio" scores by the ratio of two flows.')
        self.reference_latents_ = None
        inliers = X if y is None else X[y == 0]
        sources = self._auxiliary_sources(X, y, X_aux)
        known_anomalies = self.aux_weights_.get("anomalies", 0.0) > 0
        self.anomaly_score_ = self.anomaly_score
        if self.anomaly_score == "auto":
            permutation_only = self.aux_weights_ == {"permutation": 1.0}
            measured = permutation_only and self.objective == "contrastive"
            self.anomaly_score_ = "latent_knn" if measured else "likelihood"
        self.train_noise_, self.train_clip_ = self._training_recipe(known_anomalies)
        # eq. 1: the maximum-likelihood warm-up
        self._fit_flow_by_likelihood(inliers, trim=0.0, noise=self.train_noise_,
                                     clip=self.train_clip_)
        parts = [  # held-out auxiliary rows for model selection (drawn after the warm-up)
            (w, rows if isinstance(rows, str) else _holdout(rows, self.validation_fraction, self._generator()))
            for w, rows in sources
        ]
        flow, self.aux_flow_ = self.flow_, None
        # Every stage holds out the warm-up's rows: no stage fits them, so they calibrate.
        held_out = self.history_["flow"].validation_index
        if self.objective == "ratio":
            aux_flow = self._build_flow(X.shape[1])
            nll = lambda rows: -aux_flow().log_prob(rows)  # noqa: E731
            self.epsilon_, self.epsilon_quantile_, generator = None, None, self._generator()
            self._train(
                "auxiliary", aux_flow,
                lambda batch: _contrast(nll, batch, parts, train=True, generator=generator),
                inliers, validation_loss=lambda val: _contrast(nll, val, parts, train=False),
                validation_index=held_out,
            )
            self.aux_flow_ = aux_flow
            return
        self.epsilon_ = self._clamp_threshold(inliers, known_anomalies)
        eps, generator = self.epsilon_, self._generator()
        self._train(
            "contrastive", flow,
            lambda batch: contrastive_objective(flow, batch, parts, eps, generator),
            self._training_rows(inliers, self.train_clip_),
            batch_transform=self._training_noise(self.train_noise_),
            source_rows=inliers,
            validation_index=held_out,
            validation_loss=lambda val: mean_loss(
                lambda rows: -flow().log_prob(rows).mean(), val, self.batch_size
            ) + _contrast(lambda rows: clamped_log_prob(flow, rows, eps), val, parts,
                          train=False),
        )
        if self.anomaly_score_ == "latent_knn":
            self.reference_latents_ = self._typical_latents(inliers, held_out)

    def _score_tensors(self, X: Tensor) -> Tensor:
        if self.anomaly_score_ == "latent_knn":
            return latent_knn_score(self.flow_, X, self._to_tensor(self.reference_latents_))
        log_p = self.flow_().log_prob(X)
        if getattr(self, "aux_flow_", None) is None:
            return -log_p
        return self.aux_flow_().log_prob(X) - log_p

    def _calibration_stage(self) -> str | None:
        # The warm-up and the later stage hold out the same inliers: neither fits them.
        return "flow"

    # ------------------------------------------------------------------ helpers
    def _typical_latents(self, inliers: Tensor, held_out: Tensor | None) -> np.ndarray:
        """``z = f(x)`` of the fitted inliers that the flow finds typical: the reference of
        ``anomaly_score="latent_knn"``. The held-out inliers are left out (they calibrate the
        threshold), and so are the rows beyond ``train_trim="auto"``'s robust cutoff of
        ``-log p(x)`` (so that contaminating rows are not neighbours). At most
        ``MAX_REFERENCE_LATENTS`` of them, drawn uniformly, are kept."""
        fitted = torch.ones(inliers.shape[0], dtype=torch.bool, device=inliers.device)
        if held_out is not None:
            fitted[held_out] = False
        distribution = self.flow_()
        with torch.inference_mode():
            z, log_det = map_batches(distribution.transform.call_and_ladj, inliers[fitted],
                                     self.score_batch_size)
            nll = -(distribution.base.log_prob(z) + log_det)
        typical = z[within_robust_cutoff(nll)]
        if typical.shape[0] > MAX_REFERENCE_LATENTS:
            draw = torch.randperm(typical.shape[0], generator=self._generator(),
                                  device=typical.device)[:MAX_REFERENCE_LATENTS]
            typical = typical[draw.sort().values]
        return typical.cpu().numpy()

    def _training_recipe(self, known_anomalies: bool) -> tuple:
        """``(train_noise, train_clip)`` with ``"auto"`` resolved: FlowDensity's recipe
        (``"dequantise"``, ``AUTO_CLIP``) unless ``known_anomalies`` train the contrast,
        then the paper's plain fit (None, None)."""
        noise, clip = self.train_noise, self.train_clip
        if noise == "auto":
            noise = None if known_anomalies else "dequantise"
        if clip == "auto":
            clip = None if known_anomalies else AUTO_CLIP
        return noise, clip

    def _clamp_threshold(self, inliers: Tensor, known_anomalies: bool) -> float | None:
        """The paper's recipe: a quantile of the inliers' warm-up log-densities plus an offset.

        Sets ``epsilon_quantile_``: ``epsilon_quantile``, or for ``"auto"``
        ``KNOWN_ANOMALY_QUANTILE`` when ``known_anomalies`` train the contrast, else
        ``PAPER_QUANTILE``.
        """
        self.epsilon_quantile_ = None
        if self.epsilon is None or self.epsilon != "auto":
            return None if self.epsilon is None else float(self.epsilon)
        quantile = self.epsilon_quantile
        if quantile == "auto":
            quantile = KNOWN_ANOMALY_QUANTILE if known_anomalies else PAPER_QUANTILE
        self.epsilon_quantile_ = quantile
        with torch.no_grad():
            log_p = map_batches(self.flow_().log_prob, inliers, self.score_batch_size)
        return float(np.quantile(log_p.cpu().numpy(), quantile)) + self.epsilon_offset

    def _auxiliary_sources(self, X: Tensor, y: Tensor | None, X_aux: Tensor | None
                           ) -> list[tuple[float, object]]:
        """``[(share, rows)]`` of the auxiliary sources in use (rows: a tensor or "permutation")."""
        rows = {"permutation": "permutation"}
        if X_aux is not None:
            rows["X_aux"] = X_aux
        if y is not None and bool((y == 1).any()):
            rows["anomalies"] = X[y == 1]
        weights = self.aux_weights
        if weights is None:
            weights = {k: 1.0 for k in ("X_aux", "anomalies") if k in rows} or {"permutation": 1.0}
        unknown = set(weights) - set(AUX_SOURCES)
        if unknown or not all(np.isfinite(w) and w >= 0 for w in weights.values()):
            raise ValueError(
                f"aux_weights must map {AUX_SOURCES} to finite non-negative shares; "
                f"got {weights!r}."
            )
        used = {k: float(w) for k, w in weights.items() if w > 0 and k in rows}
        if not used:
            raise ValueError(
                f"None of the auxiliary sources in aux_weights={weights!r} is available: pass "
                "X_aux to fit, label known anomalies with y == 1, or include 'permutation'."
            )
        if "permutation" in used:
            _check_permutation_contrast(X if y is None else X[y == 0])
        total = sum(used.values())
        self.aux_weights_ = {k: w / total for k, w in used.items()}
        return [(w, rows[k]) for k, w in self.aux_weights_.items()]


def clamped_log_prob(flow, rows: Tensor, eps: float | None) -> Tensor:
    """Section 5.2.1: :math:`\\max(\\log p_\\theta(y), \\epsilon)` (no clamp for None)."""
    log_p = flow().log_prob(rows)
    return log_p if eps is None else log_p.clamp(min=eps)


def contrastive_objective(flow, batch: Tensor, parts: list, eps: float | None,
                          generator: torch.Generator | None = None) -> Tensor:
    """Eq. 3: :math:`-\\overline{\\log p(x)} + \\sum_k w_k \\overline{\\max(\\log p(y_k), \\epsilon)}`.

    ``parts`` are ``(w_k, source_k)`` pairs (:func:`_training_draws` draws ``len(batch)``
    auxiliary rows of each); the batch and every auxiliary draw go through the flow in
    one pass.
    """
    draws = list(_training_draws(batch, parts, generator))
    log_p = flow().log_prob(torch.cat([batch, *(rows for _, rows in draws)]))
    log_p = log_p.view(len(draws) + 1, batch.shape[0])
    aux = log_p[1:] if eps is None else log_p[1:].clamp(min=eps)
    return -log_p[0].mean() + sum(w * a.mean() for (w, _), a in zip(draws, aux))


def _contrast(fn, batch: Tensor, parts: list, *, train: bool,
              generator: torch.Generator | None = None) -> Tensor:
    """``sum_k w_k E_{q_k}[fn(y)]`` over the auxiliary sources (the second term of eq. 3).

    In training, each source gives ``len(batch)`` rows: a random draw from its training
    rows, or the batch with every feature permuted independently (section 5.4). In
    validation, the held-out rows (a fixed permutation of the validation inliers).
    """
    if train:
        return sum(weight * fn(rows).mean()
                   for weight, rows in _training_draws(batch, parts, generator))
    total = torch.zeros((), device=batch.device)
    for weight, source in parts:
        if source == "permutation":
            generator = torch.Generator(device=batch.device).manual_seed(0)
            rows = _permute_features(batch, generator)
        else:
            rows = source[1]
        total = total + weight * mean_loss(lambda r: fn(r).mean(), rows, 4096)
    return total


def _training_draws(batch: Tensor, parts: list, generator: torch.Generator | None = None):
    """``(weight, rows)`` per auxiliary source: ``len(batch)`` fresh rows of each."""
    for weight, source in parts:
        if source == "permutation":
            yield weight, _permute_features(batch, generator)
        else:
            index = torch.randint(source[0].shape[0], (batch.shape[0],), generator=generator,
                                  device=batch.device)
            yield weight, source[0][index]


def _permute_features(rows: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Permute every column independently: keeps the marginals, destroys the dependence."""
    order = torch.rand(rows.shape, generator=generator, device=rows.device).argsort(dim=0)
    return rows.gather(0, order)


def _holdout(rows: Tensor, fraction: float, generator: torch.Generator | None = None
             ) -> tuple[Tensor, Tensor]:
    """(train, validation) split of auxiliary rows; all rows for both when too few."""
    train, validation, _ = split_validation(rows, fraction, generator)
    return train, train if validation is None else validation


def _check_permutation_contrast(inliers: Tensor) -> None:
    """The permutation contrast needs dependent features; with one feature q equals p."""
    n, d = inliers.shape
    if d < 2:
        raise ValueError(
            "ContrastiveFlow's default auxiliary data permutes features independently, which "
            "leaves a single feature unchanged (q = p, AUROC about 0.5): pass X_aux or label "
            "known anomalies with y == 1."
        )
    Z = (inliers - inliers.mean(0)) / inliers.std(0).clamp(min=1e-12)
    corr = (Z.T @ Z / max(n - 1, 1)).abs().fill_diagonal_(0).max()
    if float(corr) < 3 / math.sqrt(n):
        warnings.warn(
            "No pair of features is significantly correlated on the inliers: the permuted "
            "auxiliary data is then close to the inliers and the contrast carries little "
            "signal (AUROC near 0.5). Consider X_aux or labelled anomalies (y == 1).",
            UserWarning, stacklevel=5,
        )


fill_parameters_doc(ContrastiveFlow)
