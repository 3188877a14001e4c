"""skflowad: anomaly detectors built on normalizing flows, as scikit-learn / PyOD estimators."""

__version__ = "0.1.0"
