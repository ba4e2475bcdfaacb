"""Points spread uniformly by arc length along a path of straight segments."""

from __future__ import annotations

from typing import Any

import numpy as np

from .box import to_box
from .checks import as_path, check_count, check_size

__all__ = ["sample_polyline"]


def sample_polyline(
    points: Any,
    n: int,
    closed: bool = False,
    seed: int = 0,
    *,
    fit: bool = True,
    size: float = 4.0,
) -> np.ndarray:
    """``n`` points spread uniformly by arc length along a path of straight segments.

    Parameters
    ----------
    points
        The path's vertices, shape ``(P, 2)`` with ``P >= 2``, e.g. a hand-drawn
        stroke.
    n
        Number of points, at least 1.
    closed
        Also sample the segment from the last vertex back to the first.
    seed
        Seed of the generator: the same seed gives the same points.
    fit, size
        As in :func:`sample_curves`.

    Returns
    -------
    np.ndarray
        float32 array of shape ``(n, 2)``.

    Examples
    --------
    A zig-zag::

        xy = sample_polyline([(0, 0), (1, 1), (2, 0), (3, 1)], 500)

    .. manim:: SamplePolylineExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, sample_polyline

        class SamplePolylineExample(Scene):
            def construct(self):
                zigzag = [(0, 0), (1, 2), (2, 0), (3, 2), (4, 0)]
                points = sample_polyline(zigzag, 400, seed=0)  # fitted: longer side 4
                axes = Axes(x_range=[-2.5, 2.5], y_range=[-2.5, 2.5], x_length=8, y_length=8)
                self.add(DistributionCloud(points, axes=axes, radius=0.05))
    """
    arr = as_path(points)
    n, size = check_count(n), check_size(size)
    ends = np.concatenate([arr, arr[:1]]) if closed else arr
    start, step = ends[:-1], np.diff(ends, axis=0)
    lengths = np.linalg.norm(step, axis=1)
    total = lengths.sum()
    if not total > 0:
        raise ValueError("the path has zero length: all its points coincide")
    rng = np.random.default_rng(seed)
    seg = rng.choice(len(lengths), size=n, p=lengths / total)
    xy = start[seg] + rng.uniform(0.0, 1.0, (n, 1)) * step[seg]
    return to_box(xy, arr.min(axis=0), arr.max(axis=0), fit, size)
