"""DDIM and DDPM: the generalised DDIM step, eta from deterministic (0) to ancestral (1)."""

from __future__ import annotations

import math

import torch

from .step import StepContext, StepOut

__all__ = ["DDIM", "DDPM"]


class DDIM:
    """Generalised DDIM: ``x_b = alpha_b x0 + sqrt(sigma_b^2 - c^2) eps + c z``.

    ``c^2 = eta^2 sigma_b^2 (1 - SNR_a / SNR_b)``; eta = 1 is DDPM's posterior.

    Parameters
    ----------
    ctx
        The run's grid, model and noise.
    eta
        The stochasticity, in [0, 1]; 0 (the default) is deterministic.
    """

    def __init__(self, ctx: StepContext, *, eta: float = 0.0) -> None:
        eta = float(eta)
        if not 0.0 <= eta <= 1.0:
            raise ValueError(f"eta must lie in [0, 1], got {eta}")
        self.ctx = ctx
        self.eta = eta
        self.label = f"ddim(eta={eta:g})" if eta > 0 else "ddim"

    def __call__(self, x: torch.Tensor, k: int, last: bool) -> StepOut:
        run = self.ctx
        pred = run.predict(x, float(run.times[k]))
        alpha_b, sigma_b = float(run.alphas[k + 1]), float(run.sigmas[k + 1])
        snr_ratio = math.exp(2.0 * float(run.lam[k] - run.lam[k + 1]))  # 0 where alpha_a = 0
        c2 = self.eta**2 * sigma_b**2 * max(0.0, 1.0 - snr_ratio)
        out = alpha_b * pred.x0 + math.sqrt(max(sigma_b**2 - c2, 0.0)) * pred.eps
        if c2 > 0 and not last:
            out = out + math.sqrt(c2) * run.noise(x)
        return out, pred, 1


class DDPM(DDIM):
    """DDPM ancestral sampling: DDIM with eta = 1 (it takes no options).

    Parameters
    ----------
    ctx
        The run's grid, model and noise.
    """

    def __init__(self, ctx: StepContext) -> None:
        super().__init__(ctx, eta=1.0)
        self.label = "ddpm"
