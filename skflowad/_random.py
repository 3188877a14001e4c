"""The random streams of one fit, apart from torch's global ones.

Each fit owns a :class:`FitRandomness`: torch Generators seeded with the fit's seed, one
on the CPU and one on the fit's device, that every draw of the fit passes explicitly
(batch order, validation split, training noise, base and surrogate samples). So fits in
threads do not share a stream, and the caller's global torch stream is left alone.

Module construction (weight initialisation, the random permutations of some flows) draws
from torch's global CPU stream and cannot take a generator: :meth:`FitRandomness.global_stream`
runs it on the fit's CPU stream under a process-wide lock, then puts the global stream
back. A draw that another thread makes from the global stream during those milliseconds
would come from the fit's stream; draws outside them are unaffected.

The streams are the ones ``torch.manual_seed(seed)`` starts, consumed in the same order,
so a fit gives the same result as when it reseeded the global stream.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch

__all__ = ["FitRandomness"]

_GLOBAL_STREAM_LOCK = threading.RLock()


class FitRandomness:
    """Per-fit torch Generators: ``cpu`` and ``device`` (the same object on a CPU fit)."""

    def __init__(self, seed: int, device: torch.device):
        self.cpu = torch.Generator().manual_seed(seed)
        self.device = (self.cpu if device.type == "cpu"
                       else torch.Generator(device=device).manual_seed(seed))

    def on(self, device: torch.device | str) -> torch.Generator:
        """The generator for draws on ``device``."""
        return self.cpu if torch.device(device).type == "cpu" else self.device

    @contextlib.contextmanager
    def global_stream(self) -> Iterator[None]:
        """Run code that draws from torch's global CPU stream on this fit's CPU stream."""
        with _GLOBAL_STREAM_LOCK:
            saved = torch.random.get_rng_state()
            torch.random.set_rng_state(self.cpu.get_state())
            try:
                yield
            finally:
                self.cpu.set_state(torch.random.get_rng_state())
                torch.random.set_rng_state(saved)
