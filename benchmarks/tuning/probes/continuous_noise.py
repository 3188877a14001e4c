"""Probe: a larger Gaussian training noise on the continuous columns under ``train_noise="auto"``.

``train_noise="auto"`` dequantises grid columns and adds N(0, AUTO_NOISE_SIGMA^2) to the
others, with AUTO_NOISE_SIGMA = 0.01 standardised units (the plain-flow floor's value). Here
AUTO_NOISE_SIGMA is ``SKFLOWAD_NOISE_SIGMA`` (e.g. 0.05 or 0.1): the noise acts as a kernel
bandwidth on the continuous columns, smoothing the density the flow learns. Importing this
module sets ``skflowad.base.AUTO_NOISE_SIGMA`` for this process."""
import os

import skflowad.base as B

B.AUTO_NOISE_SIGMA = float(os.environ.get("SKFLOWAD_NOISE_SIGMA", "0.05"))
