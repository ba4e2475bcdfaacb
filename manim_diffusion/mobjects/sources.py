"""as_trajectory: the points a mobject is given, as a Trajectory of 2D points."""

from __future__ import annotations

import numpy as np

from ..core.trajectory import Trajectory

__all__ = ["as_trajectory"]


def as_trajectory(source: Trajectory | np.ndarray) -> Trajectory:
    """A trajectory of 2D points, or an ``(N, 2)`` array as a static one-row trajectory.

    Parameters
    ----------
    source
        A :class:`~manim_diffusion.core.trajectory.Trajectory` of 2D points, shape
        ``(S+1, N, 2)``, or points of shape ``(N, 2)`` (shown at every time).

    Raises
    ------
    ValueError
        If the points are not 2D.
    """
    if isinstance(source, Trajectory):
        if source.dim != 2:
            raise ValueError(
                f"expected a Trajectory of 2D points, shape (S+1, N, 2), "
                f"got {source.points.shape}"
            )
        return source
    arr = np.asarray(source, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"expected points of shape (N, 2), got {arr.shape}")
    return Trajectory(times=np.array([1.0]), points=arr[None])
