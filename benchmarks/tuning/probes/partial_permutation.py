"""Probe: ContrastiveFlow's permutation contrast replaces only part of each row.

The paper's auxiliary rows (section 5.4) permute every feature independently within the batch:
in many dimensions such a row is far from every inlier, so the contrast p - q acts where p is
already small. Here each entry is taken from another row of the batch (its column permuted)
with probability ``SKFLOWAD_SWAP`` (default 0.25) and kept otherwise, so an auxiliary row is an
inlier with a few of its features swapped: q lies closer to p and the contrast sharpens the
dependence between features near the inliers. Importing this module patches
``skflowad.detectors.contrastive_flow._permute_features`` (training and validation draws)."""
import os

import torch

import skflowad.detectors.contrastive_flow as C

SWAP = float(os.environ.get("SKFLOWAD_SWAP", "0.25"))

_permute_features = C._permute_features


def partially_permute_features(rows, generator=None):
    permuted = _permute_features(rows, generator)
    swapped = torch.rand(rows.shape, generator=generator, device=rows.device) < SWAP
    return torch.where(swapped, permuted, rows)


C._permute_features = partially_permute_features
