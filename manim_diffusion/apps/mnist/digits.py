"""The decoded digits of LatentMNISTPanel: one tile per followed point, framed and labelled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import DOWN, GREY_B, RIGHT, UP, ManimColor, ParsableManimColor, Rectangle, Text, VGroup

from .decode_cache import DecodeCache
from .ink import ink_rgba
from .tile_sheet import TileSheet

__all__ = ["DecodedDigits"]

Ramp = Sequence[ParsableManimColor]


class DecodedDigits:
    """The decoded image of each followed point beside the latent box, redrawn as it moves.

    Not a mobject: it builds the panel's ``digits`` (one :class:`TileSheet`),
    ``frames`` and ``labels``, which the panel adds, and redraws the tiles whose
    latents moved (:meth:`update`).

    Parameters
    ----------
    decoder
        The panel's decode cache.
    latents
        The followed points' latents now, ``(K, 2)`` float32.
    ramps
        The ink colour ramp of each point's tile.
    frame_colors
        The colour of each tile's frame.
    cfg
        The panel's ``digit_config``.
    box
        Scene corners (lower left, upper right) of the latent box.
    room
        The height beside the box that the tiles may fill, in scene units.

    Examples
    --------
    .. manim:: DecodedDigitsExample

        from manim_diffusion.apps.mnist.decode_cache import DecodeCache
        from manim_diffusion.apps.mnist.digits import DecodedDigits
        from manim_diffusion.apps.mnist.options import panel_options
        from manim_diffusion.apps.mnist.toy_digits import toy_latent_digits

        class DecodedDigitsExample(Scene):
            def construct(self):
                toy = toy_latent_digits(classes=[1, 4, 7])
                z = toy.trajectory.at(1.0).astype(np.float32)
                box = (np.array([-4.0, -2.5, 0]), np.array([-1.0, 2.5, 0]))
                part = DecodedDigits(DecodeCache(toy.decode), z, [(BLACK, WHITE)] * 3,
                                     [BLUE, RED, GREEN], panel_options("digit_config", {}),
                                     box, room=5.0)
                self.add(part.frames, part.sheet, part.labels)
    """

    def __init__(
        self, decoder: DecodeCache, latents: np.ndarray, ramps: Sequence[Ramp],
        frame_colors: Sequence[ManimColor], cfg: dict[str, Any],
        box: tuple[np.ndarray, np.ndarray], room: float,
    ) -> None:
        k = len(latents)
        labels = cfg["labels"]
        if labels is not None and len(labels) != k:
            raise ValueError(f"digit_config labels must have one text per followed point "
                             f"({k}), got {len(labels)}")
        columns = cfg["columns"] or int(np.ceil(k / 5))
        if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
            raise ValueError(f"digit_config columns must be a positive integer, got {columns!r}")
        rows = int(np.ceil(k / columns))
        lo, hi = box
        label_h = 0.0 if labels is None else cfg["font_size"] / 48 + 0.1
        height = cfg["height"]
        if height is None:
            height = min(1.6, (room - (rows - 1) * (cfg["buff"] + label_h)) / rows - label_h)
            height = max(height, 0.3)
        self.ramps = list(ramps)
        self.images = decoder(latents)
        self.shown = latents
        self.sheet = TileSheet(k, columns, self.images.shape[1:], height,
                               cfg["buff"], cfg["buff"] + label_h)
        for i, img in enumerate(self.images):
            self.sheet.set_tile(i, ink_rgba(img, self.ramps[i]))
        self.sheet.next_to((hi[0], hi[1], 0), RIGHT, buff=cfg["gap"], aligned_edge=UP)
        self.sheet.shift(UP * (hi[1] - self.sheet.get_top()[1]))
        centres = self.sheet.tile_centres()
        self.frames = VGroup(*(
            Rectangle(width=height, height=height, stroke_color=frame_colors[i],
                      stroke_width=cfg["frame_width"] if cfg["frame"] else 0,
                      fill_opacity=0).move_to(centres[i]) for i in range(k)))
        self.labels = VGroup()
        if labels is not None:
            for frame, text in zip(self.frames, labels, strict=True):
                self.labels.add(Text(str(text), font_size=cfg["font_size"], color=GREY_B)
                                .next_to(frame, DOWN, buff=0.08))

    def update(self, decoder: DecodeCache, latents: np.ndarray) -> None:
        """Decode and redraw the tiles whose latents changed since they were drawn."""
        moved = np.any(latents != self.shown, axis=1)
        if moved.any():
            images = decoder(latents[moved])
            self.images[moved] = images
            for i, img in zip(np.flatnonzero(moved), images, strict=True):
                self.sheet.set_tile(int(i), ink_rgba(img, self.ramps[int(i)]))
            self.shown = latents
