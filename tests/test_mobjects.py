"""Behaviour tests of the mobjects: shapes, NaNs, colours at pixels, tracker following."""

from __future__ import annotations

import numpy as np
import pytest
from manim import RED, Axes, ManimColor, ValueTracker, config, tempconfig

from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.mobjects import ContourField, DistributionCloud, TimeBar, TrajectoryTracer
from manim_diffusion.mobjects.coords import DataToScene, time_source


@pytest.fixture(autouse=True)
def small_frame():
    """A 480p frame (pixel density 60 px per scene unit) for every test here."""
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "frame_rate": 15}):
        yield


def _pixel_of(scene_xy: np.ndarray, cloud: DistributionCloud) -> tuple[int, int]:
    """(row, col) in the cloud's image of a scene point."""
    sx = config.pixel_width / config.frame_width
    sy = config.pixel_height / config.frame_height
    px = scene_xy[0] * sx + config.pixel_width / 2
    py = config.pixel_height / 2 - scene_xy[1] * sy
    ul = cloud.points[0]
    x0 = round(ul[0] * sx + config.pixel_width / 2)
    y0 = round(config.pixel_height / 2 - ul[1] * sy)
    return int(py) - y0, int(px) - x0


# ---------------------------------------------------------------- coordinates
def test_coords_identity_and_axes() -> None:
    xy = np.array([[1.0, 2.0], [-3.0, 0.5]])
    np.testing.assert_allclose(DataToScene()(xy), xy)
    ax = Axes(x_range=[-4, 4, 1], y_range=[-2, 2, 1], x_length=8, y_length=2).shift([1, 1, 0])
    mapped = DataToScene(ax).to_3d(xy)
    np.testing.assert_allclose(mapped, [ax.c2p(*p) for p in xy], atol=1e-9)
    ax.shift([2, 0, 0])  # follows a moving axes
    np.testing.assert_allclose(DataToScene(ax).to_3d(xy)[:, 0], mapped[:, 0] + 2)


def test_coords_read_the_axes_again_only_when_they_move(monkeypatch: pytest.MonkeyPatch) -> None:
    ax = Axes(x_range=[-4, 4, 1], y_range=[-2, 2, 1], x_length=8, y_length=2)
    calls = {"c2p": 0}
    c2p = ax.c2p

    def counted(*coords: float) -> np.ndarray:
        calls["c2p"] += 1
        return c2p(*coords)

    monkeypatch.setattr(ax, "c2p", counted)
    data_map, xy = DataToScene(ax), np.array([[1.0, 2.0], [-3.0, 0.5]])
    first = data_map.to_3d(xy)
    for _ in range(5):
        np.testing.assert_array_equal(data_map.to_3d(xy), first)
    assert calls["c2p"] == 3  # the origin and two unit points, once
    data_map.affine()[0][0, 0] = 99.0  # callers get copies
    np.testing.assert_array_equal(data_map.to_3d(xy), first)
    for move in (lambda: ax.shift([0.5, 0, 0]), lambda: ax.stretch(2.0, 1),
                 lambda: ax.y_axis.rotate(0.1)):
        move()
        np.testing.assert_allclose(data_map.to_3d(xy), [c2p(*p) for p in xy], atol=1e-9)
    assert calls["c2p"] == 12


def test_time_source() -> None:
    tracker = ValueTracker(0.25)
    get = time_source(tracker)
    tracker.set_value(0.75)
    assert get() == 0.75
    assert time_source(0.5)() == 0.5
    with pytest.raises(TypeError):
        time_source("soon")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- cloud
def test_cloud_wrong_shapes_raise() -> None:
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        DistributionCloud(np.zeros((5, 3)))
    traj3 = Trajectory(times=[0.0, 1.0], points=np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=r"\(S\+1, N, 2\)"):
        DistributionCloud(traj3)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        DistributionCloud(np.zeros((3, 2)), values=np.zeros(4))
    with pytest.raises(ValueError, match="radius"):
        DistributionCloud(np.zeros((3, 2)), radius=-1)


def test_cloud_pixel_has_point_colour_and_far_is_transparent() -> None:
    pts = np.array([[0.0, 0.0], [2.0, 1.0]], dtype=np.float32)
    cloud = DistributionCloud(pts, radius=0.1, color=RED)
    img = cloud.get_pixel_array()
    assert img.dtype == np.uint8 and img.shape[2] == 4
    red = (np.asarray(ManimColor(RED).to_rgb()) * 255).round()
    for p in pts:
        r, c = _pixel_of(p, cloud)
        assert img[r, c, 3] == 255
        np.testing.assert_allclose(img[r, c, :3], red, atol=1)
    r, c = _pixel_of(np.array([1.0, 0.5]), cloud)  # midway: no disc there
    assert img[r, c, 3] == 0
    # the image is tight: the bounding box of the points plus about a radius
    width = cloud.points[1, 0] - cloud.points[0, 0]
    assert 2.0 + 0.2 <= width <= 2.0 + 0.2 + 4 / 60


def test_cloud_discs_are_anti_aliased_discs() -> None:
    cloud = DistributionCloud(np.zeros((1, 2)), radius=0.1)
    alpha = cloud.get_pixel_array()[..., 3].astype(float) / 255
    area_px = alpha.sum()
    expected = np.pi * (0.1 * config.pixel_width / config.frame_width) ** 2
    assert area_px == pytest.approx(expected, rel=0.03)
    assert ((alpha > 0.05) & (alpha < 0.95)).any()  # soft edge


def test_cloud_palette_and_mean_colour_where_overlapping() -> None:
    pts = np.zeros((2, 2), dtype=np.float32)
    cloud = DistributionCloud(pts, radius=0.1, palette=["#ff0000", "#0000ff"], labels=[0, 1])
    img = cloud.get_pixel_array()
    r, c = _pixel_of(np.zeros(2), cloud)
    np.testing.assert_allclose(img[r, c, :3], [128, 0, 128], atol=1)
    cloud.set_values(np.array([0.0, 1.0]), colormap=["#000000", "#ffffff"])
    r, c = _pixel_of(np.zeros(2), cloud)
    np.testing.assert_allclose(cloud.get_pixel_array()[r, c, :3], [128, 128, 128], atol=1)


def test_cloud_order_independent_and_deterministic() -> None:
    rng = np.random.default_rng(3)
    pts = rng.normal(size=(3000, 2)).astype(np.float32)
    values = rng.uniform(size=3000)
    a = DistributionCloud(pts, values=values).get_pixel_array()
    perm = rng.permutation(3000)
    b = DistributionCloud(pts[perm], values=values[perm]).get_pixel_array()
    assert a.shape == b.shape
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    np.testing.assert_array_equal(a, DistributionCloud(pts, values=values).get_pixel_array())


def test_cloud_drops_non_finite_points() -> None:
    pts = np.array([[0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    bad = np.concatenate([pts, [[np.nan, 0.0], [np.inf, 2.0], [0.5, -np.inf]]])
    clean = DistributionCloud(pts)
    dirty = DistributionCloud(bad)
    np.testing.assert_array_equal(clean.get_pixel_array(), dirty.get_pixel_array())
    np.testing.assert_allclose(clean.points, dirty.points)


def test_cloud_empty_draws_nothing() -> None:
    for source in (np.zeros((0, 2)), np.full((3, 2), np.nan), np.array([[500.0, 0.0]])):
        cloud = DistributionCloud(source)
        img = cloud.get_pixel_array()
        assert img.shape == (1, 1, 4) and not img.any()
        assert np.ptp(cloud.points, axis=0).max() == 0  # a degenerate quad: camera skips it
    assert DistributionCloud(np.zeros((2, 2)), opacity=0).get_pixel_array().shape == (1, 1, 4)


def test_cloud_follows_tracker_and_caches(ring: Trajectory) -> None:
    t = ValueTracker(0.0)
    cloud = DistributionCloud(ring, time=t)
    np.testing.assert_allclose(cloud.scene_points(), ring.points[0])
    first = cloud.get_pixel_array()
    assert cloud.get_pixel_array() is first  # same time: not re-rendered
    t.set_value(1.0)
    cloud.update()
    np.testing.assert_allclose(cloud.scene_points(), ring.points[-1], atol=1e-6)
    assert cloud.get_pixel_array() is not first
    assert cloud.set_time(0.5) is cloud
    np.testing.assert_allclose(cloud.data_points(), ring.at(0.5))


def test_cloud_with_axes_lands_on_c2p() -> None:
    ax = Axes(x_range=[0, 10, 1], y_range=[0, 10, 1], x_length=4, y_length=4)
    pts = np.array([[2.0, 3.0], [8.0, 9.0]], dtype=np.float32)
    cloud = DistributionCloud(pts, axes=ax, radius=0.08, color=RED)
    img = cloud.get_pixel_array()
    for p in pts:
        r, c = _pixel_of(np.asarray(ax.c2p(*p))[:2], cloud)
        assert img[r, c, 3] == 255


def test_cloud_copy_shares_data_and_methods_chain(ring: Trajectory) -> None:
    cloud = DistributionCloud(ring)
    twin = cloud.copy()
    assert twin.trajectory is cloud.trajectory
    assert cloud.set_radius(0.05).set_opacity(0.5).set_color(RED) is cloud
    assert cloud.fade(1.0).get_pixel_array().shape == (1, 1, 4)


# --------------------------------------------------------------------- tracer
def _n_points(tracer: TrajectoryTracer) -> int:
    return sum(len(m.points) for m in tracer.submobjects)


def test_tracer_grows_and_shrinks_backwards(ring: Trajectory) -> None:
    t = ValueTracker(0.3)
    tracer = TrajectoryTracer(ring, time=t, n_paths=10, seed=1)
    early = _n_points(tracer)
    t.set_value(0.9)
    tracer.update()
    late = _n_points(tracer)
    assert late > early > 0
    t.set_value(0.3)
    tracer.update()
    assert _n_points(tracer) == early
    fresh = TrajectoryTracer(ring, time=0.3, n_paths=10, seed=1)
    for a, b in zip(tracer.submobjects, fresh.submobjects, strict=True):
        np.testing.assert_allclose(a.points, b.points)
    assert _n_points(TrajectoryTracer(ring, time=0.0, n_paths=10)) == 0


def test_tracer_path_ends_at_head(ring: Trajectory) -> None:
    tracer = TrajectoryTracer(ring, time=0.47, indices=[5])
    np.testing.assert_allclose(tracer.submobjects[0].points[-1, :2], ring.at(0.47)[5], atol=1e-6)
    np.testing.assert_allclose(tracer.submobjects[0].points[0, :2], ring.points[0, 5], atol=1e-6)


def test_tracer_tail_fades_and_has_fixed_length(ring: Trajectory) -> None:
    tracer = TrajectoryTracer(ring, time=0.8, indices=[0, 1], tail_length=0.2, n_chunks=4)
    opacities = [m.get_stroke_opacity() for m in tracer.submobjects]
    assert opacities == sorted(opacities) and opacities[0] < opacities[-1] == 1.0
    oldest = tracer.submobjects[0].points
    np.testing.assert_allclose(oldest[0, :2], ring.at(0.6)[0], atol=1e-6)


def test_tracer_heads_and_palette(ring: Trajectory) -> None:
    tracer = TrajectoryTracer(ring, time=1.0, n_paths=20, palette=[RED, "#00ff00"],
                              head_radius=0.05, n_chunks=3)
    assert len(tracer.submobjects) == 4  # one stroke + one head set per label, 2 labels
    heads = tracer.submobjects[1].points
    assert len(heads) % len(tracer._unit_circle) == 0 and len(heads) > 0
    with pytest.raises(ValueError):
        TrajectoryTracer(ring, indices=[10_000])


# -------------------------------------------------------------------- contour
def test_contours_wrap_the_ring(ring: Trajectory) -> None:
    field = ContourField(ring, time=1.0)
    assert len(field.submobjects) == 4
    assert np.all(np.diff(field.levels) > 0)  # outermost (lowest) level first
    outer = field.submobjects[0].points[:, :2]
    radii = np.linalg.norm(outer, axis=1)
    assert radii.max() > 2.5 > radii.min()  # lines outside and inside the ring
    inner = np.linalg.norm(field.submobjects[-1].points[:, :2], axis=1)
    assert np.all(np.abs(inner - 2.5) < 0.6)  # the 25% region hugs the ring


def test_contours_follow_time_and_axes(ring: Trajectory) -> None:
    t = ValueTracker(0.0)
    ax = Axes(x_range=[-4, 4, 1], y_range=[-4, 4, 1], x_length=4, y_length=4)
    field = ContourField(ring, time=t, axes=ax, masses=(0.5,))
    r0 = np.ptp(field.submobjects[0].points[:, 0])
    assert r0 < 2.0  # noise: a blob about one unit across (half a scene unit per unit)
    t.set_value(1.0)
    field.update()
    assert np.ptp(field.submobjects[0].points[:, 0]) > r0
    assert field.grid.x0 == -4 and field.grid.x1 == 4


# -------------------------------------------------------------------- timebar
def test_timebar_follows_tracker_and_caches_labels(ring: Trajectory) -> None:
    t = ValueTracker(0.0)
    bar = TimeBar(t, trajectory=ring, length=4)
    x0 = bar.marker.get_x()
    assert bar.value_text() == "t = 0.00" and bar.step_text() == "step 1000 / 1000"
    first = bar.value_label.points.copy()
    t.set_value(0.5)
    bar.update()
    assert bar.marker.get_x() == pytest.approx(x0 + 2.0)
    assert bar.value_text() == "t = 0.50" and bar.step_text() == "step 500 / 1000"
    assert bar.value_label.points.shape != first.shape or not np.allclose(
        bar.value_label.points, first)
    family = bar.get_family()
    built = bar._glyphs.texts_built
    for value in (0.001, 0.25, 0.37, 0.499):  # same shapes: "t = 0.00", "step 000 / 0000"
        t.set_value(value)
        bar.update()
    assert bar._glyphs.texts_built == built  # no new Text for new values of one shape
    t.set_value(0.001)
    bar.update()
    assert bar.get_family() == family  # the family never changes
    np.testing.assert_allclose(bar.value_label.get_center()[1], bar.marker.get_top()[1]
                               + 0.05 + bar.value_label.height / 2, atol=1e-6)
    t.set_value(7.0)  # overshoot is clamped
    bar.update()
    assert bar.value_text() == "t = 1.00"


def test_top_level_lazy_names_match_the_mobjects_package() -> None:
    import manim_diffusion
    import manim_diffusion.mobjects as mobjects
    from manim_diffusion.names import MOBJECT_NAMES

    assert sorted(MOBJECT_NAMES) == sorted(mobjects.__all__)
    for name in mobjects.__all__:
        assert getattr(manim_diffusion, name) is getattr(mobjects, name)


# ------------------------------------------------------------ time-driven base
TIME_FOLLOWING = [
    "BranchingGrid", "BranchingTree", "ContourField", "DensityHeatmap", "DistributionCloud",
    "DriftField", "FieldErrorMap", "ForwardProcess", "ForwardTracer", "LangevinWalker",
    "LatentMNISTPanel", "SchedulePlot", "TimeBar", "TrainingEvolution", "TrajectoryTracer",
]


def test_every_time_following_mobject_uses_the_one_base() -> None:
    import manim_diffusion.mobjects as mobjects
    from manim_diffusion.mobjects.base import TimeDriven

    for name in TIME_FOLLOWING:
        cls = getattr(mobjects, name)
        assert issubclass(cls, TimeDriven), name
        for klass in cls.__mro__[: cls.__mro__.index(TimeDriven)]:
            own = set(vars(klass)) & {"get_time", "set_time", "_set_time_source", "data_map"}
            assert not own, f"{klass.__name__} re-implements {sorted(own)}"


def test_time_driven_follows_chains_and_copies(ring: Trajectory) -> None:
    t = ValueTracker(0.2)
    tracer = TrajectoryTracer(ring, time=t, n_paths=5)
    cloud = DistributionCloud(ring, time=t)
    assert tracer.get_time() == cloud.get_time() == pytest.approx(0.2)
    t.set_value(0.7)
    assert tracer.get_time() == cloud.get_time() == pytest.approx(0.7)
    assert tracer.set_time(0.4) is tracer and tracer.get_time() == pytest.approx(0.4)
    assert len(tracer.get_updaters()) == 1 and len(cloud.get_updaters()) == 1
    # a cloud's copy follows the same tracker; a vector mobject's copy its own copy
    twin, other = cloud.copy(), TrajectoryTracer(ring, time=t, n_paths=5).copy()
    t.set_value(0.9)
    assert twin.get_time() == pytest.approx(0.9)
    assert other.get_time() == pytest.approx(0.7)
    with pytest.raises(TypeError, match="time must be a ValueTracker or a number"):
        tracer.set_time(lambda: 0.5)  # type: ignore[arg-type]
