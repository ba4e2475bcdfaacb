"""Points drawn from a grey-scale picture, dense where the ink is."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .box import to_box
from .checks import check_count, check_size, finite_array

__all__ = ["sample_image"]


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
    n, size = check_count(n), check_size(size)
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
    return to_box(xy, lo, hi, fit, size)


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
    grey = finite_array(raw, "the image's pixels")
    if grey.min() < 0 or grey.max() > 255:
        raise ValueError(
            f"image values must lie in 0-255 (or 0-1), got {grey.min()} to {grey.max()}"
        )
    if np.issubdtype(raw.dtype, np.integer) or grey.max() > 1:
        grey = grey / 255.0
    return grey
