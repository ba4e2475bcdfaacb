"""Langevin Monte Carlo: the sampler against known densities, its errors, and its mobjects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import ring_trajectory
from framecheck import check_frames
from manim import LEFT, Axes, Scene, ValueTracker, tempconfig

from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.data.datasets import smiley
from manim_diffusion.densities import (
    Density,
    FunctionDensity,
    GaussianMixture,
    LangevinRun,
    MixtureDensity,
    langevin_walk,
    smiley_density,
)
from manim_diffusion.mobjects.heatmap import DensityHeatmap
from manim_diffusion.mobjects.langevin import LangevinWalker

Z = 4.0  # two-sided tolerance in standard errors


def two_blobs() -> GaussianMixture:
    """Two overlapping components: walkers hop between them within a few hundred steps."""
    return GaussianMixture(means=np.array([[-0.8, 0.0], [0.8, 0.4]]),
                           stds=np.array([0.5, 0.6]), weights=np.array([0.4, 0.6]))


def far_blobs() -> GaussianMixture:
    return GaussianMixture(means=np.array([[-1.5, 0.0], [1.5, 0.5]]), stds=0.3)


# ------------------------------------------------------------ long-run moments
@pytest.mark.parametrize(("temperature", "ratio"), [(1.0, 1.0), (2.0, 2.0)])
def test_gaussian_1d_moments(temperature: float, ratio: float) -> None:
    """4,000 independent walkers on N(1.5, 0.7^2): mean and variance of the last state.

    The step (a hundredth of the variance) biases the variance by +0.5% (a quarter of
    a standard error); at temperature T the walkers sample p^(1/T): variance T s^2.
    """
    mu, s2, n = 1.5, 0.49, 4000
    gm = GaussianMixture(means=np.array([[mu]]), stds=np.array([np.sqrt(s2)]))
    run = langevin_walk(gm, n=n, steps=800, step_size=0.01 * s2, temperature=temperature,
                        seed=1, record_every=800)
    x = run.final[:, 0].astype(np.float64)
    var = ratio * s2 / (1 - 0.01 * ratio / 2)  # unadjusted Langevin's exact stationary value
    assert abs(x.mean() - mu) < Z * np.sqrt(var / n)
    assert abs(x.var(ddof=1) - var) < Z * var * np.sqrt(2 / (n - 1))


def test_large_step_bias_matches_theory() -> None:
    """With step = s^2 / 2 the variance is s^2 / (1 - 1/4): 33% too wide, as predicted."""
    s2, n = 0.49, 4000
    gm = GaussianMixture(means=np.zeros((1, 1)), stds=np.array([np.sqrt(s2)]))
    x = langevin_walk(gm, n=n, steps=300, step_size=0.5 * s2, seed=2).final[:, 0]
    predicted = s2 / (1 - 0.25)
    se = predicted * np.sqrt(2 / (n - 1))
    assert abs(x.var(ddof=1) - predicted) < Z * se
    assert x.var(ddof=1) - s2 > 10 * se  # the bias is real, not noise


def test_mixture_2d_moments() -> None:
    """A two-component 2D mixture: mean, variances and the weight of each side.

    Started far too wide (scale 2); 800 steps are several mixing times. Standard
    errors come from the walkers' own fourth moments (the mixture is not Gaussian);
    the step's bias (about +1% in variance) is allowed for.
    """
    density = MixtureDensity(two_blobs())
    mean, cov = density.moments()
    n = 4000
    x = langevin_walk(density, n=n, steps=800, step_size=0.005, seed=3,
                      record_every=100, start_scale=2.0).final.astype(np.float64)
    assert np.all(np.abs(x.mean(0) - mean) < Z * np.sqrt(np.diag(cov) / n))
    var = x.var(0, ddof=1)
    se = np.sqrt(((((x - x.mean(0)) ** 2) - var) ** 2).mean(0) / n)
    assert np.all(np.abs(var - np.diag(cov)) < Z * se + 0.02 * np.diag(cov))
    exact = density.sample(200_000, seed=4)
    p = (exact[:, 0] > 0).mean()
    assert abs((x[:, 0] > 0).mean() - p) < Z * np.sqrt(p * (1 - p) / n)


def test_gradient_ascent_collapses_to_the_modes() -> None:
    gm = far_blobs()
    run = langevin_walk(gm, n=500, steps=200, step_size=0.02, noise=False, seed=5,
                        start_scale=2.0)
    dist = np.linalg.norm(run.final[:, None] - gm.means.numpy()[None], axis=2)
    assert dist.min(axis=1).max() < 1e-3
    assert set(np.bincount(dist.argmin(axis=1), minlength=2) > 50) == {True}
    assert not run.kicks.any() and run.trajectory.sampler == "gradient_ascent"


# ---------------------------------------------------------------- the record
def test_run_record_is_consistent_and_seeded() -> None:
    gm = two_blobs()
    a = langevin_walk(gm, n=50, steps=25, step_size=0.01, seed=7, record_every=4)
    b = langevin_walk(gm, n=50, steps=25, step_size=0.01, seed=7, record_every=4)
    c = langevin_walk(gm, n=50, steps=25, step_size=0.01, seed=8, record_every=4)
    traj = a.trajectory
    np.testing.assert_array_equal(traj.steps, [0, 4, 8, 12, 16, 20, 24, 25])
    np.testing.assert_allclose(traj.times, traj.steps / 25)
    assert traj.points.shape == (8, 50, 2) and a.drift.shape == a.kicks.shape == (7, 50, 2)
    np.testing.assert_allclose(traj.points[1:] - traj.points[:-1], a.drift + a.kicks,
                               atol=1e-5)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.allclose(a.points[1:], c.points[1:])
    thin = a.thin(3)
    np.testing.assert_allclose(thin.points[1:] - thin.points[:-1], thin.drift + thin.kicks,
                               atol=1e-5)
    assert a.subset([0, 3]).drift.shape == (7, 2, 2)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"step_size": 0.0}, "step_size"),
        ({"step_size": -0.1}, "step_size"),
        ({"step_size": float("nan")}, "step_size"),
        ({"step_size": float("inf")}, "step_size"),
        ({"step_size": 0.5}, "too large"),
        ({"x_start": np.array([[0.0, np.nan]])}, "NaN"),
        ({"x_start": np.zeros((3, 3))}, "shape"),
        ({"x_start": np.zeros(2)}, "shape"),
        ({"x_start": np.zeros((3, 2)), "n": 3}, "either"),
        ({"x_start": torch.zeros(3, 3)}, "shape"),
        ({"n": None}, "either"),
        ({"steps": 0}, "steps"),
        ({"record_every": 0}, "record_every"),
        ({"temperature": -1.0}, "temperature"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    args = {"steps": 5, "step_size": 0.01, **({} if "x_start" in kwargs else {"n": 10}),
            **kwargs}
    if args.get("n", 0) is None:
        del args["n"]
    with pytest.raises(ValueError, match=match):
        langevin_walk(far_blobs(), **args)


def test_divergence_and_bad_scores_are_reported() -> None:
    repulsive = FunctionDensity(lambda x: 0.5 * (x**2).sum(1))  # score x: walkers fly off
    with pytest.raises(ValueError, match="diverged|not finite|NaN"):
        langevin_walk(repulsive, n=4, steps=2000, step_size=1.0)
    with pytest.raises(ValueError, match="shape"):
        langevin_walk(FunctionDensity(lambda x: x), n=4, steps=2, step_size=0.1)


# ------------------------------------------------------------------- densities
def test_function_density_autograd_matches_gaussian_score() -> None:
    mu = torch.tensor([0.3, -1.0], dtype=torch.float64)
    cov = torch.tensor([[1.0, 0.6], [0.6, 2.0]], dtype=torch.float64)
    prec = torch.linalg.inv(cov)

    def log_p(x: torch.Tensor) -> torch.Tensor:
        d = x - mu
        return -0.5 * ((d @ prec) * d).sum(1)

    density = FunctionDensity(log_p)
    assert isinstance(density, Density)
    x = np.random.default_rng(0).normal(size=(64, 2))
    np.testing.assert_allclose(density.score(x), -(x - mu.numpy()) @ prec.numpy(), atol=1e-12)
    assert isinstance(density.score(torch.as_tensor(x)), torch.Tensor)
    np.testing.assert_allclose(density.log_prob(x), log_p(torch.as_tensor(x)).numpy())


@pytest.mark.parametrize("t", [0.5, 1.0])
def test_mixture_score_is_exact(t: float) -> None:
    """The score matches finite differences of log_prob, and the engine's at t < 1."""
    gm = two_blobs()
    density = MixtureDensity(gm, t)
    x = np.random.default_rng(1).normal(size=(32, 2))
    score = density.score(x)
    h = 1e-6
    fd = np.stack([(density.log_prob(x + h * e) - density.log_prob(x - h * e)) / (2 * h)
                   for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(score, fd, atol=1e-6)
    np.testing.assert_allclose(density.log_prob(x), gm.log_density(x, t), atol=1e-10)
    if t < 1:
        ref = gm.predict(torch.as_tensor(x), t).score.numpy()
        np.testing.assert_allclose(score, ref, rtol=1e-8, atol=1e-8)
    assert np.isfinite(MixtureDensity(smiley_density(), 1.0).score(x * 50)).all()


def _smiley_distance(p: np.ndarray) -> np.ndarray:
    """Distance of points (N, 2) to the smiley's curves and eye discs."""
    face = np.abs(np.linalg.norm(p, axis=1) - 1.9)
    eyes = [np.maximum(0, np.linalg.norm(p - c, axis=1) - 0.2) for c in ((-0.65, 0.55),
                                                                           (0.65, 0.55))]
    q = p - np.array([0.0, 0.15])
    angle = np.mod(np.arctan2(q[:, 1], q[:, 0]), 2 * np.pi)
    on_arc = (angle >= 1.15 * np.pi) & (angle <= 1.85 * np.pi)
    ends = np.array([[np.cos(a), np.sin(a)] for a in (1.15 * np.pi, 1.85 * np.pi)]) * 1.1
    to_ends = np.linalg.norm(q[:, None] - ends[None], axis=2).min(axis=1)
    mouth = np.where(on_arc, np.abs(np.linalg.norm(q, axis=1) - 1.1), to_ends)
    return np.min([face, *eyes, mouth], axis=0)


def test_smiley_density_lies_on_the_smiley() -> None:
    width = 0.08
    gm = smiley_density(width)
    data = smiley(2000, seed=0).astype(np.float64)  # the data set has the same geometry
    assert np.quantile(_smiley_distance(data), 0.99) < 0.15
    exact = MixtureDensity(gm).sample(4000, seed=0)
    assert np.mean(_smiley_distance(exact) < 4 * width) > 0.995
    run = langevin_walk(gm, n=600, steps=120, step_size=0.002, seed=0, start_scale=1.0,
                        record_every=120)
    assert np.mean(_smiley_distance(run.final) < 4 * width) > 0.98
    face = np.abs(np.linalg.norm(exact, axis=1) - 1.9) < 4 * width
    assert abs(face.mean() - 0.45) < 0.03  # the data set's share of the outline


# --------------------------------------------------------------------- mobjects
def small_run() -> LangevinRun:
    return langevin_walk(far_blobs(), n=400, steps=60, step_size=0.01, seed=0,
                         start_scale=1.5)


@pytest.mark.parametrize("t", [0.1, 1.0])
def test_langevin_walker(request: pytest.FixtureRequest, tmp_path: Path, t: float) -> None:
    run = small_run()

    def construct(scene: Scene) -> None:
        ax = Axes(x_range=[-3, 3, 1], y_range=[-3, 3, 1], x_length=5, y_length=5,
                  tips=False).shift(2 * LEFT)
        scene.add(ax, LangevinWalker(run, time=ValueTracker(t), axes=ax, radius=0.03,
                                     shown=[0, 2], arrows=True, arrow_scale=4,
                                     histogram=True, histogram_config={"bins": 40}))

    check_frames(request, tmp_path, construct)


@pytest.mark.parametrize("t", [0.85])
def test_density_heatmap(request: pytest.FixtureRequest, tmp_path: Path, t: float) -> None:
    def construct(scene: Scene) -> None:
        ax = Axes(x_range=[-3, 3, 1], y_range=[-3, 3, 1], x_length=5, y_length=5,
                  tips=False).shift(3 * LEFT)
        scene.add(DensityHeatmap(two_blobs(), time=ValueTracker(t), axes=ax), ax)
        ax2 = Axes(x_range=[-3, 3, 1], y_range=[-3, 3, 1], x_length=3, y_length=3,
                   tips=False).shift(3.5 * (-LEFT))
        scene.add(DensityHeatmap(ring_trajectory(1000), time=t, axes=ax2, gamma=0.5,
                                 colorbar_config={"label": "estimate"}))

    check_frames(request, tmp_path, construct)


@pytest.fixture
def small_frame():
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "frame_rate": 15}):
        yield


@pytest.mark.usefixtures("small_frame")
@pytest.mark.parametrize("t", [0.0, 1.0])
def test_heatmap_never_nan(t: float) -> None:
    sources = [two_blobs(), smiley_density(), smiley_density(width=1e-3, spacing=0.05),
               ring_trajectory(500), MixtureDensity(far_blobs()),
               FunctionDensity(lambda x: torch.where(x[:, 0] > 0, 0.0, -torch.inf))]
    for source in sources:
        heat = DensityHeatmap(source, time=t, resolution=60)
        assert np.isfinite(heat.values).all() and heat.values.min() >= 0
        pixels = heat.image.get_pixel_array()
        assert pixels.shape == (heat.grid.ny, heat.grid.nx, 4) and pixels.dtype == np.uint8
        assert max(pixels.shape[:2]) == 60
    with pytest.raises(ValueError, match="spacing"):
        smiley_density(width=1e-3)


@pytest.mark.usefixtures("small_frame")
def test_walker_arrows_end_at_the_next_point() -> None:
    run = small_run()
    tracker = ValueTracker(0.0)
    walker = LangevinWalker(run, time=tracker, shown=[3], arrows=True, histogram=True)
    for t, row in [(0.0, 0), (0.5, 30), (0.51, 30)]:
        tracker.set_value(t)
        walker.refresh()
        tip = walker.kick_arrows[1].points[0, :2]  # the kick's tip (scene = data units)
        np.testing.assert_allclose(tip, run.points[row + 1, 3], atol=1e-5)
    counts = walker.visited_counts()
    tracker.set_value(1.0)
    walker.update()
    assert walker.visited_counts().sum() >= counts.sum() > 0
    with pytest.raises(ValueError, match="LangevinRun"):
        LangevinWalker(run.trajectory, arrows=True, shown=[0])


# ------------------------------------------------------------ one mixture class
def _exact_clean_score(gm: GaussianMixture, x: np.ndarray) -> np.ndarray:
    """sum_k r_k(x) (mu_k - x) / s_k^2, written out independently of the library."""
    mu, s2, w = gm.means.numpy(), gm.stds.numpy() ** 2, gm.weights.numpy()
    d2 = ((x[:, None] - mu[None]) ** 2).sum(-1)
    log_r = np.log(w) - 0.5 * d2 / s2 - 0.5 * x.shape[1] * np.log(2 * np.pi * s2)
    r = np.exp(log_r - log_r.max(1, keepdims=True))
    r /= r.sum(1, keepdims=True)
    return (r[..., None] * (mu[None] - x[:, None]) / s2[None, :, None]).sum(1)


@pytest.mark.parametrize("t", [0.3, 1.0])
def test_mixture_density_is_the_mixture_frozen_at_one_time(t: float) -> None:
    """MixtureDensity is a view of GaussianMixture: the same numbers, and the old answers."""
    gm = two_blobs()
    x = np.random.default_rng(2).normal(size=(64, 2))
    frozen = MixtureDensity(gm, t)
    assert not isinstance(frozen, GaussianMixture)  # heat maps tell the two apart
    assert isinstance(gm.at(t), MixtureDensity) and gm.at(t).t == t
    np.testing.assert_array_equal(frozen.log_prob(x), gm.log_prob(x, t))
    np.testing.assert_array_equal(frozen.score(x), gm.score(x, t))
    np.testing.assert_array_equal(frozen.density(x), np.exp(gm.log_prob(x, t)))
    np.testing.assert_array_equal(frozen.sample(300, seed=3), gm.sample(300, seed=3, t=t))
    np.testing.assert_allclose(gm.log_prob(x, t), gm.log_density(x, t), atol=1e-10)
    if t == 1.0:
        np.testing.assert_allclose(gm.score(x, t), _exact_clean_score(gm, x), atol=1e-10)
        np.testing.assert_array_equal(gm.log_prob(x), gm.log_prob(x, 1.0))  # t = 1 by default
    else:
        ref = gm.predict(torch.as_tensor(x), t).score.numpy()
        np.testing.assert_allclose(gm.score(x, t), ref, rtol=1e-8, atol=1e-8)
    assert isinstance(gm, Density) and gm.dim == frozen.dim == 2
    scored = gm.score(torch.as_tensor(x, dtype=torch.float32), t)
    assert isinstance(scored, torch.Tensor) and scored.dtype == torch.float32
    with pytest.raises(ValueError, match="library time"):
        gm.log_prob(x, 1.5)


def test_a_walk_on_the_mixture_is_a_walk_on_its_clean_density() -> None:
    gm = two_blobs()
    a = langevin_walk(gm, n=30, steps=20, step_size=0.01, seed=4)
    b = langevin_walk(MixtureDensity(gm, 1.0), n=30, steps=20, step_size=0.01, seed=4)
    np.testing.assert_array_equal(a.points, b.points)
    np.testing.assert_array_equal(a.drift, b.drift)
    assert a.meta == b.meta and a.meta["density"] == "MixtureDensity(K=2, D=2, t=1.0)"


# --------------------------------------------------------- one smiley geometry
def test_the_smiley_and_three_dots_geometry_is_shared() -> None:
    """The data sets and the exact densities read the same constants (one place)."""
    import manim_diffusion.data.datasets as datasets
    import manim_diffusion.densities.smiley as smiley_module
    from manim_diffusion.data import geometry

    smiley_names = ["FACE_RADIUS", "EYE_CENTRES", "EYE_RADIUS", "MOUTH_CENTRE",
                    "MOUTH_RADIUS", "MOUTH_ANGLES", "SMILEY_SHARES"]
    for name in smiley_names:
        assert getattr(datasets, name) is getattr(geometry, name), name
        assert getattr(smiley_module, name) is getattr(geometry, name), name
    for name in ["THREE_DOTS_CENTRES", "THREE_DOTS_STD"]:
        assert getattr(datasets, name) is getattr(geometry, name), name
    np.testing.assert_array_equal(GaussianMixture.three_dots().means.numpy(),
                                  geometry.THREE_DOTS_CENTRES)
    np.testing.assert_array_equal(GaussianMixture.three_dots().stds.numpy(),
                                  geometry.THREE_DOTS_STD)
    # the density's components sit on the geometry's curves, with its shares
    gm = smiley_density(width=0.1)
    means, w = gm.means.numpy(), gm.weights.numpy()
    face = np.isclose(np.linalg.norm(means, axis=1), geometry.FACE_RADIUS)
    eyes = [np.linalg.norm(means - c, axis=1) <= geometry.EYE_RADIUS + 1e-9
            for c in geometry.EYE_CENTRES]
    q = means - np.array(geometry.MOUTH_CENTRE)
    mouth = np.isclose(np.linalg.norm(q, axis=1), geometry.MOUTH_RADIUS) & (q[:, 1] < 0)
    parts = [face, *eyes, mouth]
    assert np.all(np.sum(parts, axis=0) == 1)  # every component in exactly one part
    np.testing.assert_allclose([w[p].sum() for p in parts], geometry.SMILEY_SHARES)


# ------------------------------------------------- the walk's Trajectory record
def test_a_walk_is_a_trajectory_with_its_steps_as_extra_arrays(tmp_path: Path) -> None:
    run = langevin_walk(two_blobs(), n=20, steps=12, step_size=0.01, seed=1, record_every=5)
    assert isinstance(run, Trajectory) and set(run.extras) == {"drift", "kicks"}
    assert run.extras["drift"] is run.drift and run.kicks.shape == (3, 20, 2)
    np.testing.assert_allclose(run.points[1:] - run.points[:-1], run.drift + run.kicks,
                               atol=1e-5)
    plain = run.trajectory  # a plain Trajectory of the same arrays (no arrows from it)
    assert type(plain) is Trajectory and plain.points is run.points
    assert plain.extras["kicks"] is run.kicks
    sub = run.subset(np.array([1, 4]))
    assert isinstance(sub, LangevinRun) and sub.step_size == run.step_size
    np.testing.assert_array_equal(sub.drift, run.drift[:, [1, 4]])
    thin = run.thin(2)  # rows 0, 2, 3 of the steps 0, 5, 10, 12: steps 0+1 merge
    assert isinstance(thin, LangevinRun) and thin.drift.dtype == np.float32
    np.testing.assert_array_equal(
        thin.drift[0], (run.drift[0].astype(np.float64) + run.drift[1]).astype(np.float32))
    np.testing.assert_array_equal(thin.kicks[1], run.kicks[2])
    np.testing.assert_array_equal(plain.thin(2).extras["drift"], thin.drift)
    path = run.save(tmp_path / "walk.npz")
    back = LangevinRun.load(path)
    assert (back.step_size, back.temperature, back.noise) == (0.01, 1.0, True)
    np.testing.assert_array_equal(back.kicks, run.kicks)
    np.testing.assert_array_equal(Trajectory.load(path).extras["drift"], run.drift)
    with pytest.raises(ValueError, match="not a Langevin walk"):
        LangevinRun.from_trajectory(ring_trajectory(10))


def test_trajectory_extras_follow_subset_thin_and_save(tmp_path: Path) -> None:
    times = np.linspace(0, 1, 5)
    points = np.arange(5 * 3 * 2, dtype=np.float32).reshape(5, 3, 2)
    per_row = np.arange(5 * 3).reshape(5, 3)  # a value at every row
    per_step = np.ones((4, 3, 2))  # what happened over each step
    traj = Trajectory(times=times, points=points, extras={"row": per_row, "step": per_step})
    thin = traj.thin(3)  # rows 0, 3, 4
    np.testing.assert_array_equal(thin.extras["row"], per_row[[0, 3, 4]])
    np.testing.assert_array_equal(thin.extras["step"][:, 0, 0], [3.0, 1.0])
    np.testing.assert_array_equal(traj.subset(np.array([2])).extras["row"], per_row[:, [2]])
    back = Trajectory.load(traj.save(tmp_path / "t.npz"))
    assert set(back.extras) == {"row", "step"}
    np.testing.assert_array_equal(back.extras["row"], per_row)
    assert Trajectory(times=times, points=points).extras == {}
    with pytest.raises(ValueError, match="extra array 'bad'"):
        Trajectory(times=times, points=points, extras={"bad": np.zeros((3, 3))})
