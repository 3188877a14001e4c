"""One module per method: its loss, its sampler and its score."""

from .flow_density import FlowDensity

__all__ = ["FlowDensity"]
