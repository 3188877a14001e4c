"""One module per method: its loss, its sampler and its score."""

from .flow_density import FlowDensity
from .iocn import IOCN

__all__ = ["FlowDensity", "IOCN"]
