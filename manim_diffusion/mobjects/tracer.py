"""TrajectoryTracer: the paths of chosen samples, growing with time, with fading tails."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import (
    YELLOW,
    Circle,
    CoordinateSystem,
    ParsableManimColor,
    ValueTracker,
    VGroup,
)

from ..core.trajectory import Trajectory
from .base import TimeDriven
from .renderer import VPath, segment_points
from .trace_paths import TracedPaths, check_tail

__all__ = ["TrajectoryTracer", "polylines_to_beziers"]


def polylines_to_beziers(vertices: np.ndarray) -> np.ndarray:
    """Cubic Bezier points (straight segments) of M polylines as manim subpaths.

    Parameters
    ----------
    vertices
        Shape ``(L, M, 3)``: L vertices of each of M polylines.

    Returns
    -------
    np.ndarray
        Shape ``(K * n, 3)``: the points of each finite segment, path after path, in
        the renderer's layout (``n = 4`` cubic points under Cairo, 3 under OpenGL).
    """
    if len(vertices) < 2:
        return np.zeros((0, 3))
    p0 = vertices[:-1].transpose(1, 0, 2).reshape(-1, 3)  # (M * (L-1), 3)
    p1 = vertices[1:].transpose(1, 0, 2).reshape(-1, 3)
    finite = np.isfinite(p0).all(axis=1) & np.isfinite(p1).all(axis=1)
    return segment_points(p0[finite], p1[finite])


class TrajectoryTracer(TimeDriven, VGroup):
    """The paths of a few samples drawn up to the current time, optionally fading.

    One stroke per colour and tail chunk holds all the paths of that colour, so a few
    hundred paths cost a handful of Cairo strokes. Moving the time backwards shrinks
    the paths.

    Parameters
    ----------
    trajectory
        A trajectory of 2D points; or of 3D points for a ``ThreeDScene``, whose camera
        projects the paths (with ``ThreeDAxes`` or no axes; head dots are then discs in
        the scene's xy plane).
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` to follow, or a float.
    axes
        The coordinate system of the data; without one, data units are scene units.
    indices
        Which samples to trace; default: ``n_paths`` of them chosen with ``seed``.
    n_paths
        How many samples to trace when ``indices`` is not given.
    seed
        Seed of the choice of samples.
    tail_length
        Show only the last ``tail_length`` of library time of each path, fading from
        transparent at its end to opaque at the head; ``None`` shows whole paths.
    n_chunks
        Number of opacity steps of a fading tail.
    color
        Colour of every path (unless ``palette`` is given).
    palette
        Colours per class label of the trajectory's ``labels``.
    stroke_width, stroke_opacity
        Of the paths.
    head_radius
        Radius of a dot at each path's head in scene units; 0 draws none.

    Examples
    --------
    .. manim:: TrajectoryTracerExample

        import numpy as np
        from manim_diffusion.core.trajectory import Trajectory
        from manim_diffusion.mobjects import TrajectoryTracer

        class TrajectoryTracerExample(Scene):
            def construct(self):
                rng = np.random.default_rng(0)
                angle = rng.uniform(0, 2 * np.pi, 500)
                ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.5
                noise = rng.normal(size=(500, 2))
                s = np.linspace(0, 1, 51)[:, None, None]
                jitter = 0.1 * rng.normal(size=(51, 500, 2)) * (1 - s)
                traj = Trajectory(times=s[:, 0, 0], points=(1 - s) * noise + s * ring + jitter)
                t = ValueTracker(0)
                tracer = TrajectoryTracer(traj, time=t, n_paths=40, tail_length=0.3,
                                          head_radius=0.05)
                self.add(tracer)
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
        super().__init__(**kwargs)
        if (not isinstance(trajectory, Trajectory) or trajectory.points.ndim != 3
                or trajectory.dim not in (2, 3)):
            raise ValueError("expected a Trajectory of 2D or 3D points, shape (S+1, N, 2) "
                             "or (S+1, N, 3) (3D paths need ThreeDAxes or no axes)")
        check_tail(tail_length, n_chunks)
        self.paths = TracedPaths(trajectory, indices, n_paths, seed, color, palette)
        self.indices = self.paths.indices
        self.trajectory = trajectory
        self._set_time_source(time)
        self._set_axes_map(axes)
        self.tail_length = tail_length
        self.n_chunks = n_chunks if tail_length is not None else 1
        self.head_radius = float(head_radius)
        self._unit_circle = Circle(radius=1.0).points.copy()
        self._key: tuple[Any, ...] | None = None
        for rgb, _ in self.paths.groups:
            for k in range(self.n_chunks):
                opacity = stroke_opacity * (k + 1) / self.n_chunks
                self.add(VPath(stroke_color=rgb, stroke_width=stroke_width,
                                  stroke_opacity=opacity, fill_opacity=0))
            if self.head_radius > 0:
                self.add(VPath(fill_color=rgb, fill_opacity=1.0, stroke_width=0))
        self._follow_updates()

    def _chunk_times(self, t: float) -> list[np.ndarray]:
        """Vertex times of each tail chunk, oldest first."""
        return self.paths.chunk_times(t, self.tail_length, self.n_chunks)

    def refresh(self) -> TrajectoryTracer:
        """Rebuild the strokes if the time or the axes changed."""
        t = self.get_time()
        key = (t, self.data_map.key())
        if key == self._key:
            return self
        self._key = key
        paths = self.paths
        chunks = [self._scene(paths.positions(ts)) for ts in self._chunk_times(t)]
        head = self._scene(paths.positions(np.array([paths.clamp(t)])))[0]  # (M, 3)
        mobs = iter(self.submobjects)
        for _, members in paths.groups:
            for verts in chunks:
                next(mobs).set_points(polylines_to_beziers(verts[:, members]))
            if self.head_radius > 0:
                next(mobs).set_points(self._discs(head[members]))
        return self

    def _scene(self, xy: np.ndarray) -> np.ndarray:
        """Data points ``(L, M, 2)`` to scene points ``(L, M, 3)``."""
        out = self.data_map.to_3d(xy.reshape(-1, xy.shape[-1]))
        return out.reshape(*xy.shape[:2], 3)

    def _discs(self, centres: np.ndarray) -> np.ndarray:
        centres = centres[np.isfinite(centres).all(axis=1)]
        circle = self._unit_circle * self.head_radius
        return (centres[:, None, :] + circle[None]).reshape(-1, 3)
