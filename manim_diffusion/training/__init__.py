"""training: one loop (seed, Adam + cosine, EMA, progress, divergence), the config base."""

from __future__ import annotations

from .config import RunConfig
from .loop import (
    LoopResult,
    LoopSettings,
    StepLoss,
    TrainingDiverged,
    average_of,
    epoch_batches,
    run_loop,
    seeded,
)
from .train import TRAIN_PRESETS, Snapshot, TrainConfig, TrainResult, build_model

# Not the function ``train``: ``manim_diffusion.training.train`` stays the module (the
# function is ``manim_diffusion.train``, or ``manim_diffusion.training.train.train``).
__all__ = [
    "TRAIN_PRESETS",
    "LoopResult",
    "LoopSettings",
    "RunConfig",
    "Snapshot",
    "StepLoss",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "average_of",
    "build_model",
    "epoch_batches",
    "run_loop",
    "seeded",
]
