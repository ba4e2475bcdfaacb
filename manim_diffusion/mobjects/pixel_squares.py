"""PixelSquares: a small image as a grid of squares, that can line up into a vector."""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import DOWN, RIGHT, Square, VGroup

__all__ = ["PixelSquares"]


class PixelSquares(VGroup):
    """A small grey image drawn as one square per pixel, so each pixel can move alone.

    ``as_column()`` gives the same squares in reading order as one column (the image
    as a vector of ``H W`` numbers): ``Transform(pixels, pixels.as_column())``
    flattens the picture, and the column can then shrink into one point of a plane.

    Parameters
    ----------
    image
        ``(H, W)`` or ``(1, H, W)``: model-space values in [-1, 1] (black to white),
        or uint8 0-255. Keep it small (at most a few hundred pixels).
    side
        Side of one square in scene units.
    stroke_width, stroke_color
        The squares' outline (0: none).
    kwargs
        Passed to :class:`~manim.VGroup`.

    Examples
    --------
    .. manim:: PixelSquaresExample

        from manim_diffusion import PixelSquares, load_pixel_mnist

        class PixelSquaresExample(Scene):
            def construct(self):
                kit = load_pixel_mnist()
                small = kit.digits[0].reshape(14, 2, 14, 2).mean(axis=(1, 3))  # 14 x 14
                pixels = PixelSquares(np.uint8(small), side=0.35).shift(2.5 * LEFT)
                column = pixels.as_column(length=7).shift(5 * RIGHT)
                self.add(pixels.copy().set_opacity(0.35), pixels,
                         Text("196 numbers", font_size=26).next_to(column, LEFT).shift(UP))
                self.play(Transform(pixels, column), run_time=2)
    """

    def __init__(self, image: np.ndarray, side: float = 0.3, stroke_width: float = 0.5,
                 stroke_color: Any = "#444444", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        arr = np.asarray(image)
        if arr.ndim == 3 and arr.shape[0] == 1:
            arr = arr[0]
        if arr.ndim != 2 or arr.size > 4096 or min(arr.shape) < 1:
            raise ValueError(f"image must be (H, W) or (1, H, W) with at most 4096 pixels, "
                             f"got {np.asarray(image).shape}")
        unit = arr / 255.0 if arr.dtype == np.uint8 else (arr.astype(np.float64) + 1) / 2
        self.values = np.clip(unit, 0.0, 1.0)
        self.side = float(side)
        h, w = self.values.shape
        for r in range(h):
            for c in range(w):
                grey = int(round(255 * self.values[r, c]))
                square = Square(side_length=self.side, stroke_width=stroke_width,
                                stroke_color=stroke_color, fill_opacity=1.0,
                                fill_color=f"#{grey:02x}{grey:02x}{grey:02x}")
                square.move_to(((c - (w - 1) / 2) * RIGHT + (r - (h - 1) / 2) * DOWN) * self.side)
                self.add(square)

    def as_column(self, length: float = 7.0, width: float = 0.45) -> VGroup:
        """A copy of the squares in reading order, stacked as one column ``length`` tall
        and ``width`` wide (each pixel a thin bar of its grey)."""
        column = self.copy()
        n = len(column.submobjects)
        step = length / n
        top = self.get_center() + (length - step) / 2 * np.array([0.0, 1.0, 0.0])
        for i, square in enumerate(column.submobjects):
            square.stretch_to_fit_height(step * 0.999)
            square.stretch_to_fit_width(width)
            square.set_stroke(width=0)
            square.move_to(top + i * step * DOWN)
        return column
