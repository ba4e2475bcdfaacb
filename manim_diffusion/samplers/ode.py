"""The probability-flow ODE: Euler, Heun and explicit-midpoint steps on the velocity."""

from __future__ import annotations

import torch

from .step import StepContext, StepOut

__all__ = ["Euler", "Heun", "Midpoint"]


class Euler:
    """Euler steps ``x += dt v`` (flow matching's Euler on a flow model).

    Parameters
    ----------
    ctx
        The run's grid, model and noise.
    """

    label = "euler"

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def __call__(self, x: torch.Tensor, k: int, last: bool) -> StepOut:
        run = self.ctx
        pred = run.predict(x, float(run.times[k]))
        return x + float(run.times[k + 1] - run.times[k]) * pred.velocity, pred, 1


class Heun(Euler):
    """Heun's second-order steps (an Euler step on the last, where v is not defined)."""

    label = "heun"

    def __call__(self, x: torch.Tensor, k: int, last: bool) -> StepOut:
        run = self.ctx
        ta, tb = float(run.times[k]), float(run.times[k + 1])
        pred = run.predict(x, ta)
        x_euler = x + (tb - ta) * pred.velocity
        if last:  # the velocity at the data end is not defined for every model
            return x_euler, pred, 1
        v2 = run.predict(x_euler, tb).velocity
        return x + 0.5 * (tb - ta) * (pred.velocity + v2), pred, 2


class Midpoint(Euler):
    """Explicit midpoint steps: the velocity half a step ahead (flow matching's midpoint)."""

    label = "midpoint"

    def __call__(self, x: torch.Tensor, k: int, last: bool) -> StepOut:
        run = self.ctx
        ta, tb = float(run.times[k]), float(run.times[k + 1])
        pred = run.predict(x, ta)
        x_mid = x + 0.5 * (tb - ta) * pred.velocity
        return x + (tb - ta) * run.predict(x_mid, 0.5 * (ta + tb)).velocity, pred, 2
