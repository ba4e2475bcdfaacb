"""Bad input to the public API: clear errors or documented graceful behaviour, never a
crash deep inside numpy, torch or Cairo; property-based tests of Trajectory.at and of
the data-set generators."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from manim import ValueTracker, tempconfig

from manim_diffusion import (
    DATASETS,
    DiffusionModel,
    GaussianMixture,
    MLPDenoiser,
    TrainConfig,
    Trajectory,
    energy_distance,
    get_schedule,
    load_checkpoint,
    make_dataset,
    sample,
    save_checkpoint,
    train,
    vector_field,
)
from manim_diffusion.io import checkpoints as pretrained
from manim_diffusion.mobjects import ContourField, DistributionCloud, TimeBar, TrajectoryTracer

BAD_POINTS = [
    (np.zeros((5, 3)), r"\(N, 2\)"),
    (np.zeros(6), r"\(N, 2\)"),
    (np.zeros((2, 3, 2)), r"\(N, 2\)"),
    ("abc", "convert string to float"),
    (np.array([["a", "b"]]), "convert string to float"),
]


@pytest.fixture(autouse=True)
def small_frame():
    """A 480p frame for the mobjects."""
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "frame_rate": 15}):
        yield


@pytest.fixture
def traj() -> Trajectory:
    rng = np.random.default_rng(0)
    return Trajectory(times=np.linspace(0, 1, 5), points=rng.normal(size=(5, 40, 2)))


@pytest.fixture(scope="module")
def mixture() -> GaussianMixture:
    return GaussianMixture.three_dots()


# ------------------------------------------------------------ shapes and dtypes
@pytest.mark.parametrize(("source", "match"), BAD_POINTS)
def test_cloud_and_contours_refuse_bad_points(source: object, match: str) -> None:
    for cls in (DistributionCloud, ContourField):
        with pytest.raises(ValueError, match=match):
            cls(source)


def test_cloud_integer_points_are_drawn_like_floats() -> None:
    ints = DistributionCloud(np.array([[0, 0], [1, 1]])).get_pixel_array()
    floats = DistributionCloud(np.array([[0.0, 0.0], [1.0, 1.0]])).get_pixel_array()
    np.testing.assert_array_equal(ints, floats)


@pytest.mark.parametrize("source", [np.zeros((5, 2)), np.zeros((3, 4, 2)), "abc"])
def test_tracer_needs_a_2d_or_3d_trajectory(source: object) -> None:
    with pytest.raises(ValueError, match=r"Trajectory of 2D or 3D points"):
        TrajectoryTracer(source)
    traj4 = Trajectory(times=[0.0, 1.0], points=np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match=r"\(S\+1, N, 2\) or \(S\+1, N, 3\)"):
        TrajectoryTracer(traj4)
    traj3 = Trajectory(times=[0.0, 1.0], points=np.zeros((2, 4, 3)))
    assert len(TrajectoryTracer(traj3).indices) == 4  # 3D paths, for a ThreeDScene


def test_tracer_refuses_indices_out_of_range(traj: Trajectory) -> None:
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 40\)"):
        TrajectoryTracer(traj, indices=[100])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"times": [0.0, 1.0], "points": np.zeros((2, 3))}, r"\(S\+1, N, D\)"),
        ({"times": [0.0, 1.0], "points": "ab"}, "convert string to float"),
        ({"times": ["a", "b"], "points": np.zeros((2, 3, 2))}, "convert string to float"),
        ({"times": np.zeros((2, 1)), "points": np.zeros((2, 3, 2))}, r"times must have shape"),
        ({"times": [], "points": np.zeros((0, 3, 2))}, r"times must have shape"),
        ({"times": [0.0, np.nan], "points": np.zeros((2, 3, 2))}, "NaN or infinite"),
        ({"times": [0.0, np.inf], "points": np.zeros((2, 3, 2))}, "NaN or infinite"),
        ({"times": [1.0, 0.0], "points": np.zeros((2, 3, 2))}, "must rise"),
        ({"times": [0.0, 2.0], "points": np.zeros((2, 3, 2))}, r"lie in \[0, 1\]"),
        ({"times": [0, 1], "points": np.zeros((2, 3, 2)), "steps": [1]}, "steps must have"),
        ({"times": [0, 1], "points": np.zeros((2, 3, 2)), "labels": [0]}, "labels must have"),
    ],
)
def test_trajectory_refuses_bad_arrays(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Trajectory(**kwargs)


@pytest.mark.parametrize("t", ["soon", None, np.array([0.1, 0.2])])
def test_trajectory_at_refuses_non_numbers(traj: Trajectory, t: object) -> None:
    with pytest.raises(TypeError, match="t must be a number"):
        traj.at(t)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        traj.at(float("nan"))
    with pytest.raises(ValueError, match="no 'velocity'"):
        traj.at(0.5, array="velocity")


@pytest.mark.parametrize(
    ("x_start", "error", "match"),
    [
        (np.zeros((4, 3)), ValueError, r"2D points.*3D"),
        (np.zeros(4), ValueError, r"shape \(n, dim\)"),
        (np.zeros((0, 2)), ValueError, r"n >= 1"),
        (np.zeros((2, 4, 2)), ValueError, r"shape \(n, dim\)"),
        ("ab", ValueError, "convert string to float"),
        (np.full((4, 2), np.nan), ValueError, "NaN or infinite"),
        (np.array([[0.0, np.inf]]), ValueError, "NaN or infinite"),
    ],
)
def test_sample_refuses_bad_starting_points(
    mixture: GaussianMixture, x_start: object, error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        sample(mixture, "ddim", steps=3, x_start=x_start)


def test_sample_checks_dim_against_a_trained_model() -> None:
    model = DiffusionModel(MLPDenoiser(dim=2, hidden=8, layers=1), objective="eps")
    with pytest.raises(ValueError, match=r"2D points.*3D"):
        sample(model, "ddim", steps=2, n=4, dim=3)
    with pytest.raises(ValueError, match=r"2D points.*1D"):
        sample(model, "ddim", steps=2, x_start=np.zeros((4, 1)))
    assert sample(model, "ddim", steps=2, x_start=np.zeros((4, 2))).points.shape == (3, 4, 2)


def test_sample_refuses_bad_counts(mixture: GaussianMixture) -> None:
    for kwargs, match in [
        ({"n": 0}, "n must be a positive integer"),
        ({"n": -5}, "n must be a positive integer"),
        ({"steps": 0}, "steps must be a positive integer"),
        ({"steps": 2.5}, "steps must be a positive integer"),
    ]:
        with pytest.raises(ValueError, match=match):
            sample(mixture, "ddim", **{"steps": 3, **kwargs})


@pytest.mark.parametrize(
    "data",
    [np.zeros(10), np.zeros((0, 2)), np.zeros((10, 3, 2)), np.zeros((10, 0))],
)
def test_train_refuses_bad_data_shapes(data: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"data must have shape \(N, D\)"):
        train(data, TrainConfig(steps=1, batch_size=4), progress=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_train_refuses_non_finite_data(bad: float) -> None:
    data = np.zeros((10, 2))
    data[3, 1] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        train(data, TrainConfig(steps=1, batch_size=4), progress=False)
    with pytest.raises(ValueError, match="convert string to float"):
        train("abc", TrainConfig(steps=1), progress=False)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("smiley", 0), {}, "positive integer, got 0"),
        (("smiley", -3), {}, "positive integer, got -3"),
        (("smiley", 2.5), {}, "positive integer, got 2.5"),
        (("smiley", "5"), {}, "positive integer, got '5'"),
        (("smiley", True), {}, "positive integer, got True"),
        (("no_such_set", 5), {}, "unknown data set 'no_such_set'; choose one of: smiley"),
        ((None, 5), {}, "unknown data set None"),
        ((["smiley"], 5), {}, "unknown data set"),
        (("smiley", 5), {"seed": -1}, "seed must be an integer >= 0, got -1"),
        (("smiley", 5), {"seed": "x"}, "seed must be an integer >= 0"),
        (("smiley", 5), {"seed": 1.5}, "seed must be an integer >= 0"),
        (("smiley", 5), {"with_labels": True}, "has no labels"),
    ],
)
def test_make_dataset_refuses_bad_arguments(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_dataset(*args, **kwargs)


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        (np.zeros((3, 2)), np.zeros((3, 3)), r"\(N, D\) arrays of one D"),
        (np.zeros(3), np.zeros(3), r"\(N, D\) arrays of one D"),
        (np.zeros((2, 2, 2)), np.zeros((3, 2)), r"\(N, D\) arrays of one D"),
        ("ab", np.zeros((3, 2)), "convert string to float"),
        (np.zeros((0, 2)), np.zeros((3, 2)), "at least one point"),
        (np.zeros((3, 2)), np.zeros((0, 2)), "at least one point"),
        (np.full((3, 2), np.nan), np.zeros((3, 2)), "NaN or infinite"),
        (np.zeros((3, 2)), np.array([[np.inf, 0.0]]), "NaN or infinite"),
    ],
)
def test_energy_distance_refuses_bad_input(x: object, y: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        energy_distance(x, y)


def test_energy_distance_mixes_numpy_torch_and_ints() -> None:
    a = np.array([[0, 0], [1, 1]])
    assert energy_distance(a, torch.tensor(a, dtype=torch.float32)) == pytest.approx(0.0)


# ------------------------------------------------------------------ unknown names
def test_unknown_names_are_refused_with_the_choices(mixture: GaussianMixture) -> None:
    data = make_dataset("smiley", 16)
    cases = [
        (lambda: sample(mixture, "warp_drive"), "unknown sampler 'warp_drive'; choose one of"),
        (lambda: sample(mixture, "ddim", steps=3, grid="fractal"), "unknown time grid"),
        (lambda: get_schedule("sigmoid"), "unknown schedule 'sigmoid'; choose one of"),
        (lambda: DiffusionModel(MLPDenoiser(), objective="edm"), "unknown objective 'edm'"),
        (lambda: DiffusionModel(MLPDenoiser(), schedule="sigmoid"), "unknown schedule"),
        (
            lambda: train(data, TrainConfig(steps=1, objective="edm"), progress=False),
            "unknown objective 'edm'",
        ),
        (
            lambda: train(data, TrainConfig(steps=1, schedule="sigmoid"), progress=False),
            "unknown schedule 'sigmoid'",
        ),
        (
            lambda: vector_field(mixture, np.zeros((3, 2)), 0.5, kind="curl"),
            "unknown field 'curl'; choose one of",
        ),
        (lambda: vector_field(mixture, np.zeros((3, 3)), 0.5), r"\(N, 2\)"),
        (lambda: vector_field(mixture, np.array([[np.nan, 0.0]]), 0.5), "NaN or infinite"),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match):
            call()


# ------------------------------------------------------ NaN, infinite, empty, huge
def test_contours_ignore_non_finite_points() -> None:
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(300, 2))
    bad = np.concatenate([pts, [[np.nan, 0.0], [np.inf, 1.0], [0.0, -np.inf]]])
    clean, dirty = ContourField(pts), ContourField(bad)
    np.testing.assert_allclose(clean.density, dirty.density)
    for a, b in zip(clean.submobjects, dirty.submobjects, strict=True):
        np.testing.assert_allclose(a.points, b.points)
    assert any(len(m.points) for m in clean.submobjects)


@pytest.mark.parametrize(
    "source", [np.zeros((0, 2)), np.full((5, 2), np.nan), np.zeros((1, 2)), np.zeros((9, 2))]
)
def test_contours_of_empty_or_degenerate_clouds_do_not_crash(source: np.ndarray) -> None:
    field = ContourField(source)
    assert np.isfinite(field.density).all()
    if not np.isfinite(source).any():
        assert not field.density.any()
        assert all(len(m.points) == 0 for m in field.submobjects)


def test_contours_survive_a_far_outlier() -> None:
    """An outlier stretches the grid so far that the kernel is narrower than a node:
    this used to raise numpy's LinAlgError (singular matrix) in the KDE."""
    pts = np.random.default_rng(0).normal(size=(100, 2))
    field = ContourField(np.concatenate([pts, [[1e30, 0.0]]]))
    assert np.isfinite(field.density).all()


def test_cloud_of_nan_trajectory_and_zero_points_draws_nothing(traj: Trajectory) -> None:
    for points in (np.full((3, 5, 2), np.nan), np.zeros((3, 0, 2))):
        cloud = DistributionCloud(Trajectory(times=[0.0, 0.5, 1.0], points=points), time=0.3)
        assert not cloud.get_pixel_array().any()
        assert cloud.data_points().shape == (points.shape[1], 2)
    tracer = TrajectoryTracer(Trajectory(times=[0.0, 1.0], points=np.full((2, 3, 2), np.nan)))
    assert tracer is not None


def test_cloud_nan_opacity_draws_nothing_and_far_points_are_skipped() -> None:
    assert not DistributionCloud(np.zeros((2, 2)), opacity=float("nan")).get_pixel_array().any()
    near = DistributionCloud(np.array([[0.0, 0.0]])).get_pixel_array()
    with np.errstate(invalid="ignore"):
        far = DistributionCloud(np.array([[0.0, 0.0], [1e30, 0.0]])).get_pixel_array()
    np.testing.assert_array_equal(near, far)


@pytest.mark.parametrize("radius", [1.0001, 1e6, 1e300])
def test_cloud_refuses_a_huge_radius_before_allocating(radius: float) -> None:
    """A radius of 1e6 used to build a stamp of 1e13 pixels (MemoryError)."""
    with pytest.raises(ValueError, match="radius must be at most 1.0 scene units"):
        DistributionCloud(np.zeros((2, 2)), radius=radius)
    with pytest.raises(ValueError, match="at most 1.0"):
        DistributionCloud(np.zeros((2, 2))).set_radius(radius)


def test_cloud_draws_the_largest_radius() -> None:
    from manim import config

    from manim_diffusion.mobjects.cloud import MAX_RADIUS

    cloud = DistributionCloud(np.zeros((1, 2)), radius=MAX_RADIUS, opacity=1.0)
    frame = cloud.get_pixel_array()
    covered = (frame[..., 3] > 128).sum()
    px_per_unit = config.pixel_width / config.frame_width
    assert covered == pytest.approx(np.pi * (MAX_RADIUS * px_per_unit) ** 2, rel=0.05)


@pytest.mark.parametrize("radius", [0, -1, np.nan, np.inf])
def test_cloud_refuses_bad_radius(radius: float) -> None:
    with pytest.raises(ValueError, match="radius must be a positive number"):
        DistributionCloud(np.zeros((2, 2)), radius=radius)
    with pytest.raises(ValueError, match="radius must be a positive number"):
        DistributionCloud(np.zeros((2, 2))).set_radius(radius)


def test_cloud_refuses_bad_axes_labels_and_time() -> None:
    with pytest.raises(TypeError, match="CoordinateSystem"):
        DistributionCloud(np.zeros((3, 2)), axes="xy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        DistributionCloud(np.zeros((3, 2)), labels=[0, 1])
    with pytest.raises(ValueError, match="time must be finite"):
        DistributionCloud(np.zeros((3, 2)), time=float("nan"))
    with pytest.raises(TypeError, match="time must be a ValueTracker or a number"):
        DistributionCloud(np.zeros((3, 2)), time="soon")  # type: ignore[arg-type]


# ---------------------------------------------------------- time outside [0, 1]
@pytest.mark.parametrize(("t", "end"), [(-0.5, 0), (-1e9, 0), (1.5, -1), (7.0, -1)])
def test_time_outside_the_run_is_clamped(traj: Trajectory, t: float, end: int) -> None:
    np.testing.assert_array_equal(traj.at(t), traj.points[end])
    assert len(traj.path_until(t)) == (1 if end == 0 else len(traj.times))
    tracker = ValueTracker(t)
    cloud = DistributionCloud(traj, time=tracker)
    np.testing.assert_array_equal(cloud.data_points(), traj.points[end])
    clamped = DistributionCloud(traj, time=float(traj.times[end]))
    np.testing.assert_array_equal(cloud.get_pixel_array(), clamped.get_pixel_array())
    field = ContourField(traj, time=tracker)
    np.testing.assert_allclose(field.density, ContourField(traj, time=traj.times[end]).density)
    TrajectoryTracer(traj, time=tracker)
    TimeBar(time=tracker)


def test_nan_tracker_time_is_refused_clearly(traj: Trajectory) -> None:
    with pytest.raises(ValueError, match="finite number"):
        DistributionCloud(traj, time=ValueTracker(float("nan")))


# --------------------------------------------------- disk full during a checkpoint
def test_disk_full_during_checkpoint_save_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = TrainConfig(steps=1, hidden=8, layers=1)
    model = DiffusionModel(MLPDenoiser(hidden=8, layers=1))
    path = tmp_path / "model.pt"
    save_checkpoint(model, config, path)
    before = path.read_bytes()

    def full_disk(obj: object, f: object, *args: object, **kwargs: object) -> None:
        f.write(b"half a checkpoint")  # type: ignore[attr-defined]
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pretrained.torch, "save", full_disk)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    with pytest.raises(OSError) as info:
        save_checkpoint(model, config, path)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]  # no temp file left
    load_checkpoint(path)


def test_failing_fsync_also_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = TrainConfig(steps=1, hidden=8, layers=1)
    model = DiffusionModel(MLPDenoiser(hidden=8, layers=1))
    path = tmp_path / "model.pt"
    save_checkpoint(model, config, path)
    before = path.read_bytes()

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pretrained.os, "fsync", no_space)
    with pytest.raises(OSError):
        save_checkpoint(model, config, tmp_path / "other.pt")
    with pytest.raises(OSError):
        save_checkpoint(model, config, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


# ---------------------------------------------------- properties: Trajectory.at
@st.composite
def trajectories(draw: st.DrawFn) -> Trajectory:
    steps = draw(st.integers(1, 6))
    n = draw(st.integers(1, 4))
    inner = draw(
        st.lists(st.floats(0.0, 1.0), min_size=steps - 1, max_size=steps - 1)
    )
    times = np.sort(np.r_[0.0, inner, 1.0])
    seed = draw(st.integers(0, 2**16))
    points = np.random.default_rng(seed).uniform(-3, 3, size=(steps + 1, n, 2))
    return Trajectory(times=times, points=points)


@given(traj=trajectories(), data=st.data())
def test_at_a_grid_time_is_that_row(traj: Trajectory, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, traj.n_steps))
    t = float(traj.times[k])
    rows = np.flatnonzero(traj.times == t)  # repeated times: the last of their rows
    np.testing.assert_allclose(traj.at(t), traj.points[rows[-1]], atol=1e-6)


def expected_at(times: np.ndarray, points: np.ndarray, t: float) -> np.ndarray:
    """The contract of ``Trajectory.at``, written out independently.

    ``t`` is clamped to ``[times[0], times[-1]]``. The row is the *last* one whose
    time is at most ``t`` (so where times repeat, the later row wins, and at the end
    time the last row is returned); between that row and the next, linear in time.
    """
    t = min(max(t, float(times[0])), float(times[-1]))
    i = max(k for k in range(len(times)) if times[k] <= t)
    if i == len(times) - 1:
        return points[i].astype(np.float64)
    span = float(times[i + 1] - times[i])
    w = 0.0 if span <= 0 else (t - float(times[i])) / span
    return (1 - w) * points[i].astype(np.float64) + w * points[i + 1].astype(np.float64)


@given(traj=trajectories(), t=st.floats(0.0, 1.0))
@example(traj=Trajectory(times=[0.0, 1.0, 1.0], points=np.arange(6.0).reshape(3, 1, 2)), t=1.0)
@example(
    traj=Trajectory(times=[0.0, 0.5, 0.5, 1.0], points=np.arange(8.0).reshape(4, 1, 2)), t=0.5
)
@example(traj=Trajectory(times=[0.0, 0.0, 1.0], points=np.arange(6.0).reshape(3, 1, 2)), t=0.0)
def test_at_lies_on_the_segment_between_rows(traj: Trajectory, t: float) -> None:
    got = traj.at(t)
    assert got.shape == (traj.n_points, 2) and np.isfinite(got).all()
    want = expected_at(traj.times, traj.points, t)
    np.testing.assert_allclose(got, want, atol=1e-5)
    # on the segment: inside the box of the rows around t
    i = max(k for k in range(len(traj.times)) if traj.times[k] <= t)
    a, b = traj.points[i], traj.points[min(i + 1, traj.n_steps)]
    assert (got >= np.minimum(a, b) - 1e-5).all() and (got <= np.maximum(a, b) + 1e-5).all()


def test_at_oracle_on_repeated_end_times() -> None:
    """The case that once failed: times [0, 1, 1], t = 1 gives the last row."""
    traj = Trajectory(times=[0.0, 1.0, 1.0], points=np.arange(6.0).reshape(3, 1, 2))
    np.testing.assert_array_equal(traj.at(1.0), traj.points[2])
    np.testing.assert_array_equal(traj.at(0.5), 0.5 * traj.points[0] + 0.5 * traj.points[1])


@given(steps=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_at_is_continuous_in_time(steps: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    times = np.sort(np.r_[0.0, rng.uniform(0, 1, steps - 1), 1.0])
    times[1:-1] = np.maximum(times[1:-1], times[:-2] + 1e-3)  # distinct times
    times = np.minimum(times / times[-1], 1.0)
    traj = Trajectory(times=times, points=rng.uniform(-3, 3, (steps + 1, 3, 2)))
    ts = np.linspace(-0.1, 1.1, 2001)
    path = np.stack([traj.at(t) for t in ts])
    jumps = np.abs(np.diff(path, axis=0)).max()
    slope = np.abs(np.diff(traj.points, axis=0)).max() / np.diff(times).min()
    assert jumps <= slope * (ts[1] - ts[0]) + 1e-5


@given(traj=trajectories(), below=st.floats(1e-9, 1e12), above=st.floats(1e-9, 1e12))
def test_at_clamps_outside_the_range(traj: Trajectory, below: float, above: float) -> None:
    np.testing.assert_array_equal(traj.at(-below), traj.at(0.0))
    np.testing.assert_array_equal(traj.at(1.0 + above), traj.at(1.0))
    np.testing.assert_array_equal(traj.at(1.0 + above), traj.points[-1])


# -------------------------------------------------- properties: data-set generators
@given(
    name=st.sampled_from(sorted(DATASETS)),
    n=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_datasets_have_the_promised_shape_and_repeat(name: str, n: int, seed: int) -> None:
    pts = make_dataset(name, n, seed=seed)
    assert pts.shape == (n, 2) and pts.dtype == np.float32
    assert np.isfinite(pts).all()
    assert (np.abs(pts) <= 2.5).all()
    np.testing.assert_array_equal(pts, make_dataset(name, n, seed=seed))


@given(n=st.integers(1, 400), seed=st.integers(0, 2**32 - 1))
def test_labelled_dataset_labels_match_points(n: int, seed: int) -> None:
    pts, labels = make_dataset("three_dots", n, seed=seed, with_labels=True)
    np.testing.assert_array_equal(pts, make_dataset("three_dots", n, seed=seed))
    assert labels.shape == (n,) and labels.dtype == np.int64
    assert set(np.unique(labels)) <= {0, 1, 2}
