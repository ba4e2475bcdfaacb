"""Pictures in model space: load an image file or array, show it, and noise it.

Images live in model space as float32 ``(C, H, W)`` in [-1, 1]: a pixel value ``p``
in [0, 1] is ``2 p - 1`` (0 is mid grey), the convention of the MNIST pixel model
(:func:`manim_diffusion.apps.mnist.pixel_model.to_model`). :func:`load_image` reads a
picture into that space, :func:`to_display` turns model-space images back into uint8
pixels for ``ImageMobject`` or Pillow, and :func:`noise_image` runs one picture
through the forward process.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal, overload

import numpy as np
import torch

from ..core.schedules import Schedule, get_schedule

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["MAX_PIXELS", "load_image", "noise_image", "to_display"]

#: The most pixels (height x width) :func:`load_image` accepts; a larger file is refused
#: from its header, before it is decoded.
MAX_PIXELS = 40_000_000

#: The weights of red, green and blue in grey (ITU-R 601-2 luma, as Pillow's "L").
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_MODES = {"grey": 1, "gray": 1, "rgb": 3}


def load_image(
    source: str | os.PathLike[str] | np.ndarray,
    size: int | tuple[int, int] | None = None,
    mode: str = "grey",
) -> np.ndarray:
    """A picture (file or array) as float32 ``(C, H, W)`` in model space [-1, 1].

    A pixel value ``p`` in [0, 1] becomes ``2 p - 1``: black is -1, white is 1.
    Transparent pixels are composited over black (the colour is multiplied by the
    alpha), in files and in arrays alike. Colour becomes grey by ITU-R 601-2 luma
    (``0.299 R + 0.587 G + 0.114 B``, as Pillow's "L" mode); grey becomes colour by
    repeating it in the three channels.

    Parameters
    ----------
    source
        The path of an image file (PNG, JPEG or any format Pillow reads), or an array
        of shape ``(H, W)`` (grey), ``(H, W, 3)`` (RGB) or ``(H, W, 4)`` (RGBA), uint8
        in 0-255 (other integer types too, in the same range) or floats in [0, 1].
    size
        ``None`` keeps the picture's size; an int ``n`` makes the longer side ``n``
        pixels and keeps the aspect ratio (the shorter side rounded, at least 1); a
        ``(height, width)`` pair resizes to exactly that. Resizing uses Pillow's
        LANCZOS filter on float pixels (up and down), then clips to [0, 1].
    mode
        ``"grey"`` (or ``"gray"``): one channel; ``"rgb"``: three (any case).

    Returns
    -------
    np.ndarray
        float32 of shape ``(C, H, W)`` with ``C`` 1 for ``"grey"`` and 3 for ``"rgb"``,
        values in [-1, 1].

    Raises
    ------
    FileNotFoundError
        No file at the path.
    ValueError
        A file that is not an image, an image of more than :data:`MAX_PIXELS` pixels,
        an unknown ``mode``, a bad ``size``, an array of a wrong shape, with NaN or
        infinite values, or with values outside 0-255 (integers) or [0, 1] (floats).

    Examples
    --------
    A colour picture drawn with numpy, loaded at 24 pixels on its longer side in grey
    (left) and in colour (right):

    .. manim:: LoadImageExample
        :save_last_frame:

        from manim_diffusion.data.images import load_image, to_display

        class LoadImageExample(Scene):
            def construct(self):
                y, x = np.mgrid[0:1:120j, 0:1:180j]
                picture = np.stack([x, y, 1 - x], axis=-1)
                picture[(x - 0.5) ** 2 + (y - 0.5) ** 2 < 0.06] = [1.0, 0.9, 0.2]
                for col, mode in enumerate(["grey", "rgb"]):
                    image = load_image(picture, size=24, mode=mode)
                    tile = ImageMobject(to_display(image)).set(width=5.5)
                    tile.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
                    tile.move_to((col - 0.5) * 6.5 * RIGHT)
                    label = Text(f"mode={mode!r}, shape {image.shape}", font_size=24)
                    self.add(tile, label.next_to(tile, DOWN))
    """
    channels = _check_mode(mode)
    target = _check_size(size)
    if isinstance(source, str | os.PathLike):
        pixels = _read_file(source)
    elif isinstance(source, np.ndarray):
        pixels = _read_array(source)
    else:
        raise ValueError(
            f"source must be a file path or a numpy array, got {type(source).__name__}"
        )
    if pixels.shape[2] == 4:
        pixels = pixels[..., :3] * pixels[..., 3:]
    if channels == 1 and pixels.shape[2] == 3:
        pixels = (pixels @ _LUMA)[..., None]
    elif channels == 3 and pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    if target is not None:
        pixels = _resize(pixels, target)
    chw = np.ascontiguousarray(pixels.transpose(2, 0, 1), dtype=np.float32)
    return 2.0 * chw - 1.0


def to_display(x: np.ndarray | torch.Tensor) -> np.ndarray:
    """Model-space images as uint8 pixels in display layout: the inverse of
    :func:`load_image`.

    ``x`` in [-1, 1] becomes ``round(255 (x + 1) / 2)``, values outside clipped, and
    the channels move last (or go, for grey), as ``ImageMobject`` and Pillow take them.

    Parameters
    ----------
    x
        float ``(C, H, W)`` or ``(N, C, H, W)`` with ``C`` 1 or 3, in model space.

    Returns
    -------
    np.ndarray
        uint8 of shape ``(H, W)`` for one channel or ``(H, W, 3)`` for three, with the
        leading ``N`` kept for a batch.

    Examples
    --------
    A model-space ramp from -1 (black) to 1 (white), and beyond 1 (clipped to white):

    .. manim:: ToDisplayExample
        :save_last_frame:

        from manim_diffusion.data.images import to_display

        class ToDisplayExample(Scene):
            def construct(self):
                ramp = np.tile(np.linspace(-1.0, 2.0, 96, dtype=np.float32), (1, 24, 1))
                pixels = to_display(ramp)
                self.add(ImageMobject(pixels).set(width=12),
                         Text(f"{ramp.shape} float32  →  {pixels.shape} uint8",
                              font_size=28).to_edge(UP, buff=1.5))
    """
    arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    if arr.ndim not in (3, 4) or arr.shape[-3] not in (1, 3):
        raise ValueError(
            f"x must have shape (C, H, W) or (N, C, H, W) with C 1 or 3, got {arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.number) or np.isnan(arr).any():
        raise ValueError("x must be a numeric array without NaN values")
    unit = np.clip((arr.astype(np.float32) + 1.0) / 2.0, 0.0, 1.0)
    pixels = np.rint(unit * 255.0).astype(np.uint8)
    pixels = np.moveaxis(pixels, -3, -1)
    return pixels[..., 0] if pixels.shape[-1] == 1 else pixels


@overload
def noise_image(
    image: np.ndarray, schedule: Schedule | str, times: float | np.ndarray, seed: int = ...,
    *, return_noise: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def noise_image(
    image: np.ndarray, schedule: Schedule | str, times: float | np.ndarray, seed: int = ...,
    *, return_noise: Literal[True],
) -> tuple[np.ndarray, np.ndarray]: ...


def noise_image(
    image: np.ndarray,
    schedule: Schedule | str,
    times: float | np.ndarray,
    seed: int = 0,
    *,
    return_noise: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """One picture noised at some times: ``x_t = alpha(t) x_0 + sigma(t) eps``.

    One noise ``eps`` (a standard normal value per pixel, seeded) is drawn once and
    kept at every time, so the pictures are frames of one forward path: the image
    itself at ``t = 1`` and (nearly) ``eps`` at ``t = 0`` (library time: 0 is noise,
    1 is data).

    Parameters
    ----------
    image
        The clean picture ``x_0``, float ``(C, H, W)`` in model space (as
        :func:`load_image` gives).
    schedule
        A :class:`~manim_diffusion.core.schedules.Schedule` or its name (``"linear"``,
        ``"cosine"``, ``"flow"``).
    times
        One time or a 1-D array of times, each in [0, 1].
    seed
        Seed of the noise: ``eps`` is ``torch.randn`` of the image's shape (float32)
        from ``torch.Generator().manual_seed(seed)``.
    return_noise
        Also return ``eps``.

    Returns
    -------
    np.ndarray or tuple of np.ndarray
        float32 ``(len(times), C, H, W)``, or ``(C, H, W)`` for a single time; with
        ``return_noise=True``, the pair ``(x_t, eps)`` with ``eps`` of shape
        ``(C, H, W)``.

    Examples
    --------
    A drawn ring noised on the linear (DDPM) schedule, from data (left) to noise:

    .. manim:: NoiseImageExample
        :save_last_frame:

        from manim_diffusion.data.images import load_image, noise_image, to_display

        class NoiseImageExample(Scene):
            def construct(self):
                y, x = np.mgrid[-1:1:48j, -1:1:48j]
                ring = (np.abs(np.hypot(x, y) - 0.6) < 0.15).astype(np.float32)
                times = np.array([1.0, 0.8, 0.6, 0.4, 0.0])
                frames = to_display(noise_image(load_image(ring), "linear", times, seed=0))
                for col, (t, pixels) in enumerate(zip(times, frames)):
                    tile = ImageMobject(pixels).set(width=2.4)
                    tile.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
                    tile.move_to((col - 2) * 2.7 * RIGHT)
                    frame = SurroundingRectangle(tile, buff=0, color=GREY, stroke_width=2)
                    self.add(tile, frame, Text(f"t = {t}", font_size=24).next_to(tile, UP))
    """
    x0 = np.asarray(image)
    if x0.ndim != 3 or x0.size == 0 or not np.issubdtype(x0.dtype, np.number):
        raise ValueError(f"image must be a non-empty (C, H, W) array, got shape {x0.shape}")
    if not np.isfinite(x0).all():
        raise ValueError("image has NaN or infinite values")
    t = np.asarray(times, dtype=np.float64)
    if t.ndim > 1:
        raise ValueError(f"times must be a number or a 1-D array, got shape {t.shape}")
    if not np.isfinite(t).all() or (t.size and (t.min() < 0.0 or t.max() > 1.0)):
        raise ValueError(
            f"times must lie in [0, 1] (0 is noise, 1 is data), got {np.round(t, 4).tolist()}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    sched = get_schedule(schedule) if isinstance(schedule, str) else schedule
    if not isinstance(sched, Schedule):
        raise TypeError(f"schedule must be a Schedule or a name, got {type(schedule)}")
    generator = torch.Generator().manual_seed(int(seed))
    eps = torch.randn(x0.shape, generator=generator, dtype=torch.float32).numpy()
    flat = t.reshape(-1)
    alpha = np.asarray(sched.alpha(flat), dtype=np.float64)[:, None, None, None]
    sigma = np.asarray(sched.sigma(flat), dtype=np.float64)[:, None, None, None]
    noised = (alpha * x0.astype(np.float64)[None] + sigma * eps[None]).astype(np.float32)
    out = noised[0] if t.ndim == 0 else noised
    return (out, eps) if return_noise else out


def _check_mode(mode: str) -> int:
    """The number of channels of ``mode``."""
    if not isinstance(mode, str) or mode.lower() not in _MODES:
        raise ValueError(f"unknown mode {mode!r}; choose 'grey' or 'rgb'")
    return _MODES[mode.lower()]


def _is_count(value: object) -> bool:
    """``value`` is a positive integer (not a bool)."""
    return not isinstance(value, bool) and isinstance(value, int | np.integer) and bool(value > 0)


def _check_size(size: int | tuple[int, int] | None) -> int | tuple[int, int] | None:
    """``size`` checked: None, a positive int, or a pair of positive ints."""
    if size is None:
        return None
    if isinstance(size, tuple | list):
        if len(size) != 2 or not all(_is_count(side) for side in size):
            raise ValueError(
                f"size must be a (height, width) pair of positive integers, got {size!r}"
            )
        return int(size[0]), int(size[1])
    if not _is_count(size):
        raise ValueError(
            f"size must be None, a positive integer (the longer side) or a "
            f"(height, width) pair, got {size!r}"
        )
    return int(size)


def _one_line(err: BaseException) -> str:
    """An exception's message on one line."""
    return " ".join(str(err).split()) or type(err).__name__


def _check_pixels(height: int, width: int, what: str) -> None:
    """Refuse a picture of more than :data:`MAX_PIXELS` pixels."""
    if height * width > MAX_PIXELS:
        raise ValueError(
            f"{what} is too large: {width} x {height} = {width * height:,} pixels, more "
            f"than MAX_PIXELS = {MAX_PIXELS:,}; shrink it first"
        )


def _read_file(path: str | os.PathLike[str]) -> np.ndarray:
    """The pixels of an image file as float32 ``(H, W, C)`` in [0, 1], C 1, 3 or 4."""
    from PIL import Image, UnidentifiedImageError

    name = os.fspath(path)
    if not os.path.exists(name):
        raise FileNotFoundError(f"no image at {name!r}; check the path")
    if os.path.isdir(name):
        raise ValueError(f"{name!r} is a directory, not an image; give an image file")
    try:
        with Image.open(name) as img:  # lazy: reads the header only
            width, height = img.size
            _check_pixels(height, width, repr(name))
            img.load()
            return _pil_pixels(img)
    except Image.DecompressionBombError as err:
        raise ValueError(
            f"{name!r} is too large to decode ({_one_line(err)}); shrink it first"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ValueError(
            f"{name!r} is not an image Pillow can read ({_one_line(err)})"
        ) from None


def _pil_pixels(img: Image.Image) -> np.ndarray:
    """A loaded Pillow image as float32 ``(H, W, C)`` in [0, 1], C 1, 3 or 4."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):  # 16-bit grey
        deep = np.asarray(img, dtype=np.float64) / 65535.0
        return np.clip(deep, 0.0, 1.0).astype(np.float32)[..., None]
    if img.mode == "F":
        return np.clip(np.asarray(img, dtype=np.float32), 0.0, 1.0)[..., None]
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info:
        img = img.convert("RGBA")
    elif img.mode in ("1", "L"):
        img = img.convert("L")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    pixels = np.asarray(img, dtype=np.float32) / 255.0
    return pixels[..., None] if pixels.ndim == 2 else pixels


def _read_array(source: np.ndarray) -> np.ndarray:
    """An array picture as float32 ``(H, W, C)`` in [0, 1], C 1, 3 or 4."""
    arr = source
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4) or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"an image array must have shape (H, W), (H, W, 3) or (H, W, 4), got {source.shape}"
        )
    _check_pixels(arr.shape[0], arr.shape[1], "the image array")
    if arr.dtype == np.bool_:
        return arr.astype(np.float32)
    if np.issubdtype(arr.dtype, np.integer):
        if arr.dtype != np.uint8 and (arr.min() < 0 or arr.max() > 255):
            raise ValueError(
                f"integer pixel values must lie in 0-255, got {arr.min()} to {arr.max()}"
            )
        return arr.astype(np.float32) / 255.0
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"an image array must be uint8 or float, got dtype {arr.dtype}")
    if not np.isfinite(arr).all():
        raise ValueError("the image array has NaN or infinite values")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"float pixel values must lie in [0, 1], got {lo:g} to {hi:g} "
            f"(divide 0-255 values by 255, or pass uint8)"
        )
    return arr.astype(np.float32)


def _resize(pixels: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """``(H, W, C)`` float pixels resized with LANCZOS, clipped to [0, 1]."""
    from PIL import Image

    height, width = pixels.shape[:2]
    if isinstance(size, int):
        scale = size / max(height, width)
        new_h = max(1, round(height * scale))
        new_w = max(1, round(width * scale))
    else:
        new_h, new_w = size
    if (new_h, new_w) == (height, width):
        return pixels
    channels = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(pixels[..., c], dtype=np.float32))
            .resize((new_w, new_h), Image.Resampling.LANCZOS),
            dtype=np.float32,
        )
        for c in range(pixels.shape[2])
    ]
    return np.clip(np.stack(channels, axis=-1), 0.0, 1.0)
