"""Gaussian data of any shape with independent values: an exact denoiser for images."""

from __future__ import annotations

import numpy as np
import torch

from ..core.prediction import Prediction
from ..core.schedules import Schedule, get_schedule

__all__ = ["DiagonalGaussian"]


class DiagonalGaussian:
    """Data ``x0 ~ N(mean, diag(var))`` of any shape, e.g. images: a Predictor with exact answers.

    Each value (pixel) is an independent Gaussian, so on a path
    ``x_t = alpha x0 + sigma eps`` the denoiser is closed-form, value by value:
    ``E[x0 | x_t] = mean + alpha var / (alpha^2 var + sigma^2) (x_t - alpha mean)``,
    and ``p_t`` is again Gaussian with mean ``alpha mean`` and variance
    ``alpha^2 var + sigma^2``. Every sampler run on it must end at ``mean`` and
    ``var``: the pixel-space counterpart of the 2D mixture tests.

    Parameters
    ----------
    mean
        The mean of one point, any shape (``(1, 28, 28)`` for an MNIST image).
    var
        The variance of each value: the shape of ``mean``, or a number for all.
    schedule
        The path (a :class:`~manim_diffusion.core.schedules.Schedule` or its name).

    Examples
    --------
    A known mean image (a ring) with more spread at the edge: samples from the exact
    denoiser, DDIM 50 steps, next to the mean:

    .. manim:: DiagonalGaussianExample
        :save_last_frame:

        from manim_diffusion import DiagonalGaussian, sample

        class DiagonalGaussianExample(Scene):
            def construct(self):
                yy, xx = np.mgrid[-1:1:28j, -1:1:28j]
                radius = np.hypot(xx, yy)
                mean = np.exp(-((radius - 0.6) / 0.15) ** 2)[None] * 2 - 1
                truth = DiagonalGaussian(mean, var=0.02 + 0.1 * radius[None] ** 2)
                run = sample(truth, "ddim", 50, n=4, seed=0)
                tiles = [mean[0], *run.final[:, 0]]
                row = Group(*(ImageMobject(np.uint8(255 * np.clip((t + 1) / 2, 0, 1)))
                              .set(height=2.4) for t in tiles)).arrange(RIGHT, buff=0.3)
                for tile in row:
                    tile.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
                self.add(row, Text("mean", font_size=28).next_to(row[0], UP),
                         Text("four exact samples", font_size=28).next_to(row[1:], UP))
    """

    def __init__(self, mean: np.ndarray, var: np.ndarray | float,
                 schedule: Schedule | str = "linear") -> None:
        m = np.asarray(mean, dtype=np.float64)
        v = np.broadcast_to(np.asarray(var, dtype=np.float64), m.shape).copy()
        if m.ndim == 0 or m.size == 0:
            raise ValueError(f"mean must be the shape of one point (an array), got {m.shape}")
        if not (np.isfinite(m).all() and np.isfinite(v).all() and (v > 0).all()):
            raise ValueError("mean must be finite and var finite and positive everywhere")
        self.mean = torch.from_numpy(m)
        self.var = torch.from_numpy(v)
        self.schedule = get_schedule(schedule) if isinstance(schedule, str) else schedule

    @property
    def dim(self) -> int | tuple[int, ...]:
        """The shape of one point (an int for 1-D points)."""
        shape = tuple(self.mean.shape)
        return shape[0] if len(shape) == 1 else shape

    def moments(self, t: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Mean and per-value variance of ``p_t`` (at t = 1, the data's)."""
        a, s = float(self.schedule.alpha(t)), float(self.schedule.sigma(t))
        return (a * self.mean).numpy(), (a * a * self.var + s * s).numpy()

    def sample(self, n: int, seed: int = 0, t: float | None = None) -> np.ndarray:
        """``n`` draws of the data (or of ``p_t`` when ``t`` is given), float32."""
        mean, var = self.moments(1.0 if t is None else t)
        rng = np.random.default_rng(seed)
        return (mean + np.sqrt(var) * rng.standard_normal((n, *mean.shape))).astype(np.float32)

    def predict(self, x: torch.Tensor, t: torch.Tensor | float) -> Prediction:
        """The exact ``E[x0 | x_t = x]`` and epsilon at library time ``t`` (one time)."""
        tf = float(t)
        a, s = float(self.schedule.alpha(tf)), float(self.schedule.sigma(tf))
        xd = x.double()
        mean, var = self.mean.to(xd.device), self.var.to(xd.device)
        x0 = mean + a * var / (a * a * var + s * s) * (xd - a * mean)
        eps = (xd - a * x0) / s
        scalar = lambda v: torch.tensor(v, dtype=x.dtype, device=x.device)  # noqa: E731
        return Prediction(
            x0=x0.to(x.dtype), eps=eps.to(x.dtype), alpha=scalar(a), sigma=scalar(s),
            d_alpha=scalar(float(self.schedule.d_alpha(tf))),
            d_sigma=scalar(float(self.schedule.d_sigma(tf))),
        )
