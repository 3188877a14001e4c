"""One module per method: its loss, its sampler and its score."""

from .contrastive_flow import ContrastiveFlow
from .flow_density import FlowDensity
from .iocn import IOCN
from .nfad import NFAD
from .oneflow import OneFlow

__all__ = ["FlowDensity", "NFAD", "OneFlow", "ContrastiveFlow", "IOCN"]
