"""DensitySurface: heights are the density (exact or KDE), it follows time, lands where drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from framecheck import check_frames, render_frames
from manim import (
    DEGREES,
    Axes,
    Camera,
    Scene,
    ThreeDAxes,
    ThreeDScene,
    ValueTracker,
    config,
)
from manim.camera.three_d_camera import ThreeDCamera

from manim_diffusion.analysis.kde import binned_kde
from manim_diffusion.core.schedules import get_schedule
from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.densities.mixture import GaussianMixture
from manim_diffusion.mobjects import density_surface as surface_module
from manim_diffusion.mobjects.cloud_3d import camera_pixels
from manim_diffusion.mobjects.density_surface import DensitySurface
from manim_diffusion.mobjects.grid_density import GridDensity

MU, S = np.array([0.8, -0.5]), 0.4  # one Gaussian: p_t is known in closed form


def one_gaussian() -> GaussianMixture:
    return GaussianMixture(means=MU[None], stds=S)


def closed_form_density(xy: np.ndarray, t: float) -> np.ndarray:
    """N(x; alpha(t) mu, (alpha^2 s^2 + sigma^2) I) on the linear schedule."""
    sched = get_schedule("linear")
    alpha, sigma = float(sched.alpha(t)), float(sched.sigma(t))
    var = alpha**2 * S**2 + sigma**2
    d2 = ((xy - alpha * MU) ** 2).sum(axis=1)
    return np.exp(-0.5 * d2 / var) / (2 * np.pi * var)


def node_points(surface: DensitySurface) -> np.ndarray:
    gx, gy = np.meshgrid(surface.grid.x, surface.grid.y)
    return np.c_[gx.ravel(), gy.ravel()]


def three_d_camera(phi: float = 60.0, theta: float = -60.0) -> ThreeDCamera:
    cam = ThreeDCamera()
    cam.set_phi(phi * DEGREES)
    cam.set_theta(theta * DEGREES)
    return cam


# ------------------------------------------------------------------ values
def test_heights_are_the_exact_density_at_two_times() -> None:
    t = ValueTracker(0.35)
    surface = DensitySurface(one_gaussian(), time=t, extent=(-3.2, 2.8, -2.5, 1.5),
                             resolution=(12, 8), scale=2.5)
    assert surface.heights.shape == (9, 13)
    xy = node_points(surface)
    for time in (0.35, 1.0):
        t.set_value(time)
        surface.update()
        np.testing.assert_allclose(surface.heights.ravel(), 2.5 * closed_form_density(xy, time),
                                   rtol=1e-9, atol=1e-12)
    # at t = 1 a node sits on the mean: the peak is 2.5 / (2 pi s^2) there
    assert surface.heights[4, 8] == pytest.approx(2.5 / (2 * np.pi * S**2), rel=1e-9)


def test_log_heights_are_the_clipped_log_density() -> None:
    gm = one_gaussian()
    surface = DensitySurface(gm, time=1.0, resolution=10, scale=0.5, log=True, log_floor=-6)
    lp = np.asarray(gm.log_prob(node_points(surface), 1.0))
    np.testing.assert_allclose(surface.heights.ravel(), 0.5 * (np.maximum(lp, -6) + 6),
                               rtol=1e-9, atol=1e-12)
    assert surface.heights.min() == 0.0 and (lp < -6).any()


def test_kde_heights_match_the_kde_of_the_points_at_that_time(ring: Trajectory) -> None:
    t = ValueTracker(0.4)
    surface = DensitySurface(ring, time=t, resolution=20, scale=3.0, bw_factor=0.8)
    for time in (0.4, 0.9):
        t.set_value(time)
        surface.update()
        expected = binned_kde(ring.at(time), surface.grid, bw_factor=0.8)
        np.testing.assert_allclose(surface.heights, 3.0 * expected, rtol=1e-12, atol=1e-15)
    points = ring.final
    static = DensitySurface(points, extent=(-3, 3, -3, 3), resolution=16)
    np.testing.assert_allclose(static.heights, binned_kde(points, static.grid))


def test_functions_of_the_points_and_of_the_time() -> None:
    def bowl(xy: np.ndarray) -> np.ndarray:
        return (xy**2).sum(axis=1)

    def rising(xy: np.ndarray, t: float) -> np.ndarray:
        return t * np.ones(len(xy))

    fixed = DensitySurface(bowl, extent=(-1, 1, -1, 1), resolution=4)
    assert fixed.density.static and fixed.heights[0, 0] == pytest.approx(2.0)
    assert fixed.heights[2, 2] == pytest.approx(0.0)
    t = ValueTracker(0.25)
    timed = DensitySurface(rising, time=t, resolution=4)
    assert not timed.density.static and np.allclose(timed.heights, 0.25)
    t.set_value(0.75)
    timed.update()
    assert np.allclose(timed.heights, 0.75)


def test_surface_points_lie_on_the_surface() -> None:
    surface = DensitySurface(one_gaussian(), resolution=10, extent=(-2, 2, -2, 2))
    nodes = node_points(surface)
    np.testing.assert_allclose(surface.surface_points(nodes)[:, 2], surface.heights.ravel())
    g = surface.grid  # halfway between two nodes along x: the mean of their heights
    mid = np.array([[g.x[3] + g.dx / 2, g.y[4]]])
    h = surface.heights
    assert surface.surface_points(mid)[0, 2] == pytest.approx((h[4, 3] + h[4, 4]) / 2)


# ------------------------------------------------------------- following time
def test_it_follows_the_tracker_and_redraws_only_on_a_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    evaluations, paints = [], []
    evaluate, paint = GridDensity.evaluate, surface_module.paint_quads
    monkeypatch.setattr(GridDensity, "evaluate",
                        lambda self, grid, t: evaluations.append(t) or evaluate(self, grid, t))
    monkeypatch.setattr(surface_module, "paint_quads",
                        lambda *a, **k: paints.append(1) or paint(*a, **k))
    cam = three_d_camera()
    axes = ThreeDAxes(x_range=[-3, 3], y_range=[-3, 3], z_range=[0, 1])
    t = ValueTracker(0.2)
    surface = DensitySurface(GaussianMixture.three_dots(), time=t, axes=axes, camera=cam,
                             resolution=16)
    assert evaluations == [0.2]
    for _ in range(3):
        surface.update()
        surface.get_pixel_array()
    assert evaluations == [0.2] and len(paints) == 1
    before = surface.heights.copy()
    t.set_value(0.9)
    surface.update()
    assert evaluations == [0.2, 0.9] and not np.allclose(surface.heights, before)
    surface.get_pixel_array()
    assert len(paints) == 2
    cam.set_theta(-30 * DEGREES)  # the camera alone: a new picture, the same heights
    surface.get_pixel_array()
    assert evaluations == [0.2, 0.9] and len(paints) == 3
    t.set_value(0.2)  # back to a time seen before: cached, not evaluated again
    surface.update()
    assert evaluations == [0.2, 0.9]
    np.testing.assert_array_equal(surface.heights, before)
    surface.set_time(0.5)
    assert surface.get_time() == 0.5 and evaluations[-1] == 0.5
    assert cam.fixed_in_frame_mobjects >= {surface}


def test_a_cloud_source_follows_the_cloud(ring: Trajectory) -> None:
    from manim_diffusion.mobjects.cloud import DistributionCloud

    t = ValueTracker(0.3)
    cloud = DistributionCloud(ring, time=t)
    surface = DensitySurface(cloud, resolution=12)
    t.set_value(0.8)
    surface.update()
    assert surface.get_time() == 0.8
    np.testing.assert_allclose(surface.heights, binned_kde(ring.at(0.8), surface.grid))


# ---------------------------------------------------------------- bad input
def test_bad_input_is_refused_with_a_clear_error() -> None:
    gm3 = GaussianMixture(means=np.zeros((2, 3)), stds=0.5)
    with pytest.raises(ValueError, match="2D density.*3D"):
        DensitySurface(gm3)
    with pytest.raises(ValueError, match="2D points"):
        DensitySurface(Trajectory(times=np.array([0.0, 1.0]), points=np.zeros((2, 5, 3))))
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        DensitySurface(np.zeros((10, 3)))
    with pytest.raises(TypeError, match="DensitySurface needs a GaussianMixture"):
        DensitySurface("smiley")
    with pytest.raises(ValueError, match="one value per point"):
        DensitySurface(lambda xy: np.ones(3), resolution=4)
    with pytest.raises(ValueError, match="resolution"):
        DensitySurface(one_gaussian(), resolution=1)
    with pytest.raises(ValueError, match="resolution"):
        DensitySurface(one_gaussian(), resolution=(10, 2.5))
    with pytest.raises(ValueError, match="scale"):
        DensitySurface(one_gaussian(), scale=0)
    with pytest.raises(ValueError, match="value_range"):
        DensitySurface(one_gaussian(), value_range=(1, 0))
    with pytest.raises(ValueError, match="checkerboard"):
        DensitySurface(one_gaussian(), checkerboard=2)
    with pytest.raises(ValueError, match="extent"):
        DensitySurface(one_gaussian(), extent=(1, -1, 0, 1))
    with pytest.raises(TypeError, match="ThreeDScene's camera"):
        DensitySurface(one_gaussian(), camera=Camera())
    with pytest.raises(TypeError, match="ValueTracker or a number"):
        DensitySurface(one_gaussian(), time="now")


# ------------------------------------------------------------ where it lands
def test_seen_from_above_it_covers_the_axes_box(tmp_path: Path) -> None:
    def construct(scene: Scene) -> None:
        axes = Axes(x_range=[-2, 2], y_range=[-1, 1], x_length=6, y_length=3)
        scene.add(DensitySurface(lambda xy: np.ones(len(xy)), axes=axes, resolution=8,
                                 colors=["#ffffff"], shading=0))

    frame = render_frames(construct, tmp_path)[0]
    rows, cols = np.nonzero(frame[..., 0] > 128)
    px = 854 / config.frame_width  # 60 pixels a unit at 854 x 480
    assert cols.min() == pytest.approx(427 - 3 * px, abs=1.5)
    assert cols.max() == pytest.approx(427 + 3 * px, abs=1.5)
    assert rows.min() == pytest.approx(240 - 1.5 * px, abs=1.5)
    assert rows.max() == pytest.approx(240 + 1.5 * px, abs=1.5)


def test_the_peak_lands_where_the_camera_projects_it(tmp_path: Path) -> None:
    found = {}

    def construct(scene: ThreeDScene) -> None:
        scene.set_camera_orientation(phi=55 * DEGREES, theta=-40 * DEGREES)
        axes = ThreeDAxes(x_range=[-3, 3], y_range=[-3, 3], z_range=[0, 1], x_length=6,
                          y_length=6, z_length=3)
        surface = DensitySurface(one_gaussian(), axes=axes, camera=scene.camera,
                                 resolution=30, scale=1.0, colors=["#ff0000", "#00ff00"],
                                 shading=0)
        scene.add(surface)
        peak = axes.c2p(*MU, surface.heights.max())
        found["peak"] = camera_pixels(scene.camera, np.array([peak]))[0][0]

    frame = render_frames(construct, tmp_path, scene_class=ThreeDScene)[0].astype(int)
    green = (frame[..., 1] > 150) & (frame[..., 0] < 120)  # the top of the ramp
    rows, cols = np.nonzero(green)
    assert len(rows) > 5
    x, y = found["peak"]
    assert np.hypot(cols - x, rows - y).min() < 3  # the top faces surround the peak,
    assert abs(rows.min() - y) < 4  # the spike's tip on screen is the projected peak
    assert abs(np.median(cols) - x) < 6  # and the spike stands straight under it


# ------------------------------------------------------------ frame checks
@pytest.mark.parametrize("t", [0.3, 1.0])
def test_density_surface_3d_frames(request: pytest.FixtureRequest, tmp_path: Path,
                                   t: float) -> None:
    def construct(scene: ThreeDScene) -> None:
        scene.set_camera_orientation(phi=62 * DEGREES, theta=(-60 + 40 * t) * DEGREES)
        axes = ThreeDAxes(x_range=[-3, 3], y_range=[-3, 3], z_range=[0, 1], x_length=6,
                          y_length=6, z_length=2.5, axis_config={"include_ticks": False})
        tracker = ValueTracker(t)
        scene.add(axes, DensitySurface(GaussianMixture.three_dots(), time=tracker, axes=axes,
                                       camera=scene.camera, resolution=24, scale=1.0,
                                       stroke_width=0.6))

    check_frames(request, tmp_path, construct, scene_class=ThreeDScene)


def test_density_surface_plain_scene_frame(request: pytest.FixtureRequest, tmp_path: Path,
                                           ring: Trajectory) -> None:
    def construct(scene: Scene) -> None:
        axes = Axes(x_range=[-3.5, 3.5], y_range=[-3.5, 3.5], x_length=6.5, y_length=6.5)
        scene.add(DensitySurface(ring, time=0.8, axes=axes, resolution=28, log=True,
                                 log_floor=-7, checkerboard=0.15), axes)

    check_frames(request, tmp_path, construct)


def test_it_fades_in_and_out(tmp_path: Path) -> None:
    from manim import FadeIn, FadeOut

    seen = []

    def construct(scene: ThreeDScene) -> None:
        surface = DensitySurface(one_gaussian(), camera=scene.camera, resolution=10)
        scene.play(FadeIn(surface), run_time=0.2)
        seen.append(surface.opacity)
        scene.play(FadeOut(surface), run_time=0.2)

    frames = render_frames(construct, tmp_path, last_frame=False, scene_class=ThreeDScene)
    assert seen == [1.0]
    drawn = (frames[..., :3].astype(int).sum(axis=-1) > 30).sum(axis=(1, 2))
    assert drawn[0] < drawn.max() and drawn.max() > 1000


def test_the_heatmap_reads_its_sources_through_the_same_grid_density() -> None:
    from manim_diffusion.mobjects.heatmap import DensityHeatmap

    def ridge(xy: np.ndarray) -> np.ndarray:
        return np.exp(-xy[:, 1] ** 2)

    heat = DensityHeatmap(ridge, resolution=20, colorbar=False)
    gx, gy = np.meshgrid(heat.grid.x, heat.grid.y)
    np.testing.assert_allclose(heat.values, np.exp(-gy**2))
    gm = one_gaussian()
    heat = DensityHeatmap(gm, time=0.6, resolution=16, colorbar=False)
    gx, gy = np.meshgrid(heat.grid.x, heat.grid.y)
    np.testing.assert_allclose(heat.values.ravel(),
                               closed_form_density(np.c_[gx.ravel(), gy.ravel()], 0.6),
                               rtol=1e-9, atol=1e-12)
