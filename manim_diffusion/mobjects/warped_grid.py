"""WarpedGrid: a grid of lines carried by a flow map, bending as time moves."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import (
    DOWN,
    GREY_B,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    CapStyleType,
    CoordinateSystem,
    ManimColor,
    ParsableManimColor,
    Rectangle,
    Text,
    ValueTracker,
    VGroup,
)

from ..analysis.flow_map import FlowMap
from .base import TimeDriven
from .colormaps import colorize
from .renderer import VPath, native_points

__all__ = ["STRETCH_COLORS", "WarpedGrid", "curves_to_beziers"]

#: The stretch colour ramp: squeezed (blue), kept (light grey), spread (red).
STRETCH_COLORS: tuple[str, ...] = ("#2f6fe0", "#8db4f2", "#d4d4d4", "#f4a06a", "#e0442f")


def curves_to_beziers(vertices: np.ndarray, smooth: bool = True) -> np.ndarray:
    """Cubic Bezier segments through the vertices of L curves, ``(L, P-1, 4, 3)``.

    Parameters
    ----------
    vertices
        Shape ``(L, P, 3)``: P vertices of each of L curves, in scene coordinates.
    smooth
        Catmull-Rom handles (the curve passes through every vertex with a continuous
        tangent); ``False`` draws straight segments.

    Returns
    -------
    np.ndarray
        Shape ``(L, P-1, 4, 3)``: segment ``k`` of curve ``l`` runs from vertex ``k``
        to ``k + 1``.

    Examples
    --------
    .. manim:: CurvesToBeziersExample
        :save_last_frame:

        from manim_diffusion.mobjects.warped_grid import curves_to_beziers

        class CurvesToBeziersExample(Scene):
            def construct(self):
                s = np.linspace(0, 2 * np.pi, 9)
                wave = np.stack([s - np.pi, np.sin(s), 0 * s], axis=1)[None]
                corners = VMobject(color=GREY).set_points(curves_to_beziers(wave, False)
                                                         .reshape(-1, 3))
                smooth = VMobject(color=YELLOW).set_points(curves_to_beziers(wave)
                                                          .reshape(-1, 3))
                self.add(corners, smooth)
    """
    v = np.asarray(vertices, dtype=np.float64)
    p0, p1 = v[:, :-1], v[:, 1:]
    if smooth and v.shape[1] > 2:
        tangent = np.empty_like(v)
        tangent[:, 1:-1] = (v[:, 2:] - v[:, :-2]) / 2
        tangent[:, 0] = v[:, 1] - v[:, 0]
        tangent[:, -1] = v[:, -1] - v[:, -2]
        h0, h1 = p0 + tangent[:, :-1] / 3, p1 - tangent[:, 1:] / 3
    else:
        h0, h1 = (2 * p0 + p1) / 3, (p0 + 2 * p1) / 3
    return np.stack([p0, h0, h1, p1], axis=2)


def _factor_text(factor: float) -> str:
    """``4`` as ``"x4"``, ``0.25`` as ``"x1/4"``."""
    if factor >= 1:
        return f"x{factor:.3g}"
    return f"x1/{1 / factor:.3g}"


class WarpedGrid(TimeDriven, VGroup):
    """The lines of a grid carried by a flow map, drawn at the current time.

    The lines follow a time tracker forwards and backwards: at each frame they are the
    flow map's points at that t (linear between recorded steps), drawn through smooth
    Bezier curves. Coloured by stretch, each segment takes the colour of the local
    ``log |det J|`` of the map from t = 0 (:meth:`FlowMap.stretch`): blue where the
    flow squeezes space, red where it spreads it, grey where it keeps area; one stroke
    per colour holds every segment of it.

    Parameters
    ----------
    flow
        A :class:`~manim_diffusion.analysis.flow_map.FlowMap` of curves, e.g.
        ``flow_map(model, grid_lines(2.5), "ddim")``, of 2D points (or 3D points in a
        ``ThreeDScene``, with ``ThreeDAxes`` or no axes).
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` to follow, or a float.
    axes
        The coordinate system of the data; without one, data units are scene units.
    color
        The colour of the lines when not coloured by stretch.
    stroke_width, stroke_opacity
        Of the lines.
    color_by
        ``None`` (one colour) or ``"stretch"`` (needs a flow map made with
        ``jacobian=True``, the default).
    stretch_range
        The area (volume) factors at the ends of the colour ramp, e.g. ``(1/8, 8)``;
        by default symmetric in log, a power of 2 covering 95% of the stretches of the
        whole run, so a colour means the same at every t.
    colors
        The ramp, squeezed to spread: :data:`STRETCH_COLORS` by default.
    n_colors
        How many colours the ramp is cut into (one stroke each).
    smooth
        Smooth curves through the points (``False``: straight segments).
    kwargs
        Passed to :class:`~manim.VGroup`.

    Examples
    --------
    .. manim:: WarpedGridExample

        from manim_diffusion import GaussianMixture
        from manim_diffusion.analysis.flow_map import flow_map
        from manim_diffusion.analysis.grid_lines import grid_lines
        from manim_diffusion.mobjects.warped_grid import WarpedGrid

        class WarpedGridExample(Scene):
            def construct(self):
                fm = flow_map(GaussianMixture.three_dots(), grid_lines(2.5, 7), "ddim", 40)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6.5, y_length=6.5)
                t = ValueTracker(0)
                grid = WarpedGrid(fm, time=t, axes=axes, color_by="stretch")
                legend = grid.stretch_legend().to_corner(UR)
                self.add(grid, legend)
                self.play(t.animate.set_value(1), run_time=3)
    """

    def __init__(
        self,
        flow: FlowMap,
        time: ValueTracker | float = 1.0,
        axes: CoordinateSystem | None = None,
        color: ParsableManimColor = GREY_B,
        stroke_width: float = 2.0,
        stroke_opacity: float = 1.0,
        color_by: str | None = None,
        stretch_range: tuple[float, float] | None = None,
        colors: Sequence[ParsableManimColor] = STRETCH_COLORS,
        n_colors: int = 16,
        smooth: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._check_flow(flow, color_by)
        self.flow = flow
        self.color_by = color_by
        self.smooth = bool(smooth)
        self._set_time_source(time)
        self._set_axes_map(axes)
        self._key: tuple[Any, ...] | None = None
        if color_by is None:
            self.add(VPath(stroke_color=ManimColor.parse(color), stroke_width=stroke_width,
                              stroke_opacity=stroke_opacity, fill_opacity=0))
        else:
            if isinstance(n_colors, bool) or not isinstance(n_colors, int) or n_colors < 2:
                raise ValueError(f"n_colors must be an integer of at least 2, got {n_colors!r}")
            self.log_range = self._log_range(stretch_range)
            self.colors = tuple(colors)
            self._bin_rgba = colorize((np.arange(n_colors) + 0.5) / n_colors, self.colors)
            for rgba in self._bin_rgba:
                self.add(VPath(stroke_color=ManimColor.from_rgb(rgba[:3]),
                                  stroke_width=stroke_width, stroke_opacity=stroke_opacity,
                                  fill_opacity=0, cap_style=CapStyleType.ROUND))
        self._follow_updates()

    @staticmethod
    def _check_flow(flow: FlowMap, color_by: str | None) -> None:
        if not isinstance(flow, FlowMap):
            raise TypeError("flow must be a FlowMap: flow_map(model, grid_lines(...), sampler), "
                            f"got {type(flow).__name__}")
        if len(flow.shape) != 2 or flow.shape[1] < 2 or flow.dim not in (2, 3):
            raise ValueError("a WarpedGrid draws curves of 2D or 3D points: a flow map of "
                             f"grid_lines() or of curves (L, P, D); got layout {flow.shape} "
                             f"of {flow.dim}D points")
        if color_by not in (None, "stretch"):
            raise ValueError(f"color_by must be None or 'stretch', got {color_by!r}")
        if color_by == "stretch" and flow.log_stretch is None:
            raise ValueError("color_by='stretch' needs the flow map's Jacobians: make it with "
                             "flow_map(..., jacobian=True)")

    def _log_range(self, stretch_range: tuple[float, float] | None) -> tuple[float, float]:
        """The ramp's ends in ``log |det J|``."""
        if stretch_range is not None:
            lo, hi = (float(v) for v in stretch_range)
            if not (0 < lo < hi and math.isfinite(hi)):
                raise ValueError("stretch_range must be two area factors 0 < low < high, e.g. "
                                 f"(0.125, 8); got {stretch_range!r}")
            return math.log(lo), math.log(hi)
        values = np.abs(np.asarray(self.flow.log_stretch, dtype=np.float64))
        values = values[np.isfinite(values)]
        q = float(np.percentile(values, 95)) if len(values) else 0.0
        top = math.log(2.0) * max(1, math.ceil(q / math.log(2.0) - 1e-9))
        return -top, top

    @property
    def stretch_range(self) -> tuple[float, float]:
        """The area factors at the ends of the colour ramp (``color_by="stretch"``)."""
        lo, hi = self._need_stretch()
        return math.exp(lo), math.exp(hi)

    def _need_stretch(self) -> tuple[float, float]:
        if self.color_by != "stretch":
            raise ValueError("this grid is not coloured by stretch: make it with "
                             "color_by='stretch'")
        return self.log_range

    def refresh(self) -> WarpedGrid:
        """Redraw the lines if the time or the axes changed."""
        t = self.get_time()
        dmap = self.data_map
        a, b = dmap.affine() if self.flow.dim == 2 else dmap.affine_3d()
        key = (t, a.tobytes(), b.tobytes())
        if key == self._key:
            return self
        self._key = key
        lines = self.flow.at(t).astype(np.float64)
        scene = np.zeros((*lines.shape[:2], 3))
        scene[..., : len(b)] = lines @ a + b  # data to scene: one affine map
        quads = curves_to_beziers(scene, self.smooth)
        if self.color_by is None:
            self.submobjects[0].set_points(native_points(quads.reshape(-1, 3)))
            return self
        stretch = self.flow.stretch(t)
        value = (stretch[:, :-1] + stretch[:, 1:]).ravel() / 2
        lo, hi = self.log_range
        n_bins = len(self.submobjects)
        u = np.nan_to_num((value - lo) / (hi - lo), nan=0.5)
        bins = np.clip((u * n_bins).astype(np.int64), 0, n_bins - 1)
        order = np.argsort(bins, kind="stable")  # along each line, in line order
        flat = quads.reshape(-1, 4, 3)[order]
        ends = np.cumsum(np.bincount(bins, minlength=n_bins))
        for mob, start, end in zip(self.submobjects, np.r_[0, ends[:-1]], ends, strict=True):
            mob.set_points(native_points(flat[start:end].reshape(-1, 3)))
        return self

    def stretch_legend(
        self,
        length: float = 3.0,
        width: float = 0.16,
        font_size: float = 18,
        label: str | None = None,
        color: ParsableManimColor = GREY_B,
    ) -> VGroup:
        """A horizontal colour bar of the stretch ramp, its ends' factors under it.

        Parameters
        ----------
        length, width
            Of the bar, in scene units.
        font_size
            Of the labels.
        label
            The title over the bar; by default "area: squeezed - spread" ("volume" in 3D).
        color
            Of the labels and the frame.

        Returns
        -------
        VGroup
            The bar (one rectangle per colour), its frame, the factors and the title,
            centred at the origin: move it where it goes.
        """
        lo, hi = self._need_stretch()
        n = len(self._bin_rgba)
        cells = VGroup(*(Rectangle(width=length / n, height=width, stroke_width=0,
                                   fill_color=ManimColor.from_rgb(rgba[:3]), fill_opacity=1)
                         for rgba in self._bin_rgba)).arrange(RIGHT, buff=0)
        frame = Rectangle(width=length, height=width, stroke_width=1, stroke_color=color)
        frame.move_to(cells)
        marks = VGroup()
        for value, side in ((lo, LEFT), (0.0, None), (hi, RIGHT)):
            text = Text("x1" if side is None else _factor_text(math.exp(value)),
                        font_size=font_size, color=color)
            text.next_to(frame, DOWN, buff=0.08)
            if side is not None:
                text.align_to(frame, side)
            else:
                text.set_x(frame.get_left()[0] + length * (0 - lo) / (hi - lo))
            marks.add(text)
        what = "area" if self.flow.dim == 2 else "volume"
        title = Text(label or f"{what}: squeezed - spread", font_size=font_size, color=color)
        title.next_to(frame, UP, buff=0.1)
        return VGroup(cells, frame, marks, title).move_to(ORIGIN)
