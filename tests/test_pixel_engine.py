"""Pixel space: every sampler on images, exact answers on Gaussian images, devices, errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from manim_diffusion.apps.mnist.pixel_model import (
    PixelConfig,
    load_pixel_model,
    save_pixel_model,
    to_model,
    to_unit,
    train_pixel_model,
)
from manim_diffusion.core.devices import resolve_device
from manim_diffusion.engine import (
    DiagonalGaussian,
    DiffusionModel,
    MLPDenoiser,
    Trajectory,
    UNetDenoiser,
    sample,
)
from manim_diffusion.samplers import SAMPLER_SPECS
from manim_diffusion.samplers.grids import time_grid
from manim_diffusion.samplers.sample import SAMPLERS
from manim_diffusion.samplers.step import StepContext
from manim_diffusion.training.objectives import diffusion_loss

SHAPE = (1, 8, 8)


def _tiny_unet(num_classes: int = 3, seed: int = 0) -> DiffusionModel:
    torch.manual_seed(seed)
    net = UNetDenoiser(SHAPE, channels=(4, 8, 8), time_dim=16, num_classes=num_classes)
    for p in net.conv_out.parameters():  # not the zero map: outputs that depend on x
        torch.nn.init.normal_(p, std=0.1)
    return DiffusionModel(net, "cosine", "eps").eval().requires_grad_(False)


def _gaussian_image(schedule: str = "linear") -> DiagonalGaussian:
    yy, xx = np.mgrid[-1:1:8j, -1:1:8j]
    mean = (0.8 * np.sin(2 * xx) * np.cos(yy))[None]
    var = (0.04 + 0.2 * (xx**2 + yy**2) / 2)[None]
    return DiagonalGaussian(mean, var, schedule=schedule)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_every_sampler_runs_on_images_unchanged(name: str) -> None:
    model = _tiny_unet()
    run = sample(model, name, 4, n=3, seed=1)
    assert run.points.shape == (5, 3, *SHAPE) and run.point_shape == SHAPE
    assert run.predictions is not None and run.predictions.shape == run.points.shape
    assert np.isfinite(run.points).all()
    assert not np.allclose(run.points[0], run.points[-1])  # the model moved them
    guided = sample(model, name, 4, n=3, seed=1, labels=[0, 1, 2], guidance=3.0)
    assert guided.points.shape == run.points.shape and list(guided.labels) == [0, 1, 2]
    np.testing.assert_array_equal(guided.points[0], run.points[0])  # the same noise
    assert not np.allclose(guided.final, run.final)  # the labels steered them


def test_image_trajectories_interpolate_subset_and_round_trip(tmp_path) -> None:
    run = sample(_tiny_unet(), "ddim", 6, n=4, seed=0)
    half = run.at(0.5 * (run.times[2] + run.times[3]))
    np.testing.assert_allclose(half, 0.5 * (run.points[2] + run.points[3]), atol=1e-6)
    assert run.subset([1, 3]).points.shape == (7, 2, *SHAPE)
    assert run.dim == 64
    back = Trajectory.load(run.save(tmp_path / "run.npz"))
    np.testing.assert_array_equal(back.points, run.points)


def _exact_start(truth: DiagonalGaussian, n: int, seed: int) -> np.ndarray:
    return truth.sample(n, seed=seed, t=0.0)


@pytest.mark.parametrize("schedule", ["linear", "flow"])
@pytest.mark.parametrize("name,steps,kwargs", [
    ("ddim", 100, {}), ("euler", 100, {}), ("heun", 50, {}), ("midpoint", 50, {}),
    ("dpm++2m", 25, {}), ("ddpm", 400, {}), ("sde", 400, {}),
    ("langevin", 100, {"langevin_steps": 20, "langevin_snr": 0.5}),
])
def test_every_sampler_reaches_the_known_mean_and_variance_of_gaussian_images(
    schedule: str, name: str, steps: int, kwargs: dict
) -> None:
    """The exact denoiser of N(mean, diag(var)) images: the samples' per-pixel mean and
    variance are the data's, within what 3,000 samples can tell."""
    truth = _gaussian_image(schedule)
    n = 3000
    if name in ("ddpm", "sde", "langevin"):  # they start from N(0, I), as a user would
        run = sample(truth, name, steps, n=n, seed=2, **kwargs)
    else:
        run = sample(truth, name, steps, x_start=_exact_start(truth, n, seed=2), **kwargs)
    assert run.points.shape[2:] == SHAPE
    mean, var = truth.moments(1.0)
    got_mean, got_var = run.final.mean(0), run.final.var(0)
    standard_error = np.sqrt(var / n)
    # annealed Langevin on the flow path ends biased: its mean is off by 0.05 where
    # 3,000 samples can tell 0.01 (measured; on the VP path it is within the noise)
    slack = 0.06 if (name, schedule) == ("langevin", "flow") else 0.01
    assert np.abs(got_mean - mean).max() < 5 * standard_error.max() + slack, name
    ratio = got_var / var
    assert np.abs(ratio - 1).max() < 0.2, (
        f"{name}/{schedule}: variance ratios {ratio.min():.3f}..{ratio.max():.3f}")
    if name == "langevin":  # its chain lags the annealing: only the end is p_1
        return
    # and half way, the cloud has p_t's moments too (the marginals are transported)
    m_half, v_half = truth.moments(0.5)
    mid = run.at(0.5)
    assert np.abs(mid.mean(0) - m_half).max() < 5 * np.sqrt(v_half / n).max() + 0.02
    assert np.abs(mid.var(0) / v_half - 1).max() < 0.2


def test_exact_denoiser_of_gaussian_images_matches_bayes_rule_by_sampling() -> None:
    """E[x0 | x_t] from the formula against a Monte Carlo posterior mean at one pixel."""
    truth = _gaussian_image()
    t = 0.6
    a, s = float(truth.schedule.alpha(t)), float(truth.schedule.sigma(t))
    rng = np.random.default_rng(0)
    x0 = truth.sample(400_000, seed=1)
    xt = a * x0 + s * rng.standard_normal(x0.shape).astype(np.float32)
    pixel = (0, 3, 5)
    bins = np.quantile(xt[(slice(None), *pixel)], [0.45, 0.55])
    inside = (xt[(slice(None), *pixel)] > bins[0]) & (xt[(slice(None), *pixel)] < bins[1])
    probe = np.zeros((1, *SHAPE), np.float32)
    probe[(0, *pixel)] = xt[inside][:, pixel[0], pixel[1], pixel[2]].mean()
    pred = truth.predict(torch.from_numpy(probe), t)
    assert abs(float(pred.x0[(0, *pixel)]) - x0[inside][:, 0, 3, 5].mean()) < 0.01


def test_shapes_that_do_not_fit_the_model_are_refused_in_one_line() -> None:
    images = np.zeros((2, *SHAPE), np.float32)
    planar = DiffusionModel(MLPDenoiser(), "linear", "eps")
    with pytest.raises(ValueError, match=r"x_start must have shape \(n, dim\)") as err:
        sample(planar, "ddim", 3, x_start=images)
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match=r"shape \(n, \*\(1, 8, 8\)\)") as err:
        sample(_tiny_unet(), "ddim", 3, x_start=np.zeros((2, 2), np.float32))
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="images of shape"):
        _tiny_unet().net(torch.zeros(2, 1, 28, 28), 0.5)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        sample(_tiny_unet(), "ddim", 3, n=2, labels=3, guidance=2.0)
    with pytest.raises(ValueError, match="image_shape"):
        UNetDenoiser((1, 30, 30))


def test_a_missing_device_is_refused_in_one_line() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    for name in ("cuda", "cuda:3", "mps"):
        if name.startswith("cuda") and torch.cuda.is_available():
            continue
        with pytest.raises(ValueError, match="not available here") as err:
            resolve_device(name)
        message = str(err.value)
        assert "\n" not in message and ("--device cpu" in message or "device(s)" in message)
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")
    with pytest.raises(ValueError, match="not available"):
        train_pixel_model(np.zeros((4, 28, 28), np.uint8), np.zeros(4, int),
                          PixelConfig(steps=1, device="mps"), progress=False)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_the_cli_refuses_a_missing_device_with_one_line(tmp_path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "manim_diffusion.cli", "mnist", "train-pixels",
         "--out-dir", str(tmp_path), "--device", "cuda"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: device 'cuda' is not available here"), out.stderr
    assert not list(tmp_path.iterdir())  # nothing written


def test_nothing_in_the_engine_is_pinned_to_the_cpu() -> None:
    """Models, guidance, every sampler step and the loss run on the "meta" device: any
    tensor made on the CPU and mixed in would raise."""
    meta = torch.device("meta")
    for model, x in [(_tiny_unet(), torch.zeros(3, *SHAPE, device=meta)),
                     (DiffusionModel(MLPDenoiser(num_classes=3), "linear", "eps"),
                      torch.zeros(3, 2, device=meta))]:
        model = model.to(meta)
        with torch.no_grad():
            for pred in (model.predict(x, 0.4), model.predict(x, 0.4, labels=1),
                         model.predict(x, torch.full((3,), 0.4)),
                         model.guided(2, 3.0).predict(x, 0.4)):
                assert pred.x0.device == meta and pred.eps.device == meta
            for name, spec in SAMPLER_SPECS.items():
                ctx = StepContext.on_grid(model, time_grid(4, model.schedule, spec.default_grid),
                                          torch.Generator().manual_seed(0))
                step = spec.make_step(ctx)
                for k in range(4):
                    x_next, pred, _ = step(x, k, k == 3)
                    assert x_next.device == meta and x_next.shape == x.shape, name
        labels = torch.zeros(3, dtype=torch.long, device=meta)
        assert diffusion_loss(model, x, labels=labels).device == meta


def test_pixel_training_learns_is_seeded_and_saves_float16(tmp_path) -> None:
    rng = np.random.default_rng(0)
    images = np.zeros((64, 28, 28), np.uint8)
    labels = rng.integers(0, 10, 64)
    for i, d in enumerate(labels):  # a bar whose height says the digit
        images[i, 4 + 2 * d: 8 + 2 * d, 6:22] = 255
    config = PixelConfig(steps=60, batch_size=16, lr=3e-3, channels=(4, 8, 8), time_dim=16,
                         threads=1, device="cpu")
    first = train_pixel_model(images, labels, config, progress=False)
    again = train_pixel_model(images, labels, config, progress=False)
    assert first.losses[-15:].mean() < 0.7 * first.losses[:15].mean()
    for p, q in zip(first.model.parameters(), again.model.parameters(), strict=True):
        assert torch.equal(p, q)
    digest = save_pixel_model(first.model, config, tmp_path / "px.pt")
    loaded = load_pixel_model(tmp_path / "px.pt", sha256=digest)
    for p, q in zip(first.model.parameters(), loaded.parameters(), strict=True):
        assert torch.equal(p, q)  # weights were rounded to float16 before measuring
    x = torch.from_numpy(to_model(images[:4]))
    with torch.no_grad():
        np.testing.assert_array_equal(first.model.predict(x, 0.5).x0, loaded.predict(x, 0.5).x0)
    with pytest.raises(ValueError, match="labels must be"):
        train_pixel_model(images, labels[:10], config, progress=False)


def test_model_space_conversions_invert() -> None:
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    x = to_model(images)
    assert x.shape == (3, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    np.testing.assert_allclose(to_unit(x)[:, 0], images / 255.0, atol=1e-6)
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        to_model(np.zeros((3, 27, 28)))


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_sample_command_takes_a_device_and_refuses_a_missing_one(tmp_path) -> None:
    base = [sys.executable, "-m", "manim_diffusion.cli", "sample", "--model", "smiley_ddpm",
            "--steps", "4", "-n", "8", "--out", str(tmp_path / "run.npz")]
    missing = subprocess.run([*base, "--device", "cuda"], capture_output=True, text=True,
                             timeout=120)
    assert missing.returncode != 0 and not (tmp_path / "run.npz").exists()
    assert "device 'cuda' is not available here" in missing.stderr
    done = subprocess.run([*base, "--device", "cpu"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and Trajectory.load(tmp_path / "run.npz").n_points == 8


def test_x0_range_clips_every_prediction_and_keeps_eps_consistent() -> None:
    torch.manual_seed(0)
    net = UNetDenoiser(SHAPE, channels=(4, 8, 8), time_dim=16, num_classes=3)
    for p in net.conv_out.parameters():
        torch.nn.init.normal_(p, std=1.0)  # wild outputs: x0-hat far outside [-1, 1]
    free = DiffusionModel(net, "cosine", "eps").eval()
    clipped = DiffusionModel(net, "cosine", "eps", x0_range=(-1.0, 1.0)).eval()
    x = torch.randn(4, *SHAPE)
    with torch.no_grad():
        raw, got = free.predict(x, 0.05), clipped.predict(x, 0.05)
        assert raw.x0.abs().max() > 1.5 and got.x0.abs().max() <= 1.0
        np.testing.assert_allclose(got.x0, raw.x0.clamp(-1, 1))
        np.testing.assert_allclose(got.alpha * got.x0 + got.sigma * got.eps, x, atol=1e-5)
        # guidance mixes the unclipped branches, then clips once
        lab = torch.tensor([0, 1, 2, 0])
        cond = free.predict(x, 0.05, lab)
        mix = raw.x0 + 3.0 * (cond.x0 - raw.x0)
        guided = clipped.guided(lab, 3.0).predict(x, 0.05)
        np.testing.assert_allclose(guided.x0, mix.clamp(-1, 1), atol=1e-5)
    with pytest.raises(ValueError, match="x0_range"):
        DiffusionModel(net, "cosine", "eps", x0_range=(1.0, -1.0))


def test_point_models_train_on_the_device_asked_for(tmp_path) -> None:
    """``train(device=...)``: the CPU gives the default's weights; a missing device is
    refused before any work, by the API and by ``manim-diffusion train``."""
    from manim_diffusion import TrainConfig, make_dataset, train

    data = make_dataset("three_dots", 300, seed=0)
    config = TrainConfig(steps=30, batch_size=64, hidden=32, layers=2, seed=0)
    on_cpu = train(data, config, progress=False, device="cpu").model
    default = train(data, config, progress=False).model
    for a, b in zip(on_cpu.state_dict().values(), default.state_dict().values(), strict=True):
        assert a.device.type == "cpu" and torch.equal(a, b)
    if not torch.backends.mps.is_available():
        with pytest.raises(ValueError, match="not available here"):
            train(data, config, progress=False, device="mps")
    if torch.cuda.is_available():
        return
    out = tmp_path / "m.pt"
    done = subprocess.run(
        [sys.executable, "-m", "manim_diffusion.cli", "train", "--dataset", "smiley",
         "--steps", "5", "--out", str(out), "--no-manifest", "--device", "cuda"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "device 'cuda' is not available here" in lines[-1], done.stderr
    assert not out.exists()
