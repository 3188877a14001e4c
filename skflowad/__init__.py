"""skflowad: anomaly detectors built on normalizing flows, as scikit-learn / PyOD estimators."""

__version__ = "0.2.0.dev0"

from .base import FlowDetector  # noqa: E402
from .detectors import IOCN, NFAD, ContrastiveFlow, FlowDensity, OneFlow  # noqa: E402
from .flows import build_flow  # noqa: E402

__all__ = [
    "FlowDetector",
    "FlowDensity",
    "NFAD",
    "OneFlow",
    "ContrastiveFlow",
    "IOCN",
    "build_flow",
    "__version__",
]
