"""The MLP denoiser with a sinusoidal time embedding."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["TimeEmbedding", "MLPDenoiser"]


class TimeEmbedding(nn.Module):
    """Sinusoidal features of library time ``t`` in [0, 1] (scaled by ``scale``)."""

    def __init__(self, dim: int = 64, scale: float = 1000.0) -> None:
        super().__init__()
        if dim < 2 or dim % 2:
            raise ValueError(f"time embedding dim must be even and >= 2, got {dim}")
        half = dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half) / half)
        self.register_buffer("freqs", freqs * scale, persistent=False)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        args = t.reshape(-1, 1) * self.freqs
        return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)


class MLPDenoiser(nn.Module):
    """An MLP on ``(x, t)``: what it outputs depends on the objective it is trained for.

    Parameters
    ----------
    dim
        Dimension of the data points (2 for the plane).
    hidden
        Width of each hidden layer.
    layers
        Number of hidden layers.
    time_dim
        Size of the sinusoidal time embedding.
    """

    def __init__(self, dim: int = 2, hidden: int = 128, layers: int = 3, time_dim: int = 64):
        super().__init__()
        if min(dim, hidden, layers) < 1:
            raise ValueError("dim, hidden and layers must be positive")
        self.config = {"dim": dim, "hidden": hidden, "layers": layers, "time_dim": time_dim}
        self.time_embedding = TimeEmbedding(time_dim)
        blocks: list[nn.Module] = []
        width = dim + time_dim
        for _ in range(layers):
            blocks += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        blocks.append(nn.Linear(width, dim))
        self.net = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
        if t.ndim == 0:
            t = t.expand(x.shape[0])
        return self.net(torch.cat([x, self.time_embedding(t)], dim=-1))
