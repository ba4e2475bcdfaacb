"""The reverse-time SDE, integrated by Euler-Maruyama steps."""

from __future__ import annotations

import math

import torch

from .step import StepContext, StepOut

__all__ = ["ReverseSDE"]


class ReverseSDE:
    """Euler-Maruyama on ``dx = (v + g^2 score / 2) dt + g dW``.

    ``v`` is the probability-flow velocity, so this is the reverse SDE of the
    forward process. Where ``g^2`` is infinite (the flow path at t = 0, where
    alpha = 0) the step is a plain ODE step.

    Parameters
    ----------
    ctx
        The run's grid, model and noise.
    """

    label = "sde"

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def __call__(self, x: torch.Tensor, k: int, last: bool) -> StepOut:
        run = self.ctx
        ta, tb = float(run.times[k]), float(run.times[k + 1])
        pred = run.predict(x, ta)
        dt = tb - ta
        g2 = float(run.g2[k])
        if not math.isfinite(g2):
            return x + dt * pred.velocity, pred, 1
        x = x + dt * (pred.velocity + 0.5 * g2 * pred.score)
        if not last:
            x = x + math.sqrt(g2 * dt) * run.noise(x)
        return x, pred, 1
