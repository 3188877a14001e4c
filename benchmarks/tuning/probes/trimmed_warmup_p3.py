"""Probe: with labels, ContrastiveFlow's warm-up is a trimmed likelihood and its clamp is read
off the inliers that the trimmed warm-up fitted.

P3's unlabelled rows hold the unlabelled anomalies, as P1's do, where FlowDensity's trimmed
likelihood (``train_trim="auto"``) gains. ``ContrastiveFlow[trim_p3]`` (2026-12-03) trimmed the
warm-up with labels but kept the clamp's quantile over every inlier: the rows trimming left
unfitted drift to absurd log-densities, so the clamp came out absurd and the loss unbounded.
Here the quantile (``epsilon_quantile_``, 0.001 at the defaults) is taken over the inliers within
the warm-up's robust cutoff of ``-log p`` only (``within_robust_cutoff``). Fits without known
anomalies are unchanged. Importing this module patches ``ContrastiveFlow``."""
import torch

from skflowad.base import within_robust_cutoff
from skflowad.detectors.contrastive_flow import ContrastiveFlow
from skflowad.training import map_batches

_fit_flow_by_likelihood = ContrastiveFlow._fit_flow_by_likelihood
_clamp_threshold = ContrastiveFlow._clamp_threshold


def _labels_train(self) -> bool:
    return self.aux_weights_.get("anomalies", 0.0) > 0


def _trimmed_warm_up(self, X, trim, noise, clip):
    return _fit_flow_by_likelihood(self, X, "auto" if _labels_train(self) else trim, noise, clip)


def _clamp_from_fitted_inliers(self, inliers, known_anomalies):
    if known_anomalies:  # the quantile over the inliers the trimmed warm-up fitted
        with torch.no_grad():
            log_p = map_batches(self.flow_().log_prob, inliers, self.score_batch_size)
        inliers = inliers[within_robust_cutoff(-log_p)]
    return _clamp_threshold(self, inliers, known_anomalies)


ContrastiveFlow._fit_flow_by_likelihood = _trimmed_warm_up
ContrastiveFlow._clamp_threshold = _clamp_from_fitted_inliers
