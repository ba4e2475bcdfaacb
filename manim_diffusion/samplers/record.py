"""A per-step callback that records a run's points and x0-hat into arrays."""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["TrajectoryRecorder"]


class TrajectoryRecorder:
    """Records every step of a run, as :func:`~manim_diffusion.samplers.sample.sample` does.

    Called with each step's info (``callback(info)``), it writes ``info["x_next"]``
    into the points and ``info["denoised"]`` into the predictions.

    Parameters
    ----------
    x
        The points at the run's first time, shape ``(n, *point)``.
    first, steps
        The grid index the run starts at and the grid's number of steps.
    record_predictions
        Also keep x0-hat per step (the last row is the final points).
    """

    def __init__(self, x: torch.Tensor, first: int, steps: int, record_predictions: bool) -> None:
        self.first = first
        self.points = torch.empty((steps - first + 1, *x.shape), dtype=torch.float32)
        self.predictions = torch.empty_like(self.points) if record_predictions else None
        self.points[0] = x

    def __call__(self, info: dict[str, Any]) -> None:
        j = info["i"] - self.first
        if self.predictions is not None:
            self.predictions[j] = info["denoised"]
        self.points[j + 1] = info["x_next"]

    def finish(self) -> None:
        """The final x0-hat row: the final points themselves."""
        if self.predictions is not None:
            self.predictions[-1] = self.points[-1]
