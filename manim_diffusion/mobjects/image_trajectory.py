"""ImageTrajectory: images of a sampling run following the time, with eps-hat and x0-hat."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import GREY_B, UP, YELLOW, Group, ParsableManimColor, Rectangle, Text
from manim.constants import RESAMPLING_ALGORITHMS

from ..core.schedules import Schedule, get_schedule
from ..core.trajectory import Trajectory
from ..data.images import to_display
from .base import TimeDriven, TimeLike
from .grid_image import GridImage

__all__ = ["IMAGE_VIEWS", "ImageTrajectory", "model_to_rgba"]

#: What a tile can show for one image at time t, and its default header.
IMAGE_VIEWS: dict[str, str] = {"x": "x_t", "eps": "eps-hat", "x0": "x0-hat"}


def model_to_rgba(x: np.ndarray, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """Model-space images ``(C, H, W)`` or ``(N, C, H, W)`` (C = 1 or 3) as opaque RGBA.

    ``low`` maps to black and ``high`` to white (clipped); one channel is grey. The
    pixels are :func:`~manim_diffusion.data.images.to_display`'s, with an alpha channel.
    """
    arr = np.asarray(x, dtype=np.float32)
    if (low, high) != (-1.0, 1.0):
        arr = (arr - low) * np.float32(2.0 / (high - low)) - 1.0  # onto [-1, 1]
    pixels = to_display(arr)  # (..., H, W) grey or (..., H, W, 3)
    if pixels.ndim == arr.ndim - 1:
        pixels = np.repeat(pixels[..., None], 3, axis=-1)
    alpha = np.full((*pixels.shape[:-1], 1), 255, dtype=np.uint8)
    return np.concatenate([pixels, alpha], axis=-1)


class ImageTrajectory(TimeDriven, Group):
    """A sampling run's images at the current time: x_t, and beside it eps-hat and x0-hat.

    One image, or a grid of them, follows the time tracker; per image, side by side
    on demand, the noisy image ``x_t``, the noise the model estimates ``eps-hat``
    and its clean estimate ``x0-hat`` (as Diffusion Explorer shows them). Every tile
    of a frame is drawn into one image mobject (Manim composites each image over the
    whole frame), redrawn only when the time changes.

    Parameters
    ----------
    trajectory
        A run of images, points ``(S+1, N, C, H, W)`` in model space ([-1, 1]), with
        ``predictions`` (x0-hat) for the ``"eps"`` and ``"x0"`` views.
    time
        Library time (0 = noise, 1 = data): a ``ValueTracker`` or a float.
    views
        Which tiles each image gets, in order, from :data:`IMAGE_VIEWS`.
    schedule
        The model's schedule (a Schedule or its name), needed for ``"eps"``:
        ``eps-hat = (x_t - alpha x0-hat) / sigma``.
    indices
        Which of the run's images to show (all by default).
    columns
        Images per row of the grid (all in one row by default).
    tile_height
        Side of one tile in scene units.
    buff
        Gap between the tiles of one image's views.
    image_gap
        Gap between images (and between rows).
    headers
        Write each view's name above the images of the first row, when there is more
        than one view (a ``dict`` renames them, and asks for them with one view).
    font_size, label_color
        Of the headers.
    eps_range
        eps-hat is shown from ``-eps_range`` (black) to ``eps_range`` (white).
    kwargs
        Passed to :class:`~manim.Group`.

    Examples
    --------
    One digit sampled by the shipped pixel model: x_t, eps-hat and x0-hat as the
    time runs from noise to data.

    .. manim:: ImageTrajectoryExample

        from manim_diffusion import ImageTrajectory, load_pixel_mnist

        class ImageTrajectoryExample(Scene):
            def construct(self):
                kit = load_pixel_mnist()
                run = kit.sample(labels=[3], steps=30, seed=1)
                t = ValueTracker(0)
                images = ImageTrajectory(run, time=t, views=("x", "eps", "x0"),
                                         schedule=kit.model.schedule, tile_height=3)
                self.add(images)
                self.play(t.animate.set_value(1), run_time=4, rate_func=linear)
    """

    def __init__(
        self,
        trajectory: Trajectory,
        time: TimeLike = 1.0,
        views: Sequence[str] = ("x",),
        schedule: Schedule | str | None = None,
        indices: Sequence[int] | np.ndarray | None = None,
        columns: int | None = None,
        tile_height: float = 1.0,
        buff: float = 0.08,
        image_gap: float = 0.25,
        headers: bool | dict[str, str] = True,
        font_size: float = 22,
        label_color: ParsableManimColor = GREY_B,
        eps_range: float = 3.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trajectory = self._checked(trajectory, views, schedule)
        self.views = tuple(views)
        self.schedule = None if schedule is None else (
            get_schedule(schedule) if isinstance(schedule, str) else schedule)
        n = self.trajectory.n_points
        self.indices = np.arange(n) if indices is None else np.asarray(indices, dtype=int)
        if self.indices.ndim != 1 or len(self.indices) == 0 or (
                self.indices.min() < 0 or self.indices.max() >= n):
            raise ValueError(f"indices must pick images among the run's {n}")
        self.columns = len(self.indices) if columns is None else int(columns)
        if self.columns < 1:
            raise ValueError(f"columns must be a positive integer, got {columns!r}")
        if not (np.isfinite(tile_height) and tile_height > 0) or buff < 0 or image_gap < 0:
            raise ValueError("tile_height must be positive, buff and image_gap >= 0")
        self.eps_range = float(eps_range)
        # the frame loop interpolates only the images shown, not the whole run
        self._shown_run = self.trajectory.subset(self.indices)
        self.tile = self.trajectory.point_shape[1:]
        self._layout(float(tile_height), float(buff), float(image_gap))
        self.image = GridImage(self._canvas, height=self._canvas.shape[0] / self._ppu)
        self.image.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
        self.add(self.image)
        self.headers = Group()
        if headers:
            names = {**IMAGE_VIEWS, **(headers if isinstance(headers, dict) else {})}
            asked = len(self.views) > 1 or isinstance(headers, dict)  # one view: none
            for i in range(min(self.columns, len(self.indices)) if asked else 0):
                for j, view in enumerate(self.views):  # above each image of the first row
                    text = Text(names[view], font_size=font_size, color=label_color)
                    self.headers.add(text.next_to(self.tile_centre(i, j), UP,
                                                  buff=tile_height / 2 + 0.1))
            self.add(self.headers)
        self._set_time_source(time)
        self._key: float | None = None
        self._follow_updates()

    @staticmethod
    def _checked(trajectory: Trajectory, views: Sequence[str],
                 schedule: Schedule | str | None) -> Trajectory:
        if not isinstance(trajectory, Trajectory):
            raise TypeError(f"trajectory must be a Trajectory, got {type(trajectory).__name__}")
        shape = trajectory.point_shape
        if len(shape) != 3 or shape[0] not in (1, 3):
            raise ValueError(f"ImageTrajectory shows images (C, H, W) with C = 1 or 3; this "
                             f"run's points have shape {shape}: use DistributionCloud for points")
        unknown = [v for v in views if v not in IMAGE_VIEWS]
        if unknown or not views:
            raise ValueError(f"views must be some of {list(IMAGE_VIEWS)}, got {list(views)}")
        if any(v in ("eps", "x0") for v in views) and trajectory.predictions is None:
            raise ValueError("the eps and x0 views need the run's predictions: sample with "
                             "record_predictions=True (the default)")
        if "eps" in views and schedule is None:
            raise ValueError("the eps view needs the model's schedule: pass "
                             "schedule=model.schedule")
        return trajectory

    def _layout(self, tile_height: float, buff: float, image_gap: float) -> None:
        th, tw = self.tile
        self._ppu = th / tile_height
        gap, image_px = max(1, round(buff * self._ppu)), max(1, round(image_gap * self._ppu))
        v = len(self.views)
        group_w = v * tw + (v - 1) * gap
        rows = int(np.ceil(len(self.indices) / self.columns))
        width = self.columns * group_w + (self.columns - 1) * image_px
        height = rows * th + (rows - 1) * image_px
        self._origins = np.zeros((len(self.indices), v, 2), dtype=int)  # (row, col) pixels
        for i in range(len(self.indices)):
            r, c = divmod(i, self.columns)
            for j in range(v):
                left = c * (group_w + image_px) + j * (tw + gap)
                self._origins[i, j] = (r * (th + image_px), left)
        self._canvas = np.zeros((height, width, 4), dtype=np.uint8)

    def _clamp_time(self, time: float) -> float:
        return min(max(time, 0.0), 1.0)

    def views_at(self, t: float) -> dict[str, np.ndarray]:
        """The model-space images of each view at time ``t``, ``(M, C, H, W)`` each."""
        run = self._shown_run
        out: dict[str, np.ndarray] = {}
        if "x" in self.views:
            out["x"] = run.at(t)
        if "x0" in self.views or "eps" in self.views:
            out["x0"] = run.at(t, "predictions")
        if "eps" in self.views:
            assert self.schedule is not None  # checked in __init__
            # at the data end the last row repeats the samples: eps of the last step
            te = min(t, float(run.times[-2])) if run.n_steps else t
            a, s = float(self.schedule.alpha(te)), float(self.schedule.sigma(te))
            xe = out["x"] if te == t and "x" in out else run.at(te)
            x0e = out["x0"] if te == t else run.at(te, "predictions")
            out["eps"] = (xe - a * x0e) / max(s, 1e-6)
        return out

    def refresh(self) -> ImageTrajectory:
        """Redraw the tiles if the time changed."""
        t = self.get_time()
        if t == self._key:
            return self
        self._key = t
        shown = self.views_at(t)
        th, tw = self.tile
        for j, view in enumerate(self.views):
            r = self.eps_range if view == "eps" else 1.0
            rgba = model_to_rgba(shown[view], -r, r)
            for i in range(len(self.indices)):
                y, x = self._origins[i, j]
                self._canvas[y:y + th, x:x + tw] = rgba[i]
        self.image.set_rgba(self._canvas)
        return self

    def tile_rgba(self, i: int, view: int | str = 0) -> np.ndarray:
        """The RGBA pixels of image ``i``'s tile ``view`` as drawn now."""
        self.refresh()
        j = self.views.index(view) if isinstance(view, str) else int(view)
        y, x = self._origins[i, j]
        return self._canvas[y:y + self.tile[0], x:x + self.tile[1]].copy()

    def tile_centre(self, i: int, view: int | str = 0) -> np.ndarray:
        """The scene point at the centre of image ``i``'s tile ``view``."""
        j = self.views.index(view) if isinstance(view, str) else int(view)
        ul, ur, ll = self.image.points[0], self.image.points[1], self.image.points[2]
        h, w = self._canvas.shape[:2]
        y, x = self._origins[i, j]
        return ul + (x + self.tile[1] / 2) / w * (ur - ul) + (y + self.tile[0] / 2) / h * (ll - ul)

    def frame_around(self, i: int, color: ParsableManimColor = YELLOW,
                     stroke_width: float = 4.0, buff: float = 0.06) -> Rectangle:
        """A rectangle around every tile of image ``i`` (to highlight it)."""
        side = self.tile[0] / self._ppu
        first, last = self.tile_centre(i, 0), self.tile_centre(i, len(self.views) - 1)
        box = Rectangle(width=abs(last[0] - first[0]) + side + 2 * buff,
                        height=side + 2 * buff, color=color, stroke_width=stroke_width)
        return box.move_to((first + last) / 2)

