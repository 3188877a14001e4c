"""Exact sampling from the tail of a standard normal: NFAD's surrogate-anomaly sampler.

The NFAD papers draw "Z ~ N(0, I) s.t. p(Z) <= p". For an isotropic Gaussian the
region of low density is the outside of a ball, ``||z|| >= r``, and we parametrise
it by its probability mass ``tail_p``: ``r**2`` is the chi-square(D) quantile at
``1 - tail_p``, so that ``tail_p`` means the same in any dimension. A sample is a
uniform direction times a radius drawn from the chi(D) distribution conditioned on
the tail, by inverse CDF (no rejection loop, so the cost does not grow as ``tail_p``
shrinks): ``S(r**2) = tail_p * u`` with ``u ~ U(0, 1]`` and ``S`` the chi-square
survival function, solved by Newton's method in log space on the device.
"""

from __future__ import annotations

__all__ = ["chi2_tail_threshold", "sample_gaussian_tail", "tail_probability"]

import math

import torch
from scipy.stats import chi2
from torch import Tensor

_NEWTON_STEPS = 4  # from the Wilson-Hilferty guess: float64 precision (checked for D in 1..512)


def chi2_tail_threshold(tail_p: float, dim: int) -> float:
    """Squared radius ``r**2`` with ``P(||z||**2 >= r**2) = tail_p`` for ``z ~ N(0, I_dim)``."""
    return float(chi2.isf(tail_p, dim))


def tail_probability(squared_radius: Tensor, dim: int) -> Tensor:
    """Chi-square(dim) survival function ``P(||z||**2 >= squared_radius)`` (float64)."""
    a = torch.full_like(squared_radius, dim / 2, dtype=torch.float64)
    return torch.special.gammaincc(a, squared_radius.double() / 2)


def sample_gaussian_tail(n: int, dim: int, tail_p: float, *, device: torch.device,
                         generator: torch.Generator | None = None) -> Tensor:
    """Draw ``n`` points of ``N(0, I_dim)`` conditioned on ``||z||**2 >= chi2.isf(tail_p, dim)``.

    Draws from ``generator`` (default: torch's global stream).

    Returns
    -------
    Tensor of shape (n, dim), float32, on ``device``.
    """
    u = 1.0 - torch.rand(n, generator=generator, dtype=torch.float64, device=device)  # u in (0, 1]
    log_target = math.log(tail_p) + torch.log(u)  # log S(r^2) we want, <= log(tail_p)
    a = torch.full_like(u, dim / 2)
    log_norm = math.lgamma(dim / 2) + (dim / 2) * math.log(2.0)
    # Start: Wilson-Hilferty's approximation of the quantile, kept inside the tail.
    normal_quantile = math.sqrt(2.0) * torch.erfinv(1 - 2 * torch.exp(log_target))
    k = 2 / (9 * dim)
    x = dim * (1 - k + normal_quantile * math.sqrt(k)).clamp_min(0) ** 3
    x = x.clamp_min(chi2_tail_threshold(tail_p, dim))
    # Newton on g(x) = log S(x) - log_target. log S is concave for dim >= 2 (Newton
    # converges from the right after at most one overshoot) and convex for dim = 1
    # (it converges from the left): no bracketing needed.
    for _ in range(_NEWTON_STEPS):
        log_s = torch.log(torch.special.gammaincc(a, x / 2).clamp_min(1e-300))
        log_pdf = (a - 1) * torch.log(x) - x / 2 - log_norm
        x = (x + (log_s - log_target) * torch.exp(log_s - log_pdf)).clamp_min(1e-12)
    direction = torch.randn(n, dim, generator=generator, device=device)
    direction = direction / direction.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return (direction * x.sqrt().float().unsqueeze(1)).contiguous()
