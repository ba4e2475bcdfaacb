"""Log-likelihood through the probability-flow ODE, against densities known in closed form.

Gaussian data (one-component mixtures in 2D and 3D, diagonal Gaussians of points and
of small images) has an exact log-density at every t; so has the three-dots mixture.
The ODE's answer must equal it, its error must fall with the steps, Hutchinson's
estimate must be unbiased, and the log-density along a sampling path must match the
mixture's at every recorded time. The heat map is checked against the same numbers
and by frame comparison.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from framecheck import check_frames
from manim import DOWN, LEFT, RIGHT, UP, Axes, Group, Scene, Text, ValueTracker

from manim_diffusion import load_pretrained
from manim_diffusion.analysis.fields import grid_points
from manim_diffusion.analysis.likelihood import (
    LIKELIHOOD_SOLVERS,
    gaussian_prior_log_prob,
    log_density_along,
    ode_log_likelihood,
)
from manim_diffusion.core.prediction import Prediction
from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.densities.gaussian_images import DiagonalGaussian
from manim_diffusion.densities.mixture import GaussianMixture
from manim_diffusion.mobjects.likelihood_heatmap import LikelihoodHeatmap
from manim_diffusion.samplers.sample import sample

GRID = grid_points((-2.5, 2.5), (-2.5, 2.5), density=15)


def quiet(*args: Any, **kwargs: Any) -> Any:
    return ode_log_likelihood(*args, progress=False, **kwargs)


def diagonal_log_density(mean: np.ndarray, var: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log N(x; mean, diag(var)) for points of any shape, summed over each point's values."""
    n = len(x)
    z = ((x - mean) ** 2 / var).reshape(n, -1).sum(1)
    return -0.5 * z - 0.5 * np.log(2 * np.pi * np.broadcast_to(var, mean.shape)).sum()


class ExactPrior:
    """The exact t = 0 marginal of a DiagonalGaussian (its alpha(0) x_data term kept)."""

    def __init__(self, truth: DiagonalGaussian) -> None:
        self.mean, self.var = truth.moments(0.0)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return diagonal_log_density(self.mean, self.var, x)


class Counting:
    """A predictor that counts its predict calls (and may claim several evals per call)."""

    def __init__(self, inner: Any, evals_per_call: int = 1) -> None:
        self.inner, self.evals_per_call, self.calls = inner, evals_per_call, 0
        self.schedule = inner.schedule

    @property
    def dim(self) -> Any:
        return self.inner.dim

    def predict(self, x: torch.Tensor, t: Any) -> Prediction:
        self.calls += 1
        return self.inner.predict(x, t)


# ------------------------------------------------------------ Gaussian data
@pytest.mark.parametrize("mean", [[0.5, -0.3], [0.3, -0.2, 0.5]], ids=["2d", "3d"])
def test_one_gaussian_on_the_flow_equals_its_log_density(mean: list[float]) -> None:
    """Rectified flow: alpha(0) = 0, so the prior is exact and only the solver can err."""
    gm = GaussianMixture(means=[mean], stds=0.6, schedule="flow")
    x = np.concatenate([gm.sample(60, seed=0), 3.0 * np.ones((1, len(mean)))])
    res = quiet(gm, x, steps=16, solver="rk4")
    assert np.abs(res.log_prob - gm.log_prob(x)).max() < 1e-4
    assert np.allclose(res.log_prob, res.prior_log_prob - res.delta)
    # the ODE of one Gaussian is affine: it carries x to where ode_map's inverse says
    assert np.allclose(gm.ode_map(res.noise), x, atol=1e-4)


def test_one_gaussian_on_ddpm_schedule_with_and_without_the_exact_prior() -> None:
    """Linear betas: the default prior N(0, sigma(0)^2) drops alpha(0) = 0.0066 of data."""
    gm = GaussianMixture(means=[[1.0, -0.5]], stds=0.4, schedule="linear")
    x = gm.sample(80, seed=1)
    exact = gm.log_prob(x)
    tight = quiet(gm, x, steps=32, solver="rk4", prior=gm.at(0.0))
    assert np.abs(tight.log_prob - exact).max() < 2e-3
    default = quiet(gm, x, steps=32, solver="rk4")
    gap = np.abs(default.log_prob - exact)
    assert gap.max() < 0.05 and gap.mean() > np.abs(tight.log_prob - exact).mean()


def test_diagonal_gaussian_points_equal_its_log_density() -> None:
    truth = DiagonalGaussian(np.array([0.5, -0.3]), np.array([0.3, 1.5]))
    x = truth.sample(100, seed=0).astype(np.float64)
    exact = diagonal_log_density(truth.mean.numpy(), truth.var.numpy(), x)
    res = quiet(truth, x, steps=32, solver="rk4", prior=ExactPrior(truth))
    assert np.abs(res.log_prob - exact).max() < 2e-3


def test_hutchinson_is_exact_where_the_jacobian_is_diagonal() -> None:
    """An image Gaussian's velocity acts pixel by pixel: z^T J z = tr J for z of +-1."""
    rng = np.random.default_rng(0)
    truth = DiagonalGaussian(0.5 * rng.normal(size=(1, 6, 6)), 0.2 + rng.random((1, 6, 6)),
                             schedule="flow")
    x = truth.sample(12, seed=0).astype(np.float64)
    exact = diagonal_log_density(truth.mean.numpy(), truth.var.numpy(), x)
    hutch = quiet(truth, x, steps=16, solver="rk4", divergence="hutchinson", seed=3)
    full = quiet(truth, x, steps=16, solver="rk4")
    assert np.allclose(hutch.log_prob, full.log_prob, atol=1e-9)
    assert np.abs(hutch.log_prob - exact).max() < 1e-3
    assert full.backward == 36 * full.nfe and hutch.backward == hutch.nfe
    assert np.allclose(hutch.bits_per_dim, -hutch.log_prob / (36 * np.log(2)))


# ------------------------------------------------------ the three-dots mixture
@pytest.mark.parametrize("schedule", ["flow", "linear"])
def test_three_dots_error_is_small_and_falls_with_steps(schedule: str) -> None:
    gm = GaussianMixture.three_dots(schedule=schedule)
    exact = gm.log_prob(GRID)
    errors = [np.abs(quiet(gm, GRID, steps=s).log_prob - exact).mean() for s in (8, 16, 32)]
    assert errors[0] > errors[1] > errors[2], errors
    assert errors[2] < 0.12 and errors[0] > 5 * errors[2], errors


def test_intermediate_times_match_the_noised_mixture() -> None:
    gm = GaussianMixture.three_dots(schedule="flow")
    for t in (0.4, 0.8):
        res = quiet(gm, GRID, t, steps=16, solver="rk4")
        assert res.t == t and np.abs(res.log_prob - gm.log_prob(GRID, t)).mean() < 0.02


def test_time_zero_is_the_prior_and_costs_nothing() -> None:
    gm = GaussianMixture.three_dots(schedule="flow")
    res = quiet(gm, GRID, 0.0)
    assert res.nfe == 0 and res.backward == 0
    assert np.allclose(res.log_prob, gaussian_prior_log_prob(gm, GRID))
    assert np.allclose(res.log_prob, gm.log_prob(GRID, 0.0))  # alpha(0) = 0 on the flow


def test_hutchinson_is_unbiased_within_its_standard_error() -> None:
    """The paths do not depend on the probes, so estimate - exact is the probes' noise."""
    gm = GaussianMixture.three_dots(schedule="flow")
    x = grid_points((-1.5, 1.5), (-1.5, 1.5), density=8)  # between the blobs: J not diagonal
    exact = quiet(gm, x, steps=8, solver="euler").log_prob
    runs = np.stack([quiet(gm, x, steps=8, solver="euler", divergence="hutchinson",
                           seed=s).log_prob - exact for s in range(16)])
    assert runs.std() > 0.05  # a real estimate, not the trace in disguise
    per_seed = runs.mean(axis=1)
    assert abs(per_seed.mean()) < 4 * per_seed.std(ddof=1) / np.sqrt(len(per_seed))
    assert abs(runs.mean()) < 4 * runs.std() / np.sqrt(runs.size)
    many = np.stack([quiet(gm, x, steps=8, solver="euler", divergence="hutchinson", probes=16,
                           seed=s).log_prob - exact for s in range(4)])
    assert 2.5 < runs.std() / many.std() < 6.5  # the spread falls as 1 / sqrt(probes)


def test_the_shipped_flow_model_is_close_to_the_truth_on_its_data() -> None:
    model = load_pretrained("three_dots_flow")
    gm = GaussianMixture.three_dots(schedule=model.schedule)
    x = gm.sample(300, seed=0)
    res = quiet(model, x, steps=16)
    assert np.abs(res.log_prob - gm.log_prob(x)).mean() < 0.3


# ------------------------------------------------------------- along a path
@pytest.mark.parametrize(("schedule", "sampler", "steps", "tol"),
                         [("linear", "ddim", 100, 0.15), ("flow", "heun", 40, 0.1)])
def test_log_density_along_matches_the_mixture_at_every_row(
        schedule: str, sampler: str, steps: int, tol: float) -> None:
    gm = GaussianMixture.three_dots(schedule=schedule)
    run = sample(gm, sampler, steps, n=200, seed=0)
    along = log_density_along(run, gm, progress=False)
    assert along.shape == (steps + 1, 200)
    exact = np.stack([gm.log_prob(run.points[i].astype(np.float64), float(t))
                      for i, t in enumerate(run.times)])
    assert np.allclose(along[0], gaussian_prior_log_prob(gm, run.points[0]))
    assert np.abs(along - exact).max() < tol
    if sampler == "ddim":  # first-order steps leave the ODE path: the correction sees it
        plain = log_density_along(run, gm, correct=False, progress=False)
        assert np.abs(plain - exact)[-1].mean() > 4 * np.abs(along - exact)[-1].mean()


def test_log_density_along_a_path_that_starts_late() -> None:
    gm = GaussianMixture.three_dots(schedule="flow")
    run = sample(gm, "heun", 40, n=100, seed=1)
    late = Trajectory(times=run.times[20:], points=run.points[20:])
    along = log_density_along(late.points, gm, late.times, progress=False)
    exact = gm.log_prob(late.points[0].astype(np.float64), float(late.times[0]))
    assert np.abs(along[0] - exact).max() < 0.02
    assert np.abs(along[-1] - gm.log_prob(late.final.astype(np.float64))).max() < 0.1


# ------------------------------------------------------------ counts and checks
@pytest.mark.parametrize("solver", sorted(LIKELIHOOD_SOLVERS))
def test_the_evaluations_are_counted(solver: str) -> None:
    counting = Counting(GaussianMixture.three_dots(schedule="flow"))
    res = quiet(counting, GRID[:25], steps=5, solver=solver, batch_size=10)
    stages = LIKELIHOOD_SOLVERS[solver]
    assert counting.calls == 3 * 5 * stages  # three batches, each the whole run
    assert res.nfe == 5 * stages and res.backward == 2 * res.nfe
    guided = Counting(GaussianMixture.three_dots(schedule="flow"), evals_per_call=2)
    res = quiet(guided, GRID[:25], steps=5, solver=solver, divergence="hutchinson", probes=3)
    assert guided.calls == 5 * stages and res.nfe == 2 * 5 * stages
    assert res.backward == 3 * res.nfe


def test_the_result_is_frozen() -> None:
    res = quiet(GaussianMixture.three_dots(), GRID[:4], steps=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.nfe = 0  # type: ignore[misc]


BAD_CALLS = [
    ({"x": np.zeros((4, 3))}, ValueError, r"shape \(N, 2\)"),
    ({"x": np.zeros(4)}, ValueError, r"shape \(N, 2\)"),
    ({"x": np.zeros((0, 2))}, ValueError, "N >= 1"),
    ({"x": np.array([[0.0, np.nan]])}, ValueError, "NaN"),
    ({"x": "points"}, TypeError, "array of points"),
    ({"steps": 0}, ValueError, "steps must be a positive integer"),
    ({"steps": 2.5}, ValueError, "steps must be a positive integer"),
    ({"divergence": "trace"}, ValueError, "unknown divergence 'trace'"),
    ({"solver": "rk45"}, ValueError, "unknown solver 'rk45'"),
    ({"grid": "log"}, ValueError, "unknown time grid"),
    ({"t": 1.5}, ValueError, r"t must be a library time in \[0, 1\]"),
    ({"t": True}, ValueError, "t must be a library time"),
    ({"probes": 0}, ValueError, "probes must be a positive integer"),
    ({"prior": object()}, TypeError, "prior must have a log_prob"),
]


@pytest.mark.parametrize(("change", "error", "match"), BAD_CALLS,
                         ids=[str(next(iter(c))) + str(i) for i, (c, _, _) in enumerate(BAD_CALLS)])
def test_bad_input_raises_a_clear_error(change: dict, error: type, match: str) -> None:
    kwargs = {"x": GRID[:3], "steps": 2, **change}
    with pytest.raises(error, match=match):
        quiet(GaussianMixture.three_dots(), **kwargs)


def test_exact_divergence_in_many_dimensions_points_to_hutchinson() -> None:
    truth = DiagonalGaussian(np.zeros((1, 9, 9)), 1.0)
    with pytest.raises(ValueError, match="use divergence='hutchinson'"):
        quiet(truth, np.zeros((2, 1, 9, 9)))
    with pytest.raises(ValueError, match="needs its times="):
        log_density_along(np.zeros((3, 2, 2)), GaussianMixture.three_dots())


# ------------------------------------------------------------------ heat map
def three_panels(model: Any, gm: GaussianMixture, time: Any, **kwargs: Any) -> list:
    axes = [Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=3.2, y_length=3.2, tips=False)
            for _ in range(3)]
    Group(*axes).arrange(RIGHT, buff=1.0).shift(0.4 * LEFT + 0.3 * DOWN)
    ode = LikelihoodHeatmap(model, time=time, axes=axes[0], exact=gm, **kwargs)
    return [ode, ode.companion("exact", axes=axes[1]), ode.companion("error", axes=axes[2]),
            axes]


def test_heatmap_panels_show_the_ode_the_truth_and_their_gap() -> None:
    gm = GaussianMixture.three_dots(schedule="flow")
    counting = Counting(gm)
    t = ValueTracker(1.0)
    ode, exact, error, _ = three_panels(counting, gm, t, resolution=16, steps=6)
    calls = counting.calls
    assert calls == 12  # one solve (6 Heun steps): the companions reuse it
    points = exact._source.value.points
    assert np.allclose(exact.log_prob().ravel(), gm.log_prob(points))
    assert np.allclose(error.log_prob(), np.abs(ode.log_prob() - exact.log_prob()))
    assert np.allclose(ode.log_prob().ravel(),
                       quiet(gm, points, steps=6).log_prob)
    assert exact.value_range == ode.value_range and error.value_range == (0.0, 1.0)
    t.set_value(0.52)
    for panel in (ode, exact, error):
        panel.update()
    assert ode.shown_time() == pytest.approx(0.5) and counting.calls == 2 * calls
    assert np.allclose(exact.log_prob().ravel(), gm.log_prob(points, 0.5))
    t.set_value(0.49)  # rounds to the same shown time: no new solve
    ode.update()
    assert counting.calls == 2 * calls


def test_heatmap_refuses_what_it_cannot_show() -> None:
    gm = GaussianMixture.three_dots()
    with pytest.raises(ValueError, match="unknown view"):
        LikelihoodHeatmap(gm, view="density")
    with pytest.raises(ValueError, match="needs exact="):
        LikelihoodHeatmap(gm, view="error")


def test_likelihood_heatmap_frames(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    def construct(scene: Scene) -> None:
        gm = GaussianMixture.three_dots(schedule="flow")
        *panels, axes = three_panels(load_pretrained("three_dots_flow"), gm, 1.0,
                                     resolution=24, steps=6)
        for panel, ax, title in zip(panels, axes, ["ODE", "exact", "error"], strict=True):
            scene.add(panel, ax, Text(title, font_size=24).next_to(ax, UP))

    check_frames(request, tmp_path, construct)
