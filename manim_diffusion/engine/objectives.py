"""Training objectives and the model interface every sampler uses.

A network trained for any objective is wrapped in a :class:`DiffusionModel`, which
reports at any ``(x, t)`` the predicted clean point and noise (and from them the
score and the velocity), so every sampler runs on every model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch
from torch import nn

from .schedules import Schedule, get_schedule

__all__ = [
    "OBJECTIVES",
    "Prediction",
    "Predictor",
    "DiffusionModel",
    "diffusion_loss",
]

#: What the network is trained to output, by objective name.
OBJECTIVES: dict[str, str] = {
    "eps": "the noise epsilon that was added (DDPM)",
    "x0": "the clean point x0",
    "v": "the velocity v = alpha eps - sigma x0 (Salimans and Ho)",
    "score": "the score -eps / sigma (denoising score matching, sigma^2-weighted)",
}


@dataclass
class Prediction:
    """The model's view of a noisy batch ``x`` at time ``t``.

    Attributes
    ----------
    x0
        Predicted clean points, shape ``(N, D)``.
    eps
        Predicted noise, shape ``(N, D)``.
    alpha, sigma
        The schedule's factors at ``t`` (tensors broadcastable to ``(N, 1)``).
    """

    x0: torch.Tensor
    eps: torch.Tensor
    alpha: torch.Tensor
    sigma: torch.Tensor

    @property
    def score(self) -> torch.Tensor:
        """grad log p_t(x) = -eps / sigma."""
        return -self.eps / self.sigma


class Predictor(Protocol):
    """Anything a sampler can run on: a trained model or an exact ground truth."""

    schedule: Schedule

    def predict(self, x: torch.Tensor, t: torch.Tensor | float) -> Prediction:
        """x0 and epsilon predicted for points ``x`` at library time ``t``."""
        ...


def _time_column(t: torch.Tensor | float, x: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
    if t.ndim == 0:
        t = t.expand(x.shape[0])
    return t.reshape(-1, 1)


class DiffusionModel(nn.Module):
    """A denoising network together with its schedule and objective.

    Parameters
    ----------
    net
        Maps ``(x, t)`` to an output of the shape of ``x``.
    schedule
        A :class:`~manim_diffusion.engine.schedules.Schedule` or its name.
    objective
        What ``net`` outputs: one of :data:`OBJECTIVES`.
    """

    def __init__(self, net: nn.Module, schedule: Schedule | str = "linear", objective: str = "eps"):
        super().__init__()
        if objective not in OBJECTIVES:
            raise ValueError(
                f"unknown objective {objective!r}; choose one of: {', '.join(OBJECTIVES)}"
            )
        self.net = net
        self.schedule = get_schedule(schedule) if isinstance(schedule, str) else schedule
        self.objective = objective

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.net(x, t)

    def coefficients(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """alpha(t) and sigma(t) as float32 columns."""
        la = self.schedule._log_alpha_bar(t.double())
        alpha = torch.exp(0.5 * la).to(t.dtype)
        sigma = torch.sqrt(-torch.expm1(la)).to(t.dtype)
        return alpha, sigma

    def predict(self, x: torch.Tensor, t: torch.Tensor | float) -> Prediction:
        tc = _time_column(t, x)
        alpha, sigma = self.coefficients(tc)
        out = self.net(x, tc.reshape(-1))
        if self.objective == "eps":
            eps = out
            x0 = (x - sigma * eps) / alpha
        elif self.objective == "x0":
            x0 = out
            eps = (x - alpha * x0) / sigma
        elif self.objective == "v":  # alpha^2 + sigma^2 = 1 on every schedule here
            x0 = alpha * x - sigma * out
            eps = sigma * x + alpha * out
        elif self.objective == "score":
            eps = -sigma * out
            x0 = (x - sigma * eps) / alpha
        else:  # pragma: no cover - guarded in __init__
            raise AssertionError(self.objective)
        return Prediction(x0=x0, eps=eps, alpha=alpha, sigma=sigma)


def diffusion_loss(
    model: DiffusionModel,
    x0: torch.Tensor,
    generator: torch.Generator | None = None,
    t_min: float = 0.0,
    t_max: float = 0.999,
) -> torch.Tensor:
    """The mean-squared training loss of ``model``'s objective on clean batch ``x0``.

    Times are drawn uniformly in ``[t_min, t_max]`` (the data end, where sigma is 0,
    is left out), noise from a standard normal.
    """
    n = x0.shape[0]
    t = t_min + (t_max - t_min) * torch.rand(n, generator=generator, dtype=x0.dtype)
    eps = torch.randn(x0.shape, generator=generator, dtype=x0.dtype)
    alpha, sigma = model.coefficients(t.reshape(-1, 1))
    xt = alpha * x0 + sigma * eps
    out = model(xt, t)
    if model.objective == "eps":
        return torch.mean((out - eps) ** 2)
    if model.objective == "x0":
        return torch.mean((out - x0) ** 2)
    if model.objective == "v":
        return torch.mean((out - (alpha * eps - sigma * x0)) ** 2)
    if model.objective == "score":  # sigma^2 |s - (-eps / sigma)|^2
        return torch.mean((sigma * out + eps) ** 2)
    raise AssertionError(model.objective)  # pragma: no cover - guarded in __init__
