"""Manim mobjects that show diffusion models: clouds, paths, contours and time."""

from __future__ import annotations

from .branching import BRANCH_PALETTE, BranchingTree, SpreadPlot
from .branching_grid import BranchingGrid
from .cloud import DistributionCloud
from .contour import ContourField
from .drift_field import DriftField, FieldErrorMap
from .forward_process import ForwardProcess, ForwardTracer
from .heatmap import DensityHeatmap, GridImage
from .langevin import LangevinWalker
from .latent_mnist import MNIST_PALETTE, LatentMNISTPanel, toy_latent_digits
from .schedule_plot import SchedulePlot
from .shape_data import points_from_mobject
from .timebar import TimeBar
from .tracer import TrajectoryTracer
from .training_evolution import TrainingEvolution

__all__ = [
    "BRANCH_PALETTE",
    "BranchingGrid",
    "BranchingTree",
    "ContourField",
    "DensityHeatmap",
    "DistributionCloud",
    "DriftField",
    "FieldErrorMap",
    "ForwardProcess",
    "ForwardTracer",
    "GridImage",
    "LangevinWalker",
    "LatentMNISTPanel",
    "MNIST_PALETTE",
    "SchedulePlot",
    "SpreadPlot",
    "TimeBar",
    "TrainingEvolution",
    "TrajectoryTracer",
    "points_from_mobject",
    "toy_latent_digits",
]
