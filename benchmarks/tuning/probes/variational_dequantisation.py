"""Probe: variational dequantisation (Ho et al., Flow++, 2019, Sec. 3.1) of the grid columns.

The noise on a column of grid spacing h is u = h (sigmoid(v) - 1/2), v drawn from a small
conditional flow q(v | x) (zuko MAF, 2 transforms, 2 passes, hidden (64, 64)) trained with the
flow; the loss per row is -log p(x + u) + log q(u | x), the variational bound (uniform
dequantisation is q = U(-h/2, h/2)). Continuous columns keep N(0, sigma^2); rows are scored at x,
as with uniform dequantisation. Importing this module patches FlowDensity's likelihood fit."""
import torch
import torch.nn.functional as F
from torch import nn
import zuko
import skflowad.base as B
from skflowad.detectors._likelihood import LikelihoodFlowMixin, whitened_flow, within_robust_cutoff

_orig = LikelihoodFlowMixin._fit_flow_by_likelihood


class _Pair(nn.Module):
    def __init__(self, flow, deq):
        super().__init__()
        self.flow, self.deq = flow, deq


def _fit(self, X, trim):
    if self.train_noise != "auto":
        return _orig(self, X, trim)
    spacing = self._to_tensor(self.grid_spacing_)
    grid = spacing > 0
    k = int(grid.sum())
    if k == 0:
        return _orig(self, X, trim)
    flow = self._build_flow(X.shape[1])
    self.whitened_ = self._whitens(X.shape[1])
    if self.whitened_:
        flow = whitened_flow(flow, self._rows_the_training_loop_fits(X))
    deq = self._construct(zuko.flows.MAF, features=k, context=X.shape[1], transforms=2, passes=2,
                          hidden_features=(64, 64)).to(self.device_)
    pair = _Pair(flow, deq)
    h = spacing[grid]
    gen = self._generator()

    def noise(batch):
        return batch + torch.where(grid, torch.zeros_like(batch),
                                   B.AUTO_NOISE_SIGMA * B._randn(batch, gen))

    def loss(batch):
        v, log_qv = deq(batch).rsample_and_log_prob()
        u = h * (torch.sigmoid(v) - 0.5)
        log_qu = log_qv - (torch.log(h) + F.logsigmoid(v) + F.logsigmoid(-v)).sum(-1)
        moved = batch.clone()
        moved[:, grid] = batch[:, grid] + u
        nll = -flow().log_prob(moved) + log_qu
        if trim == "auto":
            kept = within_robust_cutoff(nll.detach())
            return (nll * kept).sum() / kept.sum().clamp(min=1)
        return nll.mean()

    self._train("flow", pair, loss, self._training_rows(X, self.train_clip),
                batch_transform=noise, source_rows=X)
    self.flow_ = flow


LikelihoodFlowMixin._fit_flow_by_likelihood = _fit
