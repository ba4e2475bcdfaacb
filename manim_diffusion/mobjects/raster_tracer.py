"""RasterTracer: the paths of many samples painted into one image that grows with time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import YELLOW, CoordinateSystem, ParsableManimColor, ValueTracker, config
from PIL.Image import Resampling

from ..core.trajectory import Trajectory
from .base import TimeDriven
from .frame_pixels import frame_geometry, image_corners
from .renderer import ImageLayer
from .shared import Shared
from .trace_paths import TracedPaths, check_tail
from .trail_painter import TrailPainter

__all__ = ["LINE_WIDTH_PER_STROKE", "RasterTracer"]

#: Scene units of line width per unit of manim ``stroke_width`` (as manim's Cairo camera).
LINE_WIDTH_PER_STROKE = 0.01


class _Fresh:
    """Holds a cache that a copy of the mobject starts again (a copy draws other times)."""

    def __init__(self) -> None:
        self.key: tuple[Any, ...] | None = None
        self.painter: TrailPainter | None = None
        self.origin = (0, 0)

    def __deepcopy__(self, memo: dict[int, Any]) -> _Fresh:
        return _Fresh()


class RasterTracer(TimeDriven, ImageLayer):
    """The paths of hundreds or thousands of samples, painted into one image per frame.

    It draws what :class:`TrajectoryTracer` draws (the same samples, colours, fading
    tail chunks and head dots, stroked as manim's Cairo camera strokes), but as one
    image: the paths are cut into time slices that are stroked once and kept, so a
    frame of a growing trail strokes only its newest slice. At 1,000 paths it is many
    times faster than the vector tracer and manim's ``TracedPath``; the vector tracer
    remains the choice for 3D paths and for editing the strokes as ``VMobject``.

    Parameters
    ----------
    trajectory
        A trajectory of 2D points, shape ``(S+1, N, 2)``.
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` to follow, or a float.
    axes
        The coordinate system of the data; without one, data units are scene units.
    indices, n_paths, seed
        Which samples to trace (as for :class:`TrajectoryTracer`).
    tail_length, n_chunks
        A fading tail of ``tail_length`` library time in ``n_chunks`` opacity steps;
        ``None`` shows whole paths.
    color, palette
        One colour, or colours per class label of the trajectory's ``labels``.
    stroke_width, stroke_opacity
        Of the paths, in manim's units (``stroke_width=2`` is 0.02 scene units).
    head_radius
        Radius of a dot at each path's head in scene units; 0 draws none.

    Examples
    --------
    .. manim:: RasterTracerExample

        import numpy as np
        from manim_diffusion.core.trajectory import Trajectory
        from manim_diffusion.mobjects import RasterTracer

        class RasterTracerExample(Scene):
            def construct(self):
                rng = np.random.default_rng(0)
                angle = rng.uniform(0, 2 * np.pi, 1000)
                ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.5
                noise = rng.normal(size=(1000, 2)) * 1.5
                s = np.linspace(0, 1, 51)[:, None, None]
                traj = Trajectory(times=s[:, 0, 0], points=(1 - s) * noise + s * ring)
                t = ValueTracker(0)
                self.add(RasterTracer(traj, time=t, n_paths=600, tail_length=0.4,
                                      stroke_width=1.5))
                self.play(t.animate.set_value(1), run_time=3)
    """

    def __init__(
        self,
        trajectory: Trajectory,
        time: ValueTracker | float = 1.0,
        axes: CoordinateSystem | None = None,
        indices: Sequence[int] | np.ndarray | None = None,
        n_paths: int = 50,
        seed: int = 0,
        tail_length: float | None = None,
        n_chunks: int = 6,
        color: ParsableManimColor = YELLOW,
        palette: Sequence[ParsableManimColor] | None = None,
        stroke_width: float = 2.0,
        stroke_opacity: float = 1.0,
        head_radius: float = 0.0,
        **kwargs: Any,
    ) -> None:
        if (not isinstance(trajectory, Trajectory) or trajectory.points.ndim != 3
                or trajectory.dim != 2):
            raise ValueError("expected a Trajectory of 2D points, shape (S+1, N, 2) (for 3D "
                             "paths use TrajectoryTracer in a ThreeDScene)")
        check_tail(tail_length, n_chunks)
        if not (np.isfinite(stroke_width) and stroke_width >= 0):
            raise ValueError(f"stroke_width must be a number >= 0, got {stroke_width}")
        self._paths = Shared(TracedPaths(trajectory, indices, n_paths, seed, color, palette))
        self.trajectory = trajectory
        self.indices = self.paths.indices
        self.tail_length = tail_length
        self.n_chunks = n_chunks if tail_length is not None else 1
        self.stroke_width = float(stroke_width)
        self.stroke_opacity = float(np.clip(stroke_opacity, 0.0, 1.0))
        self.head_radius = float(head_radius)
        self.opacity = 1.0
        self._cache = _Fresh()
        self._image = np.zeros((1, 1, 4), dtype=np.uint8)
        self._corners = np.zeros((4, 3))
        self._image_key: tuple[Any, ...] | None = None
        self._set_time_source(time)
        self._set_axes_map(axes)
        super().__init__(scale_to_resolution=config.pixel_height,
                         resampling_algorithm=Resampling.NEAREST, **kwargs)
        self._follow_updates()

    @property
    def paths(self) -> TracedPaths:
        """The traced samples, their colour groups and their geometry."""
        return self._paths.value

    # ----------------------------------------------------------------- style
    def set_opacity(self, opacity: float, recurse: bool = True) -> RasterTracer:
        """Scale the whole image's opacity (0 hides it; what fades use)."""
        self.opacity = float(np.clip(opacity, 0.0, 1.0))
        return self.refresh()

    def fade(self, darkness: float = 0.5, family: bool = True) -> RasterTracer:
        """Set the opacity to ``1 - darkness`` (what ``FadeIn``/``FadeOut`` use)."""
        return self.set_opacity(1.0 - darkness)

    def interpolate_color(self, mobject1: Any, mobject2: Any, alpha: float) -> RasterTracer:
        """Interpolate the opacity between two tracers (for fades and transforms)."""
        o1 = getattr(mobject1, "opacity", self.opacity)
        o2 = getattr(mobject2, "opacity", self.opacity)
        return self.set_opacity(o1 + (o2 - o1) * alpha)

    # ---------------------------------------------------------------- render
    def _painter(self, geometry: tuple[float, float, int, int]) -> TrailPainter | None:
        """The painter for the current axes map and frame (made again when they change)."""
        key = (self.data_map.key(), geometry)
        cache = self._cache
        if key != cache.key:
            cache.key, cache.painter = key, self._make_painter(geometry)
        return cache.painter

    def _make_painter(self, geometry: tuple[float, float, int, int]) -> TrailPainter | None:
        sx, sy, pw, ph = geometry
        a, b = self.data_map.affine()
        scale = np.array([sx, -sy])
        shift = np.array([pw / 2, ph / 2])
        pts = self.paths.points.reshape(-1, 2)
        pix = (pts[np.isfinite(pts).all(axis=1)] @ a + b) * scale + shift
        if not len(pix):
            return None
        pad = self.stroke_width * LINE_WIDTH_PER_STROKE * sx + self.head_radius * sx + 3
        x0, y0 = np.maximum(np.floor(pix.min(axis=0) - pad), 0).astype(int)
        x1, y1 = np.minimum(np.ceil(pix.max(axis=0) + pad), [pw, ph]).astype(int)
        if x1 <= x0 or y1 <= y0:
            return None
        self._cache.origin = (int(x0), int(y0))
        offset = shift - np.array([x0, y0])

        def to_pixels(xy: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore", over="ignore"):
                return (xy @ a + b) * scale + offset

        return TrailPainter(self.paths, to_pixels, (int(x1 - x0), int(y1 - y0)),
                            line_width=self.stroke_width * LINE_WIDTH_PER_STROKE * sx,
                            opacity=self.stroke_opacity, tail_length=self.tail_length,
                            n_chunks=self.n_chunks, head_radius=self.head_radius * sx)

    def refresh(self) -> RasterTracer:
        """Paint the trails for the current time, axes and frame if any of them changed."""
        geometry = frame_geometry()
        painter = self._painter(geometry)
        key = (self.get_time(), self._cache.key, self.opacity, id(painter))
        if key != self._image_key:
            self._image_key = key
            if painter is None or self.opacity <= 0:
                self._image, self._corners = np.zeros((1, 1, 4), dtype=np.uint8), np.zeros((4, 3))
            else:
                image = painter.paint(self.get_time())
                if self.opacity < 1:
                    image[..., 3] = np.rint(image[..., 3] * self.opacity).astype(np.uint8)
                self._image = image
                self._corners = image_corners(self._cache.origin, image.shape, geometry)
        self.points = self._corners.copy()
        return self

    def reset_points(self) -> RasterTracer:
        """Set the four image corners (manim's hook; the tracer places itself)."""
        self.points = self._corners.copy()
        return self

    def get_pixel_array(self) -> np.ndarray:
        """The RGBA image of the trails, covering their bounding box (uint8)."""
        self.refresh()
        return self._image
