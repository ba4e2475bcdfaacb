"""2D point sets from any shape: Bézier outlines, hand-drawn paths, filled areas, images."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "fit_to_box",
    "sample_curves",
    "sample_image",
    "sample_inside",
    "sample_polyline",
]

_SEGMENTS = 32  # line segments per Bézier curve when flattening
_FLATNESS = 1e-4  # largest gap between a curve and its polygon, relative to the shape
_CELLS = 4_000_000  # largest (points x edges) boolean table of one inside test
_MAX_CANDIDATES = 20_000_000  # rejection sampling gives up after this many candidates
_GIVE_UP = 200_000  # ... or after this many with none inside


# --- checks --------------------------------------------------------------------------


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"the number of points must be a positive integer, got {n!r}")
    return int(n)


def _check_size(size: Any) -> float:
    try:
        value = float(size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be a positive number, got {size!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"size must be a positive finite number, got {size!r}")
    return value


def _as_array(data: Any, what: str) -> np.ndarray:
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numeric array-like, got {type(data).__name__}") from None
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    return arr


def _as_curves(curves: Any) -> np.ndarray:
    arr = _as_array(curves, "curves")
    if arr.ndim != 3 or arr.shape[1:] != (4, 2) or len(arr) == 0:
        raise ValueError(
            "curves must have shape (M, 4, 2) with M >= 1: control points "
            f"(a0, h0, h1, a1) of M cubic Bézier curves; got shape {arr.shape}"
        )
    return arr


def _as_path(points: Any, what: str = "path", least: int = 2) -> np.ndarray:
    arr = _as_array(points, f"the {what}'s points")
    if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) < least:
        raise ValueError(
            f"a {what} must be an array of shape (P, 2) with P >= {least} (x, y) points; "
            f"got shape {arr.shape}"
        )
    return arr


# --- geometry ------------------------------------------------------------------------


def _bezier(curves: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points of cubic Béziers ``curves[..., 4, 2]`` at parameters ``t`` (broadcast)."""
    t = t[..., None]
    s = 1.0 - t
    a0, h0, h1, a1 = (curves[..., i, :] for i in range(4))
    return s**3 * a0 + 3 * s**2 * t * h0 + 3 * s * t**2 * h1 + t**3 * a1


def _flatten(curves: np.ndarray, segments: int = _SEGMENTS) -> np.ndarray:
    """Points ``(M, segments + 1, 2)`` at evenly spaced parameters on each curve."""
    t = np.linspace(0.0, 1.0, segments + 1)
    return _bezier(curves[:, None, :, :], t[None, :])


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
    vertices = _bezier(part[curve], step / k[curve])  # each curve's end starts the next
    if np.linalg.norm(part[-1, 3] - part[0, 0]) > 0:  # an open path: keep its last point
        vertices = np.vstack([vertices, part[-1, 3]])  # (the fill closes it, as Cairo does)
    return vertices


def _region(shape: Any, segments: int) -> list[np.ndarray]:
    """Parse one region of :func:`sample_inside` into its polygons (subpaths)."""

    def subpaths(item: Any) -> list[np.ndarray]:
        arr = _as_array(item, "the shape's points")
        if arr.ndim == 3 and arr.shape[1:] == (4, 2) and len(arr):
            tol = _FLATNESS * max(float(np.ptp(arr.reshape(-1, 2), axis=0).max()), 1e-12)
            return [_polygon(p, segments, tol) for p in _split_subpaths(arr)]
        if arr.ndim == 2:
            return [_as_path(arr, "polygon", least=3)]
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


def _frame(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre and extent (longer side) of the box ``[lo, hi]``."""
    extent = float(np.max(hi - lo))
    if not extent > 0:
        raise ValueError("the shape has zero extent: all its points coincide")
    return (lo + hi) / 2.0, extent


def _finish(
    xy: np.ndarray, lo: np.ndarray, hi: np.ndarray, fit: bool, size: float
) -> np.ndarray:
    """Map the shape's box ``[lo, hi]`` onto ``[-size/2, size/2]`` (if ``fit``), float32."""
    if fit:
        centre, extent = _frame(lo, hi)
        xy = (xy - centre) * (size / extent)
    return xy.astype(np.float32)


# --- public --------------------------------------------------------------------------


def fit_to_box(points: Any, size: float = 4.0) -> np.ndarray:
    """Centre ``points`` and scale them so their bounding box's longer side is ``size``.

    The scaling is uniform (the aspect ratio is kept), so with the default ``size=4``
    the points fill ``[-2, 2]`` along their longer side, inside the ``±2.5`` box of
    the built-in data sets.

    Parameters
    ----------
    points
        Array-like of shape ``(N, 2)``, finite, not all equal.
    size
        Length of the longer side after fitting.

    Returns
    -------
    np.ndarray
        The fitted points, shape ``(N, 2)``; float32 input stays float32, anything
        else becomes float64.

    Examples
    --------
    .. manim:: FitToBoxExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, fit_to_box

        class FitToBoxExample(Scene):
            def construct(self):
                rng = np.random.default_rng(0)
                raw = rng.uniform(size=(1500, 2)) * [1.5, 0.6] + [-2.8, 1.2]  # off-centre
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                box = Square(side_length=axes.x_length * 4 / 6, color=GREY_B)
                self.add(axes, box.move_to(axes.c2p(0, 0)),
                         DistributionCloud(raw, axes=axes, color=GREY_B, radius=0.02),
                         DistributionCloud(fit_to_box(raw, size=4.0), axes=axes, radius=0.02))
                self.add(Paragraph("grey: raw", "blue: fit_to_box(raw)", "box: 4 x 4",
                                   font_size=24).to_corner(UR))
    """
    arr = _as_path(points, "point set", least=1)
    size = _check_size(size)
    centre, extent = _frame(arr.min(axis=0), arr.max(axis=0))
    out = (arr - centre) * (size / extent)
    return out.astype(np.float32) if np.asarray(points).dtype == np.float32 else out


def sample_curves(
    curves: Any,
    n: int,
    seed: int = 0,
    *,
    fit: bool = True,
    size: float = 4.0,
    segments: int = _SEGMENTS,
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
    arr = _as_curves(curves)
    n, size = _check_n(n), _check_size(size)
    if isinstance(segments, bool) or not isinstance(segments, int | np.integer) or segments < 1:
        raise ValueError(f"segments must be a positive integer, got {segments!r}")
    flat = _flatten(arr, int(segments))  # (M, S + 1, 2)
    lengths = np.linalg.norm(np.diff(flat, axis=1), axis=2).ravel()  # (M * S,)
    total = lengths.sum()
    if not total > 0:
        raise ValueError("the curves have zero length: there is no outline to sample")
    rng = np.random.default_rng(seed)
    piece = rng.choice(len(lengths), size=n, p=lengths / total)
    curve, k = np.divmod(piece, segments)
    t = (k + rng.uniform(0.0, 1.0, n)) / segments
    xy = _bezier(arr[curve], t)
    flat = flat.reshape(-1, 2)
    return _finish(xy, flat.min(axis=0), flat.max(axis=0), fit, size)


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
    arr = _as_path(points)
    n, size = _check_n(n), _check_size(size)
    ends = np.concatenate([arr, arr[:1]]) if closed else arr
    start, step = ends[:-1], np.diff(ends, axis=0)
    lengths = np.linalg.norm(step, axis=1)
    total = lengths.sum()
    if not total > 0:
        raise ValueError("the path has zero length: all its points coincide")
    rng = np.random.default_rng(seed)
    seg = rng.choice(len(lengths), size=n, p=lengths / total)
    xy = start[seg] + rng.uniform(0.0, 1.0, (n, 1)) * step[seg]
    return _finish(xy, arr.min(axis=0), arr.max(axis=0), fit, size)


def sample_inside(
    curves_or_polygons: Any,
    n: int,
    seed: int = 0,
    *,
    fit: bool = True,
    size: float = 4.0,
    segments: int = _SEGMENTS,
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
    n, size = _check_n(n), _check_size(size)
    if isinstance(segments, bool) or not isinstance(segments, int | np.integer) or segments < 1:
        raise ValueError(f"segments must be a positive integer, got {segments!r}")
    if regions:
        if not isinstance(curves_or_polygons, Sequence) or len(curves_or_polygons) == 0:
            raise ValueError("with regions=True, give a non-empty list of regions")
        parsed = [_region(region, int(segments)) for region in curves_or_polygons]
    else:
        parsed = [_region(curves_or_polygons, int(segments))]
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
    return _finish(np.concatenate(kept)[:n], lo, hi, fit, size)


def sample_image(
    image: Any,
    n: int,
    seed: int = 0,
    invert: bool = True,
    *,
    fit: bool = True,
    size: float = 4.0,
) -> np.ndarray:
    """``n`` points drawn from a grey-scale picture, dense where the ink is.

    A pixel is chosen with probability proportional to its darkness (``invert=True``:
    dark ink on white paper) or its brightness (``invert=False``), and the point is
    placed uniformly inside it. The ``y`` axis points up: row 0 is the top of the
    picture. One pixel is one unit before fitting, so the aspect ratio is kept.

    Parameters
    ----------
    image
        A 2D array (values in 0-255, or in 0-1 for floats not above 1) or the path of
        an image file, read with Pillow and converted to grey ("L"); transparent
        parts count as white paper. Booleans count as 0 (black) and 1 (white).
    n
        Number of points, at least 1.
    seed
        Seed of the generator: the same seed gives the same points.
    invert
        Sample dark pixels (``True``) or bright ones (``False``).
    fit, size
        As in :func:`sample_curves`; the box of the pixels that can be drawn (the
        ink) is fitted, not the whole picture.

    Returns
    -------
    np.ndarray
        float32 array of shape ``(n, 2)``.

    Examples
    --------
    A black bar on white paper::

        img = np.full((40, 60), 255, np.uint8)
        img[15:25, 10:50] = 0
        xy = sample_image(img, 1000)

    A grey ramp with a white hole (left) and the points drawn from it (right):

    .. manim:: SampleImageExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, sample_image

        class SampleImageExample(Scene):
            def construct(self):
                image = np.tile(np.linspace(0, 255, 120), (60, 1)).astype(np.uint8)
                image[20:40, 50:70] = 255  # white paper: no points
                points = sample_image(image, 3000, seed=0)
                axes = Axes(x_range=[-2.5, 2.5], y_range=[-2.5, 2.5], x_length=6, y_length=6)
                self.add(ImageMobject(image).scale_to_fit_width(5).shift(3.4 * LEFT),
                         DistributionCloud(points, axes=axes.shift(3.4 * RIGHT), radius=0.02))
    """
    n, size = _check_n(n), _check_size(size)
    grey = _load_grey(image)
    weight = 1.0 - grey if invert else grey
    total = weight.sum()
    if not total > 0:
        paper = "white" if invert else "black"
        raise ValueError(
            f"the image is empty: every pixel is {paper}, so there is nothing to sample "
            f"(invert={invert}; try invert={not invert} for "
            f"{'light ink on a dark' if invert else 'dark ink on a light'} background)"
        )
    height = grey.shape[0]
    rng = np.random.default_rng(seed)
    pixel = rng.choice(weight.size, size=n, p=(weight / total).ravel())
    row, col = np.divmod(pixel, grey.shape[1])
    xy = np.c_[col, height - 1 - row] + rng.uniform(0.0, 1.0, (n, 2))
    rows, cols = np.nonzero(weight)
    lo = np.array([cols.min(), height - 1 - rows.max()], dtype=np.float64)
    hi = np.array([cols.max() + 1, height - rows.min()], dtype=np.float64)
    return _finish(xy, lo, hi, fit, size)


def _load_grey(image: Any) -> np.ndarray:
    """A 2D float array in [0, 1] (0 black, 1 white) from an array or an image file."""
    if isinstance(image, str | os.PathLike):
        from PIL import Image

        try:
            with Image.open(image) as img:
                img.load()
                flat: Image.Image = img
                if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                    rgba = img.convert("RGBA")
                    paper = Image.new("RGBA", rgba.size, "white")
                    flat = Image.alpha_composite(paper, rgba)
                grey = np.asarray(flat.convert("L"), dtype=np.float64) / 255.0
        except OSError as err:
            raise ValueError(f"cannot read the image {os.fspath(image)!r}: {err}") from None
        return grey
    raw = np.asarray(image)
    if raw.ndim != 2 or raw.size == 0:
        raise ValueError(
            "image must be a non-empty 2D grey-scale array (height, width) or a file path; "
            f"got shape {raw.shape} (convert colour pictures to grey first)"
        )
    if raw.dtype == bool:
        raw = raw.astype(np.float64)
    grey = _as_array(raw, "the image's pixels")
    if grey.min() < 0 or grey.max() > 255:
        raise ValueError(
            f"image values must lie in 0-255 (or 0-1), got {grey.min()} to {grey.max()}"
        )
    if np.issubdtype(raw.dtype, np.integer) or grey.max() > 1:
        grey = grey / 255.0
    return grey
