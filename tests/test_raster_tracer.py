"""RasterTracer: the vector tracer's picture, painted incrementally; the Cairo paste path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from framecheck import check_frames, render_frames
from manim import BLUE, RED, YELLOW, Axes, FadeIn, Scene, ValueTracker, linear
from manim.camera.camera import Camera

import manim_diffusion.mobjects.cairo_images as cairo_images
from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.mobjects import DistributionCloud, RasterTracer, TrajectoryTracer
from manim_diffusion.mobjects.trace_paths import TracedPaths
from manim_diffusion.mobjects.trail_painter import TrailPainter

CASES: dict[str, dict[str, Any]] = {
    "whole": {"n_paths": 400},
    "tail": {"n_paths": 400, "tail_length": 0.3},
    "heads": {"n_paths": 150, "tail_length": 0.3, "head_radius": 0.04},
    "palette": {"n_paths": 300, "palette": [RED, BLUE, YELLOW], "tail_length": 0.5,
                "stroke_opacity": 0.8, "n_chunks": 4},
}


def noisy_ring(n: int = 600, steps: int = 60, seed: int = 0) -> Trajectory:
    """Seeded noise moving onto a ring over ``steps`` steps, with jitter and labels."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.5
    s = np.linspace(0.0, 1.0, steps + 1)[:, None, None]
    pts = (1 - s) * rng.normal(size=(n, 2)) * 1.5 + s * ring
    pts = pts + 0.03 * rng.normal(size=pts.shape) * (1 - s)
    return Trajectory(times=s[:, 0, 0], points=pts.astype(np.float32),
                      labels=np.arange(n) % 3)


def last_frame(tmp_path: Path, mob: Any) -> np.ndarray:
    def construct(scene: Scene) -> None:
        scene.add(mob)

    return render_frames(construct, tmp_path)[0].astype(np.int64)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("t", [0.2, 0.6, 1.0])
def test_raster_frames_match_the_vector_tracer(tmp_path: Path, case: str, t: float) -> None:
    """Same samples, colours, chunks and heads: the frames differ only at stroke edges."""
    traj = noisy_ring()
    vector = last_frame(tmp_path, TrajectoryTracer(traj, time=t, **CASES[case]))
    raster = last_frame(tmp_path, RasterTracer(traj, time=t, **CASES[case]))
    diff = np.abs(vector - raster)[..., :3]
    lit_v, lit_r = vector[..., :3].max(axis=2) > 40, raster[..., :3].max(axis=2) > 40
    assert lit_v.sum() > 2000
    assert (lit_v & lit_r).sum() / (lit_v | lit_r).sum() > 0.93
    assert diff.mean() < 1.5
    assert (diff.max(axis=2) > 40).mean() < 0.015
    # about the same light: paths crossing within one tail chunk add up (the vector
    # tracer strokes a chunk as one path), 1-9% more here; one opacity would be 20%
    assert vector[..., :3].sum() <= raster[..., :3].sum() < 1.1 * vector[..., :3].sum()


def test_a_wrong_painter_would_fail_the_comparison(tmp_path: Path) -> None:
    """The comparison above sees a tail painted at one opacity, and a shifted picture."""
    traj = noisy_ring()
    vector = last_frame(tmp_path, TrajectoryTracer(traj, time=0.6, **CASES["tail"]))
    flat = last_frame(tmp_path, TrajectoryTracer(traj, time=0.6, n_paths=400, tail_length=0.3,
                                                 n_chunks=1))
    assert flat[..., :3].sum() > 1.2 * vector[..., :3].sum()
    shifted = np.roll(vector, 2, axis=1)
    lit_v, lit_s = vector[..., :3].max(axis=2) > 40, shifted[..., :3].max(axis=2) > 40
    assert (lit_v & lit_s).sum() / (lit_v | lit_s).sum() < 0.93


@pytest.mark.parametrize("tail", [None, 0.25])
def test_growing_frame_by_frame_paints_what_a_fresh_tracer_paints(tail: float | None) -> None:
    """The kept slices give the same image as painting from nothing, forwards and back."""
    paths = TracedPaths(noisy_ring(), n_paths=200, palette=[RED, BLUE])

    def painter() -> TrailPainter:
        return TrailPainter(paths, lambda xy: xy * 40 + 160, (320, 320), line_width=1.5,
                            tail_length=tail, head_radius=2.0)

    growing = painter()
    times = np.r_[np.linspace(0, 1, 23), np.linspace(1, 0, 17)[1:], [0.5, 0.93]]
    for t in times:
        np.testing.assert_array_equal(growing.paint(t), painter().paint(t))


def test_painted_strokes_have_the_cairo_width_and_chunk_opacities() -> None:
    """One straight path: its stroke is ``line_width`` wide and the tail steps up."""
    s = np.linspace(0, 1, 11)
    traj = Trajectory(times=s, points=np.stack([s * 200 + 20, np.full(11, 50.0)], axis=1)[:, None])
    paths = TracedPaths(traj, n_paths=1)
    whole = TrailPainter(paths, lambda xy: xy, (240, 100), line_width=4.0).paint(1.0)
    assert whole[:, 120, 3].sum() / 255 == pytest.approx(4.0, abs=0.05)  # across the stroke
    painter = TrailPainter(paths, lambda xy: xy, (240, 100), line_width=4.0, tail_length=1.0,
                           n_chunks=4)
    alpha = painter.paint(1.0)[..., 3].astype(float) / 255
    assert alpha[:, 120].sum() == pytest.approx(4.0 * 0.75, abs=0.05)  # in the third chunk
    along = alpha[50, 25:215]
    chunks = [along[i * 47 + 5: i * 47 + 40].mean() for i in range(4)]
    np.testing.assert_allclose(chunks, [0.25, 0.5, 0.75, 1.0], atol=0.02)


def test_tracer_follows_axes_opacity_and_copies(tmp_path: Path) -> None:
    traj = noisy_ring()
    axes = Axes(x_range=[-4, 4], y_range=[-4, 4], x_length=5, y_length=5)
    tracer = RasterTracer(traj, time=0.5, axes=axes, n_paths=100)
    before = tracer.get_pixel_array().copy()
    tracer.set_opacity(0.5)
    np.testing.assert_allclose(tracer.get_pixel_array()[..., 3], before[..., 3] * 0.5, atol=1)
    twin = copy.deepcopy(tracer)
    twin.set_opacity(1.0)
    np.testing.assert_array_equal(twin.get_pixel_array(), before)
    centre = tracer.get_center()
    axes.shift(np.array([1.0, 0.5, 0.0]))
    tracer.update()
    np.testing.assert_allclose(tracer.get_center() - centre, [1.0, 0.5, 0], atol=0.02)


def test_broken_paths_and_bad_input() -> None:
    traj = noisy_ring(50)
    points = traj.points.copy()
    points[20:25, :10] = np.nan
    broken = RasterTracer(Trajectory(times=traj.times, points=points), time=1.0, n_paths=50)
    assert broken.get_pixel_array()[..., 3].max() == 255
    three_d = Trajectory(times=traj.times, points=np.zeros((len(traj.times), 5, 3)))
    with pytest.raises(ValueError, match="TrajectoryTracer in a ThreeDScene"):
        RasterTracer(three_d)
    with pytest.raises(ValueError, match="tail_length"):
        RasterTracer(traj, tail_length=0)
    with pytest.raises(ValueError, match="n_chunks"):
        RasterTracer(traj, n_chunks=0)


@pytest.mark.parametrize("t", [0.4, 1.0])
def test_raster_tracer_frames(request: pytest.FixtureRequest, tmp_path: Path, t: float) -> None:
    def construct(scene: Scene) -> None:
        axes = Axes(x_range=[-4, 4], y_range=[-4, 4], x_length=6, y_length=6)
        scene.add(axes, RasterTracer(noisy_ring(), time=t, axes=axes, n_paths=300,
                                     palette=[RED, BLUE, YELLOW], tail_length=0.4,
                                     head_radius=0.04))

    check_frames(request, tmp_path, construct)


def test_aligned_images_are_pasted_and_the_frames_are_manims(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every frame of a play with clouds and trails on moving axes equals manim's own."""
    traj = noisy_ring()
    pasted = {"aligned": 0, "other": 0}
    original = cairo_images.paste_aligned

    def counting(*args: Any) -> bool:
        done = original(*args)
        pasted["aligned" if done else "other"] += 1
        return done

    def construct(scene: Scene) -> None:
        axes = Axes(x_range=[-4, 4], y_range=[-4, 4], x_length=6, y_length=6)
        t = ValueTracker(0.3)
        scene.add(axes, DistributionCloud(traj, time=t, axes=axes, radius=0.05),
                  RasterTracer(traj, time=t, axes=axes, n_paths=200, tail_length=0.3))
        scene.play(t.animate.set_value(1.0), axes.animate.shift(np.array([0.37, 0.11, 0.0])),
                   run_time=1, rate_func=linear)
        scene.play(FadeIn(DistributionCloud(traj, time=0.0, radius=0.05)), run_time=0.4)

    with monkeypatch.context() as patch:
        patch.setattr(cairo_images, "paste_aligned", counting)
        fast = render_frames(construct, tmp_path, last_frame=False)
    with monkeypatch.context() as patch:
        patch.setattr(Camera, "display_image_mobject", cairo_images._manim_display_image)
        manims = render_frames(construct, tmp_path, last_frame=False)
    assert pasted["aligned"] >= 2 * len(fast) - 2
    np.testing.assert_array_equal(fast, manims)
