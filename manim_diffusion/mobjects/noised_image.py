"""NoisedImage and ImageForwardProcess: pictures dissolving into noise in step with a schedule."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import DOWN, GREY_B, RIGHT, Group, ParsableManimColor, Text, ValueTracker
from manim.constants import RESAMPLING_ALGORITHMS

from ..core.schedules import Schedule, get_schedule
from ..data.images import load_image, noise_image
from .base import TimeDriven, TimeLike
from .grid_image import GridImage
from .image_trajectory import model_to_rgba
from .schedule_plot import SchedulePlot

__all__ = ["ImageForwardProcess", "NoisedImage"]


class NoisedImage(TimeDriven, GridImage):
    """A picture on the forward path ``x_t = alpha(t) x0 + sigma(t) eps``, following the time.

    One fixed ``eps`` per pixel (drawn once from ``seed``), so moving the time back
    and forth shows the same noise fading in and out, and the picture at t = 1 is the
    original.

    Parameters
    ----------
    image
        A picture: a PNG or JPEG path or an array (see
        :func:`~manim_diffusion.data.images.load_image`), or model-space
        ``(C, H, W)`` floats in [-1, 1] (C = 1 or 3).
    schedule
        The path (a Schedule or its name).
    time
        Library time (1 = the picture, 0 = noise): a ``ValueTracker`` or a float.
    seed
        Seeds the noise.
    height
        Height in scene units.
    size, mode
        For a path or a plain array: passed to ``load_image`` (longer side in pixels,
        ``"grey"`` or ``"rgb"``).
    smooth
        Upscale bilinearly (else nearest: crisp pixels, best for small images).
    kwargs
        Passed to :class:`~manim_diffusion.mobjects.grid_image.GridImage`.

    Examples
    --------
    .. manim:: NoisedImageExample

        from manim_diffusion import NoisedImage

        class NoisedImageExample(Scene):
            def construct(self):
                yy, xx = np.mgrid[0:1:96j, 0:1:96j]
                picture = np.stack([xx, yy, 1 - xx], axis=-1)  # a colour gradient in [0, 1]
                t = ValueTracker(1)
                self.add(NoisedImage(picture, "cosine", time=t, height=5, mode="rgb"))
                self.play(t.animate.set_value(0.45), run_time=3)  # half way to noise
    """

    def __init__(
        self,
        image: str | os.PathLike[str] | np.ndarray,
        schedule: Schedule | str = "linear",
        time: TimeLike = 1.0,
        seed: int = 0,
        height: float = 3.0,
        size: int | tuple[int, int] | None = None,
        mode: str = "grey",
        smooth: bool = False,
        **kwargs: Any,
    ) -> None:
        self.x0 = self._as_model(image, size, mode)
        self.schedule = get_schedule(schedule) if isinstance(schedule, str) else schedule
        _, self.eps = noise_image(self.x0, self.schedule, 1.0, seed=seed, return_noise=True)
        super().__init__(model_to_rgba(self.x0), height=height, **kwargs)
        if not smooth:
            self.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
        self._set_time_source(time)
        self._key: float | None = None
        self._follow_updates()

    @staticmethod
    def _as_model(image: Any, size: Any, mode: str) -> np.ndarray:
        arr = image if isinstance(image, np.ndarray) else None
        if arr is not None and arr.ndim == 3 and arr.shape[0] in (1, 3) and (
                arr.dtype.kind == "f" and arr.shape[-1] not in (3, 4)):
            if size is not None:
                raise ValueError("size resizes a picture file or a plain array, not "
                                 "model-space (C, H, W) images: resize before")
            return arr.astype(np.float32)
        return load_image(image, size=size, mode=mode)

    def _clamp_time(self, time: float) -> float:
        return min(max(time, 0.0), 1.0)

    def noisy(self, t: float | None = None) -> np.ndarray:
        """The model-space picture at time ``t`` (the time shown by default), ``(C, H, W)``."""
        t = self.get_time() if t is None else t
        a, s = float(self.schedule.alpha(t)), float(self.schedule.sigma(t))
        return a * self.x0 + s * self.eps

    def refresh(self) -> NoisedImage:
        """Redraw if the time changed."""
        t = self.get_time()
        if t != self._key:
            self._key = t
            self.set_rgba(model_to_rgba(self.noisy(t)))
        return self


class ImageForwardProcess(TimeDriven, Group):
    """Pictures dissolving into noise, beside the schedule's plot, on one time.

    A row of :class:`NoisedImage` (each its own fixed noise) above a
    :class:`~manim_diffusion.mobjects.schedule_plot.SchedulePlot` whose marker
    follows the same time: alpha_bar, sigma and the log SNR at the moment shown.

    Parameters
    ----------
    images
        Pictures (paths, arrays or model-space images), one tile each.
    schedule
        The path.
    time
        A ``ValueTracker`` (or a float) that the pictures and the plot follow.
    seed
        Picture ``i`` is noised with seed ``seed + i``.
    height
        Height of each picture in scene units.
    buff
        Space between the pictures.
    mode, size
        How a path or plain array is read (see :class:`NoisedImage`); ``mode`` may be
        one per picture, e.g. ``("grey", "rgb")``.
    titles
        A caption under each picture (``None``: none).
    plot, plot_config
        Draw the schedule plot below, and its keyword arguments.
    font_size, label_color
        Of the captions.
    kwargs
        Passed to :class:`~manim.Group`.

    Examples
    --------
    .. manim:: ImageForwardProcessExample

        from manim_diffusion import ImageForwardProcess, load_pixel_mnist

        class ImageForwardProcessExample(Scene):
            def construct(self):
                kit = load_pixel_mnist()
                yy, xx = np.mgrid[0:1:64j, 0:1:64j]
                picture = np.stack([xx, yy, 1 - xx], axis=-1)
                t = ValueTracker(1)
                process = ImageForwardProcess([kit.digits[0], picture], "cosine", time=t,
                                              mode=("grey", "rgb"),
                                              titles=["a digit", "a picture"])
                self.add(process.move_to(ORIGIN))
                self.play(t.animate.set_value(0.4), run_time=3, rate_func=linear)
    """

    def __init__(
        self,
        images: Sequence[Any],
        schedule: Schedule | str = "linear",
        time: TimeLike | None = None,
        seed: int = 0,
        height: float = 2.4,
        buff: float = 0.5,
        mode: str | Sequence[str] = "grey",
        size: int | tuple[int, int] | None = None,
        titles: Sequence[str] | None = None,
        plot: bool = True,
        plot_config: dict[str, Any] | None = None,
        font_size: float = 22,
        label_color: ParsableManimColor = GREY_B,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not len(images):
            raise ValueError("images must hold at least one picture")
        if titles is not None and len(titles) != len(images):
            raise ValueError(f"{len(titles)} titles for {len(images)} pictures")
        self.tracker = time if isinstance(time, ValueTracker) else ValueTracker(
            1.0 if time is None else float(time))
        self.schedule = get_schedule(schedule) if isinstance(schedule, str) else schedule
        modes = [mode] * len(images) if isinstance(mode, str) else list(mode)
        if len(modes) != len(images):
            raise ValueError(f"{len(modes)} modes for {len(images)} pictures")
        self.pictures = Group(*(
            NoisedImage(image, self.schedule, self.tracker, seed=seed + i, height=height,
                        mode=m, size=size)
            for i, (image, m) in enumerate(zip(images, modes, strict=True))))
        self.pictures.arrange(RIGHT, buff=buff)
        self.add(self.pictures)
        self.titles = Group()
        for picture, title in zip(self.pictures, titles or [], strict=False):
            self.titles.add(Text(title, font_size=font_size, color=label_color)
                            .next_to(picture, DOWN, buff=0.15))
        self.add(self.titles)
        self.plot: SchedulePlot | None = None
        if plot:
            config = {"width": 5.0, "height": 2.6, "font_size": 16, **(plot_config or {})}
            self.plot = SchedulePlot(self.schedule, time=self.tracker, **config)
            self.plot.next_to(Group(self.pictures, self.titles), DOWN, buff=0.4)
            self.add(self.plot)
        self._set_time_source(self.tracker)

    def _on_time_source(self, time: TimeLike) -> None:
        for picture in self.pictures:
            picture.set_time(time)
        if self.plot is not None:
            self.plot.set_time(time)

