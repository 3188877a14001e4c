"""Probe: binary columns get the continuous columns' N(0, sigma^2) noise, not uniform dequantisation.

A column with two distinct training values is always "on a grid" (its one gap), so
``train_noise="auto"`` spreads it uniformly over two cells as wide as the gap: the flow then has
to model a step at the midpoint of every binary column. Here ``grid_spacing`` reports 0 for
such columns (so they get N(0, AUTO_NOISE_SIGMA^2), the floor's noise); columns with three or
more grid values keep uniform dequantisation. Importing this module patches ``grid_spacing``."""
import numpy as np

import skflowad.base as B

_grid_spacing = B.grid_spacing


def grid_spacing(Z, *args, **kwargs):
    spacing = _grid_spacing(Z, *args, **kwargs)
    binary = np.array([np.unique(Z[:, j]).size == 2 for j in range(Z.shape[1])], dtype=bool)
    spacing[binary] = 0.0
    return spacing


B.grid_spacing = grid_spacing
