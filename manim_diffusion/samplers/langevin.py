"""Annealed Langevin dynamics: a few score steps at each noise level, then a denoise."""

from __future__ import annotations

import math

import torch

from ..core.prediction import Prediction
from .inputs import check_count
from .step import StepContext, StepOut

__all__ = ["AnnealedLangevin"]


class AnnealedLangevin:
    """Annealed Langevin (Song and Ermon, 2019) on the marginal at ``times[k + 1]``.

    ``langevin_steps`` steps ``x += e score + sqrt(2 e) z`` with the step size
    ``e = 2 (snr sigma)^2`` tied to the noise level, as in the predictor-corrector
    samplers of Song et al. (2021). The last step (to the data, where the score is
    not defined) is Tweedie's denoiser: x0-hat at the last noise level.

    Parameters
    ----------
    ctx
        The run's grid, model and noise.
    langevin_steps
        Score steps per noise level.
    langevin_snr
        The step size's signal-to-noise ratio (positive).
    """

    label = "langevin"

    def __init__(
        self, ctx: StepContext, *, langevin_steps: int = 5, langevin_snr: float = 0.3
    ) -> None:
        self.steps = check_count("langevin_steps", langevin_steps)
        if not langevin_snr > 0:
            raise ValueError(f"langevin_snr must be positive, got {langevin_snr}")
        self.snr = float(langevin_snr)
        self.ctx = ctx

    def __call__(self, x: torch.Tensor, k: int, last: bool) -> StepOut:
        run = self.ctx
        if last:
            final = run.predict(x, float(run.times[k]))
            return final.x0, final, 1
        tb = float(run.times[k + 1])
        sigma = float(run.sigmas[k + 1])
        step = 2.0 * (self.snr * sigma) ** 2
        pred: Prediction | None = None
        for _ in range(self.steps):
            p = run.predict(x, tb)
            if pred is None:
                pred = p
            x = x + step * p.score + math.sqrt(2.0 * step) * run.noise(x)
        assert pred is not None
        return x, pred, self.steps
