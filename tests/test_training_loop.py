"""The one training loop and the config base, as the three trainers share them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

import manim_diffusion
from manim_diffusion import (
    ClassifierConfig,
    DiffusionModel,
    DigitClassifier,
    TrainConfig,
    TrainingDiverged,
    VAEConfig,
    make_dataset,
    toy_latent_digits,
    train,
    train_classifier,
    train_vae,
)
from manim_diffusion.apps.mnist.vae import VAE
from manim_diffusion.training import (
    LoopSettings,
    RunConfig,
    StepLoss,
    average_of,
    epoch_batches,
    run_loop,
    seeded,
)
from manim_diffusion.training import loop as loop_module
from manim_diffusion.training import train as train_module


@pytest.fixture(scope="module")
def toy() -> tuple[np.ndarray, np.ndarray]:
    digits = toy_latent_digits(n=200, seed=1)
    return digits.decode(digits.codes), digits.labels


def tiny_runs(toy: tuple[np.ndarray, np.ndarray], lr: float) -> dict[str, Callable[[], Any]]:
    """A few steps of each trainer, with the given learning rate."""
    images, labels = toy
    points = make_dataset("three_dots", 500, seed=0)
    return {
        "diffusion": lambda: train(points, TrainConfig(steps=30, batch_size=64, hidden=16,
                                                       layers=1, lr=lr, threads=1),
                                   progress=False).model,
        "vae": lambda: train_vae(images, labels, VAEConfig(epochs=2, batch_size=50, hidden=(16,),
                                                           lr=lr, label_weight=1.0, threads=1),
                                 progress=False).vae,
        "vae_ema": lambda: train_vae(images, None, VAEConfig(epochs=2, batch_size=50,
                                                             hidden=(16,), lr=lr,
                                                             ema_decay=0.9, threads=1),
                                     progress=False).vae,
        "classifier": lambda: train_classifier(images, labels,
                                               ClassifierConfig(epochs=2, batch_size=50,
                                                                hidden=(16,), lr=lr,
                                                                dropout=0.3, threads=1),
                                               progress=False).model,
    }


KINDS = {"diffusion": DiffusionModel, "vae": VAE, "vae_ema": VAE, "classifier": DigitClassifier}


def weights(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("name", list(KINDS))
def test_training_leaves_the_callers_random_state_alone(toy, name: str) -> None:
    run = tiny_runs(toy, 3e-3)[name]
    torch.manual_seed(123)
    np.random.seed(7)
    torch_before, numpy_before = torch.get_rng_state(), np.random.get_state()
    first = weights(run())
    assert torch.equal(torch.get_rng_state(), torch_before)
    numpy_after = np.random.get_state()
    assert numpy_after[0] == numpy_before[0] and np.array_equal(numpy_after[1], numpy_before[1])
    assert numpy_after[2:] == numpy_before[2:]
    torch.manual_seed(999)  # another state before the run: the same weights
    np.random.seed(1)
    torch.rand(5)
    for a, b in zip(first, weights(run()), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("name", list(KINDS))
def test_every_trainer_raises_training_diverged(toy, name: str) -> None:
    with pytest.raises(TrainingDiverged, match="diverged.*NaN or infinite.*--lr") as info:
        tiny_runs(toy, 1e30)[name]()
    err = info.value
    assert err.step >= 1 and isinstance(err.last_good, KINDS[name])
    assert isinstance(err, RuntimeError) and isinstance(err, FloatingPointError)


def test_nan_images_raise_training_diverged_at_the_first_step(toy) -> None:
    images, labels = toy
    bad = images.copy()
    bad[:] = np.nan
    config = VAEConfig(epochs=1, batch_size=50, hidden=(16,), threads=1)
    with pytest.raises(TrainingDiverged, match="VAE training diverged.*step 0") as info:
        train_vae(bad, config=config, progress=False)
    assert info.value.last_good is None
    with pytest.raises(TrainingDiverged, match="classifier training diverged.*step 0"):
        train_classifier(bad, labels, ClassifierConfig(epochs=1, hidden=(16,), threads=1),
                         progress=False)


def test_training_diverged_is_importable_from_its_public_places() -> None:
    assert (manim_diffusion.TrainingDiverged is manim_diffusion.engine.TrainingDiverged
            is train_module.TrainingDiverged is loop_module.TrainingDiverged)


def test_the_average_is_an_exponential_moving_average_from_the_initial_weights() -> None:
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    x, y = torch.randn(16, 3), torch.randn(16, 2)
    decay = 0.8
    expected = weights(model)

    def step_loss(step: int) -> StepLoss:
        return StepLoss(((model(x) - y) ** 2).mean())

    def on_step(done: int, value: float, kept: nn.Module) -> None:
        for e, p in zip(expected, model.parameters(), strict=True):
            e.copy_(e + (1 - decay) * (p.detach() - e))

    run = run_loop(model, step_loss, LoopSettings(steps=20, lr=0.05, ema_decay=decay),
                   on_step=on_step, progress=False)
    assert run.model is not model and run.losses.shape == (20,)
    for e, p in zip(expected, run.model.parameters(), strict=True):
        assert torch.allclose(e, p, atol=1e-6) and not p.requires_grad
    assert not torch.allclose(expected[0], model.weight)  # the raw weights moved on


def test_average_of_follows_the_weights_with_decay_zero() -> None:
    model = nn.Linear(2, 2)
    averaged = average_of(model, 0.0)
    with torch.no_grad():
        model.weight.add_(1.0)
    averaged.update_parameters(model)
    assert torch.equal(averaged.module.weight, model.weight)


def test_no_average_returns_the_trained_module_and_logs_columns() -> None:
    model = nn.Linear(2, 1)
    x = torch.ones(4, 2)

    def step_loss(step: int) -> StepLoss:
        out = model(x)
        return StepLoss(out.pow(2).mean(), (out.mean(), out.abs().mean()))

    run = run_loop(model, step_loss, LoopSettings(steps=5, lr=0.1, columns=3), progress=False)
    assert run.model is model and run.losses.shape == (5, 3)
    assert np.isfinite(run.losses).all()


def test_seeded_draws_the_same_inside_and_restores_outside() -> None:
    torch.manual_seed(5)
    before = torch.get_rng_state()
    with seeded(3) as gen:
        inside = (torch.rand(3), torch.rand(3, generator=gen))
    assert torch.equal(torch.get_rng_state(), before)
    with seeded(3) as gen:
        assert torch.equal(torch.rand(3), inside[0])
        assert torch.equal(torch.rand(3, generator=gen), inside[1])


def test_epoch_batches_cover_each_epoch_once() -> None:
    batches = epoch_batches(10, 4, torch.Generator().manual_seed(0))
    for _ in range(3):
        epoch = [next(batches) for _ in range(3)]
        assert [len(b) for b in epoch] == [4, 4, 2]
        assert sorted(torch.cat(epoch).tolist()) == list(range(10))


# ---------------------------------------------------------------- the config base


@pytest.mark.parametrize("cls", [TrainConfig, VAEConfig, ClassifierConfig])
def test_every_config_derives_from_the_base(cls: type) -> None:
    assert issubclass(cls, RunConfig)
    config = cls()
    assert config.validate() is config


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TrainConfig(steps=0), "steps must be a positive integer, got 0"),
        (lambda: TrainConfig(batch_size=2.5), "batch_size must be a positive integer, got 2.5"),
        (lambda: TrainConfig(layers=True), "layers must be a positive integer, got True"),
        (lambda: TrainConfig(lr=math.nan), "lr must be a positive number, got nan"),
        (lambda: TrainConfig(lr=-1.0), "lr must be a positive number, got -1.0"),
        (lambda: TrainConfig(ema_decay=1.0), r"ema_decay must lie in \[0, 1\), got 1.0"),
        (lambda: TrainConfig(num_classes=-1), "num_classes must be an integer >= 0, got -1"),
        (lambda: TrainConfig(num_classes=3, label_dropout=1.5),
         r"label_dropout must lie in \[0, 1\), got 1.5"),
        (lambda: VAEConfig(epochs=0), "epochs must be a positive integer, got 0"),
        (lambda: VAEConfig(latent_dim=-2), "latent_dim must be a positive integer, got -2"),
        (lambda: VAEConfig(lr=math.inf), "lr must be a positive number, got inf"),
        (lambda: VAEConfig(beta=-0.5), "beta must be a number >= 0, got -0.5"),
        (lambda: VAEConfig(label_weight=math.nan), "label_weight must be a number >= 0, got nan"),
        (lambda: VAEConfig(ema_decay=-0.1), r"ema_decay must lie in \[0, 1\), got -0.1"),
        (lambda: VAEConfig(hidden=()), r"hidden widths must be positive, got \(\)"),
        (lambda: VAEConfig(threads=0), "threads must be a positive integer, got 0"),
        (lambda: ClassifierConfig(batch_size=0), "batch_size must be a positive integer, got 0"),
        (lambda: ClassifierConfig(lr="fast"), "lr must be a positive number, got 'fast'"),
        (lambda: ClassifierConfig(dropout=1.0), r"dropout must lie in \[0, 1\), got 1.0"),
        (lambda: ClassifierConfig(hidden=(64, 0)), r"hidden widths must be positive"),
        (lambda: ClassifierConfig(shift=14), r"shift must lie in \[0, 13\], got 14"),
    ],
)
def test_config_validation_names_the_field(make: Callable[[], RunConfig], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make().validate()


def test_config_dicts_are_the_ones_checkpoints_store() -> None:
    """The dicts (keys in order) that checkpoints and the manifest hold: unchanged."""
    assert list(TrainConfig().to_dict().items()) == [
        ("steps", 5000), ("batch_size", 512), ("lr", 6e-3), ("ema_decay", 0.99), ("seed", 0),
        ("hidden", 128), ("layers", 3), ("time_dim", 64), ("schedule", "linear"),
        ("objective", "eps"), ("threads", 1),  # 2 before 2026-12: see TrainConfig.threads
    ]
    assert list(TrainConfig(num_classes=10).to_dict())[-2:] == ["num_classes", "label_dropout"]
    assert list(VAEConfig().to_dict().items()) == [
        ("epochs", 15), ("batch_size", 256), ("lr", 2e-3), ("beta", 1.0), ("latent_dim", 2),
        ("hidden", [512, 256]), ("ema_decay", 0.0), ("label_weight", 0.0), ("seed", 0),
        ("threads", 2),
    ]
    assert list(ClassifierConfig().to_dict().items()) == [
        ("epochs", 8), ("batch_size", 128), ("lr", 1e-3), ("hidden", [256, 128]),
        ("dropout", 0.1), ("shift", 2), ("seed", 0), ("threads", 2),
    ]
