"""GridImage: an RGBA image pinned to a data box through axes, or placed freely."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from manim import CoordinateSystem, ParsableManimColor, config
from PIL.Image import Resampling

from .base import FollowsAxes

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

from .renderer import ImageLayer

__all__ = ["GridImage"]


class GridImage(FollowsAxes, ImageLayer):
    """An RGBA image, either pinned to a data box through axes or placed freely.

    With ``box`` (``(x0, x1, y0, y1)`` in data units) the image's corners follow the
    box through ``axes`` (or scene units without axes) whenever :meth:`place` runs
    (an updater calls it every frame); without it the image is an ordinary mobject of
    the given ``height`` that can be moved and scaled. The pixels are upscaled
    bilinearly, so a coarse grid looks smooth.

    Parameters
    ----------
    rgba
        ``uint8`` image of shape ``(rows, cols, 4)``, row 0 at the top.
    box
        The data box the image covers, or ``None`` for a free image.
    axes
        The coordinate system of ``box``.
    height
        Height in scene units of a free image (its width follows the aspect ratio).
    kwargs
        Passed to :class:`~manim.AbstractImageMobject`.

    Examples
    --------
    The same bump pinned to a data box on axes (it follows them when they stretch)
    and as a free image of 12 by 12 pixels, smoothed as it is upscaled.

    .. manim:: GridImageExample

        import numpy as np
        from manim_diffusion import GridImage

        class GridImageExample(Scene):
            def construct(self):
                side = np.linspace(-2, 2, 48)
                x, y = np.meshgrid(side, side[::-1])  # row 0 at the top
                bump = np.exp(-(x**2 + (y - 0.5) ** 2) / 1.5)
                rgba = np.zeros((48, 48, 4), dtype=np.uint8)
                rgba[..., 0], rgba[..., 1] = 255 * bump, 140 * bump
                rgba[..., 2], rgba[..., 3] = 255 * (1 - bump), 255
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6,
                            y_length=6).to_edge(LEFT)
                pinned = GridImage(rgba, box=(-2, 2, -2, 2), axes=axes)
                free = GridImage(rgba[::4, ::4], height=2.5).to_edge(RIGHT, buff=1.2)
                note = Text("free: 12 x 12 pixels", font_size=26).next_to(free, DOWN)
                self.add(pinned, axes, free, note)
                self.play(axes.animate.stretch(0.6, 0).shift(RIGHT), run_time=2)
    """

    def __init__(
        self,
        rgba: np.ndarray,
        box: tuple[float, float, float, float] | None = None,
        axes: CoordinateSystem | None = None,
        height: float = 2.0,
        **kwargs: Any,
    ) -> None:
        self._rgba = self._checked(rgba)
        self._shown: np.ndarray | None = None
        self.opacity = 1.0
        self.box: tuple[float, ...] | None = None if box is None else tuple(float(v) for v in box)
        self._set_axes_map(axes)
        super().__init__(
            scale_to_resolution=config.pixel_height,
            resampling_algorithm=Resampling.BILINEAR,
            **kwargs,
        )
        if self.box is None:
            self.stretch_to_fit_height(height)
            h, w = self._rgba.shape[:2]
            self.stretch_to_fit_width(height * w / h)
        else:
            self.add_updater(lambda m: m.place())

    @staticmethod
    def _checked(rgba: np.ndarray) -> np.ndarray:
        arr = np.asarray(rgba)
        if arr.ndim != 3 or arr.shape[2] != 4 or arr.shape[0] < 1 or arr.shape[1] < 1:
            raise ValueError(f"rgba must have shape (rows, cols, 4), got {arr.shape}")
        return arr.astype(np.uint8, copy=False)

    def set_rgba(self, rgba: np.ndarray) -> Self:
        """Show other pixels (the image keeps its place and size)."""
        self._rgba = self._checked(rgba)
        self._shown = None
        return self

    def set_axes(self, axes: CoordinateSystem | None) -> Self:
        """Map the box through other axes."""
        self._set_axes_map(axes)
        return self.place()

    def corners(self) -> np.ndarray:
        """Scene points of the box's corners: upper left, upper right, lower left, right."""
        assert self.box is not None, "a free image (box=None) has no data box"
        x0, x1, y0, y1 = self.box
        return self.data_map.to_3d(np.array([[x0, y1], [x1, y1], [x0, y0], [x1, y0]]))

    def place(self) -> Self:
        """Move a pinned image onto its box (a free image stays where it is)."""
        if self.box is not None:
            self.points = self.corners()
        return self

    def reset_points(self) -> GridImage:
        """Manim's hook: a pinned image sits on its box, a free one is centred."""
        if self.box is not None:
            self.points = self.corners()
            return self
        return super().reset_points()

    def get_pixel_array(self) -> np.ndarray:
        """The RGBA image, its alpha scaled by the opacity."""
        if self._shown is None:
            img = self._rgba
            if self.opacity < 1.0:
                img = img.copy()
                img[..., 3] = np.rint(img[..., 3] * self.opacity).astype(np.uint8)
            self._shown = img
        return self._shown

    def set_opacity(self, opacity: float, recurse: bool = True) -> Self:
        """Scale the image's alpha (0 hides it)."""
        self.opacity = float(np.clip(opacity, 0.0, 1.0))
        self._shown = None
        return self

    def fade(self, darkness: float = 0.5, family: bool = True) -> Self:
        """Set the opacity to ``1 - darkness`` (what ``FadeIn``/``FadeOut`` use)."""
        return self.set_opacity(1.0 - darkness)

    def set_color(
        self, color: ParsableManimColor | None = None, alpha: Any = None, family: bool = True
    ) -> Self:
        """An image keeps its colours (manim calls this on whole groups)."""
        return self

    def interpolate_color(self, mobject1: Any, mobject2: Any, alpha: float) -> Self:
        """Interpolate the opacity between two images (for fades and transforms)."""
        o1 = getattr(mobject1, "opacity", self.opacity)
        o2 = getattr(mobject2, "opacity", self.opacity)
        return self.set_opacity(o1 + (o2 - o1) * alpha)
