"""skflowad: anomaly detectors built on normalizing flows, as scikit-learn / PyOD estimators."""

__version__ = "0.1.0"

from .base import FlowDetector  # noqa: E402
from .detectors import FlowDensity  # noqa: E402
from .detectors import NFAD  # noqa: E402
from .flows import build_flow  # noqa: E402

__all__ = ["FlowDetector", "FlowDensity", "NFAD", "build_flow", "__version__"]
