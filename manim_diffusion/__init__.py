"""manim-diffusion: Manim mobjects that explain diffusion models, and the engine behind them.

The engine (``manim_diffusion.engine``) trains and samples with PyTorch and never
imports manim; the mobjects (``manim_diffusion.mobjects``) only read its arrays.
Names from both are available here; the mobjects load manim on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .engine import *  # noqa: F403
from .engine import __all__ as _engine_all

__version__ = "0.1.0"

_MOBJECTS = [
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
    "GlyphCache",
    "GridImage",
    "LangevinWalker",
    "LatentMNISTPanel",
    "LiveText",
    "MNIST_PALETTE",
    "SchedulePlot",
    "SpreadPlot",
    "TimeBar",
    "TrainingEvolution",
    "TrajectoryTracer",
    "points_from_mobject",
    "toy_latent_digits",
]

__all__ = [*_engine_all, *_MOBJECTS]


def __getattr__(name: str) -> Any:
    if name in _MOBJECTS:
        return getattr(importlib.import_module(".mobjects", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
