"""Probe: ContrastiveFlow contrasts the inliers with jittered copies of themselves too.

Without labels or ``X_aux``, ContrastiveFlow's auxiliary data is the feature permutation alone.
Here half of its share goes to the inliers plus N(0, sigma^2 I) noise (standardised units, one
fixed draw per fit from a generator of its own, so the fit's other draws are unchanged). The
positive difference p - q with q = p convolved with the noise is largest where p is peaked: it
sharpens the density at the scale sigma, the local contrast a nearest-neighbour score reads.

``SKFLOWAD_JITTER`` sets sigma: a number (standardised units per column), or ``nn<k>`` (e.g.
``nn1``): sigma = k x the median distance of an inlier to its nearest other inlier / sqrt(d), so
that a jittered row lies about k nearest-neighbour distances from its origin at any width d.
Importing this module patches ``ContrastiveFlow._auxiliary_sources``."""
import os

import torch

from noise_scale import noise_scale  # a sibling module: its folder is on sys.path
from skflowad.detectors.contrastive_flow import ContrastiveFlow

SETTING = os.environ.get("SKFLOWAD_JITTER", "0.5")

_auxiliary_sources = ContrastiveFlow._auxiliary_sources


def _with_jitter(self, X, y, X_aux):
    sources = _auxiliary_sources(self, X, y, X_aux)
    if self.aux_weights_ != {"permutation": 1.0}:
        return sources
    inliers = X if y is None else X[y == 0]
    generator = torch.Generator(device=inliers.device).manual_seed(int(self.random_state or 0))
    sigma = noise_scale(SETTING, inliers, generator)
    noise = torch.randn(inliers.shape, generator=generator, device=inliers.device,
                        dtype=inliers.dtype)
    self.aux_weights_ = {"permutation": 0.5, "jitter": 0.5}
    self.jitter_sigma_ = sigma
    return [(0.5, "permutation"), (0.5, inliers + sigma * noise)]


ContrastiveFlow._auxiliary_sources = _with_jitter
