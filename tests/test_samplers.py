"""Every sampler against exact answers, on the VP and the rectified-flow paths."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from manim_diffusion.core.model import OBJECTIVE_NAMES
from manim_diffusion.engine import (
    OBJECTIVES,
    DiffusionModel,
    GaussianMixture,
    GuidedModel,
    MLPDenoiser,
    TrainConfig,
    energy_distance,
    load_pretrained,
    make_dataset,
    sample,
    train,
)
from manim_diffusion.samplers import DEFAULT_STEPS, GRIDS, SAMPLER_SPECS
from manim_diffusion.samplers.sample import SAMPLERS, time_grid

TWO_BUMPS = {"means": [[1.5, 0.0], [-1.5, 0.5]], "stds": 0.3}


def _start(n: int = 300, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 2)).astype(np.float32)


def _exact_start(gm: GaussianMixture, n: int, seed: int) -> np.ndarray:
    """Points drawn from the exact marginal at t = 0 (not quite N(0, I) on VP paths)."""
    rng = np.random.default_rng(seed)
    a, s = float(gm.schedule.alpha(0.0)), float(gm.schedule.sigma(0.0))
    return (a * gm.sample(n, seed=seed + 1) + s * rng.normal(size=(n, 2))).astype(np.float32)


@pytest.mark.parametrize("schedule", ["linear", "flow"])
@pytest.mark.parametrize("name,order", [("euler", 1.0), ("heun", 2.0), ("midpoint", 2.0)])
def test_ode_solvers_converge_at_their_order_on_both_paths(
    schedule: str, name: str, order: float
) -> None:
    """Error against the closed-form flow map falls like steps^-order (or faster).

    Midpoint on the flow path converges at order 3 on Gaussian data; the steps are
    kept where float32 rounding does not yet dominate.
    """
    gm = GaussianMixture(means=[[1.0, -2.0]], stds=0.5, schedule=schedule)
    x_start = _start()
    exact = gm.ode_map(x_start)
    steps = (50, 100, 200) if schedule == "linear" else (5, 10, 20)
    errs = [float(np.abs(sample(gm, name, s, x_start=x_start).final - exact).mean())
            for s in steps]
    measured = [np.log2(errs[i] / errs[i + 1]) for i in range(2)]
    assert all(m > order - 0.25 for m in measured), f"{name}/{schedule}: {measured}"
    if name == "euler":
        assert all(m < 1.25 for m in measured), f"euler/{schedule}: {measured}"


def test_rectified_flow_euler_is_exact_for_straight_paths() -> None:
    """A point mass: every flow path is a straight line, so one Euler step is exact."""
    gm = GaussianMixture(means=[[0.7, -0.4]], stds=1e-6, schedule="flow")
    traj = sample(gm, "euler", 1, x_start=_start(50))
    np.testing.assert_allclose(traj.final, np.tile([0.7, -0.4], (50, 1)), atol=1e-4)


@pytest.mark.parametrize("schedule", ["linear", "flow"])
@pytest.mark.parametrize("name,steps", [("ddim", 200), ("heun", 100)])
def test_deterministic_samplers_transport_the_exact_marginals(
    schedule: str, name: str, steps: int
) -> None:
    """Start from p_0 exactly; at every t the cloud's moments are p_t's."""
    gm = GaussianMixture(**TWO_BUMPS, schedule=schedule)
    traj = sample(gm, name, steps, x_start=_exact_start(gm, 6000, seed=1))
    for t in (0.25, 0.5, 0.75, 0.9, 1.0):
        mean, cov = gm.moments(t)
        pts = traj.at(t)
        np.testing.assert_allclose(pts.mean(0), mean, atol=0.05, err_msg=f"mean at t={t}")
        np.testing.assert_allclose(np.cov(pts.T), cov, atol=0.08, err_msg=f"cov at t={t}")


@pytest.mark.parametrize("schedule", ["linear", "flow"])
@pytest.mark.parametrize(
    "name,steps,kwargs",
    [("ddpm", 500, {}), ("sde", 500, {}), ("langevin", 100, {"langevin_steps": 20})],
)
def test_stochastic_samplers_reach_the_data(
    schedule: str, name: str, steps: int, kwargs: dict
) -> None:
    gm = GaussianMixture(**TWO_BUMPS, schedule=schedule)
    traj = sample(gm, name, steps, n=2000, seed=3, **kwargs)
    ref = gm.sample(2000, seed=4)
    floor = energy_distance(gm.sample(2000, seed=5), ref)
    got = energy_distance(traj.final, ref)
    assert got < 3 * floor + 1e-3, f"{name}/{schedule}: {got:.4f} (floor {floor:.4f})"


def test_langevin_counts_its_inner_steps_and_the_final_denoise() -> None:
    gm = GaussianMixture(**TWO_BUMPS)
    traj = sample(gm, "langevin", 10, n=20, langevin_steps=4)
    assert traj.nfe == 9 * 4 + 1 and traj.points.shape == (11, 20, 2)


def test_every_sampler_shares_the_start_and_records_nfe() -> None:
    gm = GaussianMixture(**TWO_BUMPS)
    x_start = _start(40)
    for name in SAMPLERS:
        traj = sample(gm, name, 8, x_start=x_start)
        np.testing.assert_array_equal(traj.points[0], x_start)
        assert traj.nfe >= 8 and traj.predictions.shape == traj.points.shape, name
        assert np.isfinite(traj.points).all(), name


def test_stochastic_samplers_share_noise_through_a_generator() -> None:
    gm = GaussianMixture(**TWO_BUMPS)
    x_start = _start(40)
    runs = [
        sample(gm, "sde", 20, x_start=x_start, generator=torch.Generator().manual_seed(9))
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].points, runs[1].points)
    other = sample(gm, "sde", 20, x_start=x_start, generator=torch.Generator().manual_seed(10))
    assert not np.allclose(other.final, runs[0].final)


def test_logsnr_grid_is_even_in_log_snr_and_keeps_the_ends() -> None:
    gm = GaussianMixture(**TWO_BUMPS)
    grid = time_grid(20, gm.schedule, "logsnr")
    assert grid[0] == 0.0 and grid[-1] == 1.0 and torch.all(torch.diff(grid) > 0)
    lam = gm.schedule.log_snr(grid[1:-1])
    np.testing.assert_allclose(np.diff(lam.numpy()), float(lam[1] - lam[0]), rtol=1e-3)
    with pytest.raises(ValueError, match="unknown time grid"):
        time_grid(5, gm.schedule, "cubic")


def test_exact_density_is_normalised_and_matches_the_moments() -> None:
    gm = GaussianMixture(**TWO_BUMPS, schedule="flow")
    xs = np.linspace(-6, 6, 241)
    grid = np.stack(np.meshgrid(xs, xs), -1).reshape(-1, 2)
    for t in (0.0, 0.5, 0.95):
        p = gm.density(grid, t)
        cell = (xs[1] - xs[0]) ** 2
        assert p.sum() * cell == pytest.approx(1.0, abs=1e-3)
        mean, _ = gm.moments(t)
        np.testing.assert_allclose((p[:, None] * grid).sum(0) * cell, mean, atol=1e-3)


def test_precision_bfloat16_keeps_the_samples() -> None:
    model = load_pretrained("three_dots_ddpm")
    a = sample(model, "ddim", 30, n=2000, seed=0)
    b = sample(model, "ddim", 30, n=2000, seed=0, precision="bfloat16")
    assert b.meta["precision"] == "bfloat16"
    assert np.abs(a.final - b.final).mean() < 0.05
    ref = make_dataset("three_dots", 2000, seed=1)
    assert energy_distance(b.final, ref) < 2 * energy_distance(a.final, ref) + 2e-3
    with pytest.raises(ValueError, match="precision"):
        sample(GaussianMixture(**TWO_BUMPS), "ddim", 5, n=5, precision="bfloat16")


def test_one_time_fast_path_matches_the_batched_net() -> None:
    model = load_pretrained("smiley_ddpm")
    x = torch.randn(500, 2)
    with torch.no_grad():
        for t in (0.0, 0.37, 0.99):
            fast = model.net(x, t)
            slow = model.net(x, torch.full((500,), t))
            torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)


def test_one_time_fast_path_matches_the_batched_net_with_labels() -> None:
    """A conditional net: one first-layer row per class (and the "no class" row)."""
    model = load_pretrained("three_dots_cond")
    x = torch.randn(600, 2)
    labels = torch.tensor([-1, 0, 1, 2]).repeat(150)
    with torch.no_grad():
        for t in (0.0, 0.37, 0.99):
            fast = model.net(x, t, labels)
            slow = model.net(x, torch.full((600,), t), labels)
            torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)
            # the guided prediction at one time equals the one at a column of times
            guided = model.guided(labels.clamp(min=0), 3.0)
            one, column = guided.predict(x, t), guided.predict(x, torch.full((600,), t))
            torch.testing.assert_close(one.eps, column.eps, atol=1e-5, rtol=1e-5)
            # x0 = (x - sigma eps) / alpha: the net's rounding grows by 1 / alpha near noise
            scale = float(1 / one.alpha.min())
            torch.testing.assert_close(one.x0, column.x0, atol=1e-5 * scale, rtol=1e-5)


# --- class-conditional training and classifier-free guidance -------------------------


@pytest.fixture(scope="module")
def conditional():
    data, labels = make_dataset("three_dots", 4000, seed=0, with_labels=True)
    result = train(data, TrainConfig(steps=1500, num_classes=3), labels=labels, progress=False)
    centres = np.stack([data[labels == k].mean(0) for k in range(3)])
    return result.model, data, centres


def _share_of_class(points: np.ndarray, centres: np.ndarray, k: int) -> float:
    nearest = np.argmin(((points[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    return float(np.mean(nearest == k))


def test_guidance_zero_is_the_unconditional_model(conditional) -> None:
    model, data, centres = conditional
    traj = sample(model, "ddim", 30, n=3000, seed=1, labels=2, guidance=0.0)
    shares = [_share_of_class(traj.final, centres, k) for k in range(3)]
    assert all(abs(s - 1 / 3) < 0.05 for s in shares), shares
    plain = sample(model, "ddim", 30, n=3000, seed=1)
    np.testing.assert_allclose(traj.final, plain.final, atol=1e-6)
    assert traj.nfe == 30 and traj.meta["guidance"] == "0"


def test_guidance_concentrates_samples_on_the_requested_class(conditional) -> None:
    model, _, centres = conditional
    for k in range(3):
        traj = sample(model, "ddim", 30, n=1000, seed=2, labels=k, guidance=3.0)
        assert _share_of_class(traj.final, centres, k) > 0.97
        assert traj.nfe == 60 and (traj.labels == k).all()
    # the guided score w s_cond - (w - 1) s_uncond pushes away from the other classes
    gaps = []
    for scale in (1.0, 3.0, 7.0):
        mean = sample(model, "ddim", 30, n=1000, seed=2, labels=0, guidance=scale).final.mean(0)
        gaps.append(min(np.linalg.norm(mean - centres[k]) for k in (1, 2)))
    assert gaps[0] < gaps[1] < gaps[2], gaps


def test_conditioning_errors_say_what_to_do(conditional) -> None:
    model, data, _ = conditional
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        sample(model, "ddim", 5, n=5, labels=3)
    with pytest.raises(ValueError, match="guidance scale"):
        sample(model, "ddim", 5, n=5, labels=0, guidance=-1)
    with pytest.raises(ValueError, match="class-conditional"):
        sample(load_pretrained("smiley_ddpm"), "ddim", 5, n=5, labels=0)
    with pytest.raises(ValueError, match="pass labels"):
        train(data, TrainConfig(steps=1, num_classes=3), progress=False)
    with pytest.raises(ValueError, match="num_classes"):
        train(data, TrainConfig(steps=1), labels=np.zeros(len(data), int), progress=False)


def test_snapshots_sample_the_same_noise_as_the_model_learns() -> None:
    data = make_dataset("two_moons", 4000, seed=0)
    ref = make_dataset("two_moons", 1000, seed=9)
    noise = _start(1000, seed=3)
    result = train(
        data, TrainConfig(steps=900, seed=1), snapshot_every=300, snapshot_noise=noise,
        progress=False,
    )
    snaps = result.snapshots
    assert [s.step for s in snaps] == [300, 600, 900]
    again = sample(snaps[0].model, "ddim", 30, x_start=noise).final
    np.testing.assert_allclose(snaps[0].samples, again, atol=1e-6)
    first, last = (energy_distance(s.samples, ref) for s in (snaps[0], snaps[-1]))
    assert last < first, (first, last)


# --- the registry, the per-step callback and bad input (issue 13) ---------------------


def test_the_registry_is_the_one_source_of_the_sampler_tables() -> None:
    assert list(SAMPLERS) == list(SAMPLER_SPECS) == list(DEFAULT_STEPS)
    assert dict(SAMPLERS) == {name: s.description for name, s in SAMPLER_SPECS.items()}
    assert dict(DEFAULT_STEPS) == {name: s.default_steps for name, s in SAMPLER_SPECS.items()}
    assert SAMPLERS["ddim"].startswith("DDIM") and DEFAULT_STEPS["dpm++2m"] == 20
    assert repr(DEFAULT_STEPS) == repr(dict(DEFAULT_STEPS))  # prints like the dict it was
    for view in (SAMPLERS, DEFAULT_STEPS, GRIDS, SAMPLER_SPECS):
        with pytest.raises(TypeError):
            view["new"] = "x"  # type: ignore[index]
    for spec in SAMPLER_SPECS.values():
        assert spec.default_grid in GRIDS and spec.name in SAMPLERS
        with pytest.raises(AttributeError):  # frozen
            spec.default_steps = 1  # type: ignore[misc]
    assert set(OBJECTIVES) == set(OBJECTIVE_NAMES)
    gm = GaussianMixture(**TWO_BUMPS)
    run = sample(gm, "dpm++2m", n=5)
    assert len(run.times) == SAMPLER_SPECS["dpm++2m"].default_steps + 1
    assert run.meta["grid"] == SAMPLER_SPECS["dpm++2m"].default_grid


def test_predictors_say_their_dim() -> None:
    gm = GaussianMixture(means=[[0.0, 0.0, 1.0]], stds=1.0)
    model = DiffusionModel(MLPDenoiser(dim=3, hidden=8, layers=1))
    assert gm.dim == 3 and model.dim == 3
    assert sample(gm, "ddim", 2, n=4).points.shape == (3, 4, 3)  # dim from the model
    assert sample(model, "ddim", 2, n=4).points.shape == (3, 4, 3)
    cond = DiffusionModel(MLPDenoiser(dim=2, hidden=8, layers=1, num_classes=2))
    assert GuidedModel(cond, labels=1, scale=3.0).dim == 2


@pytest.mark.parametrize("name", ["ddpm", "dpm++2m", "langevin"])
def test_the_callback_sees_every_step_and_rebuilds_the_trajectory(name: str) -> None:
    gm = GaussianMixture(**TWO_BUMPS)
    seen: list[dict] = []

    def keep(info: dict) -> None:
        seen.append({k: v.clone() if isinstance(v, torch.Tensor) else v
                     for k, v in info.items() if k != "prediction"})

    traj = sample(gm, name, 12, n=30, seed=4, callback=keep)
    assert [s["i"] for s in seen] == list(range(12))
    np.testing.assert_array_equal([s["t"] for s in seen], traj.times[:-1])
    np.testing.assert_array_equal([s["t_next"] for s in seen], traj.times[1:])
    points = np.stack([seen[0]["x"].numpy()] + [s["x_next"].numpy() for s in seen])
    np.testing.assert_array_equal(points, traj.points)
    denoised = np.stack([s["denoised"].numpy() for s in seen] + [traj.final])
    np.testing.assert_array_equal(denoised, traj.predictions)
    assert seen[-1]["nfe"] == traj.nfe
    again = sample(gm, name, 12, n=30, seed=4)  # watching changes nothing
    np.testing.assert_array_equal(again.points, traj.points)


def test_the_callback_follows_a_run_started_part_way() -> None:
    gm = GaussianMixture(**TWO_BUMPS)
    trunk = sample(gm, "ddim", 10, n=8, seed=1)
    seen: list[int] = []
    run = sample(gm, "ddim", 10, x_start=trunk.points[4], start_step=4,
                 callback=lambda info: seen.append(info["i"]))
    assert seen == list(range(4, 10)) and len(run.points) == 7


def test_a_run_too_big_for_memory_is_refused_at_once_in_one_line() -> None:
    gm = GaussianMixture(**TWO_BUMPS)
    started = time.perf_counter()
    with pytest.raises(ValueError, match="fewer steps or fewer points") as err:
        sample(gm, "ddpm", steps=100_000_000, n=2000)
    assert time.perf_counter() - started < 1.0
    message = str(err.value)
    assert "\n" not in message and "TiB" in message and "record_predictions=False" in message
    with pytest.raises(ValueError, match="fewer steps or fewer points") as err:
        sample(gm, "ddpm", steps=100_000_000, n=2000, record_predictions=False)
    assert "record_predictions" not in str(err.value)
    # the limit is the caller's to set: a small run under a tiny limit is refused too
    with pytest.raises(ValueError, match=r"over the 1\.0 KiB limit"):
        sample(gm, "ddim", 10, n=100, max_memory=1024)
    assert sample(gm, "ddim", 10, n=100, max_memory=10**6).points.shape == (11, 100, 2)
    with pytest.raises(ValueError, match="max_memory must be a positive"):
        sample(gm, "ddim", 10, n=100, max_memory=0)


def test_guidance_without_labels_is_refused_not_ignored(conditional) -> None:
    model, _, _ = conditional
    for unconditional in (load_pretrained("smiley_ddpm"), GaussianMixture(**TWO_BUMPS)):
        with pytest.raises(ValueError, match="class-conditional model and labels=") as err:
            sample(unconditional, "ddim", 5, n=5, guidance=3)
        assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="pass labels="):
        sample(model, "ddim", 5, n=5, guidance=3.0)
    assert sample(model, "ddim", 5, n=5, guidance=1.0).nfe == 5  # the default: fine


def test_options_are_keyword_only_and_owned_by_their_sampler() -> None:
    gm = GaussianMixture(**TWO_BUMPS)
    with pytest.raises(TypeError):
        sample(gm, "ddim", 5, 100)  # type: ignore[misc]
    with pytest.raises(TypeError, match="unexpected keyword argument 'etta'"):
        sample(gm, "ddim", 5, n=5, etta=0.5)
    with pytest.raises(ValueError, match="langevin_steps is a setting of langevin"):
        sample(gm, "ddim", 5, n=5, langevin_steps=3)
    with pytest.raises(ValueError, match="eta is a setting of ddim; ddpm takes none"):
        sample(gm, "ddpm", 5, n=5, eta=0.5)
    assert sample(gm, "ddpm", 5, n=5, eta=None).sampler == "ddpm"  # None: not given
    assert sample(gm, "ddim", 5, n=5, eta=0.5).sampler == "ddim(eta=0.5)"


# --- one generator per point ---------------------------------------------------------


@pytest.mark.parametrize("sampler", ["ddpm", "sde", "langevin", "ddim"])
def test_one_generator_per_point_samples_what_each_point_would_alone(sampler: str) -> None:
    """A batch whose rows have their own generators: each row is its own one-point run."""
    extra = {"eta": 0.7} if sampler == "ddim" else {}
    seeds = [11, 5, 42, 7]
    for model, exact in ((GaussianMixture(**TWO_BUMPS), True),
                         (load_pretrained("smiley_ddpm"), False)):
        gens = [torch.Generator().manual_seed(s) for s in seeds]
        batch = sample(model, sampler, 40, n=len(seeds), generator=gens, **extra)
        for row, s in enumerate(seeds):
            alone = sample(model, sampler, 40, n=1, generator=torch.Generator().manual_seed(s),
                           **extra)
            if exact:  # the mixture's arithmetic is per row: the same bits
                np.testing.assert_array_equal(batch.points[:, row], alone.points[:, 0])
            else:  # a net's matmul may round a batch differently in the last bit
                np.testing.assert_allclose(batch.points[:, row], alone.points[:, 0], atol=1e-4)
    with pytest.raises(ValueError, match="one per point"):
        sample(GaussianMixture(**TWO_BUMPS), sampler, 5, n=3, generator=gens, **extra)
    with pytest.raises(ValueError, match="one per point"):
        sample(GaussianMixture(**TWO_BUMPS), sampler, 5, x_start=np.zeros((3, 2)),
               generator=gens, **extra)
