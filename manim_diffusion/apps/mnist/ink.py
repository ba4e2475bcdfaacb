"""Ink to colour: greyscale digit images to RGBA through a colour ramp."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from manim import ParsableManimColor

from ...mobjects.colormaps import colorize

__all__ = ["ink_rgba", "ramp_lut"]


@lru_cache(maxsize=64)
def ramp_lut(colors: tuple[ParsableManimColor, ...]) -> np.ndarray:
    """RGBA of 256 evenly spaced ink values through a colour ramp, ``(256, 4)`` uint8."""
    return colorize(np.linspace(0.0, 1.0, 256), colors, 1.0, 0.0)


def ink_rgba(images: np.ndarray, colors: Sequence[ParsableManimColor]) -> np.ndarray:
    """Greyscale images ``(..., H, W)`` in [0, 1] to opaque RGBA through a colour ramp."""
    levels = np.rint(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)
    return ramp_lut(tuple(colors))[levels]
