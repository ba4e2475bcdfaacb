"""Frame pixels: the camera's pixel grid, and where an image on it lies in the scene."""

from __future__ import annotations

import numpy as np
from manim import config

__all__ = ["frame_geometry", "image_corners"]


def frame_geometry() -> tuple[float, float, int, int]:
    """Pixels per scene unit in x and y, and the frame's width and height in pixels.

    As manim's Cairo camera sees the frame: it keeps the configured frame width and
    fits the frame's height to the pixels' aspect ratio, so a unit is as many pixels
    up as across (at 854 x 480 both are ``854 / 14.22``, not ``480 / 8`` up).

    Returns
    -------
    tuple
        ``(sx, sy, pixel_width, pixel_height)`` of the current render settings.

    Examples
    --------
    .. manim:: FrameGeometryExample
        :save_last_frame:

        from manim_diffusion.mobjects.frame_pixels import frame_geometry

        class FrameGeometryExample(Scene):
            def construct(self):
                sx, sy, pw, ph = frame_geometry()
                self.add(Text(f"{pw} x {ph} px, {sx:.1f} px per unit", font_size=36))
    """
    pw, ph = int(config.pixel_width), int(config.pixel_height)
    scale = pw / config.frame_width
    return scale, scale, pw, ph


def image_corners(
    origin: tuple[int, int],
    shape: tuple[int, ...],
    geometry: tuple[float, float, int, int],
    centre: np.ndarray | None = None,
) -> np.ndarray:
    """Scene corners (upper left, upper right, lower left, lower right) of a frame image.

    Parameters
    ----------
    origin
        The frame pixel ``(x, y)`` of the image's top-left corner.
    shape
        The image's ``(height, width, ...)``.
    geometry
        Pixels per scene unit in x and y, and the frame's width and height in pixels.
    centre
        The scene point at the frame's centre (default: the origin).

    Returns
    -------
    np.ndarray
        Shape ``(4, 3)``, in the order manim's Cairo camera reads an image's points.

    Examples
    --------
    .. manim:: ImageCornersExample
        :save_last_frame:

        from manim_diffusion.mobjects.frame_pixels import frame_geometry, image_corners

        class ImageCornersExample(Scene):
            def construct(self):
                geometry = frame_geometry()
                h, w = config.pixel_height // 2, config.pixel_width // 2
                corners = image_corners((w // 2, h // 2), (h, w), geometry)
                self.add(Polygon(*corners[[0, 1, 3, 2]], color=YELLOW))
    """
    sx, sy, pw, ph = geometry
    (x0, y0), (h, w) = origin, shape[:2]
    eps = 1e-3  # keep the camera's int() of the corner pixels on the right pixel
    cx, cy, cz = np.zeros(3) if centre is None else centre
    xs = (np.array([x0, x0 + w]) + eps - pw / 2) / sx + cx
    ys = (ph / 2 - (np.array([y0, y0 + h]) + eps)) / sy + cy
    return np.array(
        [[xs[0], ys[0], cz], [xs[1], ys[0], cz], [xs[0], ys[1], cz], [xs[1], ys[1], cz]]
    )
