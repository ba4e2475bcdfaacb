"""GridDensity: what a density mobject is given, as its density on a grid at any time t."""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from manim import CoordinateSystem

from ..analysis.kde import Grid, binned_kde
from ..core.trajectory import Trajectory
from ..densities.mixture import GaussianMixture, MixtureDensity
from .cloud import DistributionCloud
from .sources import as_trajectory

__all__ = ["GridDensity", "density_extent"]

_CHUNK = 16384  # grid points per density evaluation
_CACHED_TIMES = 8  # grids kept per source (a tracker going back and forth reuses them)


def _takes_time(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` accepts two positional arguments ``(xy, t)``."""
    try:
        inspect.signature(fn).bind(None, None)
    except (TypeError, ValueError):  # one argument only, or no signature to read
        return False
    return True


class GridDensity:
    """A source's density on a regular 2D grid at any library time, cached per time.

    The one place where the density mobjects turn what they are given into values on
    a grid (``(ny, nx)``, row ``j`` at ``grid.y[j]``, finite and non-negative):

    - a :class:`~manim_diffusion.densities.mixture.GaussianMixture` (2D): the exact
      density ``p_t`` (``density(x, t)``) at the time, clamped to ``[0, 1]``;
    - a :class:`~manim_diffusion.core.trajectory.Trajectory`, an ``(N, 2)`` array or a
      :class:`~manim_diffusion.mobjects.cloud.DistributionCloud`: a binned kernel
      density estimate (:func:`~manim_diffusion.analysis.kde.binned_kde`) of the points
      at the time (``trajectory.at(t)``; an array is the same at every time);
    - a known density with ``log_prob`` (e.g. a ``MixtureDensity``): ``exp(log_prob)``,
      the same at every time;
    - a function of the points ``f(xy)`` (static) or of the points and the time
      ``f(xy, t)``, returning one density value per point, shape ``(N,)``.

    Parameters
    ----------
    source
        What to evaluate (see above); 2D only.
    bw_factor
        Bandwidth factor of the kernel density estimate (points only).
    owner
        The mobject's name, for the error messages.

    Attributes
    ----------
    static
        True when the density does not depend on the time.
    trajectory
        The points of a point source (a Trajectory), else ``None``.

    Raises
    ------
    TypeError
        For a source of another kind.
    ValueError
        For a source that is not 2D.

    Examples
    --------
    .. manim:: GridDensityExample
        :save_last_frame:

        import numpy as np
        from manim_diffusion.analysis.kde import Grid
        from manim_diffusion.engine import GaussianMixture
        from manim_diffusion.mobjects.grid_density import GridDensity

        class GridDensityExample(Scene):
            def construct(self):
                gm = GaussianMixture(means=[[-1.2, 0.0], [1.2, 0.6]], stds=0.4)
                grid = Grid(-3, 3, -3, 3, 25, 25)
                values = GridDensity(gm).on_grid(grid, t=1.0)
                dots = VGroup(*[Dot([x, y, 0], radius=0.04 + 0.5 * values[j, i])
                                for j, y in enumerate(grid.y) for i, x in enumerate(grid.x)
                                if values[j, i] > 0.01])
                self.add(dots.set_color(YELLOW))
    """

    def __init__(self, source: Any, bw_factor: float = 1.0, owner: str = "GridDensity") -> None:
        if not (np.isfinite(bw_factor) and bw_factor > 0):
            raise ValueError(f"bw_factor must be a positive number, got {bw_factor}")
        self.owner = owner
        self.bw_factor = float(bw_factor)
        self.trajectory: Trajectory | None = None
        self._evaluate, self.static = self._classify(source)
        self._cache: OrderedDict[tuple[Grid, float], np.ndarray] = OrderedDict()

    def _classify(self, source: Any) -> tuple[Callable[[Grid, float], np.ndarray], bool]:
        """The evaluator ``(grid, t) -> (ny, nx)`` and whether it is static."""
        if isinstance(source, GaussianMixture):
            self._check_dim(source.dim, "GaussianMixture")
            # MixtureDensity: the same exact density, in small numpy blocks
            return _pointwise(lambda xy, t: np.asarray(
                MixtureDensity(source, min(max(t, 0.0), 1.0)).density(xy))), False
        if isinstance(source, DistributionCloud):
            source = source.trajectory
        if isinstance(source, Trajectory | np.ndarray):
            traj = self.trajectory = as_trajectory(source)
            return (lambda grid, t: binned_kde(traj.at(t), grid, bw_factor=self.bw_factor),
                    traj.n_steps == 0)
        if callable(getattr(source, "log_prob", None)):
            self._check_dim(getattr(source, "dim", 2), type(source).__name__)

            def exact(xy: np.ndarray, t: float) -> np.ndarray:
                lp = source.log_prob(xy)
                lp = lp.detach().cpu().numpy() if hasattr(lp, "detach") else np.asarray(lp)
                return np.exp(lp)

            return _pointwise(exact), True
        if callable(source):
            timed = _takes_time(source)
            return _pointwise(source if timed else lambda xy, t: source(xy)), not timed
        raise TypeError(
            f"{self.owner} needs a GaussianMixture, a density with log_prob, a Trajectory, "
            f"an (N, 2) array, a DistributionCloud or a function f(xy) / f(xy, t) of points "
            f"(N, 2), got {type(source).__name__}"
        )

    def _check_dim(self, dim: Any, what: str) -> None:
        if int(dim) != 2:
            raise ValueError(
                f"{self.owner} shows a density over a plane: give a 2D density, the "
                f"{what} is {int(dim)}D"
            )

    def evaluate(self, grid: Grid, t: float) -> np.ndarray:
        """The raw density on ``grid``'s nodes at time ``t``, ``(ny, nx)`` (not cached)."""
        return self._evaluate(grid, float(t))

    def on_grid(self, grid: Grid, t: float) -> np.ndarray:
        """The density on ``grid``'s nodes at time ``t``: finite, non-negative, cached.

        Parameters
        ----------
        grid
            Where to evaluate (a :class:`~manim_diffusion.analysis.kde.Grid`).
        t
            Library time (ignored by a static source).
        """
        key = (grid, 0.0 if self.static else float(t))
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        dens = np.nan_to_num(np.asarray(self.evaluate(grid, t), dtype=np.float64),
                             nan=0.0, posinf=0.0, neginf=0.0)
        if dens.shape != (grid.ny, grid.nx):
            raise ValueError(f"{self.owner}: the density gave {dens.size} values for "
                             f"{grid.nx * grid.ny} grid points; return one value per point")
        self._cache[key] = np.maximum(dens, 0.0)
        if len(self._cache) > _CACHED_TIMES:
            self._cache.popitem(last=False)
        return self._cache[key]


def _pointwise(fn: Callable[[np.ndarray, float], Any]) -> Callable[[Grid, float], np.ndarray]:
    """A grid evaluator from a function of points ``(N, 2)`` and the time, in chunks."""

    def on_grid(grid: Grid, t: float) -> np.ndarray:
        gx, gy = np.meshgrid(grid.x, grid.y)
        xy = np.c_[gx.ravel(), gy.ravel()]
        parts = []
        for i in range(0, len(xy), _CHUNK):
            block = xy[i : i + _CHUNK]
            values = np.asarray(fn(block, t), dtype=np.float64).ravel()
            if values.shape != (len(block),):
                raise ValueError(f"the density gave {values.size} values for {len(block)} "
                                 "points: return one value per point, shape (N,)")
            parts.append(values)
        return np.concatenate(parts).reshape(grid.ny, grid.nx)

    return on_grid


def density_extent(
    extent: tuple[float, float, float, float] | None,
    axes: CoordinateSystem | None = None,
    trajectory: Trajectory | None = None,
) -> tuple[float, float, float, float]:
    """The data box ``(x0, x1, y0, y1)`` a density mobject shows.

    ``extent`` when given; else the axes' x and y ranges; else the box of the
    trajectory's points (all times) plus 15%; else ``(-3, 3, -3, 3)``.

    Parameters
    ----------
    extent
        An explicit box, or ``None``.
    axes
        The coordinate system of the data.
    trajectory
        The points of a point source.

    Examples
    --------
    .. manim:: DensityExtentExample
        :save_last_frame:

        from manim_diffusion.mobjects.grid_density import density_extent

        class DensityExtentExample(Scene):
            def construct(self):
                axes = Axes(x_range=[-4, 4], y_range=[-2, 2], x_length=8, y_length=4)
                x0, x1, y0, y1 = density_extent(None, axes)
                box = Polygon(*[axes.c2p(x, y) for x, y in
                                [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]], color=YELLOW)
                self.add(axes, box, Text(f"{(x0, x1, y0, y1)}", font_size=28).to_edge(UP))
    """
    if extent is None and axes is not None:
        extent = (axes.x_range[0], axes.x_range[1], axes.y_range[0], axes.y_range[1])
    if extent is None and trajectory is not None:
        pts = trajectory.points.reshape(-1, 2)
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts):
            lo, hi = pts.min(axis=0), np.maximum(pts.max(axis=0), pts.min(axis=0) + 1e-6)
            m = 0.15 * float(np.max(hi - lo))
            extent = (lo[0] - m, hi[0] + m, lo[1] - m, hi[1] + m)
    if extent is None:
        extent = (-3.0, 3.0, -3.0, 3.0)
    x0, x1, y0, y1 = (float(v) for v in extent)
    if not (x1 > x0 and y1 > y0 and np.isfinite([x0, x1, y0, y1]).all()):
        raise ValueError(f"extent must be (x0, x1, y0, y1) with x0 < x1, y0 < y1, got "
                         f"{extent}")
    return x0, x1, y0, y1
