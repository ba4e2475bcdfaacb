"""SchedulePlot, the forward process and TrainingEvolution: behaviour and frame tests."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from framecheck import check_frames
from manim import Axes, Scene, ValueTracker, tempconfig

from manim_diffusion.analysis.forward import forward_trajectory
from manim_diffusion.core.schedules import CosineSchedule, LinearSchedule
from manim_diffusion.data.datasets import make_dataset
from manim_diffusion.mobjects.forward_process import ForwardProcess
from manim_diffusion.mobjects.schedule_plot import SchedulePlot
from manim_diffusion.mobjects.training_evolution import (
    TrainingEvolution,
    log_ticks,
    smooth_losses,
)


@pytest.fixture(autouse=True)
def small_frame():
    """A 480p frame for every test here (the frame tests set their own)."""
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "frame_rate": 15}):
        yield


def linear_alpha_bar(t: np.ndarray | float) -> np.ndarray:
    """DDPM's linear schedule in closed form (beta from 0.1 to 20, s = 1 - t)."""
    s = 1.0 - np.asarray(t, dtype=np.float64)
    return np.exp(-(0.1 * s + 0.5 * (20.0 - 0.1) * s**2))


def fake_snapshots(k: int = 4, n: int = 300, steps: int = 400, seed: int = 0):
    """Steps, samples and losses of a pretend training run: noise moving onto a ring."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.0
    noise = rng.normal(size=(n, 2))
    w = np.linspace(0.0, 1.0, k)[:, None, None]
    samples = ((1 - w) * noise + w * ring).astype(np.float32)
    losses = 0.3 + 0.7 * np.exp(-np.arange(steps) / 60.0) + 0.05 * rng.random(steps)
    return np.arange(1, k + 1) * (steps // k), samples, losses


def assert_drawn(drawn: np.ndarray, expected: np.ndarray, box: float = 3.0) -> None:
    """A cloud draws ``expected`` except the points outside ``[-box, box]^2`` (NaN)."""
    outside = (np.abs(expected) > box).any(axis=1)
    assert np.isnan(drawn[outside]).all()
    np.testing.assert_allclose(drawn[~outside], expected[~outside], atol=1e-6)


# ------------------------------------------------------------ forward process
@pytest.mark.parametrize("schedule", ["linear", "cosine", "flow"])
def test_forward_trajectory_ends_at_the_data(schedule: str) -> None:
    data = make_dataset("smiley", 500, seed=1)
    traj = forward_trajectory(data, schedule=schedule, steps=40, seed=3)
    assert traj.points.shape == (41, 500, 2)
    np.testing.assert_allclose(traj.times, np.linspace(0.0, 1.0, 41))
    np.testing.assert_allclose(traj.points[-1], data, atol=1e-6)
    np.testing.assert_allclose(traj.at(1.0), data, atol=1e-6)
    assert traj.steps[0] == 40 and traj.steps[-1] == 0  # noising steps, DDPM-style labels
    assert np.isfinite(traj.points).all()


def test_forward_trajectory_moments_match_the_schedule() -> None:
    """Mean alpha(t) m and variance alpha(t)^2 v + sigma(t)^2, per axis (closed forms)."""
    rng = np.random.default_rng(0)
    data = rng.normal([1.0, -2.0], [2.0, 0.5], size=(40000, 2))
    mean0, var0 = data.mean(axis=0), data.var(axis=0)
    times = np.array([0.2, 0.5, 0.8, 0.95])
    for schedule, alpha_of, sigma_of in (
        ("flow", lambda t: t, lambda t: 1.0 - t),
        ("linear", lambda t: np.sqrt(linear_alpha_bar(t)),
         lambda t: np.sqrt(1.0 - linear_alpha_bar(t))),
    ):
        traj = forward_trajectory(data, schedule=schedule, steps=20, seed=1)
        for t in times:
            x = traj.at(t).astype(np.float64)
            a, s = alpha_of(t), sigma_of(t)
            np.testing.assert_allclose(x.mean(axis=0), a * mean0, atol=0.02)
            np.testing.assert_allclose(x.var(axis=0), a**2 * var0 + s**2, rtol=0.02)


@pytest.mark.parametrize("schedule", ["linear", "cosine", "flow"])
def test_forward_trajectory_keeps_one_noise_per_point(schedule: str) -> None:
    data = make_dataset("two_moons", 400, seed=0)
    traj = forward_trajectory(data, schedule=schedule, steps=25, seed=7)
    sched = {"linear": LinearSchedule(), "cosine": CosineSchedule()}.get(schedule)
    times = traj.times[:-1]  # sigma = 0 at t = 1
    if sched is None:
        alpha, sigma = times, 1.0 - times
    else:
        alpha, sigma = sched.alpha(times), sched.sigma(times)
    eps = (traj.points[:-1] - alpha[:, None, None] * data[None]) / sigma[:, None, None]
    expected = np.random.default_rng(7).standard_normal(data.shape)
    np.testing.assert_allclose(eps, np.broadcast_to(expected, eps.shape), atol=2e-4)


def test_forward_trajectory_seed_and_noise() -> None:
    data = make_dataset("smiley", 200)
    a = forward_trajectory(data, steps=10, seed=0)
    b = forward_trajectory(data, steps=10, seed=0)
    c = forward_trajectory(data, steps=10, seed=1)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.allclose(a.points[0], c.points[0])
    noise = np.ones_like(data)
    d = forward_trajectory(data, schedule="flow", steps=10, noise=noise)
    np.testing.assert_allclose(d.points[0], noise)  # flow: pure noise at t = 0
    with pytest.raises(ValueError, match="shape"):
        forward_trajectory(data, noise=np.ones((3, 2)))
    with pytest.raises(ValueError, match="steps"):
        forward_trajectory(data, steps=0)
    with pytest.raises(ValueError, match="unknown schedule"):
        forward_trajectory(data, schedule="quadratic")


def test_forward_process_follows_the_tracker_downwards() -> None:
    data = make_dataset("smiley", 300)
    t = ValueTracker(1.0)
    process = ForwardProcess(data, time=t, steps=20, n_paths=5)
    np.testing.assert_allclose(process.data_points(), data, atol=1e-6)
    t.set_value(0.35)
    process.update()
    np.testing.assert_allclose(process.data_points(), process.trajectory.at(0.35))
    # the traced path runs from the data (t = 1) to the head at t = 0.35
    tracer = process.tracer
    vertex_times = np.concatenate(tracer._chunk_times(0.35))
    assert vertex_times.max() == pytest.approx(1.0)
    assert vertex_times.min() == pytest.approx(0.35)
    assert len(tracer.submobjects[0].points) > 0
    t.set_value(1.0)
    process.update()
    assert all(len(m.points) == 0 for m in tracer.submobjects[:-1])  # no path yet


# --------------------------------------------------------------- schedule plot
def test_schedule_plot_marker_sits_on_the_curves() -> None:
    t = ValueTracker(0.3)
    plot = SchedulePlot("linear", time=t, curves=("alpha_bar", "sigma", "snr"))
    for value in (0.3, 0.62, 0.9):
        t.set_value(value)
        plot.update()
        ab = linear_alpha_bar(value)
        expected = {"alpha_bar": ab, "sigma": np.sqrt(1 - ab),
                    "snr": np.log10(ab / (1 - ab))}
        for name, y in expected.items():
            ax = plot.axes["snr" if name == "snr" else "top"]
            dot = plot.dots[name].get_center()
            np.testing.assert_allclose(dot, ax.c2p(value, y), atol=1e-6)
            assert plot.value(name, value) == pytest.approx(y, rel=1e-6)
            # the curve passes through the dot
            gap = np.linalg.norm(plot.curves[name].points - dot, axis=1).min()
            assert gap < 0.02
        for line in plot.marker_lines:
            assert line.get_start()[0] == pytest.approx(plot.dots["sigma"].get_x())


@pytest.mark.parametrize("schedule", ["linear", "cosine", "flow"])
@pytest.mark.parametrize("t", [0.0, 1.0])
def test_schedule_plot_is_finite_at_the_ends(schedule: str, t: float) -> None:
    plot = SchedulePlot(schedule, time=t, curves=("alpha_bar", "alpha", "sigma", "snr"),
                        snr_range=(-4, 4))
    for mob in plot.family_members_with_points():
        assert np.isfinite(mob.points).all()
    snr = plot.value("snr", t)
    assert -4 <= snr <= 4
    if t == 1.0:
        assert snr == 4  # SNR is infinite at the data end: clipped to the top
        assert plot.value("alpha_bar", t) == pytest.approx(1.0)
        assert plot.value("sigma", t) == pytest.approx(0.0, abs=1e-6)
    elif schedule == "flow":
        assert snr == -4  # alpha = 0 at t = 0: SNR 0, clipped to the bottom


def test_schedule_plot_options_and_layout() -> None:
    plots = SchedulePlot.side_by_side(["linear", "cosine"], time=0.5, width=3.0)
    assert len(plots) == 2
    assert plots[0].get_right()[0] < plots[1].get_left()[0]  # side by side, no overlap
    only_snr = SchedulePlot(CosineSchedule(), curves=["snr"], title="")
    assert list(only_snr.axes) == ["snr"] and list(only_snr.curves) == ["snr"]
    with pytest.raises(ValueError, match="curves"):
        SchedulePlot("linear", curves=["beta"])
    with pytest.raises(ValueError, match="unknown schedule"):
        SchedulePlot("quadratic")


# ---------------------------------------------------------- training evolution
def test_training_evolution_shows_each_snapshot() -> None:
    steps, samples, losses = fake_snapshots()
    k = ValueTracker(0.0)
    evo = TrainingEvolution(steps, samples, losses, index=k)
    for i in range(len(steps)):
        k.set_value(i)
        evo.update()
        np.testing.assert_allclose(evo.displayed_points(), samples[i], atol=1e-6)
        assert_drawn(evo.clouds[0].data_points(), samples[i])
        assert evo.step_label.text == f"step {steps[i]}"
    k.set_value(1.5)  # halfway: each point halfway between its two snapshots
    evo.update()
    np.testing.assert_allclose(evo.displayed_points(), (samples[1] + samples[2]) / 2,
                               atol=1e-6)
    assert evo.step_label.text == f"step {steps[2]}"
    # the loss marker sits on the smoothed curve at the interpolated step
    step = (steps[1] + steps[2]) / 2
    ax = evo.loss_axes
    expected = ax.c2p(step, np.log10(smooth_losses(losses, 50)[int(step) - 1]))
    np.testing.assert_allclose(evo.loss_dot.get_center(), expected, atol=1e-6)
    assert evo.loss_line.get_start()[0] == pytest.approx(expected[0])


def test_training_evolution_grid_and_inputs() -> None:
    steps, samples, losses = fake_snapshots(k=5)
    evo = TrainingEvolution(steps, samples, losses, index=2.4, layout="grid", columns=3)
    assert len(evo.clouds) == 5
    np.testing.assert_allclose(evo.displayed_points(), samples[2])
    np.testing.assert_allclose(evo.highlight.get_center()[0], evo.cloud_axes[2].get_x())
    for cloud, expected in zip(evo.clouds, samples, strict=True):
        assert_drawn(cloud.data_points(), expected)
    snaps = [SimpleNamespace(step=s, samples=x) for s, x in zip(steps, samples, strict=True)]
    from_snaps = TrainingEvolution.from_snapshots(snaps, losses=None, index=4)
    np.testing.assert_allclose(from_snaps.displayed_points(), samples[4])
    assert from_snaps.loss_axes is None
    with pytest.raises(ValueError, match="snapshot_noise"):
        TrainingEvolution.from_snapshots([SimpleNamespace(step=1, samples=None)])
    with pytest.raises(ValueError, match="one"):
        TrainingEvolution(steps[:3], samples, losses)


def test_loss_helpers() -> None:
    ramp = np.linspace(1.0, 0.2, 101)
    np.testing.assert_allclose(smooth_losses(ramp, 20), ramp)  # centred: no lag on a ramp
    np.testing.assert_allclose(smooth_losses(np.array([1.0, 5.0, 0.0, 3.0, 2.0]), 3),
                               [1.0, 2.0, 8 / 3, 5 / 3, 2.0])
    assert log_ticks(0.2, 1.05) == pytest.approx([0.2, 0.5, 1.0])
    assert log_ticks(0.03, 0.4) == pytest.approx([0.05, 0.1, 0.2])
    assert len(log_ticks(0.31, 0.42)) == 2


# ------------------------------------------------------------------ frames
@pytest.mark.parametrize("t", [0.0, 0.5, 1.0])
def test_schedule_plot_frames(request: pytest.FixtureRequest, tmp_path: Path, t: float) -> None:
    def construct(scene: Scene) -> None:
        scene.add(SchedulePlot.side_by_side(["linear", "flow"], time=ValueTracker(t),
                                            width=3.2, height=3.0))

    check_frames(request, tmp_path, construct)


@pytest.mark.parametrize("t", [1.0, 0.6, 0.0])
def test_forward_process_frames(
    request: pytest.FixtureRequest, tmp_path: Path, t: float
) -> None:
    def construct(scene: Scene) -> None:
        ax = Axes(x_range=[-3, 3, 1], y_range=[-3, 3, 1], x_length=6.5, y_length=6.5,
                  tips=False, axis_config={"stroke_opacity": 0.3})
        scene.add(ax, ForwardProcess(make_dataset("smiley", 1500), time=ValueTracker(t),
                                     steps=50, axes=ax, n_paths=8,
                                     tracer_config={"stroke_width": 2.5, "head_radius": 0.07}))

    check_frames(request, tmp_path, construct)


@pytest.mark.parametrize("layout", ["morph", "grid"])
def test_training_evolution_frames(
    request: pytest.FixtureRequest, tmp_path: Path, layout: str
) -> None:
    def construct(scene: Scene) -> None:
        steps, samples, losses = fake_snapshots(k=6)
        evo = TrainingEvolution(steps, samples, losses, index=ValueTracker(2.5), layout=layout,
                                cloud_size=3.5 if layout == "morph" else 1.6, columns=3)
        scene.add(evo.move_to([0, 0, 0]))

    check_frames(request, tmp_path, construct)
