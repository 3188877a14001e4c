"""Detector registry of the benchmark: skflowad detectors and the PyOD references.

The skflowad detectors are discovered from ``skflowad.__all__`` (every exported subclass of
``skflowad.base.FlowDetector``), so a new method joins the benchmark when it is exported.
The references are the protocol's, at PyOD defaults; only ``random_state`` (the run's
seed), ``device``, ``verbose=0`` and the constructor arguments a detector cannot do without
(``n_features`` of DeepSVDD) are set.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyod.models.base import BaseDetector

__all__ = [
    "DetectorSpec",
    "PYOD_REFERENCES",
    "P3_REFERENCES",
    "QUICK_PYOD",
    "SupervisedHGB",
    "devnet_fixed",
    "build_detector",
    "default_detectors",
    "get_registry",
    "parse_param_overrides",
    "skflowad_detectors",
]

PYOD_REFERENCES: tuple[str, ...] = (
    "IForest", "KNN", "LOF", "OCSVM", "ECOD", "COPOD", "PCA", "HBOS", "KDE", "GMM",
    "DeepSVDD", "AutoEncoder", "DIF", "LUNAR",
)
"""The protocol's P1/P2 references."""

P3_REFERENCES: tuple[str, ...] = ("DevNet", "DevNetFixed", "HistGradientBoosting", "IForest")
"""The protocol's P3 references, plus PyOD's DevNet with its loss call corrected."""

QUICK_PYOD: tuple[str, ...] = ("IForest", "KNN", "LOF", "ECOD", "HBOS", "GMM")
"""Fast PyOD references of the quick job."""

_PYOD_MODULES = {
    "IForest": "iforest", "KNN": "knn", "LOF": "lof", "OCSVM": "ocsvm", "ECOD": "ecod",
    "COPOD": "copod", "PCA": "pca", "HBOS": "hbos", "KDE": "kde", "GMM": "gmm",
    "DeepSVDD": "deep_svdd", "AutoEncoder": "auto_encoder", "DIF": "dif", "LUNAR": "lunar",
    "DevNet": "devnet",
}


class SupervisedHGB(BaseDetector):
    """A supervised ``HistGradientBoostingClassifier`` on the labels, scored as a detector.

    The P3 reference "a classifier on the few labels": it learns ``y == 1`` against
    everything else and scores with the classifier's log-odds of class 1.

    Parameters
    ----------
    contamination : float, default=0.1
        Used by PyOD to set ``threshold_``.
    random_state : int, optional
        Seed of the classifier.
    """

    def __init__(self, contamination: float = 0.1, random_state: int | None = None):
        super().__init__(contamination=contamination)
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "SupervisedHGB":
        """Fit the classifier on ``(X, y)``; ``y`` must hold both 0 and 1."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        if y is None or len(np.unique(y)) < 2:
            raise ValueError("SupervisedHGB needs labels y holding both 0 and 1.")
        self.classifier_ = HistGradientBoostingClassifier(random_state=self.random_state)
        self.classifier_.fit(X, y)
        self.decision_scores_ = self.decision_function(X)
        self._process_decision_scores()
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Log-odds of class 1 (higher = more abnormal)."""
        return np.asarray(self.classifier_.decision_function(X), dtype=np.float64)


_DEVNET_LOCK = threading.Lock()


@functools.cache
def devnet_fixed() -> type:
    """PyOD's DevNet with its loss call corrected, and seeded.

    PyOD 3.6.7's ``DevNet.fit`` calls ``deviation_loss(outputs, labels)``, but the
    function is ``deviation_loss(y_true, y_pred)``: the network's outputs are taken as
    labels and the labels as scores. The outputs also have shape ``(batch, 1)`` against
    labels of shape ``(batch,)``, so the loss broadcasts to a ``batch x batch`` matrix
    that pairs every output with every label. Training then pushes every score down
    and the ranking it ends with is arbitrary (AUROC well below 0.5 on most ADBench
    sets). ``DevNetFixed`` runs PyOD's own ``fit`` with the call corrected to
    ``deviation_loss(labels, outputs.reshape(labels.shape))``, the deviation loss of
    Pang et al. (KDD 2019) as PyOD writes it, and seeds torch with ``random_seed``
    (PyOD's DevNet leaves its weight initialisation unseeded). Left as PyOD has it:
    minibatches drawn uniformly from all rows, so a batch holds few labelled anomalies
    (the paper draws half of each batch from them). Where PyOD's source no longer has
    the swapped call, only the seeding is added.
    """
    import torch
    from pyod.models import devnet as module

    swapped = "deviation_loss(outputs, labels)" in inspect.getsource(module.DevNet.fit)

    class DevNetFixed(module.DevNet):
        def fit(self, X, y):
            torch.manual_seed(self.random_seed)
            if not swapped:
                return super().fit(X, y)
            with _DEVNET_LOCK:  # the module-level loss is swapped for this fit only
                original = module.deviation_loss
                module.deviation_loss = lambda outputs, labels: original(
                    labels, outputs.reshape(labels.shape)
                )
                try:
                    return super().fit(X, y)
                finally:
                    module.deviation_loss = original

    DevNetFixed.__qualname__ = DevNetFixed.__name__
    return DevNetFixed


def _deepod_devnet() -> type:
    """DeepOD's DevNet: an optional reference, installed in an environment of its own."""
    try:
        from deepod.models.tabular import DevNet
    except ImportError as exc:
        raise ImportError(
            "DeepODDevNet needs DeepOD, which pins an old torch: install it in an environment "
            "of its own with `pip install --no-deps deepod==0.4.1` (benchmarks/README.md)."
        ) from exc
    return DevNet


@dataclass(frozen=True)
class DetectorSpec:
    """How the benchmark builds and fits one detector.

    Attributes
    ----------
    name : str
        Name in the CLI and the CSV.
    factory : callable
        Returns the detector class (imported lazily).
    uses_labels : bool
        Gets ``fit(X, y_lab)`` in P3.
    requires_labels : bool
        Needs labels: run in P3 only.
    family : str
        ``"skflowad"``, ``"pyod"`` or ``"sklearn"``.
    fixed_params : mapping
        Constructor arguments set by the benchmark (the user's ``--param`` wins).
    """

    name: str
    factory: Callable[[], type]
    uses_labels: bool = False
    requires_labels: bool = False
    family: str = "pyod"
    fixed_params: Mapping[str, Any] = field(default_factory=dict)


def skflowad_detectors() -> dict[str, type]:
    """Every detector class exported by ``skflowad`` (subclasses of ``FlowDetector``)."""
    import skflowad

    try:
        from skflowad.base import FlowDetector
    except ImportError:  # the base is not there yet
        return {}
    found = {}
    for name in getattr(skflowad, "__all__", ()):
        obj = getattr(skflowad, name, None)
        if (inspect.isclass(obj) and issubclass(obj, FlowDetector)
                and obj is not FlowDetector and not inspect.isabstract(obj)):
            found[name] = obj
    return found


def _pyod_factory(name: str) -> Callable[[], type]:
    def load() -> type:
        return getattr(importlib.import_module(f"pyod.models.{_PYOD_MODULES[name]}"), name)

    return load


def get_registry() -> dict[str, DetectorSpec]:
    """All detectors the benchmark can run, by name."""
    registry = {
        name: DetectorSpec(
            name, (lambda cls=cls: cls), family="skflowad",
            uses_labels=bool(getattr(cls, "_uses_labels", False)),
        )
        for name, cls in skflowad_detectors().items()
    }
    for name in PYOD_REFERENCES:
        registry[name] = DetectorSpec(name, _pyod_factory(name))
    registry["DevNet"] = DetectorSpec(
        "DevNet", _pyod_factory("DevNet"), uses_labels=True, requires_labels=True
    )
    registry["DevNetFixed"] = DetectorSpec(
        "DevNetFixed", devnet_fixed, uses_labels=True, requires_labels=True
    )
    registry["DeepODDevNet"] = DetectorSpec(
        "DeepODDevNet", _deepod_devnet, uses_labels=True, requires_labels=True, family="deepod"
    )
    registry["HistGradientBoosting"] = DetectorSpec(
        "HistGradientBoosting", lambda: SupervisedHGB, uses_labels=True,
        requires_labels=True, family="sklearn",
    )
    return registry


def default_detectors(setting: str, group: str = "all") -> list[str]:
    """Default detector names for a setting.

    Parameters
    ----------
    setting : {"P1", "P2", "P3"}
    group : {"all", "quick", "skflowad", "pyod"}
        ``all``: skflowad detectors and the protocol's references for the setting;
        ``quick``: skflowad detectors, :data:`QUICK_PYOD` and, in P3, the supervised
        HistGradientBoosting; ``skflowad`` / ``pyod``: one family only.
    """
    own = list(skflowad_detectors())
    p3 = setting == "P3"
    groups = {
        "all": own + list(P3_REFERENCES if p3 else PYOD_REFERENCES),
        "quick": own + list(QUICK_PYOD) + (["HistGradientBoosting"] if p3 else []),
        "skflowad": own,
        "pyod": list(P3_REFERENCES if p3 else PYOD_REFERENCES),
    }
    if group not in groups:
        raise ValueError(f"Unknown detector group {group!r}; choose from {sorted(groups)}.")
    return list(dict.fromkeys(groups[group]))


def build_detector(
    spec: DetectorSpec,
    params: Mapping[str, Any] | None = None,
    *,
    n_features: int,
    seed: int,
    device: str | None = None,
) -> BaseDetector:
    """Instantiate a detector for one run.

    Benchmark-set arguments are applied only where the constructor has them:
    ``random_state`` (``random_seed`` for PyOD's DevNet) = ``seed``, ``device``,
    ``verbose=0``, ``n_features`` (DeepSVDD); ``params`` (the user's) override them.
    PyOD's deep detectors take ``device=None`` for automatic choice, so ``"auto"``
    becomes ``None`` for them; DeepOD's need a name, so it becomes ``"cuda"`` or ``"cpu"``.
    """
    cls = spec.factory()
    accepted = set(inspect.signature(cls.__init__).parameters)
    kwargs: dict[str, Any] = dict(spec.fixed_params)
    auto = {
        "random_state": seed, "random_seed": seed, "verbose": 0, "n_features": n_features,
        "device": None if (spec.family != "skflowad" and device == "auto") else device,
    }
    if spec.family == "deepod" and device == "auto":  # DeepOD needs a device name
        import torch

        auto["device"] = "cuda" if torch.cuda.is_available() else "cpu"
    for key, value in auto.items():
        if key in accepted and not (key == "device" and device is None):
            kwargs[key] = value
    kwargs.update(params or {})
    unknown = sorted(set(kwargs) - accepted) if "kwargs" not in accepted else []
    if unknown:
        raise TypeError(f"{spec.name} has no parameter(s) {unknown}.")
    return cls(**kwargs)


def parse_param_overrides(items: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    """Parse ``["FlowDensity.epochs=20", ...]`` into ``{"FlowDensity": {"epochs": 20}}``.

    A variant's name may contain dots: ``"FlowDensity[s0.5].epochs=20"`` sets ``epochs`` of
    ``FlowDensity[s0.5]``.

    Values are read as Python literals (``20``, ``1e-3``, ``(64, 64)``, ``None``,
    ``True``) and kept as strings otherwise.
    """
    import ast

    out: dict[str, dict[str, Any]] = {}
    for item in items or ():
        target, sep, raw = item.partition("=")
        if "[" in target.split(".", 1)[0] and "]." in target:
            # a variant, whose label may hold dots (``FlowDensity[s0.05].epochs``): its
            # name ends at the closing bracket
            label, key = target.split("].", 1)
            detector = label + "]"
        else:
            detector, _, key = target.partition(".")
        if not (sep and detector and key):
            raise ValueError(f"--param expects DETECTOR.NAME=VALUE, got {item!r}.")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        out.setdefault(detector, {})[key] = value
    return out
