"""Data-to-scene coordinate maps and time sources shared by the mobjects."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from manim import CoordinateSystem, ValueTracker

__all__ = ["DataToScene", "time_source"]


class DataToScene:
    """The affine map from data coordinates to scene coordinates.

    With a :class:`~manim.CoordinateSystem` (``Axes``, ``NumberPlane``) the map is
    read from ``axes.c2p`` at the origin and the two unit points every time it is
    asked for, so it follows an axes that moves or scales. Without axes it is the
    identity (one data unit is one scene unit).

    Parameters
    ----------
    axes
        The coordinate system the data lives in, or ``None``.
    """

    def __init__(self, axes: CoordinateSystem | None = None) -> None:
        if axes is not None and not isinstance(axes, CoordinateSystem):
            raise TypeError(f"axes must be a manim CoordinateSystem or None, got {type(axes)}")
        self.axes = axes
        self._read: dict[int, tuple[bytes, tuple[np.ndarray, np.ndarray]]] = {}

    def _pose(self) -> bytes | None:
        """The axes' lines and ranges as bytes: ``c2p`` is the same while they are."""
        lines = getattr(self.axes, "axes", None)
        if lines is None:
            return None
        return b"".join(np.ascontiguousarray(line.points).tobytes()
                        + np.asarray(getattr(line, "x_range", ()), dtype=float).tobytes()
                        for line in lines)

    def _read_axes(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """``(A, b)`` of the ``dim``-D map from ``c2p``, read again only if the axes moved.

        ``c2p`` costs about 0.1 ms a point; clouds and paths ask for the map several
        times a frame.
        """
        pose = self._pose()
        kept = self._read.get(dim)
        if pose is not None and kept is not None and kept[0] == pose:
            return kept[1]
        assert self.axes is not None
        o = np.asarray(self.axes.c2p(*np.zeros(dim)), dtype=np.float64)[:dim]
        units = [np.asarray(self.axes.c2p(*e), dtype=np.float64)[:dim] - o for e in np.eye(dim)]
        found = (np.stack(units), o)
        if pose is not None:
            self._read[dim] = (pose, found)
        return found

    def affine(self) -> tuple[np.ndarray, np.ndarray]:
        """The current ``(A, b)`` with ``scene_xy = data_xy @ A + b``.

        ``A`` has shape ``(2, 2)`` (rows: images of the data unit vectors), ``b``
        shape ``(2,)``.
        """
        if self.axes is None:
            return np.eye(2), np.zeros(2)
        a, b = self._read_axes(2)
        return a.copy(), b.copy()

    def key(self) -> tuple[float, ...]:
        """A hashable fingerprint of the current map (for caches)."""
        a, b = self.affine()
        return tuple(np.round(np.concatenate([a.ravel(), b]), 9).tolist())

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        """Map data points ``(N, 2)`` to scene points ``(N, 2)`` (same dtype)."""
        a, b = self.affine()
        xy = np.asarray(xy)
        dtype = xy.dtype if xy.dtype in (np.float32, np.float64) else np.float64
        with np.errstate(invalid="ignore", over="ignore"):  # non-finite points stay so
            return (xy @ a.astype(dtype) + b.astype(dtype)).astype(dtype, copy=False)

    def to_3d(self, xy: np.ndarray) -> np.ndarray:
        """Map data points ``(N, 2)`` to manim points ``(N, 3)`` (float64, z = 0).

        Points ``(N, 3)`` go through :meth:`space` instead (3D data in ``ThreeDAxes``).
        """
        xy = np.asarray(xy, dtype=np.float64)
        if xy.ndim == 2 and xy.shape[1] == 3:
            return self.space(xy)
        out = np.zeros((len(xy), 3))
        out[:, :2] = self(xy)
        return out

    def affine_3d(self) -> tuple[np.ndarray, np.ndarray]:
        """The current ``(A, b)`` with ``scene_xyz = data_xyz @ A + b`` for 3D data.

        ``A`` has shape ``(3, 3)``, ``b`` shape ``(3,)``, read from the axes' ``c2p`` at
        the origin and the three unit points (a ``ThreeDAxes``); without axes, the
        identity. A 2D coordinate system cannot place 3D data and raises.
        """
        if self.axes is None:
            return np.eye(3), np.zeros(3)
        if self.axes.dimension != 3:
            raise ValueError(
                f"3D points need ThreeDAxes (or no axes), got {type(self.axes).__name__}"
            )
        a, b = self._read_axes(3)
        return a.copy(), b.copy()

    def space(self, xyz: np.ndarray) -> np.ndarray:
        """Map 3D data points ``(N, 3)`` to manim points ``(N, 3)`` (float64)."""
        a, b = self.affine_3d()
        with np.errstate(invalid="ignore", over="ignore"):
            return np.asarray(xyz, dtype=np.float64) @ a + b

    def key_3d(self) -> tuple[float, ...]:
        """A hashable fingerprint of the current 3D map (for caches)."""
        a, b = self.affine_3d()
        return tuple(np.round(np.concatenate([a.ravel(), b]), 9).tolist())


def time_source(time: ValueTracker | float) -> Callable[[], float]:
    """A callable returning the current time of a ``ValueTracker`` or a fixed float."""
    if isinstance(time, ValueTracker):
        return time.get_value
    try:
        value = float(time)
    except (TypeError, ValueError):
        raise TypeError(f"time must be a ValueTracker or a number, got {type(time)}") from None
    if not np.isfinite(value):
        raise ValueError(f"time must be finite, got {value}")
    return lambda: value
