"""Probe: ContrastiveFlow's known anomalies enter ``q`` as a Gaussian kernel density.

With labels, ``q`` is the labelled anomalies themselves: a few points, so the contrast carves the
flow's density at those points only. Here every training draw of a labelled (or ``X_aux``) source
is jittered by N(0, sigma^2 I) (standardised units; a fresh draw per batch from the fit's own
generator), i.e. ``q`` is the kernel density of the known anomalies, so the contrast also
lowers the density around them, where unlabelled anomalies of the same kind lie. Validation rows
are not jittered.

``SKFLOWAD_KERNEL`` sets sigma: ``nn<k>`` (e.g. ``nn1``): k x the median distance of an inlier to
its nearest other inlier / sqrt(d), so a jittered row lies about k nearest-neighbour distances
from its labelled origin at any width d; or a number (per column).
Importing this module patches ``ContrastiveFlow._auxiliary_sources`` and the module's
``_training_draws``."""
import os

import torch

from noise_scale import noise_scale  # a sibling module: its folder is on sys.path
from skflowad.detectors import contrastive_flow as cf

SETTING = os.environ.get("SKFLOWAD_KERNEL", "nn1")
_auxiliary_sources = cf.ContrastiveFlow._auxiliary_sources
_training_draws = cf._training_draws
SIGMA = {}


def _with_kernel(self, X, y, X_aux):
    sources = _auxiliary_sources(self, X, y, X_aux)
    inliers = X if y is None else X[y == 0]
    generator = torch.Generator(device=inliers.device).manual_seed(int(self.random_state or 0))
    SIGMA["sigma"] = self.kernel_sigma_ = noise_scale(SETTING, inliers, generator)
    return sources


def _kernel_draws(batch, parts, generator=None):
    for (weight, source), (_, rows) in zip(parts, _training_draws(batch, parts, generator)):
        if isinstance(source, str):  # the permutation: not jittered
            yield weight, rows
            continue
        noise = torch.randn(rows.shape, generator=generator, device=rows.device, dtype=rows.dtype)
        yield weight, rows + SIGMA["sigma"] * noise


cf.ContrastiveFlow._auxiliary_sources = _with_kernel
cf._training_draws = _kernel_draws
