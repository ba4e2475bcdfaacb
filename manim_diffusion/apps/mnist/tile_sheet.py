"""TileSheet: equal image tiles on a grid, drawn as one image mobject."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...mobjects.grid_image import GridImage

__all__ = ["TileSheet"]


class TileSheet(GridImage):
    """Equal tiles on a grid inside one RGBA image: one image mobject however many tiles.

    Manim's Cairo camera composites every image mobject over the whole frame (a few ms
    at 480p, about 18 ms at 1080p), so the panel draws all its digits as one image.
    Gaps between tiles are transparent; tile ``i`` fills row ``i // columns``, column
    ``i % columns``.

    Parameters
    ----------
    n, columns
        Number of tiles and of columns.
    tile
        ``(rows, cols)`` pixels of one tile.
    height
        Height of one tile in scene units (the sheet's pixels per unit follow).
    hgap, vgap
        Horizontal and vertical gaps between tiles, in scene units (at least a pixel).
    kwargs
        Passed to :class:`~manim_diffusion.mobjects.grid_image.GridImage`.

    Examples
    --------
    .. manim:: TileSheetExample

        from manim_diffusion.apps.mnist.ink import ink_rgba
        from manim_diffusion.apps.mnist.tile_sheet import TileSheet
        from manim_diffusion.apps.mnist.toy_digits import toy_latent_digits

        class TileSheetExample(Scene):
            def construct(self):
                toy = toy_latent_digits()
                sheet = TileSheet(10, 5, (28, 28), height=1.2, hgap=0.2, vgap=0.2)
                for i, image in enumerate(toy.decode(toy.centres)):
                    sheet.set_tile(i, ink_rgba(image, (BLACK, WHITE)))
                self.add(sheet)
    """

    def __init__(self, n: int, columns: int, tile: tuple[int, int], height: float,
                 hgap: float, vgap: float, **kwargs: Any) -> None:
        self.n_tiles, self.columns = n, columns
        self.rows = int(np.ceil(n / columns))
        self.tile = (int(tile[0]), int(tile[1]))
        th, tw = self.tile
        self.px_per_unit = th / height
        self.gaps = (max(1, round(hgap * self.px_per_unit)),
                     max(1, round(vgap * self.px_per_unit)))
        gx, gy = self.gaps
        canvas = np.zeros((self.rows * th + (self.rows - 1) * gy,
                           columns * tw + (columns - 1) * gx, 4), dtype=np.uint8)
        self._tiles = np.zeros((n, th, tw, 4), dtype=np.uint8)
        self._tile_opacity = np.ones(n)
        super().__init__(canvas, height=canvas.shape[0] / self.px_per_unit, **kwargs)

    def _origin(self, i: int) -> tuple[int, int]:
        """Canvas pixel (row, col) of tile ``i``'s upper left corner."""
        r, c = divmod(i, self.columns)
        return r * (self.tile[0] + self.gaps[1]), c * (self.tile[1] + self.gaps[0])

    def _paint(self, i: int) -> None:
        y, x = self._origin(i)
        th, tw = self.tile
        tile = self._tiles[i]
        if self._tile_opacity[i] < 1.0:
            tile = tile.copy()
            tile[..., 3] = np.rint(tile[..., 3] * self._tile_opacity[i]).astype(np.uint8)
        self._rgba[y : y + th, x : x + tw] = tile
        self._shown = None

    def set_tile(self, i: int, rgba: np.ndarray) -> TileSheet:
        """Show an RGBA image of the tile's size in tile ``i``."""
        rgba = np.asarray(rgba)
        if rgba.shape != (*self.tile, 4):
            raise ValueError(f"tile images must have shape {(*self.tile, 4)}, got {rgba.shape}")
        self._tiles[i] = rgba
        self._paint(i)
        return self

    def set_tile_opacity(self, i: int, opacity: float) -> TileSheet:
        """Scale tile ``i``'s alpha (the sheet's own opacity applies on top)."""
        self._tile_opacity[i] = float(np.clip(opacity, 0.0, 1.0))
        self._paint(i)
        return self

    def tile_centres(self) -> np.ndarray:
        """Scene points of the tiles' centres, ``(n, 3)``, wherever the sheet is now."""
        ul, ur, ll = self.points[0], self.points[1], self.points[2]
        h, w = self._rgba.shape[:2]
        out = np.zeros((self.n_tiles, 3))
        for i in range(self.n_tiles):
            y, x = self._origin(i)
            u = (x + self.tile[1] / 2) / w
            v = (y + self.tile[0] / 2) / h
            out[i] = ul + u * (ur - ul) + v * (ll - ul)
        return out
