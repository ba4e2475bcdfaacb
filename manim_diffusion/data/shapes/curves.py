"""Points spread uniformly by arc length along cubic Bézier outlines."""

from __future__ import annotations

from typing import Any

import numpy as np

from .box import to_box
from .checks import as_curves, check_count, check_segments, check_size

__all__ = ["SEGMENTS", "bezier", "sample_curves"]

SEGMENTS = 32  # line segments per Bézier curve when flattening


def bezier(curves: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points of cubic Béziers ``curves[..., 4, 2]`` at parameters ``t`` (broadcast)."""
    t = t[..., None]
    s = 1.0 - t
    a0, h0, h1, a1 = (curves[..., i, :] for i in range(4))
    return s**3 * a0 + 3 * s**2 * t * h0 + 3 * s * t**2 * h1 + t**3 * a1


def _flatten(curves: np.ndarray, segments: int = SEGMENTS) -> np.ndarray:
    """Points ``(M, segments + 1, 2)`` at evenly spaced parameters on each curve."""
    t = np.linspace(0.0, 1.0, segments + 1)
    return bezier(curves[:, None, :, :], t[None, :])


def sample_curves(
    curves: Any,
    n: int,
    seed: int = 0,
    *,
    fit: bool = True,
    size: float = 4.0,
    segments: int = SEGMENTS,
) -> np.ndarray:
    """``n`` points spread uniformly by arc length along cubic Bézier curves.

    Each curve is cut into ``segments`` pieces of equal parameter range; a piece is
    chosen with probability proportional to its chord length and a parameter uniform
    within it, so every point lies exactly on a curve and the density along the
    outline is uniform up to the (tiny) speed change inside a piece.

    Parameters
    ----------
    curves
        Control points ``(a0, h0, h1, a1)`` of ``M`` curves, shape ``(M, 4, 2)``, the
        way Manim stores a ``VMobject``'s points (keep ``x``, ``y``).
    n
        Number of points, at least 1.
    seed
        Seed of the generator: the same seed gives the same points.
    fit
        Centre the shape and scale it so its longer side is ``size``
        (see :func:`fit_to_box`); the shape's bounding box is used, not the sample's,
        so every sample of one shape shares one frame.
    size
        Longer side of the fitted shape.
    segments
        Pieces per curve for the arc-length estimate.

    Returns
    -------
    np.ndarray
        float32 array of shape ``(n, 2)``.

    Examples
    --------
    A unit circle from four Bézier quarter arcs::

        k = 4 / 3 * (np.sqrt(2) - 1)
        quarter = np.array([[1, 0], [1, k], [k, 1], [0, 1]])
        rot = np.array([[0, 1], [-1, 0]])  # +90 degrees on row vectors
        circle = np.stack([quarter @ np.linalg.matrix_power(rot, i) for i in range(4)])
        xy = sample_curves(circle, 1000)

    The outlines of Manim mobjects (their ``points``, four per curve):

    .. manim:: SampleCurvesExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, sample_curves

        class SampleCurvesExample(Scene):
            def construct(self):
                outline = VGroup(Circle(radius=2), Star(5, outer_radius=1.6))
                curves = np.concatenate([m.points.reshape(-1, 4, 3)[:, :, :2]
                                         for m in outline])
                points = sample_curves(curves, 3000, seed=0)  # shape (3000, 2)
                axes = Axes(x_range=[-2.5, 2.5], y_range=[-2.5, 2.5], x_length=7, y_length=7)
                self.add(DistributionCloud(points, axes=axes, radius=0.025))
    """
    arr = as_curves(curves)
    n, size = check_count(n), check_size(size)
    segments = check_segments(segments)
    flat = _flatten(arr, segments)  # (M, S + 1, 2)
    lengths = np.linalg.norm(np.diff(flat, axis=1), axis=2).ravel()  # (M * S,)
    total = lengths.sum()
    if not total > 0:
        raise ValueError("the curves have zero length: there is no outline to sample")
    rng = np.random.default_rng(seed)
    piece = rng.choice(len(lengths), size=n, p=lengths / total)
    curve, k = np.divmod(piece, segments)
    t = (k + rng.uniform(0.0, 1.0, n)) / segments
    xy = bezier(arr[curve], t)
    flat = flat.reshape(-1, 2)
    return to_box(xy, flat.min(axis=0), flat.max(axis=0), fit, size)
