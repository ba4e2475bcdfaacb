"""Checks of the shape samplers' arguments: counts, sizes, finite arrays, curves, paths."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["as_curves", "as_path", "check_count", "check_segments", "check_size", "finite_array"]


def check_count(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"the number of points must be a positive integer, got {n!r}")
    return int(n)


def check_size(size: Any) -> float:
    try:
        value = float(size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be a positive number, got {size!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"size must be a positive finite number, got {size!r}")
    return value


def check_segments(segments: Any) -> int:
    if isinstance(segments, bool) or not isinstance(segments, int | np.integer) or segments < 1:
        raise ValueError(f"segments must be a positive integer, got {segments!r}")
    return int(segments)


def finite_array(data: Any, what: str) -> np.ndarray:
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numeric array-like, got {type(data).__name__}") from None
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    return arr


def as_curves(curves: Any) -> np.ndarray:
    arr = finite_array(curves, "curves")
    if arr.ndim != 3 or arr.shape[1:] != (4, 2) or len(arr) == 0:
        raise ValueError(
            "curves must have shape (M, 4, 2) with M >= 1: control points "
            f"(a0, h0, h1, a1) of M cubic Bézier curves; got shape {arr.shape}"
        )
    return arr


def as_path(points: Any, what: str = "path", least: int = 2) -> np.ndarray:
    arr = finite_array(points, f"the {what}'s points")
    if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) < least:
        raise ValueError(
            f"a {what} must be an array of shape (P, 2) with P >= {least} (x, y) points; "
            f"got shape {arr.shape}"
        )
    return arr
