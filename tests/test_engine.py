"""Engine tests with known answers: schedules, exact Gaussian flows, training, seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from manim_diffusion.engine import (
    DATASETS,
    CosineSchedule,
    GaussianMixture,
    LinearSchedule,
    TrainConfig,
    Trajectory,
    energy_distance,
    energy_distance_floor,
    make_dataset,
    sample,
    train,
)

# --- schedules -----------------------------------------------------------------------


@pytest.mark.parametrize("t", [0.0, 0.1, 0.37, 0.5, 0.9, 0.999])
def test_linear_schedule_matches_closed_form(t: float) -> None:
    s = 1 - t
    expected = math.exp(-(0.1 * s + 0.5 * 19.9 * s * s))
    sched = LinearSchedule()
    assert sched.alpha_bar(t) == pytest.approx(expected, rel=1e-12)
    assert sched.sigma(t) == pytest.approx(math.sqrt(1 - expected), rel=1e-9)
    assert sched.log_snr(t) == pytest.approx(math.log(expected / (1 - expected)), rel=1e-9)


def test_linear_schedule_is_the_limit_of_ddpm_betas() -> None:
    betas = np.linspace(1e-4, 0.02, 1000)
    discrete = np.cumprod(1 - betas)  # alpha_bar after k steps from the data end
    k = np.array([10, 100, 500, 999])
    t = 1 - (k + 1) / 1000
    np.testing.assert_allclose(
        LinearSchedule().log_alpha_bar(t), np.log(discrete[k]), rtol=0.01, atol=2e-4
    )


def test_linear_schedule_beta_is_its_closed_form() -> None:
    t = np.array([0.0, 0.25, 0.9, 1.0])
    np.testing.assert_allclose(LinearSchedule().d_log_alpha_bar(t), 0.1 + 19.9 * (1 - t))


@pytest.mark.parametrize("t", [0.05, 0.3, 0.5, 0.8, 1.0])
def test_cosine_schedule_matches_closed_form(t: float) -> None:
    f = lambda s: math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
    expected = max(f(1 - t) / f(0), 1e-5)
    assert CosineSchedule().alpha_bar(t) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("sched", [LinearSchedule(), CosineSchedule()])
def test_schedules_run_from_noise_to_data(sched) -> None:
    t = np.linspace(0, 1, 101)
    ab = sched.alpha_bar(t)
    assert np.all(np.diff(ab) > 0), "alpha_bar must rise towards the data end"
    assert ab[0] < 1e-4 and ab[-1] == pytest.approx(1.0)
    np.testing.assert_allclose(sched.alpha(t) ** 2 + sched.sigma(t) ** 2, 1.0, atol=1e-12)
    assert isinstance(sched.alpha_bar(0.5), float)
    assert isinstance(sched.alpha_bar(torch.tensor([0.5])), torch.Tensor)


# --- exact answers on Gaussian data --------------------------------------------------


def test_exact_gaussian_denoiser_matches_monte_carlo() -> None:
    gm = GaussianMixture(means=[[1.0, -2.0]], stds=0.5)
    t = 0.6
    a, s = gm.schedule.alpha(t), gm.schedule.sigma(t)
    x0 = torch.as_tensor(gm.sample(200_000, seed=1))
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(2), dtype=x0.dtype)
    xt = a * x0 + s * eps
    pred = gm.predict(xt.float(), t)
    # E[x0 | x_t] is the least-squares regression of x0 on x_t: residuals are orthogonal.
    resid = x0 - pred.x0.double()
    assert abs(float((resid * (xt - xt.mean(0))).mean())) < 5e-3
    assert float(resid.mean(0).abs().max()) < 5e-3


@pytest.mark.parametrize("steps,tol", [(200, 0.035), (1000, 0.007)])
def test_ddim_with_exact_eps_lands_on_the_exact_ode_answer(steps: int, tol: float) -> None:
    gm = GaussianMixture(means=[[1.0, -2.0]], stds=0.5)
    x_start = np.random.default_rng(0).normal(size=(500, 2)).astype(np.float32)
    traj = sample(gm, "ddim", steps, x_start=x_start, eta=0.0)
    exact = gm.ode_map(x_start)
    err = np.abs(traj.final - exact).max()
    assert err < tol, f"DDIM({steps}) is {err:.4f} from the exact flow"


def test_ddim_error_falls_first_order_with_steps() -> None:
    gm = GaussianMixture(means=[[1.0, -2.0]], stds=0.5)
    x_start = np.random.default_rng(1).normal(size=(200, 2)).astype(np.float32)
    exact = gm.ode_map(x_start)
    errs = [
        np.abs(sample(gm, "ddim", s, x_start=x_start).final - exact).mean() for s in (50, 100, 200)
    ]
    ratios = [errs[0] / errs[1], errs[1] / errs[2]]
    assert all(1.6 < r < 2.6 for r in ratios), f"expected ~2x per doubling, got {ratios}"


def test_ddpm_with_exact_model_reaches_the_data() -> None:
    gm = GaussianMixture(means=[[1.5, 0.0], [-1.5, 0.0]], stds=0.3)
    traj = sample(gm, "ddpm", 500, n=2000, seed=3)
    data = gm.sample(2000, seed=4)
    floor = energy_distance(gm.sample(2000, seed=5), data)
    assert energy_distance(traj.final, data) < 3 * floor + 1e-3
    assert abs(traj.final[:, 0].mean()) < 0.15
    assert traj.final[:, 0].std() == pytest.approx(np.sqrt(1.5**2 + 0.3**2), rel=0.05)


# --- trajectories --------------------------------------------------------------------


def test_sampler_records_a_trajectory_in_library_time() -> None:
    gm = GaussianMixture(means=[[0.0, 0.0]], stds=0.5)
    traj = sample(gm, "ddpm", 40, n=30, seed=0)
    assert traj.points.shape == (41, 30, 2) and traj.predictions.shape == (41, 30, 2)
    assert traj.times[0] == 0.0 and traj.times[-1] == 1.0
    assert list(traj.steps[[0, -1]]) == [40, 0]
    assert traj.nfe == 40
    np.testing.assert_allclose(traj.at(traj.times[7]), traj.points[7])
    mid = 0.5 * (traj.times[7] + traj.times[8])
    np.testing.assert_allclose(traj.at(mid), 0.5 * (traj.points[7] + traj.points[8]), atol=1e-6)
    np.testing.assert_array_equal(traj.at(-3), traj.points[0])
    np.testing.assert_array_equal(traj.at(7), traj.points[-1])


def test_trajectory_saves_and_loads_without_pickle(tmp_path) -> None:
    gm = GaussianMixture(means=[[0.0, 0.0]], stds=0.5)
    traj = sample(gm, "ddim", 10, n=5, seed=0)
    traj.meta["model"] = "exact"
    back = Trajectory.load(traj.save(tmp_path / "t.npz"))
    np.testing.assert_array_equal(back.points, traj.points)
    assert back.meta["model"] == "exact" and back.sampler == "ddim"
    (tmp_path / "bad.npz").write_bytes(b"nonsense")
    with pytest.raises(ValueError, match="not a trajectory file"):
        Trajectory.load(tmp_path / "bad.npz")


def test_samplers_repeat_with_a_seed_and_share_noise() -> None:
    gm = GaussianMixture(means=[[1.0, 1.0]], stds=0.4)
    a = sample(gm, "ddpm", 30, n=50, seed=7)
    b = sample(gm, "ddpm", 30, n=50, seed=7)
    c = sample(gm, "ddpm", 30, n=50, seed=8)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.allclose(a.final, c.final)
    d = sample(gm, "ddim", 30, x_start=a.points[0])
    np.testing.assert_array_equal(d.points[0], a.points[0])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"sampler": "nope"}, "unknown sampler"),
        ({"steps": 0}, "positive"),
        ({"n": -3}, "positive"),
        ({"sampler": "ddim", "eta": 2.0}, r"\[0, 1\]"),
        ({"sampler": "heun", "eta": 0.5}, "takes none"),
    ],
)
def test_sampler_bad_input(kwargs, match) -> None:
    gm = GaussianMixture(means=[[0.0, 0.0]], stds=1.0)
    with pytest.raises(ValueError, match=match):
        sample(gm, **{"steps": 5, "n": 5, **kwargs})


# --- data sets and metric ------------------------------------------------------------


@pytest.mark.parametrize("name", list(DATASETS))
def test_datasets_are_seeded_float32_in_the_box(name: str) -> None:
    a = make_dataset(name, 1000, seed=1)
    assert a.shape == (1000, 2) and a.dtype == np.float32
    assert np.all(np.abs(a) <= 2.5) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, make_dataset(name, 1000, seed=1))
    assert not np.array_equal(a, make_dataset(name, 1000, seed=2))
    assert a.std() > 0.3, "points should spread over the box, not collapse"


#: The first and the last point of each data set (500 points, seed 0), as shipped:
#: the models in pretrained/ were trained on these sets, so they must not drift.
PINNED_POINTS = {
    "smiley": [1.817734, -0.553348, -0.508184, 0.595524],
    "three_dots": [1.348843, -0.845501, 1.578829, -0.755141],
    "two_moons": [0.684149, -1.105258, -0.039232, -1.098286],
    "swiss_roll": [-1.374752, 0.393225, -0.160058, 1.140003],
    "checkerboard": [1.040762, -0.811845, 0.800972, 0.243910],
    "rings": [-0.786757, 0.195601, -0.499459, 0.594064],
    "spiral": [-1.001179, 1.006058, 0.517814, 0.960292],
    "gaussian_mixture": [-1.344386, 1.189961, 1.363690, -1.383009],
}


@pytest.mark.parametrize("name", list(DATASETS))
def test_datasets_keep_their_points_for_a_seed(name: str) -> None:
    a = make_dataset(name, 500, seed=0)
    np.testing.assert_allclose(np.r_[a[0], a[-1]], PINNED_POINTS[name], atol=2e-6)


def test_dataset_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown data set 'nope'.*smiley"):
        make_dataset("nope", 10)
    for n in (0, -1, 2.5):
        with pytest.raises(ValueError, match="positive integer"):
            make_dataset("smiley", n)
    pts, labels = make_dataset("three_dots", 300, with_labels=True)
    assert sorted(np.unique(labels)) == [0, 1, 2]


def test_energy_distance_separates_same_from_different() -> None:
    make = lambda n, s: make_dataset("smiley", n, s)  # noqa: E731
    floor = energy_distance_floor(make, 1000)
    noise = np.random.default_rng(0).normal(size=(1000, 2))
    assert 0 < floor < 0.005
    assert energy_distance(noise, make(1000, 3)) > 5 * floor
    with pytest.raises(ValueError, match="NaN"):
        energy_distance(np.array([[np.nan, 0.0]]), noise)


# --- training ------------------------------------------------------------------------


def test_training_reduces_the_metric_and_repeats_with_a_seed() -> None:
    data = make_dataset("three_dots", 4000, seed=0)
    ref = make_dataset("three_dots", 1000, seed=9)
    cfg = TrainConfig(steps=1500, seed=3)
    snaps = []
    result = train(data, cfg, callback=snaps.append, snapshot_every=500, progress=False)
    assert [s.step for s in snaps] == [500, 1000, 1500]
    early = energy_distance(sample(snaps[0].model, "ddim", 30, n=1000, seed=0).final, ref)
    late = energy_distance(sample(result.model, "ddim", 30, n=1000, seed=0).final, ref)
    assert late < early and late < 0.02, (early, late)
    again = train(data, TrainConfig(steps=50, seed=3), progress=False)
    twice = train(data, TrainConfig(steps=50, seed=3), progress=False)
    for p, q in zip(again.model.parameters(), twice.model.parameters(), strict=True):
        assert torch.equal(p, q)


def test_training_rejects_bad_data_and_config() -> None:
    with pytest.raises(ValueError, match="NaN"):
        train(np.array([[0.0, np.nan]] * 10), TrainConfig(steps=1), progress=False)
    with pytest.raises(ValueError, match="steps"):
        train(np.zeros((10, 2)), TrainConfig(steps=0), progress=False)


# --- higher-order samplers (issue 3) -------------------------------------------------

def _ode_errors(name: str, steps: tuple[int, ...]) -> list[float]:
    gm = GaussianMixture(means=[[1.0, -2.0]], stds=0.5)
    x_start = np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32)
    exact = gm.ode_map(x_start)
    return [float(np.abs(sample(gm, name, s, x_start=x_start).final - exact).mean()) for s in steps]


@pytest.mark.parametrize("name,order", [("euler", 1.0), ("heun", 2.0)])
def test_ode_solvers_converge_at_their_order(name: str, order: float) -> None:
    errs = _ode_errors(name, (50, 100, 200))
    measured = [np.log2(errs[i] / errs[i + 1]) for i in range(2)]
    assert all(abs(m - order) < 0.2 for m in measured), f"{name}: orders {measured}"


def test_higher_order_samplers_need_fewer_evaluations() -> None:
    gm = GaussianMixture(means=[[1.0, -2.0]], stds=0.5)
    x_start = np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32)
    exact = gm.ode_map(x_start)

    def err(name: str, steps: int) -> tuple[float, int]:
        traj = sample(gm, name, steps, x_start=x_start)
        return float(np.abs(traj.final - exact).mean()), traj.nfe

    euler, euler_nfe = err("euler", 200)
    heun, heun_nfe = err("heun", 100)
    dpm, dpm_nfe = err("dpm++2m", 50)
    assert heun_nfe == 199 and dpm_nfe == 50 and euler_nfe == 200
    assert heun < euler and dpm < euler, (euler, heun, dpm)
    assert err("dpm++2m", 200)[0] < err("ddim", 200)[0] / 10


def test_reverse_sde_reaches_the_data() -> None:
    gm = GaussianMixture(means=[[1.5, 0.0], [-1.5, 0.0]], stds=0.3)
    traj = sample(gm, "sde", 500, n=2000, seed=3)
    floor = energy_distance(gm.sample(2000, seed=5), gm.sample(2000, seed=4))
    assert energy_distance(traj.final, gm.sample(2000, seed=4)) < 3 * floor + 1e-3
