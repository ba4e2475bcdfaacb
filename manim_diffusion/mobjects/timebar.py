"""TimeBar: the time slider from t = 0 (noise) to t = 1 (data), following a tracker."""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import (
    DOWN,
    GREY_B,
    LEFT,
    PI,
    RIGHT,
    UP,
    WHITE,
    YELLOW,
    Line,
    ParsableManimColor,
    Triangle,
    ValueTracker,
    VGroup,
    VMobject,
)

from ..core.trajectory import Trajectory
from .base import TimeDriven
from .glyphs import GlyphCache, LiveText
from .renderer import VPath

__all__ = ["TimeBar"]


#: One glyph cache per font size, shared by every time bar of the process.
_GLYPH_CACHES: dict[float, GlyphCache] = {}


def glyph_cache(font_size: float) -> GlyphCache:
    """The process-wide :class:`GlyphCache` of the time bars' labels at ``font_size``."""
    if font_size not in _GLYPH_CACHES:
        _GLYPH_CACHES[font_size] = GlyphCache(font_size)
    return _GLYPH_CACHES[font_size]


def _format_step(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


class TimeBar(TimeDriven, VGroup):
    """A time slider: a bar from noise (t = 0, left) to data (t = 1, right).

    A triangle marker and a ``t = 0.42`` label follow the time; with a trajectory an
    extra label shows the sampler's own step at that time (e.g. ``step 734 / 1000``).
    Labels are plain :class:`~manim.Text` (no LaTeX). The changing ones are composed
    from cached glyphs (:class:`~manim_diffusion.mobjects.glyphs.GlyphCache`, shared by
    every bar of one font size): a handful of ``Text`` layouts in all, not one per
    displayed value, and the same outlines Pango gives. Their outlines are copied into
    two fixed label mobjects, so the family of the bar never changes while it plays
    (the Cairo renderer fixes it when a play begins).

    Parameters
    ----------
    time
        A ``ValueTracker`` to follow, or a float.
    trajectory
        Optional: shows the sampler's step (``trajectory.steps``) of the row at or
        before the current time, out of the largest step (integer steps such as
        DDPM's ``T .. 0``), or the row out of the number of rows (other labels).
    length
        Bar length in scene units.
    decimals
        Decimals of the ``t`` label.
    font_size
        Of all labels.
    left_label, right_label
        Texts at the bar's ends (empty strings for none).
    step_format
        Format of the step label, with ``{step}`` (the sampler's own label),
        ``{row}`` and ``{total}`` (number of sampler steps).
    bar_color, marker_color, label_color
        Colours of the bar, the marker and the labels.
    bar_width
        Stroke width of the bar.

    Examples
    --------
    .. manim:: TimeBarExample

        from manim_diffusion.mobjects import TimeBar

        class TimeBarExample(Scene):
            def construct(self):
                t = ValueTracker(0)
                self.add(TimeBar(t).to_edge(DOWN))
                self.play(t.animate.set_value(1), run_time=3)
    """

    def __init__(
        self,
        time: ValueTracker | float = 0.0,
        trajectory: Trajectory | None = None,
        length: float = 6.0,
        decimals: int = 2,
        font_size: float = 24,
        left_label: str = "noise",
        right_label: str = "data",
        step_format: str = "step {step} / {total}",
        bar_color: ParsableManimColor = GREY_B,
        marker_color: ParsableManimColor = YELLOW,
        label_color: ParsableManimColor = WHITE,
        bar_width: float = 4.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not length > 0:
            raise ValueError(f"length must be positive, got {length}")
        self._set_time_source(time)
        self.trajectory = trajectory
        self.length = float(length)
        self.decimals = int(decimals)
        self.font_size = float(font_size)
        self.step_format = step_format
        self.label_color = label_color
        self._glyphs = glyph_cache(self.font_size)
        self.bar = Line(LEFT * length / 2, RIGHT * length / 2, color=bar_color,
                        stroke_width=bar_width)
        self.marker = Triangle(color=marker_color, fill_opacity=1, stroke_width=0)
        self.marker.rotate(PI).scale_to_fit_height(0.18 * font_size / 24)
        self.end_labels = VGroup()
        if left_label:
            self.end_labels.add(self._text(left_label).next_to(self.bar, LEFT, buff=0.2))
        if right_label:
            self.end_labels.add(self._text(right_label).next_to(self.bar, RIGHT, buff=0.2))
        self.value_label = self._label_mobject()
        self.step_label = self._label_mobject()
        self.add(self.bar, self.end_labels, self.marker, self.value_label, self.step_label)
        self._drawn: tuple[float, bytes] | None = None
        self._follow_updates()

    def _text(self, s: str) -> LiveText:
        """A fixed label as one path from the glyph cache (one draw, not one per glyph)."""
        return LiveText(s, font_size=self.font_size, color=self.label_color, cache=self._glyphs)

    def _label_mobject(self) -> VMobject:
        return VPath(fill_color=self.label_color, fill_opacity=1.0, stroke_width=0)

    def _outline(self, s: str) -> np.ndarray:
        """Bezier points of the text ``s`` centred at the origin, from the glyph cache."""
        return self._glyphs.outline(s)

    def _clamp_time(self, time: float) -> float:
        """The time shown is clamped to [0, 1]."""
        return float(np.clip(time, 0.0, 1.0))

    def value_text(self) -> str:
        """The text of the value label now, e.g. ``t = 0.42``."""
        return f"t = {self.get_time():.{self.decimals}f}"

    def step_text(self) -> str:
        """The text of the step label now (empty without a trajectory)."""
        traj = self.trajectory
        if traj is None:
            return ""
        row = int(np.clip(np.searchsorted(traj.times, self.get_time(), side="right") - 1,
                          0, traj.n_steps))
        steps = np.asarray(traj.steps, dtype=np.float64)
        if np.all(steps == np.round(steps)):  # integer sampler steps, e.g. DDPM's T .. 0
            step, total = _format_step(steps[row]), _format_step(np.abs(steps).max())
        else:  # continuous labels (sigmas, times): count rows instead
            step, total = str(row), str(traj.n_steps)
        return self.step_format.format(step=step, row=row, total=total)

    def refresh(self) -> TimeBar:
        """Move the marker and swap the labels to the current time (if it or the bar moved)."""
        drawn = (self.get_time(), self.bar.points.tobytes())
        if drawn == self._drawn:
            return self
        self._drawn = drawn
        start, end = self.bar.get_start(), self.bar.get_end()
        point = start + self.get_time() * (end - start)
        gap = 0.05 * self.bar.get_length() / self.length
        self.marker.move_to(point + UP * gap, aligned_edge=DOWN)
        scale = self.bar.get_length() / self.length
        for label, text in ((self.value_label, self.value_text()),
                            (self.step_label, self.step_text())):
            label.set_points(self._outline(text) * scale)
        if len(self.value_label.points):
            self.value_label.next_to(self.marker, UP, buff=gap)
        if len(self.step_label.points):
            self.step_label.next_to(point, DOWN, buff=3 * gap)
            self._keep_over_bar(self.step_label, start, end)
        return self

    @staticmethod
    def _keep_over_bar(label: VMobject, start: np.ndarray, end: np.ndarray) -> None:
        """Shift a label along x so that it does not run past the bar's ends."""
        lo, hi = min(start[0], end[0]), max(start[0], end[0])
        half = label.width / 2
        x = label.get_x()
        target = min(max(x, lo + half), hi - half) if hi - lo > 2 * half else (lo + hi) / 2
        label.shift(RIGHT * (target - x))
