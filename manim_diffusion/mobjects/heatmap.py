"""DensityHeatmap: a filled density image at time t, aligned to axes, with a colour bar."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from manim import (
    GREY_B,
    RIGHT,
    UP,
    CoordinateSystem,
    Group,
    ParsableManimColor,
    Rectangle,
    Text,
    ValueTracker,
)

from ..analysis.kde import Grid
from ..core.trajectory import Trajectory
from ..densities.mixture import GaussianMixture
from .base import TimeDriven
from .cloud import DistributionCloud
from .colormaps import colorize
from .grid_density import GridDensity, density_extent
from .grid_image import GridImage
from .palettes import INFERNO

__all__ = ["DensityHeatmap", "GridImage", "INFERNO", "colorize"]


def _format_value(v: float) -> str:
    if v == 0:
        return "0"
    if 1e-2 <= abs(v) < 1e3:
        return f"{v:.3g}"
    return f"{v:.1e}"


class DensityHeatmap(TimeDriven, Group):
    """A filled density image at the current time, under a cloud, with a colour bar.

    The density is evaluated on a regular grid over ``extent`` (by default the axes'
    ranges) and drawn as one image pinned to the axes:

    - a :class:`~manim_diffusion.densities.mixture.GaussianMixture`: the exact density
      ``p_t`` (``density(x, t)``) at the current library time;
    - any known density with ``log_prob`` (e.g. a ``MixtureDensity`` of
      :mod:`manim_diffusion.densities.langevin`): that fixed density, whatever the time;
    - a :class:`~manim_diffusion.core.trajectory.Trajectory`, an ``(N, 2)`` array or
      a :class:`DistributionCloud`: a binned kernel density estimate of the points
      at the current time (``kde.binned_kde``);
    - a function ``f(xy)`` or ``f(xy, t)`` of points ``(N, 2)``: its values
      (:class:`~manim_diffusion.mobjects.grid_density.GridDensity` reads every source).

    Values are scaled by the top of ``value_range`` (default: the current maximum),
    raised to ``gamma`` and coloured through ``colors``. The exact mixture density
    costs one evaluation per grid point and component each time the time changes
    (cached for a few times); the estimate about a millisecond.

    Parameters
    ----------
    source
        What to show (see above).
    time
        Library time: a ``ValueTracker`` or a float; default 1, or the cloud's time
        when ``source`` is a cloud.
    axes
        The coordinate system of the data.
    extent
        ``(x0, x1, y0, y1)`` in data units; default the axes' ranges, else the
        trajectory's box plus a margin, else ``(-3, 3, -3, 3)``.
    resolution
        Grid cells along the longer side.
    colors
        Colour ramp from low to high density.
    opacity
        Alpha of the image where the density is high.
    gamma
        Display exponent: ``(density / top) ** gamma``; below 1 lifts faint regions.
    value_range
        ``(0, top)``: a fixed top of the colour scale (e.g. to compare times);
        default the current maximum.
    transparent_below
        Scaled values below this fade to transparent (the background shows through).
    bw_factor
        Bandwidth factor of the kernel density estimate.
    colorbar
        Draw a colour bar beside the image (``self.colorbar``).
    colorbar_config
        ``length``, ``width`` (scene units), ``font_size``, ``label`` (a title,
        default ``"density"``), ``buff``, ``color`` (of the texts).

    Examples
    --------
    .. manim:: DensityHeatmapExample

        import numpy as np
        from manim_diffusion.engine import GaussianMixture
        from manim_diffusion.mobjects import DensityHeatmap

        class DensityHeatmapExample(Scene):
            def construct(self):
                gm = GaussianMixture(means=np.array([[-1.2, 0.0], [1.2, 0.8]]), stds=0.35)
                ax = Axes(x_range=[-3, 3, 1], y_range=[-3, 3, 1], x_length=6, y_length=6,
                          tips=False).shift(LEFT)
                t = ValueTracker(0)
                self.add(DensityHeatmap(gm, time=t, axes=ax), ax)
                self.play(t.animate.set_value(1), run_time=3)
    """

    def __init__(
        self,
        source: GaussianMixture | Trajectory | np.ndarray | DistributionCloud | Any,
        time: ValueTracker | float | None = None,
        axes: CoordinateSystem | None = None,
        extent: tuple[float, float, float, float] | None = None,
        resolution: int = 160,
        colors: Sequence[ParsableManimColor] = INFERNO,
        opacity: float = 1.0,
        gamma: float = 1.0,
        value_range: tuple[float, float] | None = None,
        transparent_below: float = 0.15,
        bw_factor: float = 1.0,
        colorbar: bool = True,
        colorbar_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._evaluate, static, traj = self._classify(source, bw_factor)
        if time is None and isinstance(source, DistributionCloud):
            self._follow_clock(source.get_time)
        else:
            self._set_time_source(1.0 if time is None else time)
        if not (np.isfinite(gamma) and gamma > 0):
            raise ValueError(f"gamma must be a positive number, got {gamma}")
        if value_range is not None and not value_range[1] > value_range[0]:
            raise ValueError(f"value_range must rise, got {value_range}")
        if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
            raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
        self.static = static
        # The colour bar shows the top value as a number unless the time can change.
        follows = isinstance(time, ValueTracker) or (
            time is None and isinstance(source, DistributionCloud))
        self._fixed_top = static or not follows
        self.extent = self._extent(extent, axes, traj)
        self.grid = self._pixel_grid(self.extent, resolution)
        self.colors = tuple(colors)
        self.gamma = float(gamma)
        self.value_range = None if value_range is None else tuple(map(float, value_range))
        self.transparent_below = float(transparent_below)
        self.values = np.zeros((self.grid.ny, self.grid.nx))
        self.top = 0.0
        self._key: float | None = None
        self.image = GridImage(np.zeros((self.grid.ny, self.grid.nx, 4), np.uint8),
                               box=self.extent, axes=axes)
        self.image.set_opacity(opacity)
        self.add(self.image)
        self.refresh()
        self.colorbar: Group | None = None
        if colorbar:
            self.colorbar = self._make_colorbar(dict(colorbar_config or {}))
            self.add(self.colorbar)
        self._follow_updates()

    # ------------------------------------------------------------- sources
    def _classify(
        self, source: Any, bw_factor: float
    ) -> tuple[Callable[[float], np.ndarray], bool, Trajectory | None]:
        """The grid evaluator ``t -> (ny, nx) density``, whether it is static, the points."""
        density = GridDensity(source, bw_factor, owner="DensityHeatmap")
        return (lambda t: density.on_grid(self.grid, t)), density.static, density.trajectory

    @staticmethod
    def _extent(
        extent: tuple[float, float, float, float] | None,
        axes: CoordinateSystem | None,
        traj: Trajectory | None,
    ) -> tuple[float, float, float, float]:
        """The box shown: ``extent``, else the axes' ranges, the points' box, or +-3."""
        return density_extent(extent, axes, traj)

    @staticmethod
    def _pixel_grid(extent: tuple[float, float, float, float], resolution: int) -> Grid:
        """Grid nodes at the centres of the image's pixels."""
        x0, x1, y0, y1 = extent
        scale = max(x1 - x0, y1 - y0) / resolution
        nx = max(2, round((x1 - x0) / scale))
        ny = max(2, round((y1 - y0) / scale))
        hx, hy = 0.5 * (x1 - x0) / nx, 0.5 * (y1 - y0) / ny
        return Grid(x0 + hx, x1 - hx, y0 + hy, y1 - hy, nx, ny)

    # ------------------------------------------------------------- updates
    def _density(self, t: float) -> np.ndarray:
        """The density on the grid at ``t`` (finite, non-negative; cached per time)."""
        return self._evaluate(t)

    def refresh(self) -> DensityHeatmap:
        """Recompute the image if the time changed; keep it on the axes."""
        t = self.get_time()
        if t != self._key:
            self.values = self._density(t)
            lo, self.top = self.value_range or (0.0, float(self.values.max()))
            span = self.top - lo
            u = (self.values - lo) / span if span > 0 else np.zeros_like(self.values)
            u = np.clip(u, 0.0, 1.0) ** self.gamma
            rgba = colorize(u[::-1], self.colors, 1.0, self.transparent_below)
            self.image.set_rgba(rgba)
            self._key = t
        self.image.place()
        return self

    # ----------------------------------------------------------- colour bar
    def _make_colorbar(self, cfg: dict[str, Any]) -> Group:
        box = self.image.corners()
        box_h = float(box[:, 1].max() - box[:, 1].min())
        length = float(cfg.pop("length", 0.6 * box_h))
        width = float(cfg.pop("width", 0.16))
        font_size = float(cfg.pop("font_size", 18))
        label = str(cfg.pop("label", "density"))
        buff = float(cfg.pop("buff", 0.25))
        color = cfg.pop("color", GREY_B)
        if cfg:
            raise ValueError(f"unknown colorbar_config keys: {', '.join(sorted(cfg))}")
        u = np.linspace(1.0, 0.0, 128)[:, None] ** self.gamma
        strip = GridImage(np.repeat(colorize(u, self.colors, 1.0, self.transparent_below),
                                    2, axis=1), height=length)
        strip.stretch_to_fit_width(width)
        frame = Rectangle(width=width, height=length, stroke_width=1, stroke_color=color)
        if self.value_range is not None:
            lo_text, hi_text = (_format_value(v) for v in self.value_range)
        elif self._fixed_top:
            lo_text, hi_text = "0", _format_value(self.top)
        else:
            lo_text, hi_text = "0", "max"
        hi = Text(hi_text, font_size=font_size, color=color).next_to(frame, RIGHT, buff=0.1)
        hi.align_to(frame, UP)
        lo = Text(lo_text, font_size=font_size, color=color).next_to(frame, RIGHT, buff=0.1)
        lo.align_to(frame, -UP)
        parts = [strip, frame, hi, lo]
        if label:
            parts.append(Text(label, font_size=font_size, color=color).next_to(frame, UP,
                                                                                buff=0.15))
        bar = Group(*parts)
        right = float(box[:, 0].max())
        centre_y = float(box[:, 1].mean())
        bar.move_to((right + buff + bar.width / 2, centre_y, 0.0))
        return bar
