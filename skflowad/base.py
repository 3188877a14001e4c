"""`FlowDetector`: the contract every skflowad detector keeps, implemented once.

A method subclasses :class:`FlowDetector` and adds three things: its ``__init__``
(parameters only), ``_fit_tensors`` (its loss and sampler, trained through
:meth:`FlowDetector._train`) and ``_score_tensors`` (its anomaly score). Everything
else lives here: input validation with scikit-learn's helpers, dropping constant
columns, internal standardisation, device resolution, seeding, batched scoring with
bounded memory, PyOD's ``decision_scores_`` / ``threshold_`` / ``labels_``, and
pickling that moves fitted torch modules to the CPU (so a model fitted on CUDA loads
on a CPU-only machine).
"""

from __future__ import annotations

__all__ = [
    "FlowDetector",
    "COMMON_PARAMETERS_DOC",
    "ConstantFeatureWarning",
    "OFF_SUPPORT_SCORE",
    "AUTO_TRIM_CUTOFF",
    "within_robust_cutoff",
    "fill_parameters_doc",
    "grid_spacing",
    "add_gaussian_noise",
    "dequantise",
    "resolve_device",
]

import copy
import functools
import inspect
import sys
import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from pyod.models.base import BaseDetector
from sklearn.base import _fit_context
from sklearn.preprocessing import StandardScaler
from sklearn.utils import ClassifierTags, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
from torch import Tensor, nn

from . import __version__
from ._random import FitRandomness
from .flows import FLOW_KINDS, build_flow
from .training import TrainingConfig, TrainingResult, map_batches, train

# Standardised inputs are clipped to this magnitude before they reach a flow, so that
# hostile values (1e12) give a large, finite score instead of overflowing float32.
_INPUT_CLIP = 1e4
# A score that is still not finite (the flow failed on that row) is reported as the
# most abnormal finite float32 value.
_SCORE_CAP = float(np.finfo(np.float32).max)
# Added to a row's anomaly score for each column that was constant on the training rows
# and that the row does not share: such a row lies off the support of everything the
# model saw, so it ranks above every row that does not (ties broken by the model's score).
OFF_SUPPORT_SCORE = 1e9


# train_trim="auto": a row is left out when its negative log-likelihood exceeds the median
# by more than this many robust standard deviations (1.4826 MAD).
AUTO_TRIM_CUTOFF = 3.0


def within_robust_cutoff(nll: Tensor) -> Tensor:
    """Mask of the values at most ``AUTO_TRIM_CUTOFF`` robust SDs above their median.

    The robust standard deviation is 1.4826 times the median absolute deviation; values
    that are all equal are all kept.
    """
    median = nll.median()
    spread = 1.4826 * (nll - median).abs().median()
    return nll <= median + AUTO_TRIM_CUTOFF * spread


# Training rows a fitted detector keeps for explain() (reference_rows_).
_N_REFERENCE_ROWS = 256


class ConstantFeatureWarning(UserWarning):
    """Some training columns are constant: they are set aside (see ``kept_features_``)."""


# Standard deviation of the Gaussian training noise on continuous columns under
# ``train_noise="auto"`` (standardised units; the plain-flow floor's value).
AUTO_NOISE_SIGMA = 0.01

COMMON_PARAMETERS_DOC = """\
    contamination : float in (0, 0.5] or PyThresh thresholder, default=0.1
        Expected share of anomalies in the training data; sets ``threshold_`` and
        so ``predict``, as in PyOD. A PyThresh thresholder (``KARCH()``) sets them from
        the training scores instead. It does not change training.
    flow : {"maf", "iaf", "nsf", "coupling_nsf", "realnvp", "nice", "inn"}, default=%(flow)r
        Kind of normalizing flow (see :func:`skflowad.flows.build_flow`).
    n_transforms : int, default=%(n_transforms)r
        Number of flow transforms (autoregressive or coupling layers).
    hidden_features : tuple of int, default=%(hidden_features)r
        Hidden layer widths of each transform's conditioner network.
    epochs : int, default=%(epochs)r
        Maximum number of training epochs.
    batch_size : int, default=%(batch_size)r
        Minibatch size.
    learning_rate : float, default=%(learning_rate)r
        AdamW learning rate.
    weight_decay : float, default=%(weight_decay)r
        AdamW weight decay.
    validation_fraction : float in [0, 0.5], default=%(validation_fraction)r
        Share of the training rows held out for early stopping and best-weights
        restore. 0 disables the split (the training loss is monitored instead).
    patience : int or None, default=%(patience)r
        Epochs without improvement of the validation criterion before stopping;
        None trains for all ``epochs``.
    clip_grad_norm : float or None, default=%(clip_grad_norm)r
        Gradient norm clipping; None disables it.
    score_batch_size : int, default=65536
        Rows scored per device batch; memory does not grow with the number of rows.
    device : str, default="auto"
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"``, or
        ``"mps"`` (Apple GPUs, where this torch has it).
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, batching and sampling; an int makes CPU results
        reproducible.
    verbose : int, default=0
        0 is silent; 1 prints the device and each training stage's epoch budget, and shows
        a progress bar over epochs with the current loss.
"""


def fill_parameters_doc(cls: type, common: str = COMMON_PARAMETERS_DOC) -> type:
    """Fill ``cls.__doc__``'s ``%(common)s`` and ``%(name)r`` slots from ``__init__``'s defaults.

    The defaults are read from the signature, so a docstring cannot drift from the code.
    """
    defaults = {
        name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
    }
    cls.__doc__ = cls.__doc__ % {**defaults, "common": common % defaults}
    return cls


def resolve_device(device: str) -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"`` into an available device."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device={device!r} is not a valid torch device.") from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} but CUDA is not available; use 'auto' or 'cpu'.")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} but only {torch.cuda.device_count()} CUDA device(s) exist."
            )
    elif resolved.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"device={device!r} but this torch has no MPS device; use 'auto' "
                             "or 'cpu'.")
    elif resolved.type != "cpu":
        raise ValueError(
            f"device={device!r}: expected 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'."
        )
    return resolved


class FlowDetector(BaseDetector):
    """Base class of skflowad's detectors (not used directly).

    Subclasses implement ``_fit_tensors(X, y)`` and ``_score_tensors(X)`` on
    standardised float32 tensors that live on ``device_``. Set the class attribute
    ``_uses_labels = True`` when ``y == 1`` rows are used as known anomalies. Every
    detector's score gets :data:`OFF_SUPPORT_SCORE` for each training-constant column
    whose value a row does not share (``_scores_off_support``), and ``predict_pvalue`` is
    calibrated on the held-out rows of the stage ``_scored_stage`` names.
    """

    _uses_labels: ClassVar[bool] = False
    _min_samples: ClassVar[int] = 2
    # Whether scoring adds OFF_SUPPORT_SCORE per training constant a row does not share.
    _scores_off_support: ClassVar[bool] = True
    # The training stage whose held-out rows calibrate p-values (see _calibration_stage).
    _scored_stage: ClassVar[str | None] = "flow"

    _parameter_constraints: ClassVar[dict] = {
        # A share, or a PyThresh thresholder (PyOD's BaseDetector fits it on the scores).
        "contamination": [Interval(Real, 0, 0.5, closed="right"), HasMethods(["fit", "predict"])],
        "flow": [StrOptions(set(FLOW_KINDS))],
        "n_transforms": [Interval(Integral, 1, None, closed="left")],
        "hidden_features": ["array-like"],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 0.5, closed="both")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "score_batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------ methods' hooks
    def _fit_tensors(self, X: Tensor, y: Tensor | None, **fit_params) -> None:
        """Train the method on standardised rows ``X`` (labels ``y`` or None).

        ``fit_params`` are what :meth:`_check_fit_params` returned.
        """
        raise NotImplementedError

    def _check_fit_params(self, fit_params: dict) -> dict:
        """Validate ``fit``'s extra parameters once ``X`` is (scaler fitted); return them.

        A method with fit parameters (ContrastiveFlow's ``X_aux``) overrides this; the
        default accepts none.
        """
        if fit_params:
            raise TypeError(f"{type(self).__name__}.fit() got unexpected fit parameter(s): "
                            f"{', '.join(sorted(fit_params))}.")
        return {}

    def _score_tensors(self, X: Tensor) -> Tensor:
        """Anomaly scores (higher = more abnormal) of a batch of standardised rows."""
        raise NotImplementedError

    def _calibration_stage(self) -> str | None:
        """The stage whose held-out rows no part of the fitted score has trained on.

        Its held-out rows calibrate :meth:`predict_pvalue`; None when every row was
        trained on by some part of the score (no calibration).
        """
        return self._scored_stage

    # ------------------------------------------------------------------ public API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, **fit_params):
        """Fit the detector.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,), optional
            ``1`` marks a known anomaly, ``0`` a normal or unlabeled row (PyOD's
            DevNet/XGBOD convention). Detectors that cannot use labels ignore it.
        **fit_params
            Parameters of the method's fit (ContrastiveFlow's ``X_aux``); the others
            take none.

        Returns
        -------
        self : object
            The fitted detector.
        """
        state_before = dict(self.__dict__)
        try:
            self._fit_validated(X, y, fit_params)
        except BaseException:
            # An interrupted or failed fit leaves the estimator as it was.
            self.__dict__.clear()
            self.__dict__.update(state_before)
            raise
        return self

    def decision_function(self, X):
        """Anomaly score of each row; higher means more abnormal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,), float64
        """
        check_is_fitted(self, "scaler_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._score_array(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.target_tags.required = False
        # `y`, when given, is a binary label (1 = known anomaly): declare it, so that
        # scikit-learn's checks pass 0/1 targets rather than multiclass ones.
        tags.classifier_tags = ClassifierTags(multi_class=False)
        return tags

    # ------------------------------------------------------------------ machinery
    def _fit_validated(self, X, y, fit_params: dict) -> None:
        _check_hidden_features(self.hidden_features)
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=self._min_samples)
        y = _check_labels(y, X.shape[0])
        if self._uses_labels and y is not None and (y == 0).sum() < self._min_samples:
            raise ValueError(
                f"y marks {int((y == 0).sum())} row(s) as normal or unlabeled (0); at least "
                f"{self._min_samples} must be 0: they are the rows the model learns as normal."
            )
        self.device_ = resolve_device(self.device)
        self._fit_scaler(X if y is None or not self._uses_labels else X[y == 0])
        fit_params = self._check_fit_params(fit_params)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        X_t = self._to_tensor(self._standardise(X))
        y_t = None if y is None else torch.as_tensor(y, device=self.device_)
        self.history_ = {}
        self._held_out_rows = {}
        self._random = FitRandomness(seed, self.device_)  # every draw of the fit
        try:
            self._fit_tensors(X_t, y_t, **fit_params)
        finally:
            del self._random
        self._calibrate(self._held_out_rows.get(self._calibration_stage()))
        del self._held_out_rows
        self.decision_scores_ = self._score_array(X)
        # A few of the rows learnt as normal, kept for explain()'s marginal imputation.
        normal = X if y is None or not self._uses_labels else X[y == 0]
        keep = check_random_state(seed).choice(
            normal.shape[0], min(normal.shape[0], _N_REFERENCE_ROWS), replace=False)
        self.reference_rows_ = normal[np.sort(keep)].copy()
        self._classes = 2  # PyOD's predict_proba: normal / anomaly, whatever y held
        self._process_decision_scores()

    def _fit_scaler(self, X: np.ndarray) -> None:
        """Set aside constant columns, standardise the rest, find their value grids.

        A column is constant when all its training values are equal; its value is kept in
        ``feature_constants_`` (scoring adds :data:`OFF_SUPPORT_SCORE` per constant a row
        does not share). The others are standardised (zuko's splines live on [-5, 5]) and
        ``grid_spacing_`` records, per kept column, the spacing of the grid its
        standardised training values lie on (0 for a continuous column).
        """
        self.kept_features_ = ~(X == X[:1]).all(axis=0)
        if not self.kept_features_.any():
            raise ValueError(
                "Every feature is constant on the training rows (all its values are "
                "equal); there is nothing to learn."
            )
        self.feature_constants_ = X[0].astype(np.float64).copy()
        if not self.kept_features_.all():
            constant = np.flatnonzero(~self.kept_features_)
            names = getattr(self, "feature_names_in_", None)
            shown = [str(names[j]) if names is not None else str(j) for j in constant[:10]]
            more = f" and {constant.size - 10} more" if constant.size > 10 else ""
            warnings.warn(
                f"{constant.size} feature(s) are constant on the training rows and are set "
                f"aside: {', '.join(shown)}{more}. A row that differs from such a constant "
                f"is scored as off the training support (OFF_SUPPORT_SCORE per feature).",
                ConstantFeatureWarning, stacklevel=4,
            )
        self.scaler_ = _fit_standard_scaler(X[:, self.kept_features_])
        self.grid_spacing_ = grid_spacing(self._standardise(X))

    def _generator(self, device: torch.device | None = None) -> torch.Generator:
        """This fit's generator for draws on ``device`` (default: the fit's device)."""
        return self._random.on(self.device_ if device is None else device)

    def _construct(self, factory: Callable[..., nn.Module], *args, **kwargs) -> nn.Module:
        """``factory(*args, **kwargs)`` with its initialisation drawn from this fit's stream."""
        with self._random.global_stream():
            return factory(*args, **kwargs)

    def _build_flow(self, n_features: int, kind: str | None = None, **options) -> nn.Module:
        """A new flow of ``kind`` (default ``self.flow``) with this detector's ``n_transforms``
        and ``hidden_features``, initialised from this fit's stream, on ``device_``."""
        return self._construct(
            build_flow, self.flow if kind is None else kind, n_features,
            transforms=self.n_transforms, hidden_features=self.hidden_features, **options,
        ).to(self.device_)

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        Z = self.scaler_.transform(X[:, self.kept_features_])
        return np.clip(Z, -_INPUT_CLIP, _INPUT_CLIP, out=Z)

    def _to_tensor(self, X: np.ndarray) -> Tensor:
        return torch.as_tensor(X, dtype=torch.float32, device=self.device_)

    def _score_array(self, X: np.ndarray, score_tensors=None) -> np.ndarray:
        """Score validated raw rows in batches of ``score_batch_size``.

        ``score_tensors`` (default ``_score_tensors``) maps a batch of standardised rows
        to scores, higher = more abnormal; the off-support term is added to them.

        Each batch is standardised, copied to the device and scored on its own, so the
        memory scoring adds beyond the output is one batch, whatever the number of rows.
        """
        scores = np.empty(X.shape[0], dtype=np.float64)
        for start in range(0, X.shape[0], self.score_batch_size):
            stop = start + self.score_batch_size
            with torch.inference_mode():
                batch = (score_tensors or self._score_tensors)(
                    self._to_tensor(self._standardise(X[start:stop]))
                )
            # Capped batch by batch: the output is the only array that grows with n.
            scores[start:stop] = np.nan_to_num(
                batch.double().cpu().numpy(), nan=_SCORE_CAP, posinf=_SCORE_CAP,
                neginf=-_SCORE_CAP,
            )
            if self._scores_off_support:
                scores[start:stop] += OFF_SUPPORT_SCORE * self._n_off_support(X[start:stop])
        return scores

    def _n_off_support(self, X: np.ndarray) -> np.ndarray:
        """Per row, the number of training-constant columns whose value it does not share."""
        constant = ~self.kept_features_
        return (X[:, constant] != self.feature_constants_[constant]).sum(axis=1)

    def _training_rows(self, X: Tensor, clip: float | None) -> Tensor:
        """The standardised training rows a flow is fitted on, clipped at +-``clip``.

        Clipping only the training rows bounds the pull of extreme (heavy-tailed or
        contaminating) values on the fit; scoring sees the rows unclipped.
        """
        return X if clip is None else X.clamp(-clip, clip)

    def _training_noise(self, noise) -> Callable[[Tensor], Tensor] | None:
        """The batch transform that adds ``noise`` to each training batch (None: none).

        ``"dequantise"`` (FlowDensity's ``"auto"``): uniform dequantisation of the columns
        whose training values lie on a grid (:func:`dequantise`) and N(0, AUTO_NOISE_SIGMA^2)
        on the others; a float: N(0, noise^2) on every column; None or 0: no noise.
        """
        if noise is None or (not isinstance(noise, str) and noise == 0):
            return None
        if noise in ("auto", "dequantise"):
            spacing = self._to_tensor(self.grid_spacing_)
            return functools.partial(dequantise, spacing=spacing, sigma=AUTO_NOISE_SIGMA,
                                     generator=self._generator())
        return functools.partial(add_gaussian_noise, sigma=float(noise),
                                 generator=self._generator())

    def _calibrate(self, rows: Tensor | None) -> None:
        """``calibration_scores_``: scores of standardised held-out training rows, sorted."""
        if rows is None or rows.shape[0] == 0:
            self.calibration_scores_ = None
            return
        with torch.inference_mode():
            scores = map_batches(self._score_tensors, rows, self.score_batch_size)
        scores = np.nan_to_num(scores.double().cpu().numpy(), nan=_SCORE_CAP,
                               posinf=_SCORE_CAP, neginf=-_SCORE_CAP)
        self.calibration_scores_ = np.sort(scores)

    def _process_decision_scores(self):
        """PyOD's ``threshold_`` and ``labels_``, with the threshold taken on held-out rows.

        ``labels_`` flags the ``contamination`` share of the training rows with the highest
        scores, as in PyOD. ``threshold_``, which ``predict`` applies to new rows, is the
        same ``1 - contamination`` quantile of the scores of the training rows held out from
        the fit (``calibration_scores_``): a flow scores the rows it was fitted on as more
        normal than fresh ones, so the training rows' own quantile would flag more fresh
        rows than ``contamination`` says. Without held-out rows, or with a PyThresh
        ``contamination``, both come from the training rows as in PyOD.
        """
        super()._process_decision_scores()
        calibration = getattr(self, "calibration_scores_", None)
        if isinstance(self.contamination, Real) and calibration is not None:
            self.threshold_ = float(np.percentile(calibration, 100 * (1 - self.contamination)))
        return self

    def explain(self, X, n_draws=64, random_state=None):
        """Each feature's contribution to each row's anomaly score, in score units.

        ``contribution[i, j] = s(x_i) - mean_k s(x_i with feature j set to r_kj)``, with
        ``r_k`` drawn from the training rows kept in ``reference_rows_``: how much more
        abnormal the row is with its own value of feature ``j`` than with a typical one,
        the other features held at the row's values (prediction difference analysis by
        marginal imputation; Robnik-Sikonja and Kononenko 2008, "Explaining
        classifications for individual instances", IEEE TKDE 20(5); Zintgraf et al.
        2017, ICLR). It holds for every detector, as it only reads the score. Positive:
        the feature makes the row more abnormal. A value off a training constant gets
        about ``OFF_SUPPORT_SCORE``. The contributions do not sum to the score: features
        that are abnormal only together can each get the full credit (replacing either
        one with a typical value makes the row normal again).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        n_draws : int, default=64
            Reference rows averaged per feature (at most ``len(reference_rows_)``).
        random_state : int, RandomState or None, default=None
            Which reference rows are drawn.

        Returns
        -------
        contributions : ndarray of shape (n_samples, n_features), float64
        """
        check_is_fitted(self, "reference_rows_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if not isinstance(n_draws, Integral) or n_draws < 1:
            raise ValueError(f"n_draws must be a positive int; got {n_draws!r}.")
        reference = self.reference_rows_
        draws = check_random_state(random_state).choice(
            reference.shape[0], min(n_draws, reference.shape[0]), replace=False)
        values = reference[draws]  # (n_draws, n_features)
        contributions = np.empty(X.shape, dtype=np.float64)
        rows_per_chunk = max(1, self.score_batch_size // len(draws))  # bounded memory
        for start in range(0, X.shape[0], rows_per_chunk):
            chunk = X[start:start + rows_per_chunk]
            scores = self._score_array(chunk)
            imputed = np.repeat(chunk, len(draws), axis=0)  # a row's copies side by side
            for j in range(X.shape[1]):
                own = imputed[:, j].copy()
                imputed[:, j] = np.tile(values[:, j], chunk.shape[0])
                imputed_scores = self._score_array(imputed).reshape(chunk.shape[0], len(draws))
                contributions[start:start + chunk.shape[0], j] = scores - imputed_scores.mean(1)
                imputed[:, j] = own
        return contributions

    def predict_pvalue(self, X):
        """Conformal p-value of each row: how normal its score is among held-out normals.

        ``p(x) = (1 + #{calibration scores >= s(x)}) / (n_calibration + 1)``, with the
        scores of the training rows that the scoring stage held out for validation
        (``calibration_scores_``; split-conformal, Vovk et al. 2005; Bates et al. 2023,
        "Testing for outliers with conformal p-values"). For a row exchangeable with
        those rows, ``P(p(x) <= alpha) <= alpha``: flag ``predict_pvalue(X) <= alpha`` for
        a false-alarm rate of at most ``alpha``. The held-out rows also chose the epoch
        kept (early stopping), which the guarantee does not account for; its effect is
        small when there are many of them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        pvalues : ndarray of shape (n_samples,), in (0, 1]
        """
        check_is_fitted(self, "scaler_")
        if getattr(self, "calibration_scores_", None) is None:
            raise ValueError(
                f"This {type(self).__name__} has no held-out calibration rows: fit it with "
                "validation_fraction > 0 (and, for NFAD, the 'mlp' classifier; for "
                "ContrastiveFlow, objective='contrastive')."
            )
        scores = self.decision_function(X)
        n_cal = self.calibration_scores_.shape[0]
        at_least = n_cal - np.searchsorted(self.calibration_scores_, scores, side="left")
        return (1.0 + at_least) / (n_cal + 1.0)

    @property
    def n_kept_features_(self) -> int:
        """Number of non-constant training features the model sees."""
        return int(self.kept_features_.sum())

    def _train(
        self,
        stage: str,
        module: nn.Module,
        loss_fn,
        data: Tensor,
        *,
        validation_loss=None,
        batch_transform=None,
        learning_rate_parameter: str = "learning_rate",
        source_rows: Tensor | None = None,
        validation_index: Tensor | None = None,
        **overrides: Any,
    ) -> TrainingResult:
        """Run the shared training loop with this detector's settings.

        ``overrides`` replace fields of :class:`~skflowad.training.TrainingConfig`
        (e.g. a classifier stage with its own ``epochs`` and ``batch_size``). The
        result is recorded in ``history_[stage]``. ``learning_rate_parameter`` names the
        public parameter that sets this stage's learning rate (for the divergence message).
        ``source_rows`` are the standardised rows ``data`` was made from, row for row
        (default ``data``; e.g. the unclipped rows): the stage's held-out ones are kept
        for calibration. ``validation_index`` holds out given rows of ``data`` instead of a
        fresh random split (a later stage holding out the rows an earlier one did).
        """
        settings = dict(
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            validation_fraction=self.validation_fraction,
            patience=self.patience,
            clip_grad_norm=self.clip_grad_norm,
            verbose=self.verbose,
            description=f"{type(self).__name__} {stage}",
        )
        settings.update(overrides)
        settings.setdefault("divergence_hint", self._divergence_hint(learning_rate_parameter))
        if self.verbose:
            print(f"{type(self).__name__} {stage}: at most {settings['epochs']} epochs of "
                  f"batch {settings['batch_size']} on {self.device_} ({data.shape[0]} rows)",
                  file=sys.stderr)
        result = train(
            module,
            loss_fn,
            data,
            TrainingConfig(**settings),
            validation_loss=validation_loss,
            batch_transform=batch_transform,
            generator=self._generator(data.device),
            validation_index=validation_index,
        )
        self.history_[stage] = result
        if result.validation_index is not None and hasattr(self, "_held_out_rows"):
            rows = data if source_rows is None else source_rows
            self._held_out_rows[stage] = rows[result.validation_index.to(rows.device)]
        return result

    def _divergence_hint(self, learning_rate_parameter: str) -> str:
        """What to change when training diverges, in the user's parameters and values."""
        advice = [f"lower `{learning_rate_parameter}` "
                  f"(now {getattr(self, learning_rate_parameter)!r})"]
        if self.clip_grad_norm is None:
            advice.append("set `clip_grad_norm` (e.g. 1.0)")
        else:
            advice.append(f"lower `clip_grad_norm` (now {self.clip_grad_norm!r})")
        if self.weight_decay > 1:
            advice.append(f"lower `weight_decay` (now {self.weight_decay!r})")
        return ", ".join(advice[:-1]) + " or " + advice[-1]

    # ------------------------------------------------------------------ persistence
    def __getstate__(self):
        state = super().__getstate__()
        state = {
            key: _to_cpu(value) if isinstance(value, nn.Module) else value
            for key, value in state.items()
        }
        state["_skflowad_version"] = __version__
        return state

    def __setstate__(self, state):
        saved = state.pop("_skflowad_version", None)
        if saved is not None and _major_minor(saved) != _major_minor(__version__):
            raise ValueError(
                f"This {type(self).__name__} was saved with skflowad {saved}, which is not "
                f"compatible with the installed skflowad {__version__}; refit it, or install "
                f"skflowad=={saved} to load it."
            )
        super().__setstate__(state)
        if "device_" in self.__dict__:
            self.device_ = _loadable_device(self.device_)
            for key, value in self.__dict__.items():
                if isinstance(value, nn.Module):
                    value.to(self.device_)


def grid_spacing(Z: np.ndarray, tolerance: float = 1e-3, max_cells: int = 10_000) -> np.ndarray:
    """Per column of ``Z``, the spacing of the regular grid its values lie on, else 0.

    A column is on a grid of spacing ``h`` (its smallest gap between distinct values)
    when every distinct value is ``Z.min() + k * h`` for an integer ``k <= max_cells``,
    up to ``tolerance`` in units of ``h``: integer counts, ratings, binary and one-hot
    columns, and values rounded to a fixed precision. Other columns get 0 (continuous).
    """
    spacing = np.zeros(Z.shape[1])
    for j in range(Z.shape[1]):
        values = np.unique(Z[:, j])
        if values.size < 2:
            continue
        h = np.diff(values).min()
        steps = (values - values[0]) / h
        if steps[-1] <= max_cells and np.abs(steps - np.round(steps)).max() <= tolerance:
            spacing[j] = h
    return spacing


def add_gaussian_noise(batch: Tensor, sigma: float,
                       generator: torch.Generator | None = None) -> Tensor:
    """``batch + N(0, sigma^2)`` noise, drawn from ``generator`` (default: torch's stream)."""
    return batch + sigma * _randn(batch, generator)


def _randn(like: Tensor, generator: torch.Generator | None) -> Tensor:
    return torch.randn(like.shape, generator=generator, dtype=like.dtype, device=like.device)


def _rand(like: Tensor, generator: torch.Generator | None) -> Tensor:
    return torch.rand(like.shape, generator=generator, dtype=like.dtype, device=like.device)


def dequantise(batch: Tensor, spacing: Tensor, sigma: float,
               generator: torch.Generator | None = None) -> Tensor:
    """Noise for one training batch: uniform over the grid cell, or Gaussian.

    A column on a grid of spacing ``h > 0`` gets ``U(-h/2, h/2)`` (uniform
    dequantisation, Theis et al. 2016, "A note on the evaluation of generative models",
    Sec. 3.1): the flow then models a density that is constant over each cell instead
    of piling unbounded mass on the grid points, and a row is scored at its cell's centre
    (its own value). A continuous column (``h == 0``) gets ``N(0, sigma^2)``. The noise
    is drawn from ``generator`` (default: torch's global stream).
    """
    uniform = (_rand(batch, generator) - 0.5) * spacing
    gaussian = sigma * _randn(batch, generator)
    return batch + torch.where(spacing > 0, uniform, gaussian)


def _fit_standard_scaler(X: np.ndarray) -> StandardScaler:
    """A ``StandardScaler`` of the non-constant columns ``X``, for any finite magnitude.

    Where a column's variance overflows (values near 1e200) or underflows to 0 (values
    near 1e-300), the scaler is fitted on the columns divided by their largest magnitude
    and its ``mean_`` and ``scale_`` are mapped back, so every finite input trains.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        scaler = StandardScaler().fit(X)
        broken = ~np.isfinite(scaler.var_) | (scaler.var_ == 0) | ~np.isfinite(scaler.mean_)
    if broken.any():
        magnitude = np.abs(X).max(axis=0)
        scaler = StandardScaler().fit(X / magnitude)
        scaler.mean_ *= magnitude
        scaler.scale_ *= magnitude
        with np.errstate(over="ignore"):
            scaler.var_ *= magnitude**2
    return scaler


def _check_hidden_features(hidden_features) -> None:
    """``hidden_features`` is None (a method's own default) or a sequence of positive ints."""
    if hidden_features is None:
        return
    widths = list(hidden_features)
    if not all(isinstance(w, Integral) and not isinstance(w, bool) and w >= 1 for w in widths):
        raise ValueError(
            f"hidden_features must be a sequence of positive ints (layer widths); "
            f"got {hidden_features!r}."
        )


def _check_labels(y, n_samples: int) -> np.ndarray | None:
    """Validate the PyOD label convention: 1 = known anomaly, 0 = normal or unlabeled."""
    if y is None:
        return None
    try:
        y = column_or_1d(y, warn=True)
    except ValueError as exc:
        raise ValueError(f"y must be a 1-D array of 0/1 labels: {exc}") from exc
    if y.shape[0] != n_samples:
        raise ValueError(f"y has {y.shape[0]} labels but X has {n_samples} rows.")
    try:
        values = np.unique(y.astype(np.float64))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "y must hold 0 (normal or unlabeled) and 1 (known anomaly); "
            f"got non-numeric values such as {y[:3]!r}."
        ) from exc
    if not np.isin(values, (0.0, 1.0)).all():
        bad = values[~np.isin(values, (0.0, 1.0))][:5]
        raise ValueError(
            f"y must hold 0 (normal or unlabeled) and 1 (known anomaly); got also {bad.tolist()}."
        )
    return y.astype(np.int64)


def _to_cpu(module: nn.Module) -> nn.Module:
    if all(t.device.type == "cpu" for t in module.state_dict().values()):
        return module
    return copy.deepcopy(module).cpu()


def _loadable_device(device: torch.device) -> torch.device:
    """The saved device if it exists here, else the CPU."""
    if device.type == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    return device


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])
