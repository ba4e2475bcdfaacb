"""SchedulePlot: alpha_bar, sigma and the SNR of a noise schedule against time, with a marker."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from manim import (
    DOWN,
    GREY_B,
    LEFT,
    RIGHT,
    UP,
    WHITE,
    Axes,
    DashedLine,
    Dot,
    Line,
    ParsableManimColor,
    Text,
    ValueTracker,
    VGroup,
    VMobject,
)

from ..core.schedules import Schedule, get_schedule
from .base import TimeDriven
from .palettes import SCHEDULE_COLORS
from .renderer import VPath
from .tracer import polylines_to_beziers

__all__ = ["SchedulePlot", "CURVES"]

#: The curves a :class:`SchedulePlot` can draw, by name.
CURVES: tuple[str, ...] = ("alpha_bar", "alpha", "sigma", "snr")
DEFAULT_COLORS: dict[str, ParsableManimColor] = SCHEDULE_COLORS
LEGEND: dict[str, str] = {
    "alpha_bar": "ᾱ = α²",
    "alpha": "α",
    "sigma": "σ",
    "snr": "SNR = α²/σ², log scale",
}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_LOG10_E = 1.0 / np.log(10.0)


def _decade(k: float) -> str:
    """The label of 10**k: ``1``, ``10``, ``10⁻⁵``..."""
    k = int(round(k))
    return {0: "1", 1: "10"}.get(k, "10" + str(k).translate(_SUPERSCRIPT))


def _tick_text(v: float) -> str:
    return f"{v:g}"


class SchedulePlot(TimeDriven, VGroup):
    """A noise schedule against library time, with a marker that follows the time.

    The top panel shows ``alpha_bar = alpha^2`` (the signal's share of the variance)
    and ``sigma`` (the noise scale) from 0 to 1; the bottom panel shows the
    signal-to-noise ratio ``SNR = alpha^2 / sigma^2`` on a log scale: the curve is
    ``log10 SNR`` (the schedule's natural ``log_snr`` divided by ``ln 10``), labelled
    in powers of ten, and clipped to ``snr_range`` (SNR is 0 or infinite at the ends
    of some schedules). A dot on each curve and a vertical line mark the current
    time. The x axis is library time: 0 = noise (left), 1 = data (right).

    Parameters
    ----------
    schedule
        A :class:`~manim_diffusion.core.schedules.Schedule` or its name
        (``"linear"``, ``"cosine"``, ``"flow"``).
    time
        A ``ValueTracker`` to follow, or a float; clamped to [0, 1].
    curves
        Which curves to draw, from :data:`CURVES`: ``"alpha_bar"``, ``"alpha"`` and
        ``"sigma"`` share the top panel; ``"snr"`` has its own panel below.
    colors
        Colour per curve name (the others keep their defaults).
    width, height
        Size of the plotting area in scene units (both panels and the gap between
        them); labels lie outside it.
    snr_range
        The plotted range of ``log10 SNR`` (``(-5, 5)``: SNR from 1e-5 to 1e5).
    title
        A title above the plot; ``None``: ``"<name> schedule"``; ``""``: none.
    font_size
        Of all labels.
    samples
        Number of time samples of each curve.
    stroke_width
        Of the curves.
    marker_color
        Colour of the vertical time line.
    show_marker
        Draw the dots and the time line.

    Examples
    --------
    .. manim:: SchedulePlotExample

        from manim_diffusion.mobjects import SchedulePlot

        class SchedulePlotExample(Scene):
            def construct(self):
                t = ValueTracker(1)
                self.add(SchedulePlot.side_by_side(["linear", "cosine"], time=t))
                self.play(t.animate.set_value(0), run_time=3)
    """

    def __init__(
        self,
        schedule: Schedule | str = "linear",
        time: ValueTracker | float = 1.0,
        curves: Sequence[str] = ("alpha_bar", "sigma", "snr"),
        colors: Mapping[str, ParsableManimColor] | None = None,
        width: float = 4.0,
        height: float = 3.2,
        snr_range: tuple[float, float] = (-5.0, 5.0),
        title: str | None = None,
        font_size: float = 18,
        samples: int = 400,
        stroke_width: float = 3.0,
        marker_color: ParsableManimColor = WHITE,
        show_marker: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.schedule = get_schedule(schedule) if isinstance(schedule, str) else schedule
        self.curve_names, self.snr_range = self._checked(curves, width, height, snr_range)
        self.font_size = float(font_size)
        self._set_time_source(time)
        self._colors = {**DEFAULT_COLORS, **dict(colors or {})}
        self.axes: dict[str, Axes] = {}  # "top" and/or "snr"
        self.frames = VGroup()
        self.tick_labels = VGroup()
        self.legend = VGroup()
        self._make_panels(width, height)
        bottom = self.axes["snr" if "snr" in self.curve_names else "top"]
        self._make_x_labels(bottom)
        self.curves: dict[str, VMobject] = {}
        for name in self.curve_names:
            ax = self.axes["snr" if name == "snr" else "top"]
            ts = np.linspace(0.0, 1.0, int(samples) + 1)
            self.curves[name] = VPath(stroke_color=self._colors[name],
                                         stroke_width=stroke_width, fill_opacity=0)
            self.curves[name].set_points(self._curve_points(name, ts, ax))
        self._make_legend()
        self._make_title(title, bottom)
        self.show_marker = bool(show_marker)
        self._make_marker(marker_color)
        self.add(*self.axes.values(), self.frames, self.tick_labels, self.x_label,
                 self.legend, self.title, *self.curves.values())
        if self.show_marker:
            self.add(self.marker_lines, *self.dots.values())
            self._follow_updates()

    # ----------------------------------------------------------------- checks
    def _checked(
        self, curves: Sequence[str], width: float, height: float,
        snr_range: tuple[float, float],
    ) -> tuple[tuple[str, ...], tuple[float, float]]:
        """The curve names (each once) and the SNR range, checked with the schedule."""
        if not isinstance(self.schedule, Schedule):
            raise TypeError(f"schedule must be a Schedule or a name, got {type(self.schedule)}")
        unknown = [c for c in curves if c not in CURVES]
        if unknown or not curves:
            raise ValueError(f"curves must be some of {CURVES}, got {list(curves)}")
        if not (width > 0 and height > 0):
            raise ValueError(f"width and height must be positive, got {width}, {height}")
        lo, hi = (float(v) for v in snr_range)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"snr_range must be finite (low, high), got {snr_range}")
        return tuple(dict.fromkeys(curves)), (lo, hi)

    # ----------------------------------------------------------------- panels
    def _make_panels(self, width: float, height: float) -> None:
        """The top panel (alpha_bar, alpha, sigma) and the SNR panel, as they are asked."""
        unit = self.font_size / 18
        top_names = [c for c in self.curve_names if c != "snr"]
        has_snr = "snr" in self.curve_names
        gap = 0.55 * unit if top_names and has_snr else 0.0
        panel_h = (height - gap) / (int(bool(top_names)) + int(has_snr))
        if panel_h <= 0:
            raise ValueError(f"height {height} leaves no room for two panels")
        if top_names:
            self.axes["top"] = self._panel([0.0, 1.0, 0.5], width, panel_h)
            self.axes["top"].move_to(UP * (height - panel_h) / 2)
            self._decorate(self.axes["top"], _tick_text)
        if has_snr:
            lo, hi = self.snr_range
            step = (hi - lo) / 2
            integer = float(lo).is_integer() and float(step).is_integer()
            self.axes["snr"] = self._panel([lo, hi, step], width, panel_h)
            self.axes["snr"].move_to(DOWN * (height - panel_h) / 2)
            self._decorate(self.axes["snr"], _decade if integer else (lambda v: f"1e{v:g}"))
            if lo < 0 < hi:  # SNR = 1: signal and noise equal
                ax = self.axes["snr"]
                self.frames.add(DashedLine(ax.c2p(0, 0), ax.c2p(1, 0), color=GREY_B,
                                           stroke_width=1.5 * unit, stroke_opacity=0.5,
                                           dash_length=0.08))

    def _make_x_labels(self, bottom: Axes) -> None:
        """The time ticks and the x axis title under the bottom panel."""
        unit = self.font_size / 18
        for v in (0.0, 0.5, 1.0):
            self.tick_labels.add(self._text(_tick_text(v), GREY_B).next_to(
                bottom.c2p(v, bottom.y_range[0]), DOWN, buff=0.1 * unit))
        self.x_label = self._text("t   (0 = noise, 1 = data)", GREY_B).next_to(
            self.tick_labels, DOWN, buff=0.08 * unit)
        self.x_label.set_x(bottom.c2p(0.5, 0)[0])

    def _make_legend(self) -> None:
        """The curves' names in their colours above their panels."""
        unit = self.font_size / 18
        top_names = [c for c in self.curve_names if c != "snr"]
        for name in top_names:
            self.legend.add(self._text(LEGEND[name], self._colors[name]))
        if top_names:
            self.legend.arrange(RIGHT, buff=0.3 * unit)
            self.legend.next_to(self.axes["top"], UP, buff=0.1 * unit, aligned_edge=LEFT)
        if "snr" in self.curve_names:
            snr_label = self._text(LEGEND["snr"], self._colors["snr"])
            snr_label.next_to(self.axes["snr"], UP, buff=0.1 * unit, aligned_edge=LEFT)
            self.legend.add(snr_label)

    def _make_title(self, title: str | None, bottom: Axes) -> None:
        unit = self.font_size / 18
        if title is None:
            title = f"{self.schedule.name} schedule" if self.schedule.name else ""
        self.title = self._text(title, WHITE, 1.2) if title else VGroup()
        if title:
            self.title.next_to(self.legend if len(self.legend) else self.frames, UP,
                               buff=0.15 * unit)
            self.title.set_x(bottom.c2p(0.5, 0)[0])

    def _make_marker(self, marker_color: ParsableManimColor) -> None:
        """The vertical time line of each panel and a dot on each curve."""
        unit = self.font_size / 18
        self.marker_lines = VGroup(*(Line(ax.c2p(0, ax.y_range[0]), ax.c2p(0, ax.y_range[1]),
                                          color=marker_color, stroke_width=1.5 * unit)
                                     for ax in self.axes.values()))
        self.dots: dict[str, Dot] = {
            name: Dot(radius=0.06 * unit, color=self._colors[name], stroke_color=WHITE,
                      stroke_width=1.0) for name in self.curve_names
        }

    # ----------------------------------------------------------------- build
    def _text(self, s: str, color: ParsableManimColor, scale: float = 1.0) -> Text:
        return Text(s, font_size=self.font_size * scale, color=color)

    @staticmethod
    def _panel(y_range: list[float], width: float, height: float) -> Axes:
        """Invisible axes that give a panel its coordinates."""
        return Axes(x_range=[0.0, 1.0, 0.5], y_range=y_range, x_length=width,
                    y_length=height, tips=False,
                    axis_config={"stroke_opacity": 0.0, "include_ticks": False})

    def _decorate(self, ax: Axes, label: Callable[[float], str]) -> None:
        """A left and bottom axis line with ticks, faint grid lines, y tick labels."""
        unit = self.font_size / 18
        y0, y1, dy = ax.y_range
        tick = 0.06 * unit
        lines = VGroup(Line(ax.c2p(0, y0), ax.c2p(1, y0)), Line(ax.c2p(0, y0), ax.c2p(0, y1)))
        grid = VGroup()
        for v in np.linspace(y0, y1, int(round((y1 - y0) / dy)) + 1):
            p = ax.c2p(0, v)
            lines.add(Line(p, p + LEFT * tick))
            self.tick_labels.add(self._text(label(v), GREY_B).scale(0.85).next_to(
                p + LEFT * tick, LEFT, buff=0.06 * unit))
            if v > y0:
                grid.add(Line(p, ax.c2p(1, v)))
        for v in (0.0, 0.5, 1.0):
            p = ax.c2p(v, y0)
            lines.add(Line(p, p + DOWN * tick))
            if v > 0:
                grid.add(Line(p, ax.c2p(v, y1)))
        lines.set_stroke(GREY_B, width=1.5 * unit)
        grid.set_stroke(GREY_B, width=1.0 * unit, opacity=0.18)
        self.frames.add(grid, lines)

    def _curve_points(self, name: str, ts: np.ndarray, ax: Axes) -> np.ndarray:
        """Bezier points of one curve, cut where it leaves its panel (kept up to the edge)."""
        raw = self._raw_value(name, ts)
        y0, y1 = ax.y_range[:2]
        inside = (raw >= y0) & (raw <= y1)
        keep = inside.copy()
        keep[1:] |= inside[:-1]  # the first sample past an edge, clipped onto it
        keep[:-1] |= inside[1:]
        ys = np.clip(np.nan_to_num(raw, nan=y0, posinf=y1, neginf=y0), y0, y1)
        pts = np.array(ax.c2p(ts, ys), dtype=np.float64).reshape(3, -1).T  # (N, 3)
        pts[~keep] = np.nan
        return polylines_to_beziers(pts[:, None, :])

    # ------------------------------------------------------------------ data
    def _raw_value(self, name: str, t: np.ndarray | float) -> np.ndarray:
        """The unclipped plotted value of a curve (``log10 SNR`` for ``"snr"``)."""
        ts = np.atleast_1d(np.asarray(t, dtype=np.float64))
        s = self.schedule
        with np.errstate(divide="ignore", invalid="ignore"):
            if name == "alpha_bar":
                out = s.alpha_bar(ts)
            elif name == "alpha":
                out = s.alpha(ts)
            elif name == "sigma":
                out = s.sigma(ts)
            else:
                out = np.asarray(s.log_snr(ts), dtype=np.float64) * _LOG10_E
        return np.asarray(out, dtype=np.float64)

    def value(self, name: str, t: float) -> float:
        """The plotted value of curve ``name`` at time ``t``, clipped to its panel.

        ``alpha_bar``, ``alpha``, ``sigma``: the schedule's value in [0, 1];
        ``snr``: ``log10 SNR`` clipped to ``snr_range`` (finite at ``t = 0`` and 1).
        """
        if name not in self.curves:
            raise ValueError(f"this plot has no curve {name!r}; it has {list(self.curves)}")
        ax = self.axes["snr" if name == "snr" else "top"]
        y0, y1 = ax.y_range[:2]
        raw = float(self._raw_value(name, float(np.clip(t, 0.0, 1.0)))[0])
        return float(np.clip(np.nan_to_num(raw, nan=y0, posinf=y1, neginf=y0), y0, y1))

    def point_at(self, name: str, t: float) -> np.ndarray:
        """The scene point of curve ``name`` at time ``t`` (where its dot sits then)."""
        ax = self.axes["snr" if name == "snr" else "top"]
        t = float(np.clip(t, 0.0, 1.0))
        return np.asarray(ax.c2p(t, self.value(name, t)), dtype=np.float64)

    def _clamp_time(self, time: float) -> float:
        """The time marked is clamped to [0, 1]."""
        return float(np.clip(time, 0.0, 1.0))

    def refresh(self) -> SchedulePlot:
        """Move the dots and the time line to the current time."""
        if not self.show_marker:
            return self
        t = self.get_time()
        for line, ax in zip(self.marker_lines, self.axes.values(), strict=True):
            line.put_start_and_end_on(ax.c2p(t, ax.y_range[0]), ax.c2p(t, ax.y_range[1]))
        for name, dot in self.dots.items():
            dot.move_to(self.point_at(name, t))
        return self

    # --------------------------------------------------------------- layouts
    @classmethod
    def side_by_side(
        cls,
        schedules: Sequence[Schedule | str],
        time: ValueTracker | float = 1.0,
        buff: float = 0.8,
        **kwargs: Any,
    ) -> VGroup:
        """One plot per schedule in a row, all following the same ``time``.

        ``kwargs`` go to every plot (``curves``, ``width``, ``height``...). Returns a
        ``VGroup`` of :class:`SchedulePlot`, aligned at the top of their panels.
        """
        plots = VGroup(*(cls(s, time=time, **kwargs) for s in schedules))
        plots.arrange(RIGHT, buff=buff, aligned_edge=UP)
        return plots
