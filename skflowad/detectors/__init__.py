"""One module per method: its loss, its sampler and its score."""

from .contrastive_flow import ContrastiveFlow
from .flow_density import FlowDensity

__all__ = ["FlowDensity", "ContrastiveFlow"]
