"""The record of a Langevin walk: a Trajectory whose extra arrays split each step in two."""

from __future__ import annotations

import os
from functools import cached_property

import numpy as np

from ..core.trajectory import Trajectory

__all__ = ["LangevinRun"]

#: The names of a walk's extra arrays in :attr:`Trajectory.extras`.
PARTS = ("drift", "kicks")


class LangevinRun(Trajectory):
    """A recorded Langevin walk: a :class:`Trajectory` with each step split in two.

    Made by :func:`~manim_diffusion.densities.langevin.langevin_walk`. It is a
    Trajectory (``times``, ``points``, ``final``, ``at``, ``subset``, ``thin``,
    ``save`` ...) whose :attr:`~Trajectory.extras` hold two per-step arrays,
    ``"drift"`` and ``"kicks"``, also its attributes; :meth:`subset` and
    :meth:`thin` keep them (thinning sums the steps it merges).

    Parameters
    ----------
    trajectory
        The walkers' positions: ``times`` evenly from 0 to 1 over the iterations,
        ``points`` shape ``(R+1, N, D)``, ``steps`` the iteration number of each row.
    drift
        Shape ``(R, N, D)``: the gradient steps ``step_size * score`` taken between
        row ``r`` and row ``r+1`` (summed over the iterations in between).
    kicks
        Shape ``(R, N, D)``: the noise kicks ``sqrt(2 step_size T) z`` of the same
        iterations (zeros without noise). ``points[r+1] = points[r] + drift[r] +
        kicks[r]`` up to rounding.
    step_size, temperature, noise
        The walk's settings.

    Examples
    --------
    Three walkers' current steps split into the gradient step (yellow) and the noise
    kick (pink), and the mean length of each over the whole run:

    .. manim:: LangevinRunExample
        :save_last_frame:

        from manim_diffusion import GaussianMixture, LangevinWalker, langevin_walk

        class LangevinRunExample(Scene):
            def construct(self):
                run = langevin_walk(GaussianMixture.three_dots(), n=500, steps=100,
                                    step_size=0.01, seed=0, record_every=10)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                self.add(LangevinWalker(run, time=0.15, axes=axes.shift(2 * LEFT),
                                        shown=[0, 1, 2], arrows=True, arrow_scale=2,
                                        trail=False))
                drift = np.linalg.norm(run.drift, axis=-1).mean()
                kick = np.linalg.norm(run.kicks, axis=-1).mean()
                lines = VGroup(
                    Text(f"mean |drift| per row: {drift:.3f}", color=YELLOW, font_size=24),
                    Text(f"mean |kick| per row: {kick:.3f}", color=PINK, font_size=24))
                self.add(lines.arrange(DOWN, aligned_edge=LEFT).to_corner(UR))
    """

    def __init__(
        self,
        trajectory: Trajectory,
        drift: np.ndarray,
        kicks: np.ndarray,
        step_size: float,
        temperature: float = 1.0,
        noise: bool = True,
    ) -> None:
        shape = (trajectory.n_steps, trajectory.n_points, trajectory.dim)
        parts = {"drift": np.asarray(drift, dtype=np.float32),
                 "kicks": np.asarray(kicks, dtype=np.float32)}
        for name, arr in parts.items():
            if arr.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
        super().__init__(
            times=trajectory.times,
            points=trajectory.points,
            steps=trajectory.steps,
            predictions=trajectory.predictions,
            labels=trajectory.labels,
            sampler=trajectory.sampler,
            nfe=trajectory.nfe,
            meta=dict(trajectory.meta),
            extras={**trajectory.extras, **parts},
        )
        self.step_size = step_size
        self.temperature = temperature
        self.noise = noise

    @classmethod
    def from_trajectory(cls, trajectory: Trajectory) -> LangevinRun:
        """The run held by a plain Trajectory with ``drift`` and ``kicks`` extras.

        The settings are read back from its ``meta`` (as :func:`langevin_walk` writes
        them), e.g. for a run written by :meth:`save` and read by
        :meth:`Trajectory.load`.
        """
        missing = [name for name in PARTS if name not in trajectory.extras]
        if missing:
            raise ValueError(f"not a Langevin walk: the trajectory has no {missing} arrays")
        meta = trajectory.meta
        return cls(trajectory, trajectory.extras["drift"], trajectory.extras["kicks"],
                   float(meta.get("step_size", "nan")), float(meta.get("temperature", "1.0")),
                   meta.get("noise", "True") == "True")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LangevinRun:
        """Read a run written by :meth:`save`."""
        return cls.from_trajectory(Trajectory.load(path))

    @property
    def drift(self) -> np.ndarray:
        """The gradient steps between rows, shape ``(R, N, D)``."""
        return self.extras["drift"]

    @property
    def kicks(self) -> np.ndarray:
        """The noise kicks between rows, shape ``(R, N, D)``."""
        return self.extras["kicks"]

    @cached_property
    def trajectory(self) -> Trajectory:
        """The run as a plain :class:`Trajectory` (the same arrays, extras included)."""
        return Trajectory(times=self.times, points=self.points, steps=self.steps,
                          predictions=self.predictions, labels=self.labels,
                          sampler=self.sampler, nfe=self.nfe, meta=self.meta,
                          extras=self.extras)

    def _rewrap(self, trajectory: Trajectory) -> LangevinRun:
        return LangevinRun(trajectory, trajectory.extras["drift"], trajectory.extras["kicks"],
                           self.step_size, self.temperature, self.noise)

    def subset(self, indices: np.ndarray) -> LangevinRun:
        """The run of the chosen walkers only."""
        return self._rewrap(super().subset(indices))

    def thin(self, every: int) -> LangevinRun:
        """Every ``every``-th row (first and last kept); steps in between are summed."""
        return self._rewrap(super().thin(every))
