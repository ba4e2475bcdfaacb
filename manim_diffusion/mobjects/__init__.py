"""Manim mobjects that show diffusion models: clouds, paths, contours and time."""

from __future__ import annotations

from .cloud import DistributionCloud
from .contour import ContourField
from .drift_field import DriftField
from .heatmap import DensityHeatmap, GridImage
from .langevin import LangevinWalker
from .shape_data import points_from_mobject
from .timebar import TimeBar
from .tracer import TrajectoryTracer

__all__ = [
    "ContourField",
    "DensityHeatmap",
    "DistributionCloud",
    "DriftField",
    "GridImage",
    "LangevinWalker",
    "TimeBar",
    "TrajectoryTracer",
    "points_from_mobject",
]
