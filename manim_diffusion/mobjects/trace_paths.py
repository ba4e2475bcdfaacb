"""TracedPaths: which samples a tracer draws, their colours, and their points at any time."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from manim import YELLOW, ManimColor, ParsableManimColor

from ..core.trajectory import Trajectory
from .palettes import DEFAULT_PALETTE

__all__ = ["TracedPaths", "check_tail"]


def check_tail(tail_length: float | None, n_chunks: int) -> None:
    """Raise ValueError for a tail that is not positive time or fewer than one chunk.

    Parameters
    ----------
    tail_length
        Library time of a fading tail, or ``None`` for whole paths.
    n_chunks
        Opacity steps of the tail.

    Examples
    --------
    .. manim:: CheckTailExample
        :save_last_frame:

        from manim_diffusion.mobjects.trace_paths import check_tail

        class CheckTailExample(Scene):
            def construct(self):
                try:
                    check_tail(0.0, 6)
                except ValueError as err:
                    self.add(Text(str(err), font_size=24))
    """
    if tail_length is not None and not tail_length > 0:
        raise ValueError(f"tail_length must be positive library time, got {tail_length}")
    if n_chunks < 1:
        raise ValueError(f"n_chunks must be at least 1, got {n_chunks}")


class TracedPaths:
    """The traced samples of a trajectory: the choice, the colour groups, the geometry.

    The vector :class:`~manim_diffusion.mobjects.TrajectoryTracer` and the raster
    :class:`~manim_diffusion.mobjects.RasterTracer` share it, so both draw the same
    samples in the same colours along the same polylines.

    Parameters
    ----------
    trajectory
        A trajectory of points, shape ``(S+1, N, D)``.
    indices
        Which samples to trace; default: ``n_paths`` of them chosen with ``seed``.
    n_paths
        How many samples to trace when ``indices`` is not given.
    seed
        Seed of the choice of samples.
    color
        Colour of every path (unless ``palette`` is given).
    palette
        Colours per class label of the trajectory's ``labels``.

    Examples
    --------
    .. manim:: TracedPathsExample
        :save_last_frame:

        import numpy as np
        from manim_diffusion.core.trajectory import Trajectory
        from manim_diffusion.mobjects.trace_paths import TracedPaths

        class TracedPathsExample(Scene):
            def construct(self):
                s = np.linspace(0, 1, 21)
                pts = np.stack([np.stack([4 * s - 2, np.sin(3 * s) + k], axis=1)
                                for k in (-1, 0, 1)], axis=1)
                paths = TracedPaths(Trajectory(times=s, points=pts), n_paths=3)
                xy = paths.positions(np.linspace(0, 0.7, 15))  # (15, 3, 2)
                for m in range(3):
                    self.add(VMobject(color=YELLOW).set_points_as_corners(
                        np.c_[xy[:, m], np.zeros(15)]))
    """

    def __init__(
        self,
        trajectory: Trajectory,
        indices: Sequence[int] | np.ndarray | None = None,
        n_paths: int = 50,
        seed: int = 0,
        color: ParsableManimColor = YELLOW,
        palette: Sequence[ParsableManimColor] | None = None,
    ) -> None:
        self.trajectory = trajectory
        self.indices = self._choose(trajectory.n_points, indices, n_paths, seed)
        self.times = trajectory.times
        self.points = trajectory.points[:, self.indices].astype(np.float64)  # (S+1, M, D)
        self.groups = self._colour_groups(color, palette)

    @property
    def span(self) -> tuple[float, float]:
        """The first and last time of the trajectory."""
        return float(self.times[0]), float(self.times[-1])

    @staticmethod
    def _choose(
        n: int, indices: Sequence[int] | np.ndarray | None, n_paths: int, seed: int
    ) -> np.ndarray:
        if indices is not None:
            idx = np.asarray(indices, dtype=np.int64).ravel()
            if len(idx) and (idx.min() < -n or idx.max() >= n):
                raise ValueError(f"indices must lie in [0, {n}), got {idx.min()}..{idx.max()}")
            return np.mod(idx, n) if n else idx
        if n_paths < 0:
            raise ValueError(f"n_paths must be >= 0, got {n_paths}")
        rng = np.random.default_rng(seed)
        return np.sort(rng.choice(n, size=min(n_paths, n), replace=False))

    def _colour_groups(
        self, color: ParsableManimColor, palette: Sequence[ParsableManimColor] | None
    ) -> list[tuple[ManimColor, np.ndarray]]:
        """(colour, positions into ``indices``) per drawn colour."""
        labels = self.trajectory.labels
        if palette is None or labels is None:
            return [(ManimColor.parse(color), np.arange(len(self.indices)))]
        colors = [ManimColor.parse(c) for c in (palette or DEFAULT_PALETTE)]
        slot = np.mod(labels[self.indices], len(colors))
        return [(colors[s], np.nonzero(slot == s)[0]) for s in np.unique(slot)]

    def positions(self, ts: np.ndarray) -> np.ndarray:
        """Points of the traced samples at sorted times ``ts``: ``(len(ts), M, D)``."""
        times = self.times
        if len(times) == 1:
            return np.repeat(self.points[:1], len(ts), axis=0)
        i = np.clip(np.searchsorted(times, ts, side="right") - 1, 0, len(times) - 2)
        span = times[i + 1] - times[i]
        w = np.where(span > 0, (ts - times[i]) / np.where(span > 0, span, 1), 0.0)
        w = np.clip(w, 0.0, 1.0)[:, None, None]
        return (1 - w) * self.points[i] + w * self.points[i + 1]

    def vertex_times(self, a: float, b: float) -> np.ndarray:
        """``a``, the trajectory's times strictly between, and ``b`` (``[a]`` if b <= a)."""
        if b <= a:
            return np.array([a])
        inner = self.times[(self.times > a) & (self.times < b)]
        return np.concatenate([[a], inner, [b]])

    def clamp(self, t: float) -> float:
        """``t`` clamped to the trajectory's span."""
        t0, t1 = self.span
        return min(max(t, t0), t1)

    def chunk_times(self, t: float, tail_length: float | None, n_chunks: int) -> list[np.ndarray]:
        """Vertex times of each of ``n_chunks`` tail chunks up to ``t``, oldest first."""
        t = self.clamp(t)
        t0 = self.span[0]
        start = t0 if tail_length is None else max(t0, t - tail_length)
        edges = np.linspace(start, t, n_chunks + 1)
        return [self.vertex_times(a, b) for a, b in itertools.pairwise(edges)]
