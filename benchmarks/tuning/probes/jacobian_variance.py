"""Probe: FlowDensity's likelihood with a penalty on the spread of the log-Jacobian.

Flows can put a high log-Jacobian on narrow regions of the training rows (a spike of density
on an atom or a grid value), and anomalies that share such a region score as likely (on
6_cardio, P2, the log-Jacobian term alone ranks anomalies as more normal: AUROC 0.34). The loss here adds ``LAMBDA / d * Var_batch(log|det J_f(x)|)``
(over the rows the trimmed likelihood keeps) to the negative log-likelihood: a flow with a
constant Jacobian pays nothing (a global linear map is free), local volume changes pay. It acts
in training, so the score stays the full likelihood. ``LAMBDA`` from ``SKFLOWAD_JACOBIAN_LAMBDA``
(default 1.0). NFAD's Jacobian regulariser (eq. 10 of its paper) penalises the log-Jacobian's
second moment instead. Importing this module patches
``skflowad.detectors._likelihood.negative_log_likelihood`` (FlowDensity's fit)."""
import os

import skflowad.detectors._likelihood as L
from skflowad.base import within_robust_cutoff

LAMBDA = float(os.environ.get("SKFLOWAD_JACOBIAN_LAMBDA", "1.0"))

_negative_log_likelihood = L.negative_log_likelihood


def negative_log_likelihood(flow, batch, trim=0.0):
    if trim != "auto":
        return _negative_log_likelihood(flow, batch, trim)
    distribution = flow()
    z, log_det = distribution.transform.call_and_ladj(batch)
    nll = -(distribution.base.log_prob(z) + log_det)
    kept = within_robust_cutoff(nll.detach())
    likelihood = (nll * kept).sum() / kept.sum().clamp(min=1)
    return likelihood + LAMBDA / batch.shape[1] * log_det[kept].var()


L.negative_log_likelihood = negative_log_likelihood
