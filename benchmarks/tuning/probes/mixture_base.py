"""Probe: a Gaussian-mixture base distribution instead of the standard normal.

Data with many clusters (1_ALOI's objects, the one-vs-rest classes of the image sets) asks one
flow to map every cluster onto one Gaussian, which a few transforms do poorly: the density
leaks between the clusters, where anomalies lie. PyOD's GMM is strong exactly there. Here the
flow's base is zuko's ``GMM`` with ``SKFLOWAD_COMPONENTS`` (default 8) diagonal components,
trained with the flow: weights equal, means drawn from N(0, I), unit scales at the start.
Importing this module patches ``skflowad.flows._base_distribution`` for ``base="normal"``
(FlowDensity, ContrastiveFlow, NFAD, OneFlow; OneFlow's radius assumes a normal base, so run
this probe on the likelihood detectors only)."""
import os

import torch
from zuko.flows.mixture import GMM

import skflowad.flows as F

COMPONENTS = int(os.environ.get("SKFLOWAD_COMPONENTS", "8"))

_base_distribution = F._base_distribution


def mixture_base(base, n_features):
    if base != "normal":
        return _base_distribution(base, n_features)
    gmm = GMM(n_features, components=COMPONENTS, covariance_type="diagonal")
    logits, loc, diag = gmm.phi
    with torch.no_grad():
        logits.zero_()
        diag.zero_()
    return gmm


F._base_distribution = mixture_base
