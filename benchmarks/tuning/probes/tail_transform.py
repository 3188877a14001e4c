"""Probe: a tail transform (Hickling and Prangle, ICML 2025) as every flow's data-side layer.

Generative direction (z -> x): x = mu + sigma * s / lam_s * (erfc(|z| / sqrt 2)^(-lam_s) - 1),
s = sign(z), one (mu, sigma, lam_+, lam_-) per column learned with the flow (lam > 0: Pareto
tails of index 1 / lam, initialised at 0.1). The layer maps x -> z by its inverse, in float64 for
the far tails. Importing this module patches ``build_flow`` for the running process."""
import math
import torch
import torch.nn.functional as F
from torch.distributions import Transform, constraints
from zuko.lazy import UnconditionalTransform
import skflowad.flows as flows

LOG2 = math.log(2.0)
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class InverseTailTransform(Transform):
    domain = constraints.real
    codomain = constraints.real
    bijective = True
    sign = +1

    def __init__(self, mu, log_sigma, raw_pos, raw_neg, **kwargs):
        super().__init__(**kwargs)
        self.mu, self.sigma = mu, log_sigma.exp()
        self.lam_pos = F.softplus(raw_pos) + 1e-3
        self.lam_neg = F.softplus(raw_neg) + 1e-3

    def _lam(self, positive):
        return torch.where(positive, self.lam_pos, self.lam_neg)

    def _parts(self, x):
        d = (x - self.mu) / self.sigma
        lam = self._lam(d >= 0).double()
        log1p = torch.log1p(lam * d.abs().double())          # log u
        log_w = (-log1p / lam).clamp(min=-700.0)            # log survival w = u^(-1/lam)
        a = -torch.special.ndtri((log_w - LOG2).exp())       # |z|, w = 2 Phi(-|z|)
        z = torch.sign(d).double() * a
        ladj = (-1.0 / lam - 1.0) * log1p - LOG2 + 0.5 * a ** 2 + HALF_LOG_2PI
        return z, ladj

    def _call(self, x):
        return self._parts(x)[0].to(x.dtype)

    def _inverse(self, z):
        a = z.abs().double()
        lam = self._lam(z >= 0).double()
        log_w = LOG2 + torch.special.log_ndtr(-a)
        d = torch.expm1(-lam * log_w) / lam
        return (self.mu + self.sigma * torch.sign(z) * d.to(z.dtype))

    def log_abs_det_jacobian(self, x, z):
        return (self._parts(x)[1] - self.sigma.log().double()).to(x.dtype)

    def call_and_ladj(self, x):
        z, ladj = self._parts(x)
        return z.to(x.dtype), (ladj - self.sigma.log().double()).to(x.dtype)


_orig_build = flows.build_flow


def build_flow(kind, n_features, *args, **kwargs):
    flow = _orig_build(kind, n_features, *args, **kwargs)
    init = math.log(math.expm1(0.1))  # lam = 0.1 + 1e-3 at the start
    layer = UnconditionalTransform(
        InverseTailTransform, torch.zeros(n_features), torch.zeros(n_features),
        torch.full((n_features,), init), torch.full((n_features,), init))
    flow.transform.transforms.insert(0, layer)
    return flow


flows.build_flow = build_flow
import skflowad.base as B  # noqa: E402
B.build_flow = build_flow
