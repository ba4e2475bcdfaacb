"""A density given by any differentiable torch function, its score by autograd."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .points import ArrayLike, as_points_tensor, restore_kind

__all__ = ["FunctionDensity"]


class FunctionDensity:
    """A density given by a torch function ``log_p``; the score comes from autograd.

    Parameters
    ----------
    log_p
        Maps a float64 tensor of shape ``(N, D)`` to the log density (up to a
        constant) of shape ``(N,)``, differentiably.
    dim
        The dimension D of the points.

    Examples
    --------
    A ring of radius 2 written as one line of torch, and Langevin samples of it:

    .. manim:: FunctionDensityExample
        :save_last_frame:

        from manim_diffusion import (DensityHeatmap, DistributionCloud, FunctionDensity,
                                     langevin_walk)

        class FunctionDensityExample(Scene):
            def construct(self):
                ring = FunctionDensity(lambda x: -((x.norm(dim=1) - 2) ** 2) / 0.1)
                run = langevin_walk(ring, n=1000, steps=200, step_size=0.005, seed=0)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                self.add(DensityHeatmap(ring, axes=axes, colorbar=False),
                         DistributionCloud(run.final, axes=axes, radius=0.02, color=WHITE))
    """

    def __init__(self, log_p: Callable[[torch.Tensor], torch.Tensor], dim: int = 2) -> None:
        if not callable(log_p):
            raise TypeError(f"log_p must be callable, got {type(log_p).__name__}")
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        self.log_p = log_p
        self.dim = dim

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        out = self.log_p(x)
        if not isinstance(out, torch.Tensor) or out.shape != (len(x),):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"log_p must return a tensor of shape ({len(x)},), got {shape}")
        return out

    def log_prob(self, x: ArrayLike) -> ArrayLike:
        """``log_p`` at ``x`` (shape ``(N, D)``), shape ``(N,)``."""
        xt, is_numpy = as_points_tensor(x, self.dim)
        with torch.no_grad():
            return restore_kind(self._call(xt), is_numpy)

    def score(self, x: ArrayLike) -> ArrayLike:
        """The gradient of ``log_p`` at ``x`` by autograd, shape ``(N, D)``."""
        xt, is_numpy = as_points_tensor(x, self.dim)
        xg = xt.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            out = self._call(xg)
            if not out.requires_grad:  # log_p does not depend on x
                return restore_kind(torch.zeros_like(xt), is_numpy)
            (grad,) = torch.autograd.grad(out.sum(), xg, allow_unused=True)
        return restore_kind(torch.zeros_like(xt) if grad is None else grad, is_numpy)

    def __repr__(self) -> str:
        return f"FunctionDensity({getattr(self.log_p, '__name__', 'log_p')}, dim={self.dim})"
