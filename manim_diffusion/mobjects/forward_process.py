"""ForwardProcess: a data cloud noised into Gaussian noise, each point on its own path."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from manim import CoordinateSystem, Group, ValueTracker

from ..analysis.forward import forward_trajectory
from ..core.schedules import Schedule
from ..core.trajectory import Trajectory
from .base import TimeDriven, TimeLike
from .cloud import DistributionCloud
from .tracer import TrajectoryTracer

__all__ = ["ForwardProcess", "ForwardTracer"]


class ForwardTracer(TrajectoryTracer):
    """A :class:`TrajectoryTracer` whose paths grow from the data end (t = 1) down to t.

    For the forward process, whose time runs from 1 (data) to 0 (noise): the path
    drawn is the part from ``t`` to 1 (the time already travelled), and a fading tail
    (``tail_length``) fades towards the data end. Takes the arguments of
    :class:`TrajectoryTracer`.

    Parameters
    ----------
    trajectory
        A forward trajectory of 2D points
        (:func:`~manim_diffusion.analysis.forward.forward_trajectory`).
    time
        Library time (1 = data, 0 = noise): a ``ValueTracker`` to follow, or a float.
    axes
        The coordinate system of the data; without one, data units are scene units.
    indices, n_paths, seed
        Which samples to trace, or how many to choose with ``seed``.
    tail_length
        Show only the last ``tail_length`` of library time travelled, fading towards
        the data end; ``None`` shows the whole way from the data.
    n_chunks, color, palette, stroke_width, stroke_opacity, head_radius
        As for :class:`TrajectoryTracer`.

    Examples
    --------
    .. manim:: ForwardTracerExample

        from manim_diffusion import (DistributionCloud, ForwardTracer, forward_trajectory,
                                     make_dataset)

        class ForwardTracerExample(Scene):
            def construct(self):
                run = forward_trajectory(make_dataset("spiral", 1500), steps=60, seed=0)
                axes = Axes(x_range=[-3.5, 3.5], y_range=[-3.5, 3.5], x_length=7,
                            y_length=7)
                t = ValueTracker(1)  # the forward process runs from the data (1) to noise
                cloud = DistributionCloud(run, time=t, axes=axes, radius=0.02, opacity=0.5)
                paths = ForwardTracer(run, time=t, axes=axes, n_paths=12, tail_length=0.5,
                                      head_radius=0.06)
                self.add(axes, cloud, paths)
                self.play(t.animate.set_value(0.5), run_time=3, rate_func=linear)
    """

    def _chunk_times(self, t: float) -> list[np.ndarray]:
        """Vertex times of each tail chunk, oldest (nearest the data) first."""
        t1 = float(self.paths.times[-1])
        t = min(max(t, float(self.paths.times[0])), t1)
        start = t1 if self.tail_length is None else min(t1, t + self.tail_length)
        edges = np.linspace(start, t, self.n_chunks + 1)  # falling
        chunks = []
        for a, b in itertools.pairwise(edges):
            if a <= b:  # no time has passed: nothing to draw
                chunks.append(np.array([a]))
                continue
            inner = self.paths.times[(self.paths.times < a) & (self.paths.times > b)][::-1]
            chunks.append(np.concatenate([[a], inner, [b]]))
        return chunks


class ForwardProcess(TimeDriven, Group):
    """Data noised into Gaussian noise: ``x_t = alpha(t) x_0 + sigma(t) eps``.

    Every point keeps one noise vector ``eps`` (seeded), so it follows its own path
    from itself at ``t = 1`` to noise at ``t = 0``; a scene shows the forward process
    by moving the time tracker from 1 down to 0 (and may move it back up). A
    :class:`~manim_diffusion.mobjects.DistributionCloud` shows the points and an
    optional :class:`ForwardTracer` draws the paths of a few of them, from the data
    to where they are now. The trajectory comes from
    :func:`~manim_diffusion.analysis.forward.forward_trajectory`.

    Parameters
    ----------
    data
        Clean points, shape ``(N, 2)``, or a trajectory made by
        :func:`~manim_diffusion.analysis.forward.forward_trajectory` (then ``schedule``,
        ``steps`` and ``seed`` are not used).
    time
        Library time (1 = data, 0 = noise): a ``ValueTracker`` to follow, or a float.
    schedule
        A :class:`~manim_diffusion.core.schedules.Schedule` or its name.
    steps
        Number of time steps of the trajectory (the traced paths bend at them).
    seed
        Seed of the noise of each point.
    axes
        The coordinate system of the data; without one, data units are scene units.
    n_paths
        How many points to trace (0: no tracer).
    path_indices
        Which points to trace (instead of ``n_paths`` chosen with ``seed``).
    cloud_config
        Keyword arguments of the :class:`~manim_diffusion.mobjects.DistributionCloud`
        (``radius``, ``color``, ``opacity``...).
    tracer_config
        Keyword arguments of the :class:`ForwardTracer` (``color``, ``stroke_width``,
        ``tail_length``, ``head_radius``...).

    Examples
    --------
    .. manim:: ForwardProcessExample

        from manim_diffusion.engine import make_dataset
        from manim_diffusion.mobjects import ForwardProcess

        class ForwardProcessExample(Scene):
            def construct(self):
                t = ValueTracker(1)
                data = make_dataset("smiley", 2000)
                self.add(ForwardProcess(data, time=t, schedule="linear", n_paths=6))
                self.play(t.animate.set_value(0), run_time=4, rate_func=linear)
    """

    def __init__(
        self,
        data: np.ndarray | Trajectory,
        time: ValueTracker | float = 1.0,
        schedule: Schedule | str = "linear",
        steps: int = 100,
        seed: int = 0,
        axes: CoordinateSystem | None = None,
        n_paths: int = 0,
        path_indices: Sequence[int] | np.ndarray | None = None,
        cloud_config: Mapping[str, Any] | None = None,
        tracer_config: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._set_time_source(time)  # the cloud and the tracer draw; they follow it too
        if isinstance(data, Trajectory):
            self.trajectory = data
        else:
            self.trajectory = forward_trajectory(data, schedule=schedule, steps=steps,
                                                 seed=seed)
        self.cloud = DistributionCloud(self.trajectory, time=time, axes=axes,
                                       **{"radius": 0.03, **dict(cloud_config or {})})
        self.add(self.cloud)
        self.tracer: ForwardTracer | None = None
        if n_paths > 0 or (path_indices is not None and len(path_indices) > 0):
            settings = {"stroke_width": 1.5, "head_radius": 0.05, **dict(tracer_config or {})}
            self.tracer = ForwardTracer(self.trajectory, time=time, axes=axes,
                                        indices=path_indices, n_paths=n_paths, seed=seed,
                                        **settings)
            self.add(self.tracer)

    def _on_time_source(self, time: TimeLike) -> None:
        """The cloud and the paths follow the new time."""
        self.cloud.set_time(time)
        if self.tracer is not None:
            self.tracer.set_time(time)

    def data_points(self) -> np.ndarray:
        """The points shown now in data coordinates, ``(N, 2)``."""
        return self.cloud.data_points()
