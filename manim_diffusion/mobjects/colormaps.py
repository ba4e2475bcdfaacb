"""colorize: values in [0, 1] to RGBA pixels through a colour ramp."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import ManimColor, ParsableManimColor

from .palettes import INFERNO

__all__ = ["colorize"]


def colorize(
    u: np.ndarray,
    colors: Sequence[ParsableManimColor] = INFERNO,
    opacity: float = 1.0,
    transparent_below: float = 0.0,
) -> np.ndarray:
    """Map values in ``[0, 1]`` to RGBA through a colour ramp.

    Parameters
    ----------
    u
        Values of any shape ``S``; NaNs count as 0, values are clipped to ``[0, 1]``.
    colors
        Two or more colours evenly spaced over ``[0, 1]``.
    opacity
        Alpha of the values at and above ``transparent_below``.
    transparent_below
        Values below this fade linearly to transparent at 0 (0 keeps all opaque).

    Returns
    -------
    np.ndarray
        ``uint8`` of shape ``(*S, 4)``.
    """
    u = np.clip(np.nan_to_num(np.asarray(u, dtype=np.float64), nan=0.0), 0.0, 1.0)
    stops = np.array([ManimColor.parse(c).to_rgb() for c in colors]) * 255.0
    if len(stops) < 2:
        stops = np.repeat(stops, 2, axis=0)
    xs = np.linspace(0.0, 1.0, len(stops))
    out = np.empty((*u.shape, 4), dtype=np.uint8)
    for c in range(3):
        out[..., c] = np.rint(np.interp(u, xs, stops[:, c]))
    alpha = np.full(u.shape, float(opacity))
    if transparent_below > 0:
        alpha *= np.clip(u / transparent_below, 0.0, 1.0)
    out[..., 3] = np.rint(np.clip(alpha, 0.0, 1.0) * 255.0)
    return out
