"""Training objectives: what a net learns to output, and the loss that teaches it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from ..core.model import DiffusionModel

__all__ = ["OBJECTIVES", "diffusion_loss"]

#: What the network is trained to output, by objective name (the names
#: :class:`~manim_diffusion.core.model.DiffusionModel` reads, in the same order).
OBJECTIVES: dict[str, str] = {
    "eps": "the noise epsilon that was added (DDPM)",
    "x0": "the clean point x0",
    "v": "the velocity v = alpha eps - sigma x0 (Salimans and Ho)",
    "score": "the score -eps / sigma (denoising score matching, sigma^2-weighted)",
    "flow": "the velocity dx/dt = alpha' x0 + sigma' eps (flow matching; on the flow "
    "schedule, x0 - eps: rectified flow)",
}


def diffusion_loss(
    model: DiffusionModel,
    x0: torch.Tensor,
    generator: torch.Generator | None = None,
    t_min: float = 0.0,
    t_max: float = 0.999,
    labels: torch.Tensor | None = None,
) -> torch.Tensor:
    """The mean-squared training loss of ``model``'s objective on clean batch ``x0``.

    Times are drawn uniformly in ``[t_min, t_max]`` (the data end, where sigma is 0,
    is left out), noise from a standard normal. ``labels`` (-1 for "no class")
    condition a class-conditional model.
    """
    n = x0.shape[0]
    t = t_min + (t_max - t_min) * torch.rand(n, generator=generator, dtype=x0.dtype)
    eps = torch.randn(x0.shape, generator=generator, dtype=x0.dtype)
    column = t.reshape(-1, *([1] * (x0.ndim - 1)))  # (N, 1) for points, (N, 1, 1, 1) images
    alpha, sigma, d_alpha, d_sigma = model.coefficients(column, x0.device)
    t, eps = t.to(x0.device), eps.to(x0.device)  # drawn on the CPU generator, then moved
    xt = alpha * x0 + sigma * eps
    out = model(xt, t, labels)
    if model.objective == "eps":
        return torch.mean((out - eps) ** 2)
    if model.objective == "x0":
        return torch.mean((out - x0) ** 2)
    if model.objective == "v":
        return torch.mean((out - (alpha * eps - sigma * x0)) ** 2)
    if model.objective == "score":  # sigma^2 |s - (-eps / sigma)|^2
        return torch.mean((sigma * out + eps) ** 2)
    if model.objective == "flow":
        return torch.mean((out - (d_alpha * x0 + d_sigma * eps)) ** 2)
    raise AssertionError(model.objective)  # pragma: no cover - guarded in __init__
