"""Point sets from any shape: Bézier outlines, hand-drawn paths, filled areas, images."""

from __future__ import annotations

from .box import fit_to_box
from .curves import sample_curves
from .fill import sample_inside
from .image import sample_image
from .polyline import sample_polyline

__all__ = [
    "fit_to_box",
    "sample_curves",
    "sample_image",
    "sample_inside",
    "sample_polyline",
]
