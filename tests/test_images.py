"""load_image, to_display and noise_image: files, arrays, bad input and forward noising."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from manim_diffusion.core.schedules import CosineSchedule, FlowSchedule, LinearSchedule
from manim_diffusion.data import images
from manim_diffusion.data.images import load_image, noise_image, to_display

#: One step of uint8 in model space.
STEP = 2.0 / 255.0


def colour_picture(height: int = 40, width: int = 60, seed: int = 0) -> np.ndarray:
    """A random uint8 RGB picture."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def smooth_picture(height: int = 48, width: int = 64) -> np.ndarray:
    """A smooth uint8 RGB picture (JPEG keeps it well)."""
    y, x = np.mgrid[0:1:height * 1j, 0:1:width * 1j]
    return np.rint(255 * np.stack([x, y, (x + y) / 2], axis=-1)).astype(np.uint8)


def model(pixels: np.ndarray) -> np.ndarray:
    """uint8 ``(H, W)`` or ``(H, W, C)`` as ``(C, H, W)`` in [-1, 1]."""
    unit = pixels.astype(np.float32) / 255.0
    unit = unit[..., None] if unit.ndim == 2 else unit
    return 2.0 * unit.transpose(2, 0, 1) - 1.0


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width x height`` 8-bit RGB pixels and holds almost none."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + png_chunk(b"IEND", b""))


# ---------------------------------------------------------------------------- files


def test_png_round_trips_exactly(tmp_path: Path) -> None:
    picture = colour_picture()
    path = tmp_path / "picture.png"
    Image.fromarray(picture).save(path)
    x = load_image(path, mode="rgb")
    assert x.dtype == np.float32 and x.shape == (3, 40, 60)
    np.testing.assert_allclose(x, model(picture), atol=1e-6)
    np.testing.assert_array_equal(to_display(x), picture)


def test_grey_png_round_trips_and_str_path_works(tmp_path: Path) -> None:
    grey = colour_picture()[..., 0]
    path = tmp_path / "grey.png"
    Image.fromarray(grey).save(path)
    x = load_image(str(path))
    assert x.shape == (1, 40, 60)
    np.testing.assert_array_equal(to_display(x), grey)


def test_jpeg_round_trips_within_jpeg_tolerance(tmp_path: Path) -> None:
    picture = smooth_picture()
    path = tmp_path / "picture.jpg"
    Image.fromarray(picture).save(path, quality=95)
    x = load_image(path, mode="rgb")
    assert x.shape == (3, 48, 64)
    error = np.abs(x - model(picture))
    assert error.max() < 12 * STEP
    assert error.mean() < 2 * STEP


def test_colour_file_in_grey_is_luma(tmp_path: Path) -> None:
    picture = colour_picture()
    path = tmp_path / "picture.png"
    Image.fromarray(picture).save(path)
    grey = load_image(path, mode="grey")
    pillow_grey = np.asarray(Image.open(path).convert("L"))
    assert grey.shape == (1, 40, 60)
    np.testing.assert_allclose(grey, model(pillow_grey), atol=STEP * 0.51)
    # not just the red channel
    assert np.abs(grey[0] - model(picture[..., 0])[0]).max() > 10 * STEP


def test_grey_file_in_rgb_repeats_the_channel(tmp_path: Path) -> None:
    grey = colour_picture()[..., 1]
    path = tmp_path / "grey.png"
    Image.fromarray(grey).save(path)
    x = load_image(path, mode="rgb")
    assert x.shape == (3, 40, 60)
    for c in range(3):
        np.testing.assert_allclose(x[c], model(grey)[0], atol=1e-6)


def test_alpha_is_composited_over_black(tmp_path: Path) -> None:
    rgba = np.zeros((4, 6, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # red everywhere
    rgba[:, :2, 3] = 0  # transparent
    rgba[:, 2:4, 3] = 255  # opaque
    rgba[:, 4:, 3] = 51  # 20 % opaque
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba).save(path)
    for source in (path, rgba, rgba.astype(np.float32) / 255.0):
        x = load_image(source, mode="rgb")
        assert x.shape == (3, 4, 6)
        np.testing.assert_allclose(x[:, :, :2], -1.0, atol=1e-6)
        np.testing.assert_allclose(x[0, :, 2:4], 1.0, atol=1e-6)
        np.testing.assert_allclose(x[1:, :, 2:], -1.0, atol=1e-6)
        np.testing.assert_allclose(x[0, :, 4:], 2 * 0.2 - 1, atol=1e-5)
    grey = load_image(rgba, mode="grey")
    np.testing.assert_allclose(grey[0, :, 2:4], 2 * 0.299 - 1, atol=1e-5)


# --------------------------------------------------------------------------- arrays


def test_uint8_and_float_arrays_agree() -> None:
    picture = colour_picture()
    from_uint8 = load_image(picture, mode="rgb")
    from_float = load_image(picture.astype(np.float64) / 255.0, mode="rgb")
    np.testing.assert_allclose(from_uint8, model(picture), atol=1e-6)
    np.testing.assert_allclose(from_float, from_uint8, atol=1e-6)
    assert from_float.dtype == np.float32


def test_array_values_map_to_model_space() -> None:
    x = load_image(np.array([[0.0, 0.25, 0.5, 1.0]]))
    np.testing.assert_allclose(x, [[[-1.0, -0.5, 0.0, 1.0]]], atol=1e-7)
    x = load_image(np.array([[0, 255]], dtype=np.uint8), mode="rgb")
    np.testing.assert_allclose(x[:, 0], [[-1, 1]] * 3)
    # other integer types are read as 0-255 too
    np.testing.assert_allclose(load_image(np.array([[0, 255]])), [[[-1.0, 1.0]]])


def test_rgb_array_in_grey_uses_luma_weights() -> None:
    colours = np.array([[[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]])
    x = load_image(colours, mode="grey")
    np.testing.assert_allclose((x[0, 0] + 1) / 2, [0.299, 0.587, 0.114], atol=1e-6)


# ---------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("shape, size, expected", [
    ((40, 60), 30, (20, 30)),  # wide: the width is the longer side
    ((90, 30), 45, (45, 15)),  # tall: the height is
    ((40, 60), 120, (80, 120)),  # enlarging
    ((40, 60), (10, 7), (10, 7)),  # exact (height, width)
    ((40, 60), [25, 50], (25, 50)),
    ((3, 300), 10, (1, 10)),  # the short side stays at least 1
    ((40, 60), None, (40, 60)),
])
def test_size_gives_the_shape(shape: tuple[int, int], size: object,
                              expected: tuple[int, int]) -> None:
    picture = np.full(shape + (3,), 0.25)
    for mode, channels in (("grey", 1), ("rgb", 3)):
        x = load_image(picture, size=size, mode=mode)  # type: ignore[arg-type]
        assert x.shape == (channels,) + expected
        np.testing.assert_allclose(x, -0.5, atol=1e-5)  # a flat picture stays flat


def test_resize_keeps_the_picture(tmp_path: Path) -> None:
    picture = np.zeros((40, 80), dtype=np.uint8)
    picture[:, 40:] = 255  # black left half, white right half
    path = tmp_path / "halves.png"
    Image.fromarray(picture).save(path)
    x = load_image(path, size=20)
    assert x.shape == (1, 10, 20)
    assert x.min() >= -1.0 and x.max() <= 1.0  # LANCZOS rings are clipped
    np.testing.assert_allclose(x[0, :, :8], -1.0, atol=0.02)
    np.testing.assert_allclose(x[0, :, 12:], 1.0, atol=0.02)


# ------------------------------------------------------------------------ bad input


def one_line_error(error: type[Exception], match: str, *args: object, **kwargs: object) -> str:
    with pytest.raises(error, match=match) as info:
        load_image(*args, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.png"
    message = one_line_error(FileNotFoundError, "no image at", path)
    assert "nowhere.png" in message


def test_file_that_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("not a picture\nat all\n")
    one_line_error(ValueError, r"notes\.png.* is not an image Pillow can read \(", path)


def test_truncated_image(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    Image.fromarray(colour_picture()).save(path)
    path.write_bytes(path.read_bytes()[:200])
    one_line_error(ValueError, "is not an image Pillow can read", path)


def test_directory(tmp_path: Path) -> None:
    one_line_error(ValueError, "is a directory", tmp_path)


def test_huge_image_is_refused_before_decoding(tmp_path: Path) -> None:
    # a header that claims 10000 x 5000 pixels and holds none: decoding it would fail
    # as a truncated file, so "too large" shows the size was read from the header
    path = tmp_path / "huge.png"
    path.write_bytes(png_header(10_000, 5_000))
    message = one_line_error(ValueError, "too large", path)
    assert "MAX_PIXELS" in message and "50,000,000" in message


def test_max_pixels_is_read_at_call_time(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "small.png"
    Image.fromarray(colour_picture()).save(path)  # 2400 pixels
    assert load_image(path).shape == (1, 40, 60)
    monkeypatch.setattr(images, "MAX_PIXELS", 2000)
    one_line_error(ValueError, "too large", path)
    one_line_error(ValueError, "too large", colour_picture())


def test_decompression_bomb_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.png"
    Image.fromarray(colour_picture()).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow refuses above 200
    one_line_error(ValueError, "too large to decode", path)


def test_mode_ignores_case() -> None:
    assert load_image(np.zeros((4, 4)), mode="RGB").shape == (3, 4, 4)
    assert load_image(np.zeros((4, 4, 3)), mode="Gray").shape == (1, 4, 4)


@pytest.mark.parametrize("mode", ["L", "colour", "", 3])
def test_unknown_mode(mode: object) -> None:
    one_line_error(ValueError, "unknown mode", np.zeros((4, 4)), mode=mode)


@pytest.mark.parametrize("size", [0, -3, 2.5, True, (4,), (4, 5, 6), (0, 5), (5, -1),
                                  (2.0, 3), "10"])
def test_bad_size(size: object) -> None:
    one_line_error(ValueError, "size must be", np.zeros((4, 4)), size=size)


@pytest.mark.parametrize("shape", [(5,), (4, 4, 2), (4, 4, 5), (2, 4, 4, 3), (0, 4), (4, 0, 3)])
def test_array_of_a_wrong_shape(shape: tuple[int, ...]) -> None:
    one_line_error(ValueError, r"must have shape \(H, W\)", np.zeros(shape))


def test_array_with_nan() -> None:
    picture = np.full((4, 4), 0.5)
    picture[1, 2] = np.nan
    one_line_error(ValueError, "NaN", picture)


@pytest.mark.parametrize("low, high", [(-0.1, 0.5), (0.0, 1.5), (0.0, 255.0)])
def test_float_array_outside_unit_range(low: float, high: float) -> None:
    one_line_error(ValueError, r"must lie in \[0, 1\]", np.array([[low, high]]))


def test_integer_array_outside_byte_range() -> None:
    one_line_error(ValueError, "must lie in 0-255", np.array([[0, 256]]))


def test_source_of_a_wrong_type() -> None:
    one_line_error(ValueError, "file path or a numpy array", [[0.0, 1.0]])


def test_module_does_not_import_manim() -> None:
    code = "import sys, manim_diffusion.data.images; assert 'manim' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------- to_display


def test_to_display_values_and_clipping() -> None:
    x = np.array([[[-5.0, -1.0, 0.0, 1.0, 5.0]]], dtype=np.float32)
    np.testing.assert_array_equal(to_display(x), [[0, 0, 128, 255, 255]])
    assert to_display(x).dtype == np.uint8


def test_to_display_layouts() -> None:
    rng = np.random.default_rng(0)
    colour = rng.uniform(-1, 1, (3, 5, 7)).astype(np.float32)
    shown = to_display(colour)
    assert shown.shape == (5, 7, 3)
    for c in range(3):  # channel c lands in the last axis at c
        np.testing.assert_array_equal(shown[..., c], to_display(colour[c:c + 1]))
    assert to_display(colour[:1]).shape == (5, 7)
    assert to_display(np.stack([colour] * 2)).shape == (2, 5, 7, 3)
    assert to_display(np.stack([colour[:1]] * 4)).shape == (4, 5, 7)
    np.testing.assert_array_equal(to_display(torch.from_numpy(colour)), shown)


@pytest.mark.parametrize("shape", [(5, 7), (2, 5, 7), (4, 5, 7), (1, 2, 1, 5, 7)])
def test_to_display_refuses_other_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="must have shape"):
        to_display(np.zeros(shape))


def test_to_display_refuses_nan() -> None:
    with pytest.raises(ValueError, match="NaN"):
        to_display(np.full((1, 2, 2), np.nan))


# ---------------------------------------------------------------------- noise_image


@pytest.fixture
def ring() -> np.ndarray:
    """A 64 x 64 grey ring in model space."""
    y, x = np.mgrid[-1:1:64j, -1:1:64j]
    return load_image((np.abs(np.hypot(x, y) - 0.6) < 0.15).astype(np.float32))


@pytest.mark.parametrize("schedule", ["linear", "cosine", "flow"])
def test_noise_image_at_t1_is_the_image(ring: np.ndarray, schedule: str) -> None:
    out = noise_image(ring, schedule, 1.0)
    assert out.shape == ring.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, ring, atol=1e-6)


def test_noise_image_at_t0_is_pure_noise(ring: np.ndarray) -> None:
    noise = noise_image(ring, "linear", 0.0, seed=3)
    assert abs(noise.mean()) < 0.05
    assert abs(noise.std() - 1.0) < 0.05
    assert abs(np.corrcoef(noise.ravel(), ring.ravel())[0, 1]) < 0.05


def test_noise_image_uses_one_eps_at_every_time(ring: np.ndarray) -> None:
    schedule = LinearSchedule()
    times = np.array([0.0, 0.1, 0.35, 0.5, 0.9, 1.0])
    out, eps = noise_image(ring, schedule, times, seed=5, return_noise=True)
    assert out.shape == (6, 1, 64, 64) and eps.shape == ring.shape
    assert out.dtype == np.float32 and eps.dtype == np.float32
    for t, frame in zip(times, out, strict=True):
        alpha, sigma = schedule.alpha(float(t)), schedule.sigma(float(t))
        np.testing.assert_allclose(frame - alpha * ring, sigma * eps, atol=1e-5)
    # and eps is seeded torch.randn of the image's shape
    expected = torch.randn(ring.shape, generator=torch.Generator().manual_seed(5))
    np.testing.assert_array_equal(eps, expected.numpy())


def test_noise_image_scalar_time_matches_the_batch(ring: np.ndarray) -> None:
    batch = noise_image(ring, "cosine", np.array([0.3, 0.7]), seed=1)
    assert batch.shape == (2, 1, 64, 64)
    np.testing.assert_allclose(noise_image(ring, "cosine", 0.7, seed=1), batch[1], atol=1e-6)
    single = noise_image(ring, CosineSchedule(), np.array([0.7]), seed=1)
    assert single.shape == (1, 1, 64, 64)
    np.testing.assert_allclose(single[0], batch[1], atol=1e-6)


def test_noise_image_on_the_flow_path(ring: np.ndarray) -> None:
    out, eps = noise_image(ring, FlowSchedule(), 0.25, return_noise=True)
    np.testing.assert_allclose(out, 0.25 * ring + 0.75 * eps, atol=1e-6)


def test_noise_image_seeds(ring: np.ndarray) -> None:
    times = np.linspace(0, 1, 4)
    first = noise_image(ring, "linear", times, seed=7)
    np.testing.assert_array_equal(first, noise_image(ring, "linear", times, seed=7))
    other = noise_image(ring, "linear", times, seed=8)
    assert np.abs(first[0] - other[0]).mean() > 0.5


def test_noise_image_rgb() -> None:
    picture = load_image(smooth_picture(), mode="rgb")
    out = noise_image(picture, "linear", np.array([0.2, 1.0]))
    assert out.shape == (2, 3, 48, 64)
    np.testing.assert_allclose(out[1], picture, atol=1e-6)


@pytest.mark.parametrize("times", [-0.1, 1.5, np.array([0.0, 1.01]), np.array([np.nan]),
                                   np.array([[0.5]])])
def test_noise_image_refuses_bad_times(ring: np.ndarray, times: object) -> None:
    with pytest.raises(ValueError, match="times must"):
        noise_image(ring, "linear", times)  # type: ignore[call-overload]


def test_noise_image_refuses_bad_images_and_schedules(ring: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        noise_image(ring[0], "linear", 0.5)
    with pytest.raises(ValueError, match="NaN"):
        noise_image(np.full((1, 2, 2), np.nan), "linear", 0.5)
    with pytest.raises(ValueError, match="unknown schedule"):
        noise_image(ring, "nope", 0.5)
    with pytest.raises(TypeError, match="Schedule or a name"):
        noise_image(ring, 3, 0.5)  # type: ignore[call-overload]
