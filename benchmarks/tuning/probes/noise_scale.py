"""A noise scale per column for the probes that jitter rows (no patch: importing it changes
nothing)."""
import math

import torch


def noise_scale(setting: str, inliers: torch.Tensor, generator: torch.Generator) -> float:
    """sigma per standardised column: a number, or ``nn<k>`` (e.g. ``nn1``): k x the median
    distance of an inlier to its nearest other inlier / sqrt(d) (at most 2 000 inliers drawn),
    so that a jittered row lies about k nearest-neighbour distances from its origin at any
    width d."""
    if not setting.startswith("nn"):
        return float(setting)
    sample = inliers[torch.randperm(len(inliers), generator=generator,
                                    device=inliers.device)[:2000]]
    dist = torch.cdist(sample, sample)
    dist.fill_diagonal_(float("inf"))
    nearest = dist.min(dim=1).values.median()
    return float(setting[2:]) * float(nearest) / math.sqrt(inliers.shape[1])
