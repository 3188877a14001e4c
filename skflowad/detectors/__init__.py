"""One module per method: its loss, its sampler and its score."""

from .flow_density import FlowDensity
from .oneflow import OneFlow

__all__ = ["FlowDensity", "OneFlow"]
