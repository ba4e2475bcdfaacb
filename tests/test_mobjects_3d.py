"""The 3D mobjects: Cloud3D lands where manim draws, follows the camera, and refuses a 2D scene."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from framecheck import check_frames, render_frames
from manim import (
    DEGREES,
    RED,
    WHITE,
    YELLOW,
    Axes,
    Dot3D,
    Scene,
    ThreeDAxes,
    ThreeDScene,
    ValueTracker,
)
from scipy import ndimage

from manim_diffusion.analysis.fields import grid_points_3d, vector_field
from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.densities.mixture import GaussianMixture
from manim_diffusion.mobjects.cloud_3d import Cloud3D, camera_pixels
from manim_diffusion.mobjects.coords import DataToScene
from manim_diffusion.mobjects.drift_3d import DriftField3D, facing_arrows
from manim_diffusion.mobjects.tracer import TrajectoryTracer
from manim_diffusion.samplers.sample import sample

POINTS = np.array([[2.0, 1.0, 1.5], [-1.5, 2.0, -1.0], [0.5, -2.0, 0.0], [-2.0, -1.0, 2.0]])


def _blob_centres(frame: np.ndarray, channel: int) -> np.ndarray:
    """Centroids (x, y) of the bright blobs of one colour channel, sorted by x."""
    mask = frame[..., channel].astype(int) > 100
    labels, n = ndimage.label(mask)
    centres = ndimage.center_of_mass(mask, labels, range(1, n + 1))
    return np.array(sorted((c[1] + 0.5, c[0] + 0.5) for c in centres))


def _orient(scene: ThreeDScene) -> None:
    scene.set_camera_orientation(phi=62 * DEGREES, theta=-35 * DEGREES, zoom=0.9)


def test_cloud_3d_lands_where_manim_draws_dot3d(tmp_path: Path) -> None:
    def dots(scene: ThreeDScene) -> None:
        _orient(scene)
        scene.add(*(Dot3D(p, radius=0.12, color=WHITE) for p in POINTS))

    seen: dict[str, np.ndarray] = {}

    def cloud(scene: ThreeDScene) -> None:
        _orient(scene)
        scene.add(Cloud3D(POINTS, camera=scene.camera, radius=0.12, color=WHITE,
                          depth_shading=0.0))
        seen["pixels"] = camera_pixels(scene.camera, POINTS)[0]

    manim_centres = _blob_centres(render_frames(dots, tmp_path, scene_class=ThreeDScene)[0], 0)
    cloud_centres = _blob_centres(render_frames(cloud, tmp_path, scene_class=ThreeDScene)[0], 0)
    assert len(manim_centres) == len(cloud_centres) == len(POINTS)
    assert np.abs(manim_centres - cloud_centres).max() < 1.0
    predicted = np.array(sorted(map(tuple, seen["pixels"])))
    assert np.abs(predicted - cloud_centres).max() < 1.0


def test_cloud_3d_moves_with_the_camera_in_the_same_frame(tmp_path: Path) -> None:
    """During an ambient rotation each frame's cloud sits on the Dot3D drawn at its point."""
    point = POINTS[:1]

    def construct(scene: ThreeDScene) -> None:
        _orient(scene)
        scene.add(Dot3D(point[0], radius=0.1, color=RED))
        cloud = Cloud3D(point, camera=scene.camera, radius=0.04, color=YELLOW,
                        depth_shading=0.0)
        scene.add(cloud)
        scene.begin_ambient_camera_rotation(rate=3.0)
        scene.wait(0.5)

    frames = render_frames(construct, tmp_path, last_frame=False, scene_class=ThreeDScene)
    assert len(frames) >= 7
    dots, offsets = [], []
    for frame in frames:
        red = frame[..., 0].astype(int) > 150
        yellow = (frame[..., 1].astype(int) > 150) & red
        assert yellow.any() and red.any()
        dots.append(np.argwhere(red).mean(axis=0))
        offsets.append(np.abs(dots[-1] - np.argwhere(yellow).mean(axis=0)).max())
    per_frame = np.linalg.norm(np.diff(dots, axis=0), axis=1)
    # A cloud one frame late would sit a whole frame's motion (over 10 px) off the dot;
    # the sphere's shading moves the red centroid by up to 2 px.
    assert per_frame.min() > 10, per_frame
    assert max(offsets) < 3, offsets


def test_cloud_3d_shades_far_points_darker(tmp_path: Path) -> None:
    seen: dict[str, np.ndarray] = {}

    def construct(scene: ThreeDScene) -> None:
        _orient(scene)
        cloud = Cloud3D(POINTS, camera=scene.camera, radius=0.12, color=WHITE,
                        depth_shading=0.8)
        scene.add(cloud)
        seen["pixels"], seen["depth"] = camera_pixels(scene.camera, POINTS)

    frame = render_frames(construct, tmp_path, scene_class=ThreeDScene)[0]
    brightness = [frame[int(y), int(x), 0] for x, y in seen["pixels"]]
    order = np.argsort(seen["depth"])
    assert np.all(np.diff(np.asarray(brightness)[order].astype(int)) > 0)


def test_3d_mobjects_refuse_a_plain_scene_and_2d_points() -> None:
    camera = Scene().camera
    with pytest.raises(TypeError, match="ThreeDScene"):
        Cloud3D(POINTS, camera=camera)
    with pytest.raises(TypeError, match="ThreeDScene"):
        DriftField3D(GaussianMixture(POINTS, 0.3), camera=camera)
    three_d = ThreeDScene().camera
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        Cloud3D(POINTS[:, :2], camera=three_d)
    with pytest.raises(ValueError, match=r"3D model's field, points \(N, 3\); this model "
                       r"works on points of shape 2"):
        DriftField3D(GaussianMixture(POINTS[:, :2], 0.3), camera=three_d)


def test_data_to_scene_in_3d_follows_three_d_axes() -> None:
    axes = ThreeDAxes(x_range=[-3, 3], y_range=[-2, 2], z_range=[-1, 1], x_length=6,
                      y_length=3, z_length=4).shift([0.5, -0.2, 0.3])
    data_map = DataToScene(axes)
    expected = np.array([axes.c2p(*p) for p in POINTS])
    assert np.allclose(data_map.space(POINTS), expected)
    assert np.allclose(data_map.to_3d(POINTS), expected)
    with pytest.raises(ValueError, match="ThreeDAxes"):
        DataToScene(Axes()).space(POINTS)


def test_drift_field_3d_draws_the_field_with_heads_facing_the_viewer() -> None:
    gm = GaussianMixture(np.array([[1.0, 0.0, 0.5], [-1.0, 0.5, -0.5]]), 0.4)
    camera = ThreeDScene().camera
    camera.set_phi(60 * DEGREES)
    camera.set_theta(20 * DEGREES)
    field = DriftField3D(gm, camera=camera, time=0.6, points=grid_points_3d(1.5, 3))
    assert np.allclose(field.vectors(), vector_field(gm, field.points_data, 0.6))
    toward = camera.generate_rotation_matrix()[2]
    rng = np.random.default_rng(0)
    tails, vectors = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    shafts, heads = facing_arrows(tails, vectors, toward)
    assert np.allclose(shafts[1], tails + vectors) and np.allclose(heads[1], shafts[1])
    for barb in (heads[0], heads[2]):
        offset = barb - heads[1]
        plane_normal = np.cross(vectors, np.cross(vectors, toward))
        assert np.allclose(np.sum(offset * plane_normal, axis=1), 0.0, atol=1e-9)
    assert len(grid_points_3d(2.0, 4)) == 64
    with pytest.raises(ValueError, match="density"):
        grid_points_3d(2.0, 0)


def _spring_run() -> Trajectory:
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 4 * np.pi, 600)
    spring = np.stack([1.6 * np.cos(a), 1.6 * np.sin(a), a / 2.5 - 2.5], axis=1)
    noise = rng.normal(size=(600, 3))
    s = np.linspace(0, 1, 21)[:, None, None]
    labels = (a > 2 * np.pi).astype(np.int64)
    return Trajectory(times=s[:, 0, 0], points=((1 - s) * noise + s * spring), labels=labels)


def test_cloud_3d_frames(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    run = _spring_run()

    def construct(scene: ThreeDScene) -> None:
        scene.set_camera_orientation(phi=70 * DEGREES, theta=40 * DEGREES)
        axes = ThreeDAxes(x_range=[-3, 3], y_range=[-3, 3], z_range=[-3, 3], x_length=5,
                          y_length=5, z_length=5)
        t = ValueTracker(0.3)
        scene.add(axes, Cloud3D(run, camera=scene.camera, time=t, axes=axes, radius=0.05,
                                palette=[YELLOW, RED]))
        scene.play(t.animate.set_value(1.0), run_time=0.4)

    check_frames(request, tmp_path, construct, last_frame=False, scene_class=ThreeDScene)


def test_drift_field_and_paths_in_3d_frames(request: pytest.FixtureRequest,
                                            tmp_path: Path) -> None:
    gm = GaussianMixture(np.array([[1.2, 0.0, 0.8], [-1.2, 0.5, -0.8]]), 0.3)
    run = sample(gm, "ddim", 20, n=40, seed=0)

    def construct(scene: ThreeDScene) -> None:
        scene.set_camera_orientation(phi=65 * DEGREES, theta=30 * DEGREES)
        t = ValueTracker(0.3)
        scene.add(DriftField3D(gm, camera=scene.camera, time=t, points=grid_points_3d(2, 4)),
                  TrajectoryTracer(run, time=t, n_paths=12, color=YELLOW))
        scene.begin_ambient_camera_rotation(rate=0.5)
        scene.play(t.animate.set_value(0.9), run_time=0.4)

    check_frames(request, tmp_path, construct, last_frame=False, scene_class=ThreeDScene)
