"""DPM-Solver++(2M): a second-order multistep solver on x0-hat in log-SNR time."""

from __future__ import annotations

import math

import torch

from .step import StepContext, StepOut

__all__ = ["DPMSolverPP2M"]


class DPMSolverPP2M:
    """DPM-Solver++(2M) (Lu et al., 2022): exact in the linear part, x0-hat extrapolated.

    It keeps its own history: the previous step's x0-hat, for the second-order term.

    Parameters
    ----------
    ctx
        The run's grid, model and noise (a log-SNR grid by default).
    """

    label = "dpm++2m"

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.prev_x0: torch.Tensor | None = None

    def __call__(self, x: torch.Tensor, k: int, last: bool) -> StepOut:
        run = self.ctx
        pred = run.predict(x, float(run.times[k]))
        prev, self.prev_x0 = self.prev_x0, pred.x0
        if last:  # lambda = inf at the data end: the step lands on x0-hat
            return pred.x0, pred, 1
        lam_a, lam_b = float(run.lam[k]), float(run.lam[k + 1])
        d = pred.x0
        if prev is not None and math.isfinite(lam_a) and math.isfinite(float(run.lam[k - 1])):
            r = (lam_a - float(run.lam[k - 1])) / (lam_b - lam_a)
            d = (1 + 0.5 / r) * pred.x0 - (0.5 / r) * prev
        alpha_b, sigma_b = float(run.alphas[k + 1]), float(run.sigmas[k + 1])
        if math.isfinite(lam_a):
            x = (sigma_b / float(run.sigmas[k])) * x - alpha_b * math.expm1(lam_a - lam_b) * d
        else:  # alpha_a = 0: the step is exact DDIM, sigma_b eps-hat + alpha_b x0-hat
            x = sigma_b * pred.eps + alpha_b * d
        return x, pred, 1
