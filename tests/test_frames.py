"""Frame comparisons of the mobjects against stored control frames (see framecheck.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from framecheck import check_frames
from manim import BLUE, DOWN, LEFT, RED, Axes, Scene, ValueTracker

from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.mobjects import ContourField, DistributionCloud, TimeBar, TrajectoryTracer

TIMES = [0.0, 0.5, 1.0]


def ring_trajectory(n: int, steps: int = 50, seed: int = 0) -> Trajectory:
    """Seeded noise moving onto a ring (radius 2.5) over 50 steps, with jitter."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.5
    noise = rng.normal(size=(n, 2))
    s = np.linspace(0.0, 1.0, steps + 1)[:, None, None]
    jitter = 0.05 * rng.normal(size=(steps + 1, n, 2)) * (1 - s)
    return Trajectory(
        times=s[:, 0, 0],
        points=((1 - s) * noise + s * ring + jitter).astype(np.float32),
        labels=(angle > np.pi).astype(np.int64),
        steps=np.arange(steps, -1, -1) * 20,
    )


@pytest.mark.parametrize("t", TIMES)
def test_cloud(request: pytest.FixtureRequest, tmp_path: Path, t: float) -> None:
    def construct(scene: Scene) -> None:
        traj = ring_trajectory(2000)
        scene.add(DistributionCloud(traj, time=ValueTracker(t), radius=0.04,
                                    palette=[BLUE, RED], opacity=0.8))

    check_frames(request, tmp_path, construct)


@pytest.mark.parametrize("t", TIMES)
def test_cloud_on_axes_with_values(
    request: pytest.FixtureRequest, tmp_path: Path, t: float
) -> None:
    def construct(scene: Scene) -> None:
        traj = ring_trajectory(1000)
        ax = Axes(x_range=[-4, 4, 1], y_range=[-4, 4, 1], x_length=5, y_length=5).shift(LEFT)
        values = traj.points[-1, :, 0]
        scene.add(ax, DistributionCloud(traj, time=t, axes=ax, values=values, radius=0.05))

    check_frames(request, tmp_path, construct)


@pytest.mark.parametrize("t", TIMES)
def test_tracer(request: pytest.FixtureRequest, tmp_path: Path, t: float) -> None:
    def construct(scene: Scene) -> None:
        traj = ring_trajectory(300)
        scene.add(TrajectoryTracer(traj, time=t, n_paths=25, tail_length=0.4,
                                   head_radius=0.06, palette=[BLUE, RED], stroke_width=3))

    check_frames(request, tmp_path, construct)


@pytest.mark.parametrize("t", TIMES)
def test_contours(request: pytest.FixtureRequest, tmp_path: Path, t: float) -> None:
    def construct(scene: Scene) -> None:
        scene.add(ContourField(ring_trajectory(2000), time=t, stroke_width=3))

    check_frames(request, tmp_path, construct)


@pytest.mark.parametrize("t", TIMES)
def test_timebar(request: pytest.FixtureRequest, tmp_path: Path, t: float) -> None:
    def construct(scene: Scene) -> None:
        traj = ring_trajectory(50)
        scene.add(TimeBar(ValueTracker(t), trajectory=traj).shift(DOWN))

    check_frames(request, tmp_path, construct)


def test_scrub_animation(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """A short play forwards then backwards: every frame is compared."""

    def construct(scene: Scene) -> None:
        traj = ring_trajectory(800)
        tracker = ValueTracker(0.0)
        scene.add(
            DistributionCloud(traj, time=tracker, radius=0.04),
            ContourField(traj, time=tracker, masses=(0.5, 0.9)),
            TrajectoryTracer(traj, time=tracker, n_paths=10, tail_length=0.3),
            TimeBar(tracker, length=4).to_edge(DOWN),
        )
        scene.play(tracker.animate.set_value(1.0), run_time=0.5)
        scene.play(tracker.animate.set_value(0.3), run_time=0.5)

    check_frames(request, tmp_path, construct, last_frame=False)
