"""ContourField: density contours of a moving cloud, from a binned KDE at time t."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import contourpy
import numpy as np
from manim import (
    TEAL_A,
    YELLOW,
    CoordinateSystem,
    ManimColor,
    ParsableManimColor,
    ValueTracker,
    VGroup,
    color_gradient,
)

from ..analysis.kde import Grid, binned_kde, hdr_levels
from ..core.trajectory import Trajectory
from .base import TimeDriven
from .renderer import VPath, segment_points
from .sources import as_trajectory

__all__ = ["ContourField"]


class ContourField(TimeDriven, VGroup):
    """Density contours of a cloud of points at the current time.

    A binned FFT kernel density estimate on a fixed grid (the axes' ranges when axes
    are given, else the box of the whole run plus a margin), cut at the levels that
    enclose the given probability masses (highest-density regions), traced with
    ``contourpy``. One stroke per level; rebuilt only when the time changes.

    Parameters
    ----------
    source
        A trajectory of 2D points, or an ``(N, 2)`` array (static contours).
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` to follow, or a float.
    axes
        The coordinate system of the data; its ``x_range``/``y_range`` give the grid.
    masses
        Probability masses enclosed by the contours, e.g. ``(0.25, 0.5, 0.75, 0.9)``.
    levels
        Explicit density levels instead of ``masses``.
    grid_size
        Grid nodes along each axis.
    margin
        Margin around the run's points (data units) when there are no axes; default
        a quarter of the larger side of their box, so outer contours are not cut.
    bw_factor
        Multiplies the Scott-rule bandwidth (< 1 sharper, > 1 smoother).
    colors
        One colour per level (outermost first), or two or more colours to spread as a
        gradient; default light (outer) to bright (inner).
    stroke_width, stroke_opacity
        Of the contour lines.

    Examples
    --------
    .. manim:: ContourFieldExample

        import numpy as np
        from manim_diffusion.core.trajectory import Trajectory
        from manim_diffusion.mobjects import ContourField, DistributionCloud

        class ContourFieldExample(Scene):
            def construct(self):
                rng = np.random.default_rng(0)
                angle = rng.uniform(0, 2 * np.pi, 2000)
                ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.5
                noise = rng.normal(size=(2000, 2))
                s = np.linspace(0, 1, 51)[:, None, None]
                traj = Trajectory(times=s[:, 0, 0], points=(1 - s) * noise + s * ring)
                t = ValueTracker(0)
                self.add(DistributionCloud(traj, time=t, radius=0.02, opacity=0.6))
                self.add(ContourField(traj, time=t))
                self.play(t.animate.set_value(1), run_time=3)
    """

    def __init__(
        self,
        source: Trajectory | np.ndarray,
        time: ValueTracker | float = 1.0,
        axes: CoordinateSystem | None = None,
        masses: Sequence[float] = (0.25, 0.5, 0.75, 0.9),
        levels: Sequence[float] | None = None,
        grid_size: int = 100,
        margin: float | None = None,
        bw_factor: float = 1.0,
        colors: Sequence[ParsableManimColor] | None = None,
        stroke_width: float = 2.0,
        stroke_opacity: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trajectory = as_trajectory(source)
        self._set_time_source(time)
        self._set_axes_map(axes)
        self.masses = tuple(sorted(float(m) for m in masses))[::-1]  # outer (big) first
        self.fixed_levels = None if levels is None else sorted(float(v) for v in levels)
        self.bw_factor = float(bw_factor)
        self.grid = self._make_grid(axes, grid_size, margin)
        n = len(self.fixed_levels) if self.fixed_levels is not None else len(self.masses)
        if n == 0:
            raise ValueError("give at least one mass or level")
        self.level_colors = self._level_colors(colors, n)
        self.density = np.zeros((self.grid.ny, self.grid.nx))
        self.levels = np.zeros(n)
        self._key: tuple[Any, ...] | None = None
        for c in self.level_colors:
            self.add(VPath(stroke_color=c, stroke_width=stroke_width,
                              stroke_opacity=stroke_opacity, fill_opacity=0))
        self._follow_updates()

    def _make_grid(
        self, axes: CoordinateSystem | None, size: int, margin: float | None
    ) -> Grid:
        if axes is not None:
            x0, x1 = (float(v) for v in axes.x_range[:2])
            y0, y1 = (float(v) for v in axes.y_range[:2])
            return Grid(x0, x1, y0, y1, size, size)
        pts = self.trajectory.points.reshape(-1, 2)
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) == 0:
            return Grid(-1.0, 1.0, -1.0, 1.0, size, size)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        hi = np.maximum(hi, lo + 1e-6)
        if margin is None:
            margin = 0.25 * float(np.max(hi - lo))
        return Grid.around(lo, hi, size, margin)

    @staticmethod
    def _level_colors(
        colors: Sequence[ParsableManimColor] | None, n: int
    ) -> list[ManimColor]:
        stops = [ManimColor.parse(c) for c in (colors or (TEAL_A, YELLOW))]
        if len(stops) == n:
            return stops
        if len(stops) == 1 or n == 1:
            return [stops[-1]] * n
        return list(color_gradient(stops, n))

    def refresh(self) -> ContourField:
        """Recompute the density and the lines if the time or the axes changed."""
        t = self.get_time()
        key = (t, self.data_map.key())
        if key == self._key:
            return self
        if key[0] != (self._key or (None,))[0]:
            self.density = binned_kde(self.trajectory.at(t), self.grid, bw_factor=self.bw_factor)
            if self.fixed_levels is not None:
                self.levels = np.asarray(self.fixed_levels)
            else:
                self.levels = hdr_levels(self.density, self.masses)
        self._key = key
        gen = contourpy.contour_generator(
            self.grid.x, self.grid.y, self.density, line_type="Separate"
        )
        for mob, level in zip(self.submobjects, self.levels, strict=True):
            # line_type="Separate": a list of (n, 2) arrays (contourpy casts it the same way)
            lines = cast("list[np.ndarray]", gen.lines(level)) if level > 0 else []
            mob.set_points(self._lines_to_points(lines))
        return self

    def _lines_to_points(self, lines: Sequence[np.ndarray]) -> np.ndarray:
        """Polylines in data coordinates to manim Bezier points in scene coordinates."""
        parts = []
        for line in lines:
            if len(line) < 2:
                continue
            v = self.data_map.to_3d(line)
            parts.append(segment_points(v[:-1], v[1:]))
        if not parts:
            return np.zeros((0, 3))
        return np.concatenate(parts)
