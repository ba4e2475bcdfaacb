"""BranchingTree and SpreadPlot: a sampling run's paths not taken, and how far apart they end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from manim import (
    DOWN,
    GREY_B,
    LEFT,
    UP,
    WHITE,
    Axes,
    Circle,
    CoordinateSystem,
    Dot,
    Line,
    ManimColor,
    ParsableManimColor,
    Text,
    ValueTracker,
    VGroup,
)

from ..core.trajectory import Trajectory
from .base import TimeDriven
from .palettes import BRANCH_PALETTE
from .renderer import VPath
from .tracer import polylines_to_beziers

__all__ = ["BRANCH_PALETTE", "BranchingTree", "SpreadPlot"]

_EPS = 1e-9  # a branch whose branch time equals the current time is shown (as a fork)


class BranchesLike(Protocol):
    """What :class:`BranchingTree` reads of a ``BranchSet`` (engine ``branching``)."""

    trunk: Trajectory
    branch_times: np.ndarray
    branch_steps: np.ndarray
    branches: np.ndarray


def _palette(n: int, colors: Sequence[ParsableManimColor] | None) -> list[ManimColor]:
    chosen = [ManimColor.parse(c) for c in (colors or BRANCH_PALETTE)]
    if not chosen:
        raise ValueError("colors must hold at least one colour")
    return [chosen[i % len(chosen)] for i in range(n)]


def _upto(
    paths: np.ndarray, times: np.ndarray, start: int, t: float, keep: np.ndarray | None = None
) -> np.ndarray:
    """Vertices ``(L, M, 2)`` of paths ``(S+1, M, 2)`` from grid index ``start`` to time t.

    The grid points after ``start`` up to ``t`` (only those in ``keep``, when given),
    then the point at ``t`` itself, linearly interpolated; ``L = 1`` (no segment) when
    ``t`` is at or before ``times[start]``.
    """
    j = max(start, int(np.searchsorted(times, t, side="right")) - 1)  # last index <= t
    between = bool(t > times[j] and j + 1 < len(times))
    idx = np.arange(start + 1, j + 1)
    if keep is not None:
        last = idx == j if not between else np.zeros(len(idx), dtype=bool)
        idx = idx[keep[idx] | last]
    verts = paths[np.concatenate([[start], idx])]
    if between:
        w = (t - times[j]) / (times[j + 1] - times[j])
        verts = np.concatenate([verts, ((1 - w) * paths[j] + w * paths[j + 1])[None]])
    return verts


class BranchingTree(TimeDriven, VGroup):
    """One sampling run (the trunk) and the runs that leave it at chosen times.

    A ``BranchSet`` (:func:`manim_diffusion.analysis.branching.branch`) holds a trunk
    trajectory and, at each of a few branch times, ``K`` branches re-sampled from the
    trunk's point there with fresh noise. The tree draws the trunk (white, thicker)
    and the branches in one colour per branch time, all growing with the time: the
    trunk from t = 0, a branch only once the time reaches its branch time (from its
    fork on the trunk). A disc marks the head of every visible path, which at t = 1
    is its end point, and a small disc each fork. One stroke per colour holds all
    the branches of that branch time, so the tree costs a handful of Cairo strokes.
    Add a :class:`DistributionCloud` or :class:`ContourField` on the same axes first
    to draw the tree over the data.

    Parameters
    ----------
    branches
        A ``BranchSet`` of 2D points (or anything with its ``trunk``,
        ``branch_times``, ``branch_steps`` and ``branches`` fields).
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` to follow, or a float.
    axes
        The coordinate system of the data; without one, data units are scene units.
    colors
        One colour per branch time, earliest first (cycled); default
        :data:`BRANCH_PALETTE`.
    trunk_color, trunk_width
        Of the trunk's stroke and its head.
    stroke_width, stroke_opacity
        Of the branches.
    head_radius
        Radius of the discs at the branches' heads (their end points at t = 1), in
        scene units; 0 draws none. The trunk's head is 1.3 times larger.
    fork_radius
        Radius of the discs where branches leave the trunk; 0 draws none.
    thin
        Draw only every ``thin``-th step of the paths (and the forks, and the point at
        the current time): a stochastic sampler's hundreds of small random steps
        read better as a few dozen straight segments. The heads stay exact.

    Examples
    --------
    .. manim:: BranchingTreeExample

        from manim_diffusion.engine import branch, load_pretrained
        from manim_diffusion.mobjects import BranchingTree

        class BranchingTreeExample(Scene):
            def construct(self):
                tree_data = branch(load_pretrained("smiley_ddpm"), "ddpm", 200,
                                   x_start=np.array([[1.8, -1.5]]), k=6, seed=0)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6, y_length=6)
                t = ValueTracker(0)
                self.add(axes, BranchingTree(tree_data, time=t, axes=axes))
                self.play(t.animate.set_value(1), run_time=4)
    """

    def __init__(
        self,
        branches: BranchesLike,
        time: ValueTracker | float = 1.0,
        axes: CoordinateSystem | None = None,
        colors: Sequence[ParsableManimColor] | None = None,
        trunk_color: ParsableManimColor = WHITE,
        trunk_width: float = 4.0,
        stroke_width: float = 2.0,
        stroke_opacity: float = 0.85,
        head_radius: float = 0.05,
        fork_radius: float = 0.045,
        thin: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if head_radius < 0 or fork_radius < 0:
            raise ValueError(f"radii must be >= 0, got {head_radius}, {fork_radius}")
        if isinstance(thin, bool) or not isinstance(thin, int | np.integer) or thin < 1:
            raise ValueError(f"thin must be a positive integer, got {thin!r}")
        self.thin = int(thin)
        self._set_time_source(time)
        self._set_axes_map(axes)
        self.head_radius = float(head_radius)
        self.fork_radius = float(fork_radius)
        self._unit_circle = Circle(radius=1.0).points.copy()
        self._load(branches)
        self.colors = _palette(len(self.branch_times), colors)
        self.trunk_color = ManimColor.parse(trunk_color)
        self._make_strokes(trunk_width, stroke_width, stroke_opacity)
        self._key: tuple[Any, ...] | None = None
        self._follow_updates()

    def _make_strokes(self, trunk_width: float, stroke_width: float,
                      stroke_opacity: float) -> None:
        """The branches' and the trunk's strokes and discs (empty until refreshed)."""
        self.branch_strokes = VGroup(*(
            VPath(stroke_color=c, stroke_width=stroke_width, stroke_opacity=stroke_opacity,
                     fill_opacity=0) for c in self.colors))
        self.trunk_stroke = VPath(stroke_color=self.trunk_color, stroke_width=trunk_width,
                                     fill_opacity=0)
        self.branch_discs = VGroup(*(
            VPath(fill_color=c, fill_opacity=1.0, stroke_color=c, stroke_width=0)
            for c in self.colors))
        self.trunk_disc = VPath(fill_color=self.trunk_color, fill_opacity=1.0,
                                   stroke_width=0)
        self.add(self.branch_strokes, self.trunk_stroke, self.branch_discs, self.trunk_disc)

    def _load(self, branches: BranchesLike) -> None:
        paths = np.asarray(branches.branches, dtype=np.float64)
        trunk = branches.trunk
        if paths.ndim != 4 or paths.shape[-1] != 2:
            raise ValueError(f"expected branches of shape (B, K, S+1, 2), got {paths.shape}")
        if trunk.points.shape[1:] != (1, 2) or len(trunk.times) != paths.shape[2]:
            raise ValueError(
                f"expected a trunk of shape ({paths.shape[2]}, 1, 2), got {trunk.points.shape}")
        steps = np.asarray(branches.branch_steps, dtype=np.int64)
        if steps.shape != (paths.shape[0],):
            raise ValueError(f"expected {paths.shape[0]} branch steps, got {steps.shape}")
        self.branch_set = branches
        self._times = np.asarray(trunk.times, dtype=np.float64)
        self._trunk = np.asarray(trunk.points, dtype=np.float64)  # (S+1, 1, 2)
        self._paths = paths.transpose(0, 2, 1, 3)  # (B, S+1, K, 2)
        self.branch_steps = steps
        self.branch_times = np.asarray(branches.branch_times, dtype=np.float64)
        keep = np.zeros(len(self._times), dtype=bool)
        keep[:: self.thin] = True
        keep[steps] = True
        keep[-1] = True
        self._keep = keep

    def set_branches(self, branches: BranchesLike) -> BranchingTree:
        """Show another tree with as many branch times (e.g. ``BranchSet.promote``)."""
        n = np.asarray(branches.branches).shape[0]
        if n != len(self.colors):
            raise ValueError(f"expected {len(self.colors)} branch times, got {n}")
        self._load(branches)
        self._key = None
        return self.refresh()

    def visible(self) -> np.ndarray:
        """``(B,)`` bool: which branch times the current time has reached."""
        return self.branch_times <= self.get_time() + _EPS

    def trunk_head(self) -> np.ndarray:
        """The scene point ``(3,)`` of the trunk at the current time."""
        t = float(np.clip(self.get_time(), self._times[0], self._times[-1]))
        return self._scene(_upto(self._trunk, self._times, 0, t)[-1])[0]

    def refresh(self) -> BranchingTree:
        """Rebuild the strokes if the time or the axes changed."""
        t = self.get_time()
        key = (t, self.data_map.key())
        if key == self._key:
            return self
        self._key = key
        t = float(np.clip(t, self._times[0], self._times[-1]))
        trunk = self._scene(_upto(self._trunk, self._times, 0, t, self._keep))  # (L, 1, 3)
        self.trunk_stroke.set_points(polylines_to_beziers(trunk))
        self.trunk_disc.set_points(self._discs(trunk[-1], 1.3 * self.head_radius))
        shown = self.visible()
        for b, (stroke, discs) in enumerate(zip(self.branch_strokes, self.branch_discs,
                                                strict=True)):
            if not shown[b]:
                stroke.set_points(np.zeros((0, 3)))
                discs.set_points(np.zeros((0, 3)))
                continue
            start = int(self.branch_steps[b])
            verts = self._scene(_upto(self._paths[b], self._times, start, t, self._keep))
            stroke.set_points(polylines_to_beziers(verts))
            fork = self._scene(self._paths[b, self.branch_steps[b], :1])  # (1, 3)
            discs.set_points(np.concatenate([self._discs(fork, self.fork_radius),
                                             self._discs(verts[-1], self.head_radius)]))
        return self

    def _scene(self, xy: np.ndarray) -> np.ndarray:
        """Data points ``(..., M, 2)`` to scene points ``(..., M, 3)``."""
        return self.data_map.to_3d(xy.reshape(-1, 2)).reshape(*xy.shape[:-1], 3)

    def _discs(self, centres: np.ndarray, radius: float) -> np.ndarray:
        if radius <= 0:
            return np.zeros((0, 3))
        centres = centres[np.isfinite(centres).all(axis=1)]
        return (centres[:, None, :] + self._unit_circle[None] * radius).reshape(-1, 3)


class SpreadPlot(VGroup):
    """How far apart the branches end, against the time they left the trunk.

    One marker per branch time of a ``BranchSet`` (its ``spread``: the mean distance
    of the ``K`` end points from their centroid), in the colours of a
    :class:`BranchingTree`; optionally a denser curve behind them (for instance from
    :func:`~manim_diffusion.analysis.branching.spread_curve`). Early branches end far
    apart, late ones close together: the curve shows when the sample's identity is
    decided.

    Parameters
    ----------
    branches
        A ``BranchSet`` (reads ``branch_times`` and ``spread``), or ``None`` for a
        plot of ``curve`` alone.
    curve
        Optional ``(times, spreads)`` drawn as a grey line under the markers.
    colors
        Marker colours per branch time (cycled); default :data:`BRANCH_PALETTE`.
    width, height
        Of the plotting area, in scene units.
    y_max
        Top of the y axis; default the largest spread rounded up to 0.5.
    font_size
        Of the labels.
    marker_radius
        Of the markers.
    x_label, y_label
        Axis titles (plain text).

    Examples
    --------
    .. manim:: SpreadPlotExample

        from manim_diffusion.engine import branch, load_pretrained
        from manim_diffusion.mobjects import SpreadPlot

        class SpreadPlotExample(Scene):
            def construct(self):
                tree = branch(load_pretrained("smiley_ddpm"), "ddpm", 200,
                              x_start=np.array([[1.8, -1.5]]), k=6, seed=0)
                self.add(SpreadPlot(tree))
    """

    def __init__(
        self,
        branches: Any | None = None,
        curve: tuple[np.ndarray, np.ndarray] | None = None,
        colors: Sequence[ParsableManimColor] | None = None,
        width: float = 3.6,
        height: float = 2.4,
        y_max: float | None = None,
        font_size: float = 18,
        marker_radius: float = 0.08,
        x_label: str = "branch time t",
        y_label: str = "spread of the ends",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if branches is None and curve is None:
            raise ValueError("give branches, a curve, or both")
        if branches is not None:
            self.times = np.asarray(branches.branch_times, dtype=np.float64)
            self.spread = np.asarray(branches.spread, dtype=np.float64)
        else:
            self.times = self.spread = np.zeros(0)
        cx = cy = np.zeros(0)
        if curve is not None:
            cx, cy = (np.asarray(v, dtype=np.float64).ravel() for v in curve)
            if cx.shape != cy.shape:
                raise ValueError(f"curve times and spreads differ in shape: {cx.shape}, {cy.shape}")
        top = np.nanmax(np.concatenate([self.spread, cy, [0.5]]))
        self.y_max = float(y_max) if y_max is not None else float(np.ceil(top * 2) / 2)
        unit = font_size / 18
        self._make_axes(width, height, font_size)
        self.x_label = Text(x_label, font_size=font_size, color=GREY_B)
        self.x_label.next_to(self.tick_labels, DOWN, buff=0.1 * unit)
        self.x_label.set_x(self.axes.c2p(0.5, 0)[0])
        self.y_label = Text(y_label, font_size=font_size, color=GREY_B)
        self.y_label.next_to(self.axes, UP, buff=0.15 * unit).align_to(self.tick_labels, LEFT)
        self.curve = VPath(stroke_color=GREY_B, stroke_width=2.0 * unit, stroke_opacity=0.8,
                              fill_opacity=0)
        if len(cx) > 1:
            pts = np.array([self.axes.c2p(x, min(y, self.y_max)) for x, y in zip(cx, cy,
                                                                                   strict=True)])
            self.curve.set_points(polylines_to_beziers(pts[:, None, :]))
        self.colors = _palette(len(self.times), colors)
        self.markers = VGroup(*(
            Dot(self.axes.c2p(x, min(y, self.y_max)), radius=marker_radius, color=c,
                stroke_color=WHITE, stroke_width=1.0)
            for x, y, c in zip(self.times, self.spread, self.colors, strict=True)))
        self.drops = VGroup(*(
            Line(self.axes.c2p(x, 0), self.axes.c2p(x, min(y, self.y_max)), color=c,
                 stroke_width=1.2 * unit, stroke_opacity=0.5)
            for x, y, c in zip(self.times, self.spread, self.colors, strict=True)))
        self.add(self.axes, self.tick_labels, self.x_label, self.y_label, self.curve,
                 self.drops, self.markers)

    def _make_axes(self, width: float, height: float, font_size: float) -> None:
        """The axes from t = 0 to 1 and 0 to ``y_max``, and their tick labels."""
        y_step = 0.5 if self.y_max <= 2.5 else float(np.ceil(self.y_max / 4))
        unit = font_size / 18
        self.axes = Axes(x_range=[0, 1, 0.25], y_range=[0, self.y_max, y_step],
                         x_length=width, y_length=height, tips=False,
                         axis_config={"stroke_color": GREY_B, "stroke_width": 1.5 * unit,
                                      "tick_size": 0.05 * unit})
        self.tick_labels = VGroup()
        for v in (0.0, 0.5, 1.0):
            self.tick_labels.add(Text(f"{v:g}", font_size=font_size * 0.85, color=GREY_B)
                                 .next_to(self.axes.c2p(v, 0), DOWN, buff=0.12 * unit))
        for v in np.arange(0.0, self.y_max + 1e-9, y_step):
            self.tick_labels.add(Text(f"{v:g}", font_size=font_size * 0.85, color=GREY_B)
                                 .next_to(self.axes.c2p(0, v), LEFT, buff=0.12 * unit))
