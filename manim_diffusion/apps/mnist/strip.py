"""The strip of LatentMNISTPanel: one point's decoded images at fixed times, revealed in turn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import DOWN, GREY_B, RIGHT, UP, Group, ParsableManimColor, Rectangle, Text, VGroup

from ...core.trajectory import Trajectory
from .decode_cache import DecodeCache
from .ink import ink_rgba
from .tile_sheet import TileSheet

__all__ = ["TimeStrip"]


class TimeStrip:
    """One followed point's decoded images at fixed times, labelled ``t = ...``.

    Not a mobject: it builds the panel's ``strip`` (``group``: the tile sheet, the
    frames and the labels) under the digits and, with ``reveal``, dims the images of
    the times not reached yet (:meth:`reveal`).

    Parameters
    ----------
    decoder
        The panel's decode cache.
    trajectory
        The followed points' trajectory.
    ramps
        The ink colour ramp of each followed point (the strip's point uses its own).
    cfg
        The panel's ``strip_config``.
    gap
        Space between the latent box and the strip.
    box
        Scene corners (lower left, upper right) of the latent box.

    Examples
    --------
    .. manim:: TimeStripExample

        from manim_diffusion.apps.mnist.decode_cache import DecodeCache
        from manim_diffusion.apps.mnist.options import panel_options
        from manim_diffusion.apps.mnist.strip import TimeStrip
        from manim_diffusion.apps.mnist.toy_digits import toy_latent_digits

        class TimeStripExample(Scene):
            def construct(self):
                toy = toy_latent_digits(classes=[3])
                box = (np.array([-5.0, -0.5, 0]), np.array([-4.0, 0.5, 0]))
                strip = TimeStrip(DecodeCache(toy.decode), toy.trajectory, [(BLACK, WHITE)],
                                  panel_options("strip_config", {"height": 1.5}), 0.5, box)
                strip.reveal(0.7)
                self.add(strip.group)
    """

    def __init__(
        self, decoder: DecodeCache, trajectory: Trajectory,
        ramps: Sequence[Sequence[ParsableManimColor]], cfg: dict[str, Any], gap: float,
        box: tuple[np.ndarray, np.ndarray],
    ) -> None:
        times = np.asarray(cfg["times"], dtype=np.float64).ravel()
        if len(times) == 0 or not np.all((times >= 0) & (times <= 1)):
            raise ValueError(f"strip_config times must lie in [0, 1], got {list(times)}")
        index = cfg["index"]
        if not 0 <= index < trajectory.n_points:
            raise ValueError(f"strip_config index must choose one of the "
                             f"{trajectory.n_points} followed points, got {index}")
        self.reveals = bool(cfg["reveal"])
        self.dim = cfg["dim"]
        self.times = times
        self.latents = np.stack([trajectory.at(float(s))[index] for s in times])
        self.images = decoder(self.latents)
        size = cfg["height"]
        self.sheet = TileSheet(len(times), len(times), self.images.shape[1:], size,
                               cfg["buff"], 0.0)
        for i, img in enumerate(self.images):
            self.sheet.set_tile(i, ink_rgba(img, ramps[index]))
        frames = VGroup()
        texts = VGroup()
        for s, centre in zip(times, self.sheet.tile_centres(), strict=True):
            frame = Rectangle(width=size, height=size, stroke_width=1, stroke_color=GREY_B,
                              stroke_opacity=0.6).move_to(centre)
            frames.add(frame)
            texts.add(Text(f"t = {s:g}", font_size=cfg["font_size"], color=GREY_B)
                      .next_to(frame, DOWN, buff=0.06))
        self.group = Group(self.sheet, frames, texts)
        lo, hi = box
        self.group.next_to((hi[0], lo[1], 0), RIGHT, buff=gap, aligned_edge=DOWN)
        self.group.shift(UP * (lo[1] - self.group.get_bottom()[1]))
        self.state: tuple[bool, ...] | None = None

    def reveal(self, t: float) -> None:
        """Dim the images of the times after ``t`` (when the strip reveals its times)."""
        if not self.reveals:
            return
        state = tuple(bool(t >= s - 1e-9) for s in self.times)
        if state != self.state:
            for j, on in enumerate(state):
                self.sheet.set_tile_opacity(j, 1.0 if on else self.dim)
            self.state = state
