"""Points uniform inside filled shapes (polygons or Bézier outlines), holes left empty."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .box import to_box
from .checks import as_path, check_count, check_segments, check_size, finite_array
from .curves import SEGMENTS, bezier

__all__ = ["sample_inside"]

_FLATNESS = 1e-4  # largest gap between a curve and its polygon, relative to the shape
_CELLS = 4_000_000  # largest (points x edges) boolean table of one inside test
_MAX_CANDIDATES = 20_000_000  # rejection sampling gives up after this many candidates
_GIVE_UP = 200_000  # ... or after this many with none inside


def _split_subpaths(curves: np.ndarray) -> list[np.ndarray]:
    """Split curves ``(M, 4, 2)`` where a curve does not start at the previous end."""
    scale = max(float(np.ptp(curves.reshape(-1, 2), axis=0).max()), 1.0)
    gap = np.linalg.norm(curves[1:, 0] - curves[:-1, 3], axis=1) > 1e-6 * scale
    return np.split(curves, np.flatnonzero(gap) + 1)


def _polygon(part: np.ndarray, segments: int, tol: float) -> np.ndarray:
    """One subpath, Bézier curves ``(k, 4, 2)`` or a polygon ``(P, 2)``, as vertices.

    A curve gets the fewest pieces (at most ``segments``) that keep the polygon within
    ``tol`` of it: a straight one needs one, a tight bend more.
    """
    if part.ndim == 2:
        return part
    a0, h0, h1, a1 = part[:, 0], part[:, 1], part[:, 2], part[:, 3]
    bend = np.maximum(
        np.linalg.norm(a0 - 2 * h0 + h1, axis=1), np.linalg.norm(h0 - 2 * h1 + a1, axis=1)
    )  # the distance to k chords is at most 3/4 * bend / k**2
    k = np.clip(np.ceil(np.sqrt(0.75 * bend / tol)), 1, segments).astype(np.intp)
    curve = np.repeat(np.arange(len(part)), k)
    step = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    vertices = bezier(part[curve], step / k[curve])  # each curve's end starts the next
    if np.linalg.norm(part[-1, 3] - part[0, 0]) > 0:  # an open path: keep its last point
        vertices = np.vstack([vertices, part[-1, 3]])  # (the fill closes it, as Cairo does)
    return vertices


def _region(shape: Any, segments: int) -> list[np.ndarray]:
    """Parse one region of :func:`sample_inside` into its polygons (subpaths)."""

    def subpaths(item: Any) -> list[np.ndarray]:
        arr = finite_array(item, "the shape's points")
        if arr.ndim == 3 and arr.shape[1:] == (4, 2) and len(arr):
            tol = _FLATNESS * max(float(np.ptp(arr.reshape(-1, 2), axis=0).max()), 1e-12)
            return [_polygon(p, segments, tol) for p in _split_subpaths(arr)]
        if arr.ndim == 2:
            return [as_path(arr, "polygon", least=3)]
        raise ValueError(
            "a shape must be Bézier curves of shape (M, 4, 2), a polygon of shape (P, 2), "
            f"or a list of those; got a part of shape {arr.shape}"
        )

    if isinstance(shape, np.ndarray):
        return subpaths(shape)
    if not isinstance(shape, Sequence) or isinstance(shape, str) or len(shape) == 0:
        raise ValueError(
            "a shape must be Bézier curves (M, 4, 2), a polygon (P, 2), or a non-empty "
            f"list of them; got {type(shape).__name__}"
        )
    if np.ndim(shape[0]) <= 1:  # a plain list of (x, y) pairs: one polygon
        return subpaths(shape)
    return [p for part in shape for p in subpaths(part)]


def _edges(regions: list[list[np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closed polygon edges: starts ``(E, 2)``, ends ``(E, 2)``, region of each ``(E,)``."""
    polygons = [(i, poly) for i, region in enumerate(regions) for poly in region]
    starts = np.concatenate([poly for _, poly in polygons])
    ends = np.concatenate([np.roll(poly, -1, axis=0) for _, poly in polygons])
    region = np.concatenate([np.full(len(poly), i) for i, poly in polygons])
    keep = starts[:, 1] != ends[:, 1]  # a horizontal edge never meets a ray to +x
    return starts[keep], ends[keep], region[keep]


def _inside(xy: np.ndarray, p: np.ndarray, q: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Even-odd ray casting per region, united over regions: a bool per point of ``xy``.

    A ray from each point to +x crosses an edge when the edge straddles the point's
    ``y`` and meets that line right of the point. The points are cut into horizontal
    bands, each tested only against the edges that reach into it.
    """
    out = np.zeros(len(xy), dtype=bool)
    if len(p) == 0:
        return out
    y_lo, y_hi = np.minimum(p[:, 1], q[:, 1]), np.maximum(p[:, 1], q[:, 1])
    slope = (q[:, 0] - p[:, 0]) / (q[:, 1] - p[:, 1])
    bottom, height = y_lo.min(), y_hi.max() - y_lo.min()
    bands = int(np.clip(len(p) // 8, 1, 256))
    band = np.clip(((xy[:, 1] - bottom) / height * bands).astype(np.intp), 0, bands - 1)
    pad = 1e-9 * height
    for b in np.unique(band):
        pts = np.flatnonzero(band == b)
        b_lo, b_hi = bottom + height * b / bands - pad, bottom + height * (b + 1) / bands + pad
        e = np.flatnonzero((y_hi >= b_lo) & (y_lo <= b_hi))
        if len(e) == 0:
            continue
        groups, first = np.unique(region[e], return_index=True)  # e is sorted by region
        x1, y1, y2, k = p[e, 0], p[e, 1], q[e, 1], slope[e]
        chunk = max(1, _CELLS // len(e))
        for lo in range(0, len(pts), chunk):
            idx = pts[lo:lo + chunk]
            px, py = xy[idx, :1], xy[idx, 1:]
            crosses = ((y1 > py) != (y2 > py)) & (px < x1 + (py - y1) * k)
            odd = np.add.reduceat(crosses, first, axis=1, dtype=np.intp) % 2 == 1
            out[idx] = odd.any(axis=1)
    return out


def sample_inside(
    curves_or_polygons: Any,
    n: int,
    seed: int = 0,
    *,
    fit: bool = True,
    size: float = 4.0,
    segments: int = SEGMENTS,
    regions: bool = False,
) -> np.ndarray:
    """``n`` points uniform inside a filled shape, holes left empty (even-odd rule).

    Bézier subpaths are flattened to polygons; candidates drawn uniformly in the
    bounding box are kept when a ray from them crosses the outline an odd number of
    times, so the inside of an "o" or an "A" stays empty.

    Parameters
    ----------
    curves_or_polygons
        One of

        - an array of Bézier curves, shape ``(M, 4, 2)``: a new subpath starts
          wherever a curve does not begin at the previous curve's end (as in Manim);
        - one polygon, shape ``(P, 2)`` with ``P >= 3`` (closed implicitly);
        - a list of such arrays: the subpaths of one region, combined by even-odd.

        Note that an array of shape ``(M, 4, 2)`` means curves, while a list of ``M``
        arrays of shape ``(4, 2)`` means quadrilaterals.
    n
        Number of points, at least 1.
    seed
        Seed of the generator: the same seed gives the same points.
    fit, size
        As in :func:`sample_curves`.
    segments
        Most line segments per Bézier curve in the polygon; flatter curves get fewer,
        as many as keep the polygon within 1e-4 of the shape's size from the curve.
    regions
        If true, ``curves_or_polygons`` is a list of regions, each one of the forms
        above and filled by even-odd on its own, and the points fill their union; so
        overlapping parts stay filled, as when Manim fills each member of a group.

    Returns
    -------
    np.ndarray
        float32 array of shape ``(n, 2)``.

    Raises
    ------
    ValueError
        For malformed input, or a shape that encloses no area.

    Examples
    --------
    A square with a square hole::

        outer = [(-2, -2), (2, -2), (2, 2), (-2, 2)]
        hole = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
        xy = sample_inside([outer, hole], 2000)

    .. manim:: SampleInsideExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, sample_inside

        class SampleInsideExample(Scene):
            def construct(self):
                outer = [(-2, -2), (2, -2), (2, 2), (-2, 2)]
                hole = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
                points = sample_inside([outer, hole], 2000, seed=0)
                self.add(DistributionCloud(points, radius=0.025))
    """
    n, size = check_count(n), check_size(size)
    segments = check_segments(segments)
    if regions:
        if not isinstance(curves_or_polygons, Sequence) or len(curves_or_polygons) == 0:
            raise ValueError("with regions=True, give a non-empty list of regions")
        parsed = [_region(region, segments) for region in curves_or_polygons]
    else:
        parsed = [_region(curves_or_polygons, segments)]
    p, q, region = _edges(parsed)
    vertices = np.concatenate([poly for polys in parsed for poly in polys])
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    if not np.all(hi > lo):
        raise ValueError("the shape encloses no area: its bounding box is flat")
    rng = np.random.default_rng(seed)
    kept: list[np.ndarray] = []
    have, drawn, rate = 0, 0, 0.5
    while have < n:
        if drawn >= _MAX_CANDIDATES or (have == 0 and drawn >= _GIVE_UP):
            raise ValueError(
                f"the shape encloses no area (or almost none): {have} of {drawn} points "
                "drawn in its bounding box fell inside (is it only a line?)"
            )
        batch = int(min(max(1.3 * (n - have) / rate, 1024), 2_000_000))
        xy = lo + (hi - lo) * rng.uniform(0.0, 1.0, (batch, 2))
        hit = xy[_inside(xy, p, q, region)]
        kept.append(hit)
        have, drawn = have + len(hit), drawn + batch
        rate = max(have / drawn, 1e-3)
    return to_box(np.concatenate(kept)[:n], lo, hi, fit, size)
