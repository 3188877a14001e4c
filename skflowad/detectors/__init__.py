"""One module per method: its loss, its sampler and its score."""

from .flow_density import FlowDensity
from .nfad import NFAD

__all__ = ["FlowDensity", "NFAD"]
