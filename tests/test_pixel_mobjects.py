"""The pixel-space mobjects, the plane projection and the run cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from framecheck import check_frames
from manim import Scene, ValueTracker
from manim.mobject.types.image_mobject import AbstractImageMobject

from manim_diffusion.analysis.branching import branch
from manim_diffusion.analysis.projection import PlaneProjection
from manim_diffusion.apps.mnist.branching_grid import BranchingGrid
from manim_diffusion.engine import DiagonalGaussian, Trajectory, get_schedule, sample
from manim_diffusion.io.run_cache import cached_run
from manim_diffusion.mobjects.image_trajectory import ImageTrajectory, model_to_rgba
from manim_diffusion.mobjects.noised_image import ImageForwardProcess, NoisedImage
from manim_diffusion.mobjects.pixel_squares import PixelSquares

SIDE = 12


def _truth() -> DiagonalGaussian:
    yy, xx = np.mgrid[-1:1:SIDE * 1j, -1:1:SIDE * 1j]
    ring = np.exp(-((np.hypot(xx, yy) - 0.6) / 0.2) ** 2) * 2 - 1
    return DiagonalGaussian(ring[None], var=0.01 + 0.05 * (xx**2)[None], schedule="cosine")


def _run(n: int = 4) -> Trajectory:
    return sample(_truth(), "ddim", 12, n=n, seed=0)


def _picture() -> np.ndarray:
    y, x = np.mgrid[0:1:24j, 0:1:32j]
    return np.stack([x, y, 1 - x], axis=-1)  # (24, 32, 3) in [0, 1]


@pytest.mark.parametrize("t", [0.5, 1.0])
def test_image_trajectory_frames(request: pytest.FixtureRequest, tmp_path: Path,
                                 t: float) -> None:
    run = _run()

    def construct(scene: Scene) -> None:
        scene.add(ImageTrajectory(run, time=t, views=("x", "eps", "x0"), schedule="cosine",
                                  columns=2, tile_height=1.4))

    check_frames(request, tmp_path, construct)


def test_image_trajectory_tiles_are_the_run_at_the_time_in_one_image() -> None:
    run = _run()
    t = ValueTracker(0.4)
    mob = ImageTrajectory(run, time=t, views=("x", "eps", "x0"), schedule="cosine")
    images = [m for m in mob.get_family() if isinstance(m, AbstractImageMobject)]
    assert len(images) == 1  # every tile of the frame in one image mobject
    schedule = get_schedule("cosine")
    for time in (0.0, 0.4, 0.77):
        t.set_value(time)
        mob.update()
        x, x0 = run.at(time), run.at(time, "predictions")
        eps = (x - schedule.alpha(time) * x0) / schedule.sigma(time)
        for i in (0, 3):
            np.testing.assert_array_equal(mob.tile_rgba(i, "x"), model_to_rgba(x[i]))
            np.testing.assert_array_equal(mob.tile_rgba(i, "x0"), model_to_rgba(x0[i]))
            np.testing.assert_array_equal(mob.tile_rgba(i, "eps"), model_to_rgba(eps[i], -3, 3))
    with pytest.raises(ValueError, match="schedule"):
        ImageTrajectory(run, views=("eps",))
    with pytest.raises(ValueError, match="DistributionCloud"):
        ImageTrajectory(Trajectory(times=[0, 1], points=np.zeros((2, 3, 2))))


def test_noised_image_keeps_one_noise_and_returns_the_picture() -> None:
    t = ValueTracker(1.0)
    mob = NoisedImage(_picture(), "linear", time=t, mode="rgb", seed=3)
    np.testing.assert_array_equal(mob.get_pixel_array(), model_to_rgba(mob.x0))
    schedule = get_schedule("linear")
    for time in (0.7, 0.2):
        t.set_value(time)
        mob.update()
        expect = schedule.alpha(time) * mob.x0 + schedule.sigma(time) * mob.eps
        np.testing.assert_array_equal(mob.get_pixel_array(), model_to_rgba(expect))
    t.set_value(1.0)
    mob.update()
    np.testing.assert_array_equal(mob.get_pixel_array(), model_to_rgba(mob.x0))
    again = NoisedImage(_picture(), "linear", time=0.5, mode="rgb", seed=3)
    np.testing.assert_array_equal(again.eps, mob.eps)  # the seed decides the noise


def test_image_forward_process_frames(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 12:16] = 255

    def construct(scene: Scene) -> None:
        process = ImageForwardProcess([digit, _picture()], "cosine", time=0.6, mode="rgb",
                                      titles=["bar", "gradient"], height=2.0)
        scene.add(process.move_to([0, 0, 0]))

    check_frames(request, tmp_path, construct)


def test_image_forward_process_follows_one_tracker() -> None:
    t = ValueTracker(1.0)
    process = ImageForwardProcess([_picture(), _picture()], "cosine", time=t, mode="rgb")
    t.set_value(0.3)
    process.update()
    assert process.plot is not None and process.plot.get_time() == pytest.approx(0.3)
    for picture in process.pictures:
        assert picture.get_time() == pytest.approx(0.3)
        expect = model_to_rgba(picture.noisy(0.3))
        np.testing.assert_array_equal(picture.get_pixel_array(), expect)
    a, b = process.pictures
    assert not np.array_equal(a.eps, b.eps)  # each picture its own noise


def test_pixel_squares_line_up_in_reading_order(request: pytest.FixtureRequest,
                                                tmp_path: Path) -> None:
    image = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    squares = PixelSquares(image, side=0.5)
    assert len(squares) == 12
    column = squares.as_column(length=6.0)
    ys = [sq.get_center()[1] for sq in column]
    assert all(a > b for a, b in zip(ys, ys[1:], strict=False))  # top to bottom
    fills = [sq.get_fill_color().to_hex().lower() for sq in column]
    assert fills == [f"#{v:02x}{v:02x}{v:02x}" for v in image.ravel()]
    assert column.height == pytest.approx(6.0, abs=0.01)

    def construct(scene: Scene) -> None:
        scene.add(PixelSquares(image, side=0.8).shift([-3, 0, 0]),
                  PixelSquares(image, side=0.8).as_column(length=5).shift([3, 0, 0]))

    check_frames(request, tmp_path, construct)


def test_plane_projection_random_and_pca() -> None:
    rng = np.random.default_rng(0)
    data = rng.standard_normal((500, 1, 4, 4)) * np.linspace(0.1, 3, 16).reshape(1, 1, 4, 4)
    pca = PlaneProjection.pca(data)
    flat = data.reshape(500, -1)
    w, v = np.linalg.eigh(np.cov(flat.T))
    top = v[:, ::-1][:, :2].T
    assert np.allclose(np.abs(np.sum(pca.directions * top, axis=1)), 1.0, atol=1e-6)
    rand = PlaneProjection.random((1, 4, 4), seed=2)
    assert np.allclose(rand.directions @ rand.directions.T, np.eye(2))
    run = sample(DiagonalGaussian(np.zeros((1, 4, 4)), 1.0), "ddim", 5, n=7)
    seen = pca.trajectory(run)
    assert seen.points.shape == (6, 7, 2)
    np.testing.assert_allclose(seen.points[2, 3], (run.points[2, 3].ravel() - pca.centre)
                               @ pca.directions.T, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="16 values"):
        pca(np.zeros((3, 5)))


def test_branching_grid_on_pixel_branches(request: pytest.FixtureRequest,
                                          tmp_path: Path) -> None:
    truth = _truth()
    tree = branch(truth, "ddim", 20, branch_times=(0.2, 0.7), k=3, seed=1, eta=1.0)
    assert tree.branches.shape == (2, 3, 21, 1, SIDE, SIDE) and tree.spread.shape == (2,)
    def to_unit(x):  # noqa: E306
        return np.clip((np.asarray(x) + 1) / 2, 0, 1)[:, 0]
    row = 10  # a grid time between the two branch times
    t = ValueTracker(float(tree.trunk.times[row]))
    grid = BranchingGrid(tree, to_unit, time=t, tile_height=0.9)
    visible = grid.visible()
    assert visible[0].all() and not visible[1].any()
    np.testing.assert_allclose(grid.latents()[0, 1], tree.branches[0, 1, row], atol=1e-6)
    np.testing.assert_allclose(grid.images[0, 1], to_unit(tree.branches[0, 1, row][None])[0],
                               atol=1e-6)
    t.set_value(1.0)
    grid.update()
    np.testing.assert_allclose(grid.images[1, 2], to_unit(tree.ends[1, 2][None])[0], atol=1e-6)
    promoted = tree.promote(0, 1)
    np.testing.assert_array_equal(promoted.trunk.points[:, 0], tree.branches[0, 1])

    def construct(scene: Scene) -> None:
        scene.add(BranchingGrid(tree, to_unit, time=0.8, tile_height=1.0))

    check_frames(request, tmp_path, construct)


def test_cached_run_samples_once_and_replaces_a_damaged_file(tmp_path: Path) -> None:
    calls = []

    def make() -> Trajectory:
        calls.append(1)
        return _run(2)

    key = {"model": "abc", "steps": 12, "n": 2}
    first = cached_run(key, make, tmp_path)
    (file,) = tmp_path.iterdir()
    second = cached_run(key, make, tmp_path)
    assert len(calls) == 1 and np.array_equal(first.points, second.points)
    cached_run({**key, "n": 3}, make, tmp_path)
    assert len(calls) == 2 and len(list(tmp_path.iterdir())) == 2  # another key, another run
    file.write_bytes(b"not a run")
    third = cached_run(key, make, tmp_path)
    assert len(calls) == 3 and np.array_equal(third.points, first.points)
    assert np.array_equal(Trajectory.load(file).points, first.points)  # replaced
    assert not list(tmp_path.glob(".*.tmp"))
