"""The forward (noising) process of a data set as a Trajectory, one fixed noise per point."""

from __future__ import annotations

import numpy as np

from ..core.schedules import Schedule, get_schedule
from ..core.trajectory import Trajectory

__all__ = ["forward_trajectory"]


def forward_trajectory(
    data: np.ndarray,
    schedule: Schedule | str = "linear",
    steps: int = 100,
    seed: int = 0,
    noise: np.ndarray | None = None,
) -> Trajectory:
    """The path of every data point into noise: ``x_t = alpha(t) x_0 + sigma(t) eps``.

    Each point draws one noise vector ``eps`` (seeded) and keeps it at every time, so
    it follows its own path (a straight line for the flow path, a curve for the
    variance-preserving ones) from itself at ``t = 1`` to ``~eps`` at ``t = 0``.

    The record keeps the library's convention: ``times`` rise from 0 to 1, so
    ``points[0]`` is the noise end and ``points[-1]`` the data. A scene shows the
    forward process by moving its time tracker from 1 down to 0; ``at(t)`` works in
    either direction.

    Parameters
    ----------
    data
        Clean points ``x_0``, shape ``(N, D)``.
    schedule
        A :class:`~manim_diffusion.core.schedules.Schedule` or its name.
    steps
        Number of time steps S; the times are ``S + 1`` evenly spaced values in [0, 1].
    seed
        Seed of the noise (ignored when ``noise`` is given).
    noise
        The noise ``eps`` of each point, shape ``(N, D)``; default: standard normal
        draws from ``seed``.

    Returns
    -------
    Trajectory
        ``times`` of shape ``(S+1,)``, ``points`` of shape ``(S+1, N, D)`` (float32)
        with ``points[-1]`` the data (every schedule reaches ``alpha = 1, sigma = 0``
        at ``t = 1``); ``steps`` counts noising steps, ``S`` at ``t = 0`` down to 0 at
        ``t = 1`` (as DDPM's step labels); ``sampler`` is ``"forward"``.

    Examples
    --------
    .. manim:: ForwardTrajectoryExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, forward_trajectory, make_dataset

        class ForwardTrajectoryExample(Scene):
            def construct(self):
                data = make_dataset("smiley", 1500, seed=0)
                run = forward_trajectory(data, "linear", steps=50, seed=0)
                for col, t in enumerate([1.0, 0.8, 0.6, 0.0]):
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=3.2,
                                y_length=3.2).set_opacity(0)
                    axes.move_to((col - 1.5) * 3.4 * RIGHT)
                    self.add(DistributionCloud(run, time=t, axes=axes, radius=0.015),
                             Text(f"t = {t}", font_size=24).next_to(axes, UP))
                self.add(Text("data  →  noise", font_size=28).to_edge(DOWN, buff=1))
    """
    x0 = np.asarray(data, dtype=np.float64)
    if x0.ndim != 2 or len(x0) == 0:
        raise ValueError(f"data must have shape (N, D) with N >= 1, got {x0.shape}")
    if not np.isfinite(x0).all():
        raise ValueError("data has NaN or infinite values")
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    sched = get_schedule(schedule) if isinstance(schedule, str) else schedule
    if not isinstance(sched, Schedule):
        raise TypeError(f"schedule must be a Schedule or a name, got {type(schedule)}")
    if noise is None:
        eps = np.random.default_rng(seed).standard_normal(x0.shape)
    else:
        eps = np.asarray(noise, dtype=np.float64)
        if eps.shape != x0.shape:
            raise ValueError(f"noise must have the data's shape {x0.shape}, got {eps.shape}")
    times = np.linspace(0.0, 1.0, int(steps) + 1)
    alpha = np.asarray(sched.alpha(times), dtype=np.float64)[:, None, None]
    sigma = np.asarray(sched.sigma(times), dtype=np.float64)[:, None, None]
    points = alpha * x0[None] + sigma * eps[None]
    return Trajectory(
        times=times,
        points=points.astype(np.float32),
        steps=np.arange(int(steps), -1, -1),
        sampler="forward",
        meta={"schedule": getattr(sched, "name", "") or repr(sched), "seed": str(seed)},
    )
