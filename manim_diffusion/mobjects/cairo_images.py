"""Cairo camera: images that sit exactly on the frame's pixels are pasted, not transformed.

Manim's Cairo camera draws every image mobject with a perspective transform into an
image of the whole frame, then lays that frame over the picture: about 8 ms a frame at
480p and 28 ms at 720p for any image, however small. The library's image layers
(clouds, trails, heat maps) are drawn at the frame's own pixel size and placed on
whole pixels, where that transform is the identity. For such an image this module's
:func:`paste_aligned` lays it over the covered box only, with the same Pillow
``alpha_composite`` (so the frame is the same, byte for byte); every other image, and
every image of another class, goes through manim's own code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from manim.camera.camera import Camera
from PIL import Image
from PIL.Image import Resampling

__all__ = ["paste_aligned"]


def paste_aligned(camera: Camera, image_mobject: Any, pixel_array: np.ndarray) -> bool:
    """Lay an image mobject over ``pixel_array`` if it sits on whole pixels at its size.

    Parameters
    ----------
    camera
        The Cairo camera drawing the frame.
    image_mobject
        An image mobject with nearest-pixel resampling.
    pixel_array
        The camera's RGBA frame, changed in place.

    Returns
    -------
    bool
        Whether it was drawn (``False``: the caller draws it the manim way).

    Examples
    --------
    .. manim:: PasteAlignedExample
        :save_last_frame:

        from manim_diffusion.mobjects import DistributionCloud

        class PasteAlignedExample(Scene):
            def construct(self):
                rng = np.random.default_rng(0)
                self.add(DistributionCloud(rng.normal(size=(3000, 2)), radius=0.04))
    """
    if getattr(image_mobject, "resampling_algorithm", None) != Resampling.NEAREST:
        return False
    image = image_mobject.get_pixel_array()
    if image.ndim != 3 or image.shape[2] != 4 or image.dtype != np.uint8:
        return False
    h, w = image.shape[:2]
    subpixel = getattr(camera, "points_to_subpixel_coords", None)
    if subpixel is None:  # older manim (0.19) resizes and pastes its own way: leave it
        return False
    coords = subpixel(image_mobject, image_mobject.points)
    whole = np.floor(coords)
    x0, y0 = int(whole[0, 0]), int(whole[0, 1])
    if x0 < 0 or y0 < 0:  # manim truncates negative corners towards 0: leave those to it
        return False
    corners = np.array([[x0, y0], [x0 + w, y0], [x0, y0 + h]])
    if not (np.array_equal(whole[:3], corners) and (coords[:3] - whole[:3] < 0.5).all()):
        return False
    ph, pw = pixel_array.shape[:2]
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x0 + w, pw), min(y0 + h, ph)
    if cx1 <= cx0 or cy1 <= cy0:
        return True  # nothing of it is in the frame
    box = (slice(cy0, cy1), slice(cx0, cx1))
    src = image[cy0 - y0: cy1 - y0, cx0 - x0: cx1 - x0]
    under = Image.fromarray(np.ascontiguousarray(pixel_array[box]), mode="RGBA")
    pixel_array[box] = np.asarray(
        Image.alpha_composite(under, Image.fromarray(np.ascontiguousarray(src), mode="RGBA")))
    return True


_manim_display_image: Callable[[Camera, Any, np.ndarray], None] = Camera.display_image_mobject


def _display_image_mobject(camera: Camera, image_mobject: Any, pixel_array: np.ndarray) -> None:
    """Manim's image drawing, with the library's aligned image layers pasted directly."""
    from .renderer import ImageLayer

    if not (isinstance(image_mobject, ImageLayer)
            and paste_aligned(camera, image_mobject, pixel_array)):
        _manim_display_image(camera, image_mobject, pixel_array)


Camera.display_image_mobject = _display_image_mobject  # type: ignore[method-assign,assignment]
