"""TrainingEvolution: a model's samples improving over training, beside the loss curve."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from manim import (
    BLUE,
    DOWN,
    GREY_B,
    LEFT,
    ORANGE,
    RIGHT,
    UP,
    WHITE,
    YELLOW,
    Axes,
    Dot,
    Group,
    Line,
    ParsableManimColor,
    Rectangle,
    Text,
    ValueTracker,
    VGroup,
    VMobject,
)

from ..core.trajectory import Trajectory
from .base import TimeDriven, TimeLike
from .cloud import DistributionCloud
from .renderer import VPath, is_opengl
from .tracer import polylines_to_beziers

__all__ = ["TrainingEvolution", "smooth_losses", "log_ticks"]

LAYOUTS = ("morph", "grid")


def smooth_losses(losses: np.ndarray, window: int) -> np.ndarray:
    """A centred moving mean of about ``window`` losses at every step (same length).

    The window shrinks symmetrically near the ends (the first and last values are
    kept), so the curve does not lag behind the raw losses and a straight ramp stays
    unchanged.
    """
    x = np.asarray(losses, dtype=np.float64)
    n = len(x)
    if window <= 1 or n == 0:
        return x.copy()
    i = np.arange(n)
    half = np.minimum(int(window) // 2, np.minimum(i, n - 1 - i))
    c = np.concatenate([[0.0], np.cumsum(x)])
    return (c[i + half + 1] - c[i - half]) / (2 * half + 1)


def log_ticks(low: float, high: float) -> list[float]:
    """Values 1, 2, 5 times a power of ten between ``low`` and ``high`` (both > 0).

    At least the two ends (rounded to 2 significant digits) when fewer fall inside.
    """
    if not (0 < low <= high):
        raise ValueError(f"need 0 < low <= high, got {low}, {high}")
    ticks = [m * 10.0**k for k in range(math.floor(math.log10(low)) - 1,
                                       math.ceil(math.log10(high)) + 1)
             for m in (1, 2, 5) if low <= m * 10.0**k <= high]
    if len(ticks) < 2:
        ticks = sorted({float(f"{low:.2g}"), float(f"{high:.2g}")})
        ticks = [v for v in ticks if low <= v <= high] or [low, high]
    return ticks


class _SwapLabel(VPath):
    """A text label whose outline is swapped (not its mobject) when the text changes."""

    def __init__(self, font_size: float, color: ParsableManimColor) -> None:
        super().__init__(fill_color=color, fill_opacity=1.0, stroke_width=0)
        self._font_size = font_size
        self._color = color
        self._cache: dict[str, np.ndarray] = {}
        self.text = ""

    def show_text(self, text: str, scale: float = 1.0) -> _SwapLabel:
        """Take the outline of ``text``, centred where the label is now."""
        if text not in self._cache:
            mob = Text(text, font_size=self._font_size, color=self._color).move_to(np.zeros(3))
            parts = [m.points for m in mob.family_members_with_points()]
            outline = np.concatenate(parts) if parts else np.zeros((0, 3))
            # Pango's outlines run clockwise: OpenGL's fill needs them turned (issue 17)
            self._cache[text] = outline[::-1].copy() if is_opengl() else outline
        centre = self.get_center() if len(self.points) else np.zeros(3)
        self.set_points(self._cache[text] * scale + centre)
        self.text = text
        return self


def _nice_floor(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten at or below ``value`` (> 0)."""
    k = math.floor(math.log10(value))
    return next(m * 10.0**k for m in (5, 2, 1) if m * 10.0**k <= value * (1 + 1e-12))


class _BoxedCloud(DistributionCloud):
    """A cloud that does not draw the points outside the data square ``[-box, box]^2``."""

    def __init__(self, source: Trajectory | np.ndarray, box: float, **kwargs: Any) -> None:
        self._box = float(box)
        super().__init__(source, **kwargs)

    def data_points(self) -> np.ndarray:
        """The points now, those outside the square as NaN (not drawn)."""
        xy = np.array(super().data_points())
        xy[(np.abs(xy) > self._box).any(axis=1)] = np.nan
        return xy


class TrainingEvolution(TimeDriven, Group):
    """Samples of a model at snapshots during training, and the loss curve with a marker.

    Inputs are plain data: the step of each snapshot, its samples (drawn from the same
    fixed noise at every snapshot, e.g. ``Snapshot.samples`` of
    :func:`~manim_diffusion.training.train.train` with ``snapshot_noise``) and the loss
    per step. A ``ValueTracker`` holds the snapshot index:

    - ``layout="morph"``: one cloud shows snapshot ``index``; a fractional index
      interpolates each point between two snapshots (the same noise sample in both),
      so the cloud morphs as the model learns; a ``step N`` label names the nearest
      snapshot.
    - ``layout="grid"``: a small cloud per snapshot, labelled ``step N``, with a frame
      round the one at the (rounded) index.

    Points outside the square ``data_range`` shows are not drawn (early snapshots
    scatter far).

    The loss curve (a centred moving mean over ``smooth`` steps, the raw loss faint
    behind it) has a log-scale y axis labelled with plain numbers; a dot and a vertical line
    mark the step of the current index.

    Parameters
    ----------
    steps
        Training step of each snapshot, shape ``(K,)``, rising.
    samples
        Samples of each snapshot, shape ``(K, n, 2)`` (or a list of ``(n, 2)`` arrays).
    losses
        Loss per training step, shape ``(T,)``; ``losses[i]`` is the loss of step
        ``i + 1``. ``None``: no loss curve.
    index
        Snapshot index (0 .. K-1): a ``ValueTracker`` to follow, or a number.
    layout
        ``"morph"`` or ``"grid"``.
    data_range
        Each cloud shows the data square ``[-data_range, data_range]^2``.
    cloud_size
        Side of the cloud's square (morph) or of each grid cell, in scene units.
    columns
        Grid columns (default ``ceil(sqrt(K))``).
    loss_size
        Width and height of the loss plot's area.
    smooth
        Window (steps) of the centred moving mean drawn as the loss curve.
    font_size
        Of the labels.
    cloud_config
        Keyword arguments of each :class:`~manim_diffusion.mobjects.DistributionCloud`.
    loss_color, marker_color
        Colours of the loss curve and of the marker and the grid's frame.
    buff
        Gap between the clouds and the loss plot.

    Examples
    --------
    .. manim:: TrainingEvolutionExample

        import numpy as np
        from manim_diffusion.mobjects import TrainingEvolution

        class TrainingEvolutionExample(Scene):
            def construct(self):
                rng = np.random.default_rng(0)
                angle = rng.uniform(0, 2 * np.pi, 1000)
                ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2
                noise = rng.normal(size=(1000, 2))
                w = np.linspace(0, 1, 6)[:, None, None]
                samples = (1 - w) * noise + w * ring
                losses = 0.3 + 0.7 * np.exp(-np.arange(3000) / 500)
                k = ValueTracker(0)
                evo = TrainingEvolution(np.arange(1, 7) * 500, samples, losses, index=k)
                self.add(evo.move_to(ORIGIN))
                self.play(k.animate.set_value(5), run_time=4)
    """

    def __init__(
        self,
        steps: Sequence[int] | np.ndarray,
        samples: Sequence[np.ndarray] | np.ndarray,
        losses: np.ndarray | None = None,
        index: ValueTracker | float = 0.0,
        layout: str = "morph",
        data_range: float = 3.0,
        cloud_size: float | None = None,
        columns: int | None = None,
        loss_size: tuple[float, float] = (5.0, 3.0),
        smooth: int = 50,
        font_size: float = 20,
        cloud_config: Mapping[str, Any] | None = None,
        loss_color: ParsableManimColor = ORANGE,
        marker_color: ParsableManimColor = YELLOW,
        buff: float = 0.9,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.steps, self.samples = self._checked(steps, samples, layout, data_range)
        k = len(self.steps)
        self.layout = layout
        self.font_size = float(font_size)
        self._set_time_source(index)
        self.marker_color = marker_color
        # the snapshots as one trajectory: row k at "time" k / (K-1)
        self._times = np.arange(k) / max(k - 1, 1) if k > 1 else np.array([1.0])
        self.trajectory = Trajectory(times=self._times, points=self.samples,
                                     steps=self.steps, sampler="training")
        cfg = {"radius": 0.03 if layout == "morph" else 0.018, "color": BLUE, "opacity": 0.85,
               **dict(cloud_config or {})}
        self.cloud_axes: list[Axes] = []
        self.clouds: list[DistributionCloud] = []
        self.cloud_frames = VGroup()
        self.step_labels = VGroup()
        if layout == "morph":
            size = 4.0 if cloud_size is None else float(cloud_size)
            self._build_morph(data_range, size, cfg)
        else:
            size = 1.5 if cloud_size is None else float(cloud_size)
            self._build_grid(data_range, size, columns, cfg)
        for ax in self.cloud_axes:
            frame = Rectangle(width=size, height=size, stroke_width=1.0,  # as _square_axes
                              color=GREY_B, stroke_opacity=0.35).move_to(ax)
            self.cloud_frames.add(frame)
        self.loss_axes: Axes | None = None
        self.loss_plot = VGroup()
        self.loss_marker = Group()  # Groups: OpenGL draws a VGroup's fills before its strokes
        if losses is not None:
            self._build_loss_plot(np.asarray(losses, dtype=np.float64).ravel(), smooth,
                                  loss_size, loss_color, marker_color)
        self._arrange(buff)
        self._follow_updates()

    # ----------------------------------------------------------------- checks
    @staticmethod
    def _checked(
        steps: Sequence[int] | np.ndarray, samples: Sequence[np.ndarray] | np.ndarray,
        layout: str, data_range: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The steps ``(K,)`` and the samples ``(K, n, 2)`` (float32), checked."""
        steps_arr = np.asarray(steps, dtype=np.int64).ravel()
        samples_arr = np.asarray(np.stack([np.asarray(s) for s in samples]), dtype=np.float32)
        k = len(steps_arr)
        if k == 0 or samples_arr.shape[0] != k or samples_arr.ndim != 3 \
                or samples_arr.shape[2] != 2:
            raise ValueError(
                f"need one (n, 2) sample array per step: {k} steps, "
                f"samples of shape {samples_arr.shape}"
            )
        if np.any(np.diff(steps_arr) < 0):
            raise ValueError("steps must rise")
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
        if not data_range > 0:
            raise ValueError(f"data_range must be positive, got {data_range}")
        return steps_arr, samples_arr

    # ----------------------------------------------------------------- clouds
    def _build_morph(self, data_range: float, size: float, cfg: dict[str, Any]) -> None:
        """One cloud that morphs from snapshot to snapshot, and its step label."""
        ax = self._square_axes(data_range, size)
        self.cloud_axes.append(ax)
        self.clouds.append(_BoxedCloud(self.trajectory, data_range, time=self._times[0],
                                       axes=ax, **cfg))
        self.step_label: _SwapLabel | None = _SwapLabel(self.font_size, WHITE)
        self.step_labels.add(self.step_label)
        self.highlight: VMobject = VGroup()

    def _build_grid(self, data_range: float, size: float, columns: int | None,
                    cfg: dict[str, Any]) -> None:
        """A small labelled cloud per snapshot, and the frame round the current one."""
        k = len(self.steps)
        unit = self.font_size / 20
        cols = int(columns or math.ceil(math.sqrt(k)))
        gap = 0.45 * unit
        for i in range(k):
            ax = self._square_axes(data_range, size)
            row, col = divmod(i, cols)
            ax.move_to(RIGHT * col * (size + 0.2 * unit) + DOWN * row * (size + gap))
            self.cloud_axes.append(ax)
            self.clouds.append(_BoxedCloud(self.samples[i], data_range, axes=ax, **cfg))
            self.step_labels.add(Text(f"step {self.steps[i]}", font_size=self.font_size * 0.8,
                                      color=GREY_B).next_to(ax, UP, buff=0.06 * unit))
        self.step_label = None
        pad = 0.06 * unit
        label_h = max(label.height for label in self.step_labels) + 0.06 * unit
        self.highlight = Rectangle(width=size + 2 * pad, height=size + label_h + 2 * pad,
                                   color=self.marker_color, stroke_width=2.5 * unit)

    def _arrange(self, buff: float) -> None:
        """The clouds' part, and the loss plot beside it (centred on it) if there is one."""
        clouds_part = Group(*self.cloud_axes, self.cloud_frames, *self.clouds,
                            self.step_labels, self.highlight)
        if self.loss_axes is not None:
            loss_part = Group(self.loss_axes, self.loss_plot, self.loss_marker)
            loss_part.next_to(clouds_part, RIGHT, buff=buff)
            loss_part.shift(UP * (clouds_part.get_center()[1] - loss_part.get_center()[1]))
            self.add(clouds_part, loss_part)
        else:
            self.add(clouds_part)

    # ----------------------------------------------------------------- build
    @staticmethod
    def _square_axes(data_range: float, size: float) -> Axes:
        r = float(data_range)
        return Axes(x_range=[-r, r, r], y_range=[-r, r, r], x_length=size, y_length=size,
                    tips=False, axis_config={"stroke_opacity": 0.0, "include_ticks": False})

    def _text(self, s: str, color: ParsableManimColor = GREY_B, scale: float = 1.0) -> Text:
        return Text(s, font_size=self.font_size * scale, color=color)

    def _build_loss_plot(
        self,
        losses: np.ndarray,
        smooth: int,
        size: tuple[float, float],
        color: ParsableManimColor,
        marker_color: ParsableManimColor,
    ) -> None:
        if len(losses) == 0:
            raise ValueError("losses is empty")
        unit = self.font_size / 20
        finite = np.isfinite(losses) & (losses > 0)
        if not finite.any():
            raise ValueError("losses has no positive finite value to plot on a log scale")
        clean = np.where(finite, losses, np.nan)
        fill = np.interp(np.arange(len(clean)), np.nonzero(finite)[0], clean[finite])
        self.smoothed_losses = smooth_losses(fill, smooth)
        n = len(losses)
        lo = _nice_floor(float(self.smoothed_losses.min()) * 0.95)
        hi = float(self.smoothed_losses.max()) * 1.05
        y0, y1 = math.log10(lo), math.log10(hi)
        ax = Axes(x_range=[0, n, max(n / 2, 1)], y_range=[y0, y1, (y1 - y0) / 2],
                  x_length=size[0], y_length=size[1], tips=False,
                  axis_config={"stroke_opacity": 0.0, "include_ticks": False})
        self.loss_axes = ax
        self._loss_range = (y0, y1)
        x = np.arange(1, n + 1, dtype=np.float64)
        raw = np.clip(np.log10(np.where(finite, losses, np.nan)), y0, y1)
        curve_raw = VPath(stroke_color=color, stroke_width=1.0 * unit, stroke_opacity=0.3)
        curve_raw.set_points(self._polyline(ax, x, raw))
        curve = VPath(stroke_color=color, stroke_width=3.0 * unit)
        curve.set_points(self._polyline(ax, x, np.log10(self.smoothed_losses)))
        axes_lines = VGroup(Line(ax.c2p(0, y0), ax.c2p(n, y0)), Line(ax.c2p(0, y0), ax.c2p(0, y1)))
        labels = VGroup()
        tick = 0.06 * unit
        grid = VGroup()
        for v in log_ticks(lo, hi):
            p = ax.c2p(0, math.log10(v))
            axes_lines.add(Line(p, p + LEFT * tick))
            grid.add(Line(p, ax.c2p(n, math.log10(v))))
            labels.add(self._text(f"{v:g}", scale=0.8).next_to(p + LEFT * tick, LEFT,
                                                              buff=0.06 * unit))
        for v in (0, n // 2, n):
            p = ax.c2p(v, y0)
            axes_lines.add(Line(p, p + DOWN * tick))
            labels.add(self._text(f"{v}", scale=0.8).next_to(p + DOWN * tick, DOWN,
                                                            buff=0.06 * unit))
        axes_lines.set_stroke(GREY_B, width=1.5 * unit)
        grid.set_stroke(GREY_B, width=1.0 * unit, opacity=0.18)
        x_label = self._text("training step", scale=0.9).next_to(labels[-3:], DOWN,
                                                                   buff=0.1 * unit)
        x_label.set_x(ax.c2p(n / 2, y0)[0])
        y_label = self._text("loss (log scale)", color, scale=0.9)
        y_label.next_to(ax.c2p(0, y1), UP, buff=0.15 * unit, aligned_edge=LEFT)
        self.loss_curve = curve
        self.loss_plot.add(grid, axes_lines, curve_raw, curve, labels, x_label, y_label)
        self.loss_line = Line(ax.c2p(0, y0), ax.c2p(0, y1), color=marker_color,
                              stroke_width=1.5 * unit)
        self.loss_dot = Dot(radius=0.07 * unit, color=marker_color)
        self.loss_marker.add(self.loss_line, self.loss_dot)

    @staticmethod
    def _polyline(ax: Axes, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        pts = np.array(ax.c2p(x, y), dtype=np.float64).reshape(3, -1).T
        return polylines_to_beziers(pts[:, None, :])

    @classmethod
    def from_snapshots(
        cls, snapshots: Sequence[Any], losses: np.ndarray | None = None, **kwargs: Any
    ) -> TrainingEvolution:
        """From objects with ``.step`` and ``.samples`` (e.g. training snapshots)."""
        missing = [i for i, s in enumerate(snapshots) if getattr(s, "samples", None) is None]
        if missing:
            raise ValueError(
                f"snapshots {missing} have no samples: train with snapshot_noise= to get them"
            )
        return cls([s.step for s in snapshots], [s.samples for s in snapshots], losses,
                   **kwargs)

    # ------------------------------------------------------------------ state
    @property
    def n_snapshots(self) -> int:
        """Number of snapshots K."""
        return len(self.steps)

    def _clamp_time(self, time: float) -> float:
        """The "time" of the evolution is the snapshot index, clamped to [0, K-1]."""
        return float(np.clip(time, 0.0, self.n_snapshots - 1))

    def get_index(self) -> float:
        """The snapshot index shown, clamped to [0, K-1]."""
        return self.get_time()

    def set_index(self, index: TimeLike) -> TrainingEvolution:
        """Follow another tracker, or freeze at an index."""
        return self.set_time(index)

    def nearest_index(self) -> int:
        """The snapshot nearest the current index (halves round up)."""
        return int(math.floor(self.get_index() + 0.5))

    def step_at(self, index: float) -> float:
        """The training step at a (fractional) snapshot index, interpolated."""
        k = np.arange(self.n_snapshots)
        return float(np.interp(index, k, self.steps.astype(np.float64)))

    def displayed_points(self) -> np.ndarray:
        """The samples shown now (``(n, 2)``): the morphing cloud's, or the framed cell's.

        Points outside the shown square are included (they are only not drawn).
        """
        if self.layout == "morph":
            return self.trajectory.at(self.clouds[0].get_time())
        return self.samples[self.nearest_index()].copy()

    def loss_at(self, step: float) -> float:
        """The plotted (smoothed) loss at a training step."""
        n = len(self.smoothed_losses)
        return float(np.interp(step, np.arange(1, n + 1), self.smoothed_losses))

    def refresh(self) -> TrainingEvolution:
        """Show the current index: cloud, label, frame and loss marker."""
        idx = self.get_index()
        nearest = self.nearest_index()
        if self.layout == "morph":
            k = self.n_snapshots
            self.clouds[0].set_time(idx / (k - 1) if k > 1 else 1.0)
            ax = self.cloud_axes[0]
            # the morph layout has the label; _square_axes gives the axes their length
            assert self.step_label is not None and ax.x_length is not None
            self.step_label.show_text(f"step {self.steps[nearest]}",
                                 self.cloud_frames[0].width / ax.x_length)
            self.step_label.next_to(self.cloud_frames[0], UP, buff=0.12 * self.font_size / 20)
        else:
            self.highlight.move_to(VGroup(self.cloud_frames[nearest], self.step_labels[nearest]))
        if self.loss_axes is not None:
            ax = self.loss_axes
            y0, y1 = self._loss_range
            step = self.step_at(idx)
            self.loss_line.put_start_and_end_on(ax.c2p(step, y0), ax.c2p(step, y1))
            y = float(np.clip(math.log10(self.loss_at(step)), y0, y1))
            self.loss_dot.move_to(ax.c2p(step, y))
        return self
