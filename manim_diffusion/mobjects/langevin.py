"""LangevinWalker: Langevin walkers, with trails, step arrows and a visited histogram."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import (
    BLUE,
    DOWN,
    GREY_B,
    PINK,
    RIGHT,
    WHITE,
    YELLOW,
    Circle,
    CoordinateSystem,
    Group,
    Mobject,
    ParsableManimColor,
    Rectangle,
    Text,
    ValueTracker,
    VMobject,
)
from manim.mobject.opengl.opengl_mobject import OpenGLMobject

from ..core.trajectory import Trajectory
from ..densities.langevin import LangevinRun
from .base import TimeDriven, TimeLike
from .cloud import DistributionCloud
from .colormaps import colorize
from .grid_image import GridImage
from .palettes import INFERNO
from .renderer import VPath, segment_points
from .shared import Shared
from .tracer import TrajectoryTracer

__all__ = ["LangevinWalker", "arrow_points"]


def arrow_points(
    starts: np.ndarray, ends: np.ndarray, tip_length: float = 0.12, tip_width: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """Bezier points of straight arrows: the shafts and the triangular tips.

    Parameters
    ----------
    starts, ends
        Scene points ``(M, 3)``. Arrows shorter than ``1e-9`` are left out.
    tip_length, tip_width
        Of the tips, in scene units; a short arrow's tip shrinks to 40% of its length.

    Returns
    -------
    tuple of np.ndarray
        ``(shafts, tips)``: Bezier points for one stroked and one filled VMobject,
        in the renderer's layout (four points a segment under Cairo, three under OpenGL).
    """
    vec = ends - starts
    length = np.linalg.norm(vec, axis=1)
    keep = np.isfinite(length) & (length > 1e-9)
    if not keep.any():
        return np.zeros((0, 3)), np.zeros((0, 3))
    s, e, v, n = starts[keep], ends[keep], vec[keep], length[keep][:, None]
    u = v / n
    tl = np.minimum(tip_length, 0.4 * n)
    tw = tip_width * tl / tip_length
    normal = np.stack([-u[:, 1], u[:, 0], np.zeros(len(u))], axis=1)
    base = e - u * tl
    shafts = _segments(s[:, None], base[:, None])
    a, b = base + normal * tw / 2, base - normal * tw / 2
    corners = np.stack([e, a, b, e], axis=1)  # closed triangles
    tips = _segments(corners[:, :-1], corners[:, 1:])
    return shafts, tips


def _segments(p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
    """Straight segments ``p0 -> p1`` of shape ``(M, L, 3)`` as the renderer's points."""
    return segment_points(p0.reshape(-1, 3), p1.reshape(-1, 3))


class LangevinWalker(TimeDriven, Group):
    """Walkers of a Langevin run, following a time tracker.

    All walkers are drawn as one splatted image (a :class:`DistributionCloud`), so
    thousands stay fast. A few chosen walkers (``shown``) can be highlighted with a
    trail (:class:`TrajectoryTracer`) and with two arrows that take their current
    step apart: the gradient step ``step_size * score`` and, from its tip, the noise
    kick. The arrows belong to the step in progress: between rows ``r`` and ``r+1`` of
    the run they start at row ``r``'s point and, at ``arrow_scale=1``, end at row
    ``r+1``'s, where the walker is heading. A histogram of every position visited up
    to the current time can be shown beside the walkers (``self.histogram``, a
    small panel that can be moved).

    Parameters
    ----------
    run
        A :class:`~manim_diffusion.densities.langevin.LangevinRun` (needed for arrows)
        or a plain trajectory of 2D points.
    time
        Library time (0 = start of the walk, 1 = its end): a ``ValueTracker`` or a float.
    axes
        The coordinate system of the data; without one, data units are scene units.
    radius, color, opacity
        Of the walkers' discs (scene units).
    cloud_config
        More keyword arguments for the :class:`DistributionCloud` (e.g. ``values``).
    shown
        Indices of the walkers to highlight; an int ``k`` shows the first ``k``.
        Default: walker 0 when there is a single walker, else none.
    shown_color, shown_radius
        Colour and radius (scene units) of the highlighted walkers' discs.
    trail
        Draw the highlighted walkers' paths.
    trail_length
        Library time of path to keep (a fading tail); ``None`` keeps the whole path.
    trail_config
        More keyword arguments for the :class:`TrajectoryTracer`.
    arrows
        Draw the gradient step and noise kick of the highlighted walkers.
    arrow_scale
        Magnifies both arrows (one step is often shorter than a disc).
    drift_color, kick_color
        Colours of the gradient-step and noise-kick arrows.
    arrow_config
        ``stroke_width``, ``tip_length``, ``tip_width`` (scene units).
    histogram
        Show the panel of visited positions.
    histogram_config
        ``bins`` (along the longer side, default 64), ``size`` (panel height in scene
        units, default 2), ``extent`` (data box; default the axes' ranges, else the
        run's box), ``gamma`` (display exponent, default 0.5), ``colors``,
        ``burn_in`` (library time before which positions are not counted, default 0),
        ``label`` (default ``"visited so far"``), ``font_size``, ``buff``.

    Examples
    --------
    .. manim:: LangevinWalkerExample

        from manim_diffusion.engine import GaussianMixture
        from manim_diffusion.densities.langevin import langevin_walk
        from manim_diffusion.mobjects import LangevinWalker

        class LangevinWalkerExample(Scene):
            def construct(self):
                gm = GaussianMixture(means=[[-1.5, 0.0], [1.5, 0.5]], stds=0.5)
                run = langevin_walk(gm, n=1000, steps=200, step_size=0.02, seed=0)
                ax = Axes(x_range=[-4, 4, 1], y_range=[-4, 4, 1], x_length=6,
                          y_length=6, tips=False).shift(2 * LEFT)
                t = ValueTracker(0)
                walkers = LangevinWalker(run, time=t, axes=ax, radius=0.025, shown=[0],
                                         arrows=True, arrow_scale=4, histogram=True)
                self.add(ax, walkers)
                self.play(t.animate.set_value(1), run_time=4, rate_func=linear)
    """

    def __init__(
        self,
        run: LangevinRun | Trajectory,
        time: ValueTracker | float = 1.0,
        axes: CoordinateSystem | None = None,
        radius: float = 0.03,
        color: ParsableManimColor = BLUE,
        opacity: float = 1.0,
        cloud_config: dict[str, Any] | None = None,
        shown: int | Sequence[int] | np.ndarray | None = None,
        shown_color: ParsableManimColor = WHITE,
        shown_radius: float | None = None,
        trail: bool = True,
        trail_length: float | None = None,
        trail_config: dict[str, Any] | None = None,
        arrows: bool = False,
        arrow_scale: float = 1.0,
        drift_color: ParsableManimColor = YELLOW,
        kick_color: ParsableManimColor = PINK,
        arrow_config: dict[str, Any] | None = None,
        histogram: bool = False,
        histogram_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.run, traj = self._checked_run(run, arrows, arrow_scale)
        self._traj = Shared(traj)
        self._set_time_source(time)
        self._set_axes_map(axes)
        self.shown = self._choose(shown, traj.n_points)
        self._key: tuple[Any, ...] | None = None
        self.cloud = DistributionCloud(traj, time=time, axes=axes, radius=radius, color=color,
                                       opacity=opacity, **(cloud_config or {}))
        self.add(self.cloud)
        self.trail: TrajectoryTracer | None = None
        if trail and len(self.shown):
            cfg = {"color": shown_color, "stroke_width": 2.0, "stroke_opacity": 0.8,
                   **(trail_config or {})}
            self.trail = TrajectoryTracer(traj, time=time, axes=axes, indices=self.shown,
                                          tail_length=trail_length, **cfg)
            self.add(self.trail)
        self._make_arrows(arrows, arrow_scale, drift_color, kick_color, arrow_config)
        self._make_heads(radius, shown_color, shown_radius)
        self.histogram: Group | None = None
        if histogram:
            self.histogram = self._make_histogram(dict(histogram_config or {}), axes)
            self.add(self.histogram)
        self._follow_updates()

    @staticmethod
    def _checked_run(
        run: LangevinRun | Trajectory, arrows: bool, arrow_scale: float
    ) -> tuple[LangevinRun | None, Trajectory]:
        """The run (``None`` for a plain trajectory) and the walkers' trajectory."""
        if isinstance(run, LangevinRun):
            traj = run.trajectory
        elif isinstance(run, Trajectory):
            traj = run
        else:
            raise TypeError(f"expected a LangevinRun or a Trajectory, got {type(run).__name__}")
        if traj.dim != 2:
            raise ValueError(f"expected walkers in 2D, got points of shape {traj.points.shape}")
        if arrows and not isinstance(run, LangevinRun):
            raise ValueError("arrows need a LangevinRun (a Trajectory has no step parts)")
        if not (np.isfinite(arrow_scale) and arrow_scale > 0):
            raise ValueError(f"arrow_scale must be a positive number, got {arrow_scale}")
        return (run if isinstance(run, LangevinRun) else None), traj

    def _make_arrows(
        self, arrows: bool, arrow_scale: float, drift_color: ParsableManimColor,
        kick_color: ParsableManimColor, arrow_config: dict[str, Any] | None,
    ) -> None:
        """The gradient-step and noise-kick arrows of the highlighted walkers."""
        cfg = {"stroke_width": 4.0, "tip_length": 0.16, "tip_width": 0.14,
               **(arrow_config or {})}
        unknown = set(cfg) - {"stroke_width", "tip_length", "tip_width"}
        if unknown:
            raise ValueError(f"unknown arrow_config keys: {', '.join(sorted(unknown))}")
        self.arrow_scale = float(arrow_scale)
        self._tip = (float(cfg["tip_length"]), float(cfg["tip_width"]))
        self.drift_arrows: tuple[VMobject, VMobject] | None = None
        self.kick_arrows: tuple[VMobject, VMobject] | None = None
        if arrows and len(self.shown):
            self.drift_arrows = self._arrow_pair(drift_color, cfg["stroke_width"])
            self.kick_arrows = self._arrow_pair(kick_color, cfg["stroke_width"])
            self.add(*self.kick_arrows, *self.drift_arrows)  # the gradient step on top

    def _make_heads(self, radius: float, shown_color: ParsableManimColor,
                    shown_radius: float | None) -> None:
        """The discs of the highlighted walkers."""
        self.heads: VMobject | None = None
        self._head_radius = 1.8 * radius if shown_radius is None else float(shown_radius)
        if len(self.shown):
            self.heads = VPath(fill_color=shown_color, fill_opacity=1.0, stroke_width=1.0,
                                  stroke_color=shown_color)
            self.add(self.heads)
        self._unit_circle = Circle(radius=1.0).points.copy()

    # ------------------------------------------------------------------ set-up
    @staticmethod
    def _choose(shown: int | Sequence[int] | np.ndarray | None, n: int) -> np.ndarray:
        if shown is None:
            return np.arange(1) if n == 1 else np.zeros(0, dtype=np.int64)
        if isinstance(shown, int | np.integer):
            if shown < 0:
                raise ValueError(f"shown must be >= 0, got {shown}")
            return np.arange(min(int(shown), n))
        idx = np.asarray(shown, dtype=np.int64).ravel()
        if len(idx) and (idx.min() < -n or idx.max() >= n):
            raise ValueError(f"shown indices must lie in [0, {n}), got {idx.min()}..{idx.max()}")
        return np.mod(idx, n)

    @staticmethod
    def _arrow_pair(color: ParsableManimColor, stroke_width: float) -> tuple[VMobject, VMobject]:
        shaft = VPath(stroke_color=color, stroke_width=stroke_width, fill_opacity=0)
        tip = VPath(fill_color=color, fill_opacity=1.0, stroke_width=0)
        return shaft, tip

    def _make_histogram(self, cfg: dict[str, Any], axes: CoordinateSystem | None) -> Group:
        traj = self.trajectory
        bins = int(cfg.pop("bins", 64))
        size = float(cfg.pop("size", 2.0))
        extent = cfg.pop("extent", None)
        self._hist_gamma = float(cfg.pop("gamma", 0.5))
        self._hist_colors = tuple(cfg.pop("colors", INFERNO))
        burn_in = float(cfg.pop("burn_in", 0.0))
        label = str(cfg.pop("label", "visited so far"))
        font_size = float(cfg.pop("font_size", 18))
        buff = float(cfg.pop("buff", 0.4))
        if cfg:
            raise ValueError(f"unknown histogram_config keys: {', '.join(sorted(cfg))}")
        if bins < 2 or not size > 0:
            raise ValueError(f"need bins >= 2 and a positive size, got {bins}, {size}")
        if extent is None and axes is not None:
            extent = (*axes.x_range[:2], *axes.y_range[:2])
        if extent is None:
            lo, hi = traj.bounds()
            hi = np.maximum(hi, lo + 1e-6)
            m = 0.05 * float(np.max(hi - lo))
            extent = (lo[0] - m, hi[0] + m, lo[1] - m, hi[1] + m)
        x0, x1, y0, y1 = (float(v) for v in extent)
        if not (x1 > x0 and y1 > y0):
            raise ValueError(f"histogram extent must be (x0, x1, y0, y1) rising, got {extent}")
        cell = max(x1 - x0, y1 - y0) / bins
        nx, ny = max(1, round((x1 - x0) / cell)), max(1, round((y1 - y0) / cell))
        self._hist_counts = Shared(self._cumulative_counts(traj, (x0, x1, y0, y1), nx, ny,
                                                            burn_in))
        image = GridImage(np.zeros((ny, nx, 4), np.uint8), height=size)
        frame = Rectangle(width=image.width, height=image.height, stroke_width=1,
                          stroke_color=GREY_B).move_to(image)
        parts: list[Any] = [image, frame]
        if label:
            parts.append(Text(label, font_size=font_size, color=GREY_B).next_to(frame, DOWN,
                                                                                buff=0.12))
        panel = Group(*parts)
        self._hist_image = image
        # every concrete CoordinateSystem (Axes, NumberPlane, ...) is a Mobject
        anchor = axes if isinstance(axes, Mobject | OpenGLMobject) else self.cloud
        panel.next_to(anchor, RIGHT, buff=buff)
        return panel

    @staticmethod
    def _cumulative_counts(
        traj: Trajectory, extent: tuple[float, float, float, float], nx: int, ny: int,
        burn_in: float,
    ) -> np.ndarray:
        """Visits per cell summed over the rows up to each row: ``(R+1, ny, nx)``."""
        x0, x1, y0, y1 = extent
        pts = traj.points  # (R+1, N, 2)
        ix = np.floor((pts[..., 0] - x0) / (x1 - x0) * nx).astype(np.int64)
        iy = np.floor((pts[..., 1] - y0) / (y1 - y0) * ny).astype(np.int64)
        inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        inside &= (traj.times >= burn_in)[:, None]
        rows = np.broadcast_to(np.arange(len(pts))[:, None], ix.shape)
        flat = (rows * ny + (ny - 1 - iy)) * nx + ix  # image rows: top is high y
        counts = np.bincount(flat[inside], minlength=len(pts) * ny * nx)
        return np.cumsum(counts.reshape(len(pts), ny, nx), axis=0, dtype=np.float32)

    # ------------------------------------------------------------------- state
    @property
    def trajectory(self) -> Trajectory:
        """The walkers' trajectory."""
        return self._traj.value

    def _on_time_source(self, time: TimeLike) -> None:
        """The cloud and the trail follow the new time too."""
        self.cloud.set_time(time)
        if self.trail is not None:
            self.trail.set_time(time)

    def _row(self, t: float) -> tuple[int, float]:
        """Row ``r`` of the step in progress at ``t`` and how far along it is."""
        times = self.trajectory.times
        if len(times) == 1:
            return 0, 0.0
        t = min(max(t, float(times[0])), float(times[-1]))
        r = int(np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2))
        span = times[r + 1] - times[r]
        return r, float(np.clip((t - times[r]) / span, 0.0, 1.0)) if span > 0 else 0.0

    def walker_points(self) -> np.ndarray:
        """Data positions of the highlighted walkers now, shape ``(M, 2)``."""
        return self.trajectory.at(self.get_time())[self.shown]

    def visited_counts(self) -> np.ndarray | None:
        """Visits per histogram cell up to now (image layout: row 0 is the top)."""
        if self.histogram is None:
            return None
        counts = self._hist_counts.value
        r, w = self._row(self.get_time())
        if len(counts) == 1 or w == 0.0:
            return counts[r]
        return (1.0 - w) * counts[r] + w * counts[r + 1]

    # ----------------------------------------------------------------- drawing
    def refresh(self) -> LangevinWalker:
        """Redraw the arrows, heads and histogram if the time or the axes changed."""
        t = self.get_time()
        key = (t, self.data_map.key())
        if key == self._key:
            return self
        time_changed = self._key is None or self._key[0] != t
        self._key = key
        if self.heads is not None:
            centres = self.data_map.to_3d(self.walker_points())
            centres = centres[np.isfinite(centres).all(axis=1)]
            circle = self._unit_circle * self._head_radius
            self.heads.set_points((centres[:, None, :] + circle[None]).reshape(-1, 3))
        if self.drift_arrows is not None and self.kick_arrows is not None:
            self._draw_arrows(t)
        if self.histogram is not None and time_changed:
            counts = self.visited_counts()
            assert counts is not None  # None only without a histogram
            top = float(counts.max())
            u = (counts / top) ** self._hist_gamma if top > 0 else np.zeros_like(counts)
            self._hist_image.set_rgba(colorize(u, self._hist_colors, 1.0, 0.02))
        return self

    def _draw_arrows(self, t: float) -> None:
        run = self.run
        if run is None or run.trajectory.n_steps == 0:
            return
        assert self.drift_arrows is not None and self.kick_arrows is not None  # refresh checks
        r, _ = self._row(t)
        base = run.points[r, self.shown].astype(np.float64)
        mid = base + self.arrow_scale * run.drift[r, self.shown]
        tip = mid + self.arrow_scale * run.kicks[r, self.shown]
        b, m, e = (self.data_map.to_3d(p) for p in (base, mid, tip))
        for (shaft, head), (s, f) in zip((self.drift_arrows, self.kick_arrows),
                                         ((b, m), (m, e)), strict=True):
            shafts, tips = arrow_points(s, f, *self._tip)
            shaft.set_points(shafts)
            head.set_points(tips)
