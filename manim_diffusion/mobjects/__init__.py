"""Manim mobjects that show diffusion models: clouds, paths, contours and time."""

from __future__ import annotations

import importlib
from typing import Any

from .branching import BRANCH_PALETTE, BranchingTree, SpreadPlot
from .cloud import DistributionCloud
from .cloud_3d import Cloud3D, camera_pixels
from .contour import ContourField
from .density_surface import DensitySurface
from .drift_3d import DriftField3D
from .drift_field import DriftField, FieldErrorMap
from .fades import FadeInPlace, FadeOutPlace
from .forward_process import ForwardProcess, ForwardTracer
from .glyphs import GlyphCache, LiveText
from .grid_image import GridImage
from .heatmap import DensityHeatmap
from .image_trajectory import ImageTrajectory
from .langevin import LangevinWalker
from .likelihood_heatmap import LIKELIHOOD_VIEWS, LikelihoodHeatmap
from .noised_image import ImageForwardProcess, NoisedImage
from .palettes import MNIST_PALETTE
from .pixel_squares import PixelSquares
from .raster_tracer import RasterTracer
from .schedule_plot import SchedulePlot
from .shape_data import points_from_mobject
from .timebar import TimeBar
from .tracer import TrajectoryTracer
from .training_evolution import TrainingEvolution
from .warped_grid import STRETCH_COLORS, WarpedGrid

__all__ = [
    "BRANCH_PALETTE",
    "BranchingGrid",
    "BranchingTree",
    "Cloud3D",
    "ContourField",
    "DensityHeatmap",
    "DensitySurface",
    "DistributionCloud",
    "DriftField",
    "DriftField3D",
    "FadeInPlace",
    "FadeOutPlace",
    "FieldErrorMap",
    "ForwardProcess",
    "ForwardTracer",
    "GlyphCache",
    "GridImage",
    "ImageForwardProcess",
    "ImageTrajectory",
    "LangevinWalker",
    "LIKELIHOOD_VIEWS",
    "LikelihoodHeatmap",
    "LatentMNISTPanel",
    "LiveText",
    "MNIST_PALETTE",
    "STRETCH_COLORS",
    "NoisedImage",
    "PixelSquares",
    "RasterTracer",
    "SchedulePlot",
    "SpreadPlot",
    "TimeBar",
    "TrainingEvolution",
    "TrajectoryTracer",
    "WarpedGrid",
    "camera_pixels",
    "points_from_mobject",
    "toy_latent_digits",
]

# The MNIST mobjects live with their application (apps/mnist), which imports this
# package: they are loaded on first use, so neither import waits for the other.
_MNIST = {
    "BranchingGrid": "branching_grid",
    "LatentMNISTPanel": "panel",
    "toy_latent_digits": "panel",
}


def __getattr__(name: str) -> Any:
    if name in _MNIST:
        return getattr(importlib.import_module(f"..apps.mnist.{_MNIST[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
