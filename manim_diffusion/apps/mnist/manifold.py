"""The decoded manifold of LatentMNISTPanel: decoded tiles over the latent plane, one image."""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import CoordinateSystem, ManimColor

from ...mobjects.grid_image import GridImage
from .decode_cache import DecodeCache

__all__ = ["decoded_manifold"]


def decoded_manifold(
    decoder: DecodeCache, extent: tuple[float, float, float, float],
    axes: CoordinateSystem | None, cfg: dict[str, Any],
) -> tuple[GridImage, np.ndarray]:
    """A grid of decoded tiles over ``extent`` as one image pinned to the axes.

    Parameters
    ----------
    decoder
        The panel's decode cache.
    extent, axes
        The latent box and its axes.
    cfg
        The panel's ``manifold_config``: ``tiles`` (along the longer side),
        ``opacity``, ``color`` (of the ink; the background is transparent).

    Returns
    -------
    tuple
        The image and the latent of each tile, ``(ny, nx, 2)``, top row first.
    """
    tiles = cfg["tiles"]
    if isinstance(tiles, bool) or not isinstance(tiles, int) or tiles < 1:
        raise ValueError(f"manifold_config tiles must be a positive integer, got {tiles!r}")
    x0, x1, y0, y1 = extent
    long_side = max(x1 - x0, y1 - y0)
    nx = max(1, round(tiles * (x1 - x0) / long_side))
    ny = max(1, round(tiles * (y1 - y0) / long_side))
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ys = y1 - (np.arange(ny) + 0.5) * (y1 - y0) / ny  # top row first
    gx, gy = np.meshgrid(xs, ys)
    imgs = decoder(np.stack([gx.ravel(), gy.ravel()], axis=1))
    h, w = imgs.shape[1:]
    mosaic = imgs.reshape(ny, nx, h, w).transpose(0, 2, 1, 3).reshape(ny * h, nx * w)
    rgba = np.empty((*mosaic.shape, 4), dtype=np.uint8)
    rgba[..., :3] = (np.asarray(ManimColor.parse(cfg["color"]).to_rgb()) * 255).round()
    rgba[..., 3] = np.rint(mosaic * 255.0)
    image = GridImage(rgba, box=extent, axes=axes)
    image.set_opacity(cfg["opacity"])
    return image, np.stack([gx, gy], axis=-1)
