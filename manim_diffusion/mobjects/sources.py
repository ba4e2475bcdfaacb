"""as_trajectory: the points a mobject is given, as a Trajectory of 2D (or 3D) points."""

from __future__ import annotations

import numpy as np

from ..core.trajectory import Trajectory

__all__ = ["as_trajectory"]


def as_trajectory(source: Trajectory | np.ndarray, dim: int = 2) -> Trajectory:
    """A trajectory of ``dim``-D points, or an ``(N, dim)`` array as a static one-row one.

    Parameters
    ----------
    source
        A :class:`~manim_diffusion.core.trajectory.Trajectory` of points, shape
        ``(S+1, N, dim)``, or points of shape ``(N, dim)`` (shown at every time).
    dim
        The point dimension the mobject draws: 2 (a plane) or 3 (a ``ThreeDScene``).

    Raises
    ------
    ValueError
        If the points are not ``dim``-dimensional.
    """
    if isinstance(source, Trajectory):
        if source.points.ndim != 3 or source.dim != dim:
            raise ValueError(
                f"expected a Trajectory of {dim}D points, shape (S+1, N, {dim}), "
                f"got {source.points.shape}"
            )
        return source
    arr = np.asarray(source, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(f"expected points of shape (N, {dim}), got {arr.shape}")
    return Trajectory(times=np.array([1.0]), points=arr[None])
