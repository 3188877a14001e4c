"""Probe: ``train_trim="auto"``'s cutoff calibrated by the dimension.

The negative log-likelihood of a well-fitted flow is close to chi2_d / 2 plus a constant, so
the fixed cutoff (median + 3 robust SDs of a batch's NLL) leaves out a share of clean rows that
falls with the dimension d: 4.0 % at d = 3, 1.5 % at d = 10, 0.4 % at d = 100. Here the cutoff
is the one that leaves out ``SHARE`` (``SKFLOWAD_TRIM_SHARE``, default 0.01) of chi2_d at any d:
``(q_{1-SHARE} - median) / (1.4826 MAD)`` of chi2_d (4.52 at d = 3, 3.28 at d = 10, 2.59 at
d = 100), with d the batch's width. Importing this module patches
``skflowad.detectors._likelihood.negative_log_likelihood`` (FlowDensity's fit)."""
import functools
import os

import torch
from scipy import optimize, stats

import skflowad.detectors._likelihood as L

SHARE = float(os.environ.get("SKFLOWAD_TRIM_SHARE", "0.01"))

_negative_log_likelihood = L.negative_log_likelihood


@functools.lru_cache(maxsize=None)
def chi2_cutoff(d: int, share: float = SHARE) -> float:
    """Robust SDs above the median of chi2_d beyond which ``share`` of its mass lies."""
    dist = stats.chi2(d)
    median = dist.median()
    mad = optimize.brentq(lambda a: dist.cdf(median + a) - dist.cdf(median - a) - 0.5,
                          1e-9, 10 * median + 10)
    return (dist.ppf(1 - share) - median) / (1.4826 * mad)


def negative_log_likelihood(flow, batch, trim=0.0):
    if trim != "auto":
        return _negative_log_likelihood(flow, batch, trim)
    nll = -flow().log_prob(batch)
    values = nll.detach()
    median = values.median()
    spread = 1.4826 * (values - median).abs().median()
    kept = values <= median + chi2_cutoff(batch.shape[1]) * spread
    return (nll * kept).sum() / kept.sum().clamp(min=1)


L.negative_log_likelihood = negative_log_likelihood
