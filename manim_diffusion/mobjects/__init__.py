"""Manim mobjects that show diffusion models: clouds, paths, contours and time."""

from __future__ import annotations

from .cloud import DistributionCloud
from .contour import ContourField
from .timebar import TimeBar
from .tracer import TrajectoryTracer

__all__ = ["ContourField", "DistributionCloud", "TimeBar", "TrajectoryTracer"]
