"""Flow factory: one function that turns a name into a :mod:`zuko` flow.

Every flow returned by :func:`build_flow` is a :class:`zuko.lazy.Flow` whose
transform maps data ``x`` to the base space ``z``. So ``flow().log_prob(x)`` is
the density, ``flow().transform(x)`` the latent point, ``flow().transform.inv(z)``
the pre-image of a base point and ``flow().rsample(shape)`` a reparameterised
sample. The cost of each direction depends on the kind:

=================  ==========================  ============================
kind               x -> z (density)            z -> x (sampling)
=================  ==========================  ============================
``maf``            one pass                    D sequential passes
``iaf``            D sequential passes         one pass
``nsf``            one pass                    D sequential passes
``coupling_nsf``   one pass                    one pass
``realnvp``        one pass                    one pass
``nice``           one pass                    one pass (constant Jacobian)
``inn``            one pass                    one pass
=================  ==========================  ============================

``inn`` is the invertible network of the contrastive-flow and IOCN papers (FrEIA's
"all-in-one" block): per block a learned per-feature affine (ActNorm-like), an affine
coupling whose log-scales are soft-clamped as ``alpha * tanh(s / alpha)``, and a fixed
random permutation of the features.
"""

from __future__ import annotations

__all__ = [
    "FLOW_KINDS", "BASE_DISTRIBUTIONS", "build_flow", "flow_inverse_is_fast", "sphere_preimage"
]

import math
from collections.abc import Sequence
from functools import partial

import torch
from torch import Tensor
from zuko.distributions import BoxUniform, DiagNormal
from zuko.flows.autoregressive import MaskedAutoregressiveTransform
from zuko.flows.coupling import GeneralCouplingTransform
from zuko.lazy import Flow, UnconditionalDistribution, UnconditionalTransform
from zuko.transforms import (
    AdditiveTransform,
    MonotonicAffineTransform,
    MonotonicRQSTransform,
    PermutationTransform,
)

FLOW_KINDS = ("maf", "iaf", "nsf", "coupling_nsf", "realnvp", "nice", "inn")
BASE_DISTRIBUTIONS = ("normal", "uniform")

# Kinds whose z -> x direction is a single pass (cheap sampling / inverse).
_FAST_INVERSE = frozenset({"iaf", "coupling_nsf", "realnvp", "nice", "inn"})


def flow_inverse_is_fast(kind: str) -> bool:
    """Whether the base-to-data direction of ``kind`` is one pass (not D sequential ones)."""
    return kind in _FAST_INVERSE


def build_flow(
    kind: str,
    n_features: int,
    *,
    transforms: int = 5,
    hidden_features: Sequence[int] = (128, 128),
    base: str = "normal",
    bins: int = 8,
    randperm: bool = False,
    clamp: float = 2.0,
) -> Flow:
    """Build a normalizing flow of the given kind with :mod:`zuko`.

    Parameters
    ----------
    kind : {"maf", "iaf", "nsf", "coupling_nsf", "realnvp", "nice", "inn"}
        ``maf``: masked autoregressive flow with affine transforms.
        ``iaf``: inverse autoregressive flow, the MAF transforms inverted so that
        sampling is one pass. ``nsf``: autoregressive rational-quadratic spline flow.
        ``coupling_nsf``: spline coupling flow (both directions one pass).
        ``realnvp``: affine coupling. ``nice``: additive coupling plus a final
        learned diagonal scaling (Dinh et al., 2014), so the Jacobian is constant.
        ``inn``: ActNorm-like affine, soft-clamped affine coupling and a fixed random
        permutation per block (the CF and IOCN papers' architecture).
    n_features : int
        Dimension of the data.
    transforms : int, default=5
        Number of autoregressive / coupling transforms.
    hidden_features : sequence of int, default=(128, 128)
        Hidden layer widths of each transform's conditioner network.
    base : {"normal", "uniform"}, default="normal"
        Base distribution: standard normal, or uniform on the box [-1, 1]^D.
    bins : int, default=8
        Number of spline bins (``nsf`` and ``coupling_nsf`` only).
    randperm : bool, default=False
        Random feature orders / coupling masks instead of alternating ones.
    clamp : float, default=2.0
        Soft clamp ``alpha`` of the coupling log-scales (``inn`` only).

    Returns
    -------
    zuko.lazy.Flow

    Examples
    --------
    >>> flow = build_flow("realnvp", 3, transforms=2, hidden_features=(16,))
    >>> flow().log_prob(torch.zeros(4, 3)).shape
    torch.Size([4])
    """
    if kind not in FLOW_KINDS:
        raise ValueError(f"Unknown flow kind {kind!r}; expected one of {FLOW_KINDS}.")
    if base not in BASE_DISTRIBUTIONS:
        raise ValueError(f"Unknown base {base!r}; expected one of {BASE_DISTRIBUTIONS}.")
    hidden = tuple(int(h) for h in hidden_features)
    spline = partial(MonotonicRQSTransform, slope=1e-3)
    spline_shapes = [(bins,), (bins,), (bins - 1,)]

    if kind == "inn":
        blocks = _inn_blocks(n_features, transforms, hidden, clamp)
        return Flow(blocks, _base_distribution(base, n_features))

    layers = []
    for i in range(transforms):
        order = _order(n_features, i, randperm)
        if kind in ("maf", "iaf", "nsf"):
            univariate = dict(univariate=spline, shapes=spline_shapes) if kind == "nsf" else {}
            layer = MaskedAutoregressiveTransform(
                features=n_features, order=order, hidden_features=hidden, **univariate
            )
            layers.append(layer.inv if kind == "iaf" else layer)
        else:
            mask = _coupling_mask(n_features, i, randperm)
            if kind == "coupling_nsf":
                univariate = dict(univariate=spline, shapes=spline_shapes)
            elif kind == "nice":
                univariate = dict(univariate=AdditiveTransform, shapes=[()])
            else:  # realnvp
                univariate = {}
            layers.append(
                GeneralCouplingTransform(
                    features=n_features, mask=mask, hidden_features=hidden, **univariate
                )
            )
    if kind == "nice":
        # NICE's diagonal scaling layer (zuko has no such layer in its NICE flow):
        # a learned per-feature affine map, independent of x, so log|det J| stays constant.
        layers.append(
            UnconditionalTransform(
                MonotonicAffineTransform, torch.zeros(n_features), torch.zeros(n_features)
            )
        )
    return Flow(layers, _base_distribution(base, n_features))


class SoftClampedAffineTransform(MonotonicAffineTransform):
    """Affine map ``x * exp(s) + b`` with ``s = alpha * tanh(raw / alpha)``.

    zuko's affine transform bounds its log-scale differently; the CF and IOCN papers
    use this soft clamp, so it is written here.
    """

    def __init__(self, shift: torch.Tensor, scale: torch.Tensor, alpha: float = 2.0, **kwargs):
        super().__init__(shift, scale, **kwargs)
        self.log_scale = alpha * torch.tanh(scale / alpha)
        self.scale = self.log_scale.exp()


def _inn_blocks(n_features: int, blocks: int, hidden: tuple[int, ...], clamp: float) -> list:
    layers = []
    for i in range(blocks):
        layers.append(
            UnconditionalTransform(  # ActNorm-like learned per-feature affine
                MonotonicAffineTransform, torch.zeros(n_features), torch.zeros(n_features)
            )
        )
        if n_features > 1:
            layers.append(
                GeneralCouplingTransform(
                    features=n_features,
                    mask=torch.arange(n_features) % 2 == 1,
                    univariate=partial(SoftClampedAffineTransform, alpha=clamp),
                    hidden_features=hidden,
                )
            )
            layers.append(
                UnconditionalTransform(  # fixed random permutation (a buffer, not learned)
                    PermutationTransform, torch.randperm(n_features), buffer=True
                )
            )
    return layers


def _order(n_features: int, index: int, randperm: bool) -> torch.Tensor:
    if randperm:
        return torch.randperm(n_features)
    order = torch.arange(n_features)
    return order if index % 2 == 0 else torch.flipud(order)


def _coupling_mask(n_features: int, index: int, randperm: bool) -> torch.Tensor | None:
    if n_features == 1:
        return None  # zuko falls back to an element-wise transform
    features = torch.randperm(n_features) if randperm else torch.arange(n_features)
    return (features + index) % 2 == 1


def _base_distribution(base: str, n_features: int) -> UnconditionalDistribution:
    if base == "normal":
        return UnconditionalDistribution(
            DiagNormal, torch.zeros(n_features), torch.ones(n_features), buffer=True
        )
    return UnconditionalDistribution(
        BoxUniform, -torch.ones(n_features), torch.ones(n_features), buffer=True
    )


def sphere_preimage(flow: Flow, radius: float, n_features: int, n_points: int = 200,
                    device=None) -> Tensor:
    """Points of the latent sphere of ``radius`` mapped back through ``flow``'s transform.

    2-D: ``n_points`` of an ordered closed curve; 3-D: a Fibonacci lattice on the sphere.
    Returns the pre-images in the flow's input space (float64, on the CPU).
    """
    if n_features == 2:
        angle = torch.linspace(0, 2 * math.pi, n_points + 1, dtype=torch.float64)[:-1]
        sphere = torch.stack([angle.cos(), angle.sin()], dim=1)
    elif n_features == 3:  # Fibonacci lattice on the unit sphere
        i = torch.arange(n_points, dtype=torch.float64) + 0.5
        polar, azimuth = torch.acos(1 - 2 * i / n_points), math.pi * (1 + 5**0.5) * i
        sphere = torch.stack(
            [polar.sin() * azimuth.cos(), polar.sin() * azimuth.sin(), polar.cos()], dim=1
        )
    else:
        raise ValueError(f"sphere_preimage needs 2 or 3 features; got {n_features}.")
    latent = (radius * sphere).to(torch.float32).to(device)
    with torch.no_grad():
        return flow().transform.inv(latent).double().cpu()

