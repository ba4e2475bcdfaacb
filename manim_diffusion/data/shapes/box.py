"""Fitting a shape's points into a centred box: the frame every shape sampler shares."""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import as_path, check_size

__all__ = ["fit_to_box", "to_box"]


def _frame(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre and extent (longer side) of the box ``[lo, hi]``."""
    extent = float(np.max(hi - lo))
    if not extent > 0:
        raise ValueError("the shape has zero extent: all its points coincide")
    return (lo + hi) / 2.0, extent


def to_box(
    xy: np.ndarray, lo: np.ndarray, hi: np.ndarray, fit: bool, size: float
) -> np.ndarray:
    """Map the shape's box ``[lo, hi]`` onto ``[-size/2, size/2]`` (if ``fit``), float32."""
    if fit:
        centre, extent = _frame(lo, hi)
        xy = (xy - centre) * (size / extent)
    return xy.astype(np.float32)


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
    arr = as_path(points, "point set", least=1)
    size = check_size(size)
    centre, extent = _frame(arr.min(axis=0), arr.max(axis=0))
    out = (arr - centre) * (size / extent)
    return out.astype(np.float32) if np.asarray(points).dtype == np.float32 else out
