"""densities: the Density protocol, Gaussian mixtures, function densities, Langevin walks."""

from __future__ import annotations

from .base import Density
from .function import FunctionDensity
from .gaussian_images import DiagonalGaussian
from .langevin import as_density, langevin_walk
from .mixture import GaussianMixture, MixtureDensity
from .run import LangevinRun
from .smiley import smiley_density

__all__ = [
    "Density",
    "DiagonalGaussian",
    "FunctionDensity",
    "GaussianMixture",
    "LangevinRun",
    "MixtureDensity",
    "as_density",
    "langevin_walk",
    "smiley_density",
]
