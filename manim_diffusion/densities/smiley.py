"""The smiley of the data set as an exact Gaussian mixture, built from the shared geometry."""

from __future__ import annotations

import math

import numpy as np

from ..core.schedules import Schedule
from ..data.geometry import (
    EYE_CENTRES,
    EYE_RADIUS,
    FACE_RADIUS,
    MOUTH_ANGLES,
    MOUTH_CENTRE,
    MOUTH_RADIUS,
    SMILEY_SHARES,
)
from .mixture import GaussianMixture

__all__ = ["smiley_density"]

_MAX_COMPONENTS = 20_000


def _arc(cx: float, cy: float, r: float, a0: float, a1: float, spacing: float,
         closed: bool) -> np.ndarray:
    length = r * (a1 - a0)
    if closed:
        n = max(3, math.ceil(length / spacing))
        a = a0 + (a1 - a0) * np.arange(n) / n
    else:
        n = max(2, math.ceil(length / spacing) + 1)
        a = np.linspace(a0, a1, n)
    return np.c_[cx + r * np.cos(a), cy + r * np.sin(a)]


def _disc(cx: float, cy: float, r: float, spacing: float) -> np.ndarray:
    """Centres on a hexagonal lattice filling a disc (at least its centre)."""
    k = math.ceil(r / spacing) + 1
    i, j = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1))
    x = spacing * (i + 0.5 * (j % 2))
    y = spacing * np.sqrt(3) / 2 * j
    inside = np.hypot(x, y) <= r + 1e-9
    return np.c_[cx + x[inside], cy + y[inside]]


def smiley_density(
    width: float = 0.08,
    spacing: float | None = None,
    schedule: Schedule | str = "linear",
) -> GaussianMixture:
    """The smiley of ``datasets.smiley`` as a Gaussian mixture with an exact score.

    Small isotropic components of standard deviation ``width`` sit every
    ``spacing`` along the face's outline circle (radius 1.9) and the mouth's arc
    (radius 1.1 about (0, 0.15), angles 1.15 pi to 1.85 pi), and on a lattice over
    the two eyes (discs of radius 0.2 at (+-0.65, 0.55)). The four parts carry the
    data set's shares of the points (0.45, 0.1, 0.1, 0.35); both read these numbers
    from :mod:`manim_diffusion.data.geometry`. With ``spacing <= width`` the density
    is smooth along the curves (ripple below 1e-8 of its height), so gradient ascent
    collapses onto the curves as a whole.

    Parameters
    ----------
    width
        Standard deviation of each component, in data units.
    spacing
        Distance between neighbouring components; default ``width``.
    schedule
        The noising schedule of the returned mixture (for ``density(x, t)`` at t < 1).

    Returns
    -------
    GaussianMixture
        Use it with :class:`MixtureDensity` (or :func:`langevin_walk` directly).

    Examples
    --------
    .. manim:: SmileyDensityExample
        :save_last_frame:

        from manim_diffusion import (DensityHeatmap, DistributionCloud, MixtureDensity,
                                     smiley_density)

        class SmileyDensityExample(Scene):
            def construct(self):
                mixture = smiley_density(width=0.1)
                axes = Axes(x_range=[-2.5, 2.5], y_range=[-2.5, 2.5], x_length=5.5,
                            y_length=5.5, tips=False)
                left, right = axes.copy().shift(3.4 * LEFT), axes.copy().shift(3.4 * RIGHT)
                self.add(DensityHeatmap(MixtureDensity(mixture), axes=left, colorbar=False),
                         DistributionCloud(mixture.sample(2000, seed=0), axes=right,
                                           radius=0.02),
                         Text("its density", font_size=26).next_to(left, UP),
                         Text("2000 samples", font_size=26).next_to(right, UP))
    """
    width = float(width)
    if not (np.isfinite(width) and width > 0):
        raise ValueError(f"width must be a positive number, got {width}")
    spacing = width if spacing is None else float(spacing)
    if not (np.isfinite(spacing) and spacing > 0):
        raise ValueError(f"spacing must be a positive number, got {spacing}")
    parts = [
        _arc(0.0, 0.0, FACE_RADIUS, 0.0, 2 * np.pi, spacing, closed=True),
        *(_disc(ex, ey, EYE_RADIUS, spacing) for ex, ey in EYE_CENTRES),
        _arc(*MOUTH_CENTRE, MOUTH_RADIUS, *MOUTH_ANGLES, spacing, closed=False),
    ]
    means = np.concatenate(parts)
    if len(means) > _MAX_COMPONENTS:
        raise ValueError(
            f"width {width:g} and spacing {spacing:g} need {len(means)} components (at most "
            f"{_MAX_COMPONENTS}); pass a larger spacing"
        )
    weights = np.concatenate([np.full(len(p), s / len(p))
                              for p, s in zip(parts, SMILEY_SHARES, strict=True)])
    return GaussianMixture(means, width, weights / weights.sum(), schedule=schedule)
