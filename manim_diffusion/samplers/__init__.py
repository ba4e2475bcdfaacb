"""samplers: one registry of sampler specs, a module per family, one sampling loop."""

from __future__ import annotations

from ..core.threads import SINGLE_THREAD_POINTS
from .budget import MEMORY_CAP
from .grids import GRIDS, time_grid
from .record import TrajectoryRecorder
from .registry import DEFAULT_STEPS, SAMPLER_SPECS, SAMPLERS, SamplerSpec, get_sampler
from .sample import sample
from .step import Step, StepContext

__all__ = [
    "DEFAULT_STEPS",
    "GRIDS",
    "MEMORY_CAP",
    "SAMPLERS",
    "SAMPLER_SPECS",
    "SINGLE_THREAD_POINTS",
    "SamplerSpec",
    "Step",
    "StepContext",
    "TrajectoryRecorder",
    "get_sampler",
    "sample",
    "time_grid",
]
