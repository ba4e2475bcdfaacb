"""The flow map: curves of starting points carried by a deterministic sampler, at every t.

A deterministic sampler (DDIM with eta = 0, the probability-flow ODE solvers, flow
matching's Euler) is a map from the noise at t = 0 to the points at each t. Pushing a
grid of lines through it, every step recorded, shows that map bending the plane (the
"mesh" plot of Diffusion Explorer); the Jacobian of the map says where it squeezes
space and where it spreads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from ..core.prediction import Predictor
from ..core.trajectory import Trajectory
from ..densities.gaussian_images import DiagonalGaussian
from ..samplers.registry import SAMPLER_SPECS, get_sampler
from ..samplers.sample import sample
from .grid_lines import GridLines, check_size

__all__ = ["FlowMap", "deterministic_samplers", "flow_map", "is_deterministic"]

#: The default finite-difference step, as a fraction of the starting points' span.
FD_FRACTION = 3e-3


@lru_cache(maxsize=64)
def _draws_noise(sampler: str, options: tuple[tuple[str, Any], ...]) -> bool:
    probe = DiagonalGaussian(np.zeros(1), 1.0)
    gen = torch.Generator().manual_seed(0)
    before = gen.get_state()
    sample(probe, sampler, 3, x_start=np.full((1, 1), 0.5, dtype=np.float32), generator=gen,
           record_predictions=False, **dict(options))
    return not torch.equal(before, gen.get_state())


def is_deterministic(sampler: str, **options: Any) -> bool:
    """Whether ``sampler`` with ``options`` is a map: it draws no noise once started.

    Found by running it (3 steps, one point, on an exact Gaussian) and checking that
    its noise generator was never drawn from, so every sampler of the registry (and
    any added to it) answers for itself, options included (DDIM with ``eta > 0``
    draws).

    Parameters
    ----------
    sampler
        A name of :data:`~manim_diffusion.samplers.registry.SAMPLER_SPECS`.
    **options
        The sampler's own options, as :func:`~manim_diffusion.samplers.sample.sample`
        takes them (``eta=0.5``).

    Examples
    --------
    .. manim:: IsDeterministicExample
        :save_last_frame:

        from manim_diffusion.analysis.flow_map import is_deterministic

        class IsDeterministicExample(Scene):
            def construct(self):
                rows = [f"{name}: {'a map' if is_deterministic(name) else 'draws noise'}"
                        for name in ("ddpm", "ddim", "euler", "sde")]
                rows.append(f"ddim, eta = 0.5: {is_deterministic('ddim', eta=0.5)}")
                self.add(Paragraph(*rows, font_size=26))
    """
    get_sampler(sampler)
    return not _draws_noise(sampler, tuple(sorted(options.items())))


def deterministic_samplers() -> tuple[str, ...]:
    """The samplers of the registry that are deterministic with their default options.

    Examples
    --------
    .. manim:: DeterministicSamplersExample
        :save_last_frame:

        from manim_diffusion.analysis.flow_map import deterministic_samplers

        class DeterministicSamplersExample(Scene):
            def construct(self):
                self.add(Paragraph("flow maps can use:", *deterministic_samplers(),
                                   font_size=28))
    """
    return tuple(name for name in SAMPLER_SPECS if is_deterministic(name))


def _refuse_stochastic(sampler: str, options: Mapping[str, Any]) -> None:
    if is_deterministic(sampler, **options):
        return
    maps = deterministic_samplers()
    given = ", ".join(f"{k}={v!r}" for k, v in options.items())
    what = f"{sampler} with {given}" if given else sampler
    note = " (deterministic with its default options)" if sampler in maps else ""
    raise ValueError(f"a flow map needs a deterministic sampler, one path per start; {what} "
                     f"draws fresh noise{note}: use one of {', '.join(maps)}")


def _interp_rows(times: np.ndarray, data: np.ndarray, t: float) -> np.ndarray:
    """``data`` (one row per time) at ``t``, linear between rows, clamped at the ends."""
    t = min(max(float(t), float(times[0])), float(times[-1]))
    i = int(np.clip(np.searchsorted(times, t, side="right") - 1, 0, max(len(times) - 2, 0)))
    if len(times) == 1:
        return data[0].copy()
    span = float(times[i + 1] - times[i])
    w = 0.0 if span <= 0 else min(max((t - float(times[i])) / span, 0.0), 1.0)
    return (1.0 - w) * data[i] + w * data[i + 1]


@dataclass
class FlowMap:
    """Where a deterministic sampler carries each of a set of starting points, at every t.

    Built by :func:`flow_map`. The points keep the layout they were given in: a
    grid's ``(L, P)`` lines of points, curves ``(L, P)`` or points ``(N,)``.

    Parameters
    ----------
    trajectory
        The run: ``points`` of shape ``(S+1, N, D)``, ``N`` the starting points
        flattened (without the Jacobian's extra points).
    shape
        The layout of the N points, e.g. ``(L, P)`` for L curves of P points.
    grid
        The :class:`~manim_diffusion.analysis.grid_lines.GridLines` the points came from,
        if any (it knows the nodes).
    jacobians
        Optional, shape ``(S+1, N, D, D)``: ``J[s, n, j, i] = d x_j(t_s) / d x_i(0)``
        of each point at each recorded time, by central differences of step
        ``fd_step``.
    fd_step
        The finite-difference step, in data units.

    Examples
    --------
    .. manim:: FlowMapExample
        :save_last_frame:

        from manim_diffusion import GaussianMixture
        from manim_diffusion.analysis.flow_map import flow_map
        from manim_diffusion.analysis.grid_lines import grid_lines

        class FlowMapExample(Scene):
            def construct(self):
                fm = flow_map(GaussianMixture.three_dots(), grid_lines(2.5), "ddim", 40)
                for t, colour in ((0.0, GREY), (0.8, BLUE), (1.0, YELLOW)):
                    self.add(*(VMobject(color=colour, stroke_width=2).set_points_smoothly(
                        np.c_[line, np.zeros(len(line))]) for line in fm.at(t)))
    """

    trajectory: Trajectory
    shape: tuple[int, ...]
    grid: GridLines | None = None
    jacobians: np.ndarray | None = None
    fd_step: float = 0.0
    log_stretch: np.ndarray | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        n = int(np.prod(self.shape))
        if self.trajectory.points.ndim != 3 or self.trajectory.n_points != n:
            raise ValueError(f"the trajectory's points must have shape (S+1, {n}, D) for the "
                             f"layout {self.shape}, got {self.trajectory.points.shape}")
        if self.jacobians is not None:
            d = self.trajectory.dim
            want = (self.trajectory.n_steps + 1, n, d, d)
            if self.jacobians.shape != want:
                raise ValueError(f"jacobians must have shape {want}, got {self.jacobians.shape}")
            _, logdet = np.linalg.slogdet(self.jacobians.astype(np.float64))
            self.log_stretch = logdet.astype(np.float32)

    @property
    def times(self) -> np.ndarray:
        """The recorded library times, shape ``(S+1,)``, 0 (noise) to 1 (data)."""
        return self.trajectory.times

    @property
    def dim(self) -> int:
        """The dimension D of the points."""
        return self.trajectory.dim

    @property
    def points(self) -> np.ndarray:
        """The points at every recorded time, shape ``(S+1, *shape, D)``."""
        traj = self.trajectory
        return traj.points.reshape(traj.n_steps + 1, *self.shape, traj.dim)

    def at(self, t: float) -> np.ndarray:
        """The points at library time ``t``, shape ``(*shape, D)``: linear between steps."""
        return self.trajectory.at(t).reshape(*self.shape, self.dim)

    def _need_jacobians(self) -> np.ndarray:
        if self.jacobians is None or self.log_stretch is None:
            raise ValueError("this flow map was made with jacobian=False: make it with "
                             "flow_map(..., jacobian=True) for the stretching")
        return self.jacobians

    def jacobian(self, t: float) -> np.ndarray:
        """``d x(t) / d x(0)`` of each point at ``t``, shape ``(*shape, D, D)``.

        Linear in t between the recorded steps, as the points are.
        """
        jac = _interp_rows(self.times, self._need_jacobians(), t)
        return jac.reshape(*self.shape, self.dim, self.dim)

    def stretch(self, t: float) -> np.ndarray:
        """The local stretching ``log |det J|`` of each point at ``t``, shape ``shape``.

        ``J = d x(t) / d x(0)`` is the Jacobian of the map from the starting points to
        the points at t (central differences, step ``fd_step``), so ``det J`` is the
        factor by which the map scales a small area (volume in 3D) around the point:
        ``log |det J|`` is 0 where area is kept, negative where the flow compresses
        space and positive where it spreads it (natural log; 0 at t = 0). Between
        the recorded steps it is interpolated linearly in t.
        """
        self._need_jacobians()
        assert self.log_stretch is not None
        return _interp_rows(self.times, self.log_stretch, t).reshape(self.shape)

    def nodes(self, t: float) -> np.ndarray:
        """The grid's nodes at ``t``, shape ``(n, ..., n, D)`` (a flow map of a grid only)."""
        if self.grid is None:
            raise ValueError("this flow map was not made from grid_lines(): it has no nodes")
        return self.grid.nodes(self.at(t))


def _start_points(curves: GridLines | np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """The starting points ``(N, D)`` (float64) and their layout."""
    data = curves.points if isinstance(curves, GridLines) else curves
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("curves must be GridLines (grid_lines()) or an array of points "
                        f"(N, D) or curves (L, P, D), got {type(curves).__name__}") from None
    if arr.ndim < 2 or arr.size == 0:
        raise ValueError("curves must be points (N, D) or curves (L, P, D), not empty; got "
                         f"shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("the starting points have NaN or infinite values")
    return arr.reshape(-1, arr.shape[-1]), arr.shape[:-1]


def _check_memory(n: int, d: int, rows: int, jacobian: bool, max_memory: int | None) -> None:
    copies = 2 * d + 1 if jacobian else 1
    size = rows * n * copies * d * 4 + (rows * n * (d * d + 1) * 4 if jacobian else 0)
    extra = f", with the Jacobian's {copies - 1} extra points per point" if jacobian else ""
    check_size(size, f"a flow map of {n:,} points of {d} values at {rows} times{extra}",
               "lower n_lines or points_per_line, or steps" +
               (", or jacobian=False" if jacobian else ""), max_memory)


def _shadows(x: np.ndarray, h: float) -> np.ndarray:
    """``x``, then ``x + h e_i`` and ``x - h e_i`` for each axis i: ``((2D+1) N, D)``."""
    d = x.shape[1]
    parts = [x]
    for i in range(d):
        step = np.zeros(d)
        step[i] = h
        parts += [x + step, x - step]
    return np.concatenate(parts)


def _jacobians(points: np.ndarray, n: int, h: float) -> np.ndarray:
    """Central-difference Jacobians ``(S+1, N, D, D)`` from the run of :func:`_shadows`."""
    rows, _, d = points.shape
    jac = np.empty((rows, n, d, d), dtype=np.float64)
    for i in range(d):
        plus = points[:, (1 + 2 * i) * n:(2 + 2 * i) * n].astype(np.float64)
        minus = points[:, (2 + 2 * i) * n:(3 + 2 * i) * n].astype(np.float64)
        width = plus[0, :, i] - minus[0, :, i]  # the float32 starts' own offset, about 2 h
        jac[..., i] = (plus - minus) / np.where(width > 0, width, 2 * h)[None, :, None]
    return jac.astype(np.float32)


def flow_map(
    model: Predictor,
    curves: GridLines | np.ndarray,
    sampler: str = "ddim",
    steps: int | None = None,
    *,
    jacobian: bool = True,
    fd_step: float | None = None,
    max_memory: int | None = None,
    **options: Any,
) -> FlowMap:
    """Carry a grid (or any curves or points) from t = 0 through a deterministic sampler.

    Runs :func:`~manim_diffusion.samplers.sample.sample` with the points as
    ``x_start`` and keeps every step, so the grid can be drawn at any t (forwards or
    backwards: it is one map per t).

    Parameters
    ----------
    model
        A trained model or an exact predictor (a Gaussian mixture), of the points'
        dimension.
    curves
        A :class:`~manim_diffusion.analysis.grid_lines.GridLines`, or points of shape
        ``(N, D)``, or curves ``(L, P, D)`` (any ``(*shape, D)``): the noise at t = 0.
    sampler
        A deterministic sampler: one of :func:`deterministic_samplers` (DDIM with
        eta = 0, the ODE solvers, DPM-Solver++). A sampler that draws noise (DDPM, the
        reverse SDE, Langevin, DDIM with eta > 0) is refused: it is no map.
    steps
        Number of steps; the sampler's default.
    jacobian
        Also record the Jacobian ``d x(t) / d x(0)`` of every point (for
        :meth:`FlowMap.stretch`) by central differences: the run carries ``2 D``
        extra points per point, ``x0 +- fd_step`` along each axis.
    fd_step
        The finite-difference step in data units; ``3e-3`` of the points' widest span
        by default.
    max_memory
        The most bytes the recorded run may take (points at every step, float32, and
        the Jacobians); :data:`~manim_diffusion.analysis.grid_lines.FLOW_MAP_MEMORY`
        (1 GiB) by default. A bigger run is refused before anything is computed.
    **options
        Passed to :func:`~manim_diffusion.samplers.sample.sample`: ``grid``,
        ``precision``, ``threads``, ``labels`` (one int for all), ``guidance``, and the
        sampler's own options (``eta``).

    Returns
    -------
    FlowMap
        The run and the layout of the points; ``at(t)`` gives them at any t.

    Examples
    --------
    .. manim:: FlowMapFunctionExample
        :save_last_frame:

        from manim_diffusion import GaussianMixture
        from manim_diffusion.analysis.flow_map import flow_map
        from manim_diffusion.analysis.grid_lines import grid_lines

        class FlowMapFunctionExample(Scene):
            def construct(self):
                fm = flow_map(GaussianMixture.three_dots(), grid_lines(2.5, 9), "heun", 30)
                stretch = fm.stretch(0.9)
                self.add(Text(f"log-stretch at t = 0.9: {stretch.min():.1f} to "
                              f"{stretch.max():.1f}", font_size=28))
    """
    spec = get_sampler(sampler)
    own = {k: v for k, v in options.items() if k in spec.options and v is not None}
    _refuse_stochastic(sampler, own)
    x, shape = _start_points(curves)
    n, d = x.shape
    steps = spec.default_steps if steps is None else steps
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    _check_memory(n, d, int(steps) + 1, bool(jacobian), max_memory)
    h = 0.0
    if jacobian:
        span = float((x.max(axis=0) - x.min(axis=0)).max())
        h = float(fd_step) if fd_step is not None else FD_FRACTION * (span if span > 0 else 1.0)
        if not (np.isfinite(h) and h > 0):
            raise ValueError(f"fd_step must be a positive number of data units, got {fd_step!r}")
        x = _shadows(x, h)
    run = sample(model, sampler, int(steps), x_start=x.astype(np.float32),
                 record_predictions=False, **options)
    centre = run.points[:, :n]
    traj = Trajectory(times=run.times, points=centre, steps=run.steps, sampler=run.sampler,
                      nfe=run.nfe, meta=dict(run.meta))
    jac = _jacobians(run.points, n, h) if jacobian else None
    grid = curves if isinstance(curves, GridLines) else None
    return FlowMap(trajectory=traj, shape=tuple(shape), grid=grid, jacobians=jac, fd_step=h)
