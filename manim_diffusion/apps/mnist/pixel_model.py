"""Diffusion in pixel space on MNIST: the U-Net model, its training, its file.

Images live in model space as float32 ``(N, 1, 28, 28)`` in [-1, 1] (0 is mid grey);
:func:`to_model` and :func:`to_unit` convert from and to pixels in [0, 1].
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ...core.devices import resolve_device
from ...core.model import OBJECTIVE_NAMES, DiffusionModel
from ...core.schedules import SCHEDULES
from ...core.threads import limited_threads
from ...core.unet import UNetDenoiser
from ...io.checkpoints import load_weights, save_weights
from ...training.config import RunConfig
from ...training.loop import LoopSettings, StepLoss, run_loop, seeded
from ...training.objectives import diffusion_loss
from .latent import STORAGE_DTYPE, round_to_storage

__all__ = [
    "IMAGE_SHAPE",
    "PIXEL_CONFIG",
    "PIXEL_MODEL_NAME",
    "PixelConfig",
    "PixelResult",
    "build_pixel_model",
    "load_pixel_model",
    "save_pixel_model",
    "to_model",
    "to_unit",
    "train_pixel_model",
]

#: The shape of one MNIST image in model space.
IMAGE_SHAPE = (1, 28, 28)
#: The shipped class-conditional pixel model's name (``pretrained/mnist_pixel_cond.pt``).
PIXEL_MODEL_NAME = "mnist_pixel_cond"


def to_model(images: np.ndarray | torch.Tensor) -> np.ndarray:
    """Images (uint8 0-255, or floats in [0, 1]; ``(N, 28, 28)`` or ``(N, 1, 28, 28)``)
    as float32 ``(N, 1, 28, 28)`` in [-1, 1], the pixel model's space."""
    arr = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    unit = arr.astype(np.float32) / 255.0 if arr.dtype == np.uint8 else arr.astype(np.float32)
    if unit.ndim == 3:
        unit = unit[:, None]
    if unit.ndim != 4 or unit.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"images must have shape (N, 28, 28) or (N, 1, 28, 28), "
                         f"got {arr.shape}")
    return 2.0 * unit - 1.0


def to_unit(x: np.ndarray | torch.Tensor) -> np.ndarray:
    """Model-space images (any shape, values around [-1, 1]) as floats in [0, 1], clipped."""
    arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    return np.clip((arr.astype(np.float32) + 1.0) / 2.0, 0.0, 1.0)


@dataclass
class PixelConfig(RunConfig):
    """Everything that decides a pixel-model training run (and so its weights).

    Parameters
    ----------
    steps
        Optimiser steps (one batch each).
    batch_size
        Images per batch, drawn with replacement.
    lr
        Adam's learning rate at the start; it decays to 0 on a cosine.
    ema_decay
        Decay of the moving average of the weights (the model kept).
    seed
        Seeds the weights, the batches and the noise.
    channels, time_dim
        The :class:`~manim_diffusion.core.unet.UNetDenoiser`'s widths and embedding.
    schedule, objective
        The noise schedule and what the net predicts.
    label_dropout
        Share of labels dropped per batch (the unconditional branch of guidance).
    threads
        CPU threads torch uses.
    device
        ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"`` or ``"mps"``. Not part of
        the weights: a run gives the same model on any device up to rounding.

    Examples
    --------
    .. manim:: PixelConfigExample
        :save_last_frame:

        from manim_diffusion import PIXEL_CONFIG

        class PixelConfigExample(Scene):
            def construct(self):
                shown = {k: v for k, v in PIXEL_CONFIG.to_dict().items() if k != "device"}
                lines = [f"{key} = {value}" for key, value in shown.items()]
                self.add(Paragraph(*lines, font_size=26).move_to(ORIGIN))
    """

    steps: int = 10000
    batch_size: int = 64
    lr: float = 1.5e-3
    ema_decay: float = 0.999
    seed: int = 0
    channels: tuple[int, int, int] = (16, 32, 64)
    time_dim: int = 64
    schedule: str = "cosine"
    objective: str = "eps"
    label_dropout: float = 0.1
    threads: int = 2
    device: str = field(default="auto", compare=False)

    positive_ints = ("steps", "batch_size", "threads", "time_dim")
    fractions = ("ema_decay", "label_dropout")
    widths = ("channels",)

    def check_more(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of: "
                             f"{', '.join(SCHEDULES)}")
        if self.objective not in OBJECTIVE_NAMES:
            raise ValueError(f"unknown objective {self.objective!r}; choose one of: "
                             f"{', '.join(OBJECTIVE_NAMES)}")
        if len(self.channels) != 3:
            raise ValueError(f"channels must be three widths, got {self.channels!r}")


#: How the shipped pixel model is trained (the CLI's defaults).
PIXEL_CONFIG = PixelConfig()


def build_pixel_model(config: PixelConfig, num_classes: int = 10) -> DiffusionModel:
    """An untrained class-conditional pixel model of the shape ``config`` names.

    Its predictions clip x0-hat to [-1, 1], the images' range.
    """
    channels = (int(config.channels[0]), int(config.channels[1]), int(config.channels[2]))
    net = UNetDenoiser(IMAGE_SHAPE, channels, config.time_dim, num_classes)
    # images live in [-1, 1]: x0-hat is clipped there (see DiffusionModel's x0_range)
    return DiffusionModel(net, config.schedule, config.objective, x0_range=(-1.0, 1.0))


@dataclass
class PixelResult:
    """A trained pixel model (its EMA weights, rounded to float16), losses and time."""

    model: DiffusionModel
    losses: np.ndarray
    seconds: float
    config: PixelConfig


def train_pixel_model(
    images: np.ndarray, labels: np.ndarray, config: PixelConfig | None = None,
    progress: bool = True,
) -> PixelResult:
    """Train the class-conditional U-Net on MNIST images.

    Parameters
    ----------
    images
        uint8 ``(N, 28, 28)`` (0-255) or floats in [0, 1].
    labels
        The digit of each image, integers in [0, 9].
    config
        The run (:data:`PIXEL_CONFIG` by default); checked first.
    progress
        Show a progress bar.

    Returns
    -------
    PixelResult
        The model in eval mode on the CPU, weights rounded to what a float16 file
        keeps. TrainingDiverged if the loss turns NaN (nothing is kept).

    Examples
    --------
    Thirty steps on 256 digits, enough to see the loss fall (the shipped model
    trains 10,000):

    .. manim:: TrainPixelModelExample
        :save_last_frame:

        from manim_diffusion import PixelConfig, load_pixel_mnist, train_pixel_model

        class TrainPixelModelExample(Scene):
            def construct(self):
                kit = load_pixel_mnist()
                config = PixelConfig(steps=30, batch_size=32, channels=(8, 8, 16),
                                     threads=1, device="cpu")
                result = train_pixel_model(kit.digits[:256], kit.digit_labels[:256], config,
                                           progress=False)
                axes = Axes(x_range=[0, 30, 10], y_range=[0, 1.2, 0.4], x_length=8,
                            y_length=4.5, tips=False)
                curve = axes.plot_line_graph(np.arange(30), result.losses,
                                             add_vertex_dots=False)
                self.add(axes, curve, Text("loss per step", font_size=28).next_to(axes, UP),
                         Text("step 30", font_size=22).next_to(axes.c2p(30, 0), DOWN),
                         Text("1.2", font_size=22).next_to(axes.c2p(0, 1.2), LEFT))
    """
    config = (config or PixelConfig()).validate()
    device = resolve_device(config.device)
    x_all = torch.from_numpy(to_model(images))
    lab = np.asarray(labels)
    if lab.shape != (len(x_all),) or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"labels must be {len(x_all)} integers, got shape {lab.shape}")
    if len(lab) == 0 or lab.min() < 0 or lab.max() > 9:
        raise ValueError("labels must be digits in [0, 9] (and there must be some images)")
    label_all = torch.from_numpy(lab.astype(np.int64))
    with limited_threads(threads=config.threads), seeded(config.seed) as gen:
        model = build_pixel_model(config).to(device)
        x_dev, label_dev = x_all.to(device), label_all.to(device)

        def step_loss(step: int) -> StepLoss:
            index = torch.randint(0, len(x_all), (config.batch_size,), generator=gen)
            drop = torch.rand(config.batch_size, generator=gen) < config.label_dropout
            index_dev = index.to(device)
            batch_labels = torch.where(drop.to(device), -1, label_dev[index_dev])
            return StepLoss(diffusion_loss(model, x_dev[index_dev], generator=gen,
                                           labels=batch_labels))

        settings = LoopSettings(config.steps, config.lr, config.ema_decay, desc="pixel model",
                                what="pixel-model training",
                                postfix=lambda row: {"loss": f"{row[0]:.4f}"}, postfix_every=50)
        run = run_loop(model, step_loss, settings)
    kept = run.model.to("cpu").eval().requires_grad_(False)
    assert isinstance(kept, DiffusionModel)
    round_to_storage(kept)
    return PixelResult(kept, run.losses, run.seconds, config)


def save_pixel_model(model: DiffusionModel, config: PixelConfig, path: str | os.PathLike[str],
                     meta: dict[str, Any] | None = None) -> str:
    """Write the pixel model (float16 weights) atomically; returns the sha256."""
    info = {"config": {k: v for k, v in config.to_dict().items() if k != "device"},
            "num_classes": model.num_classes, **(meta or {})}
    return save_weights(model.state_dict(), path, "pixel_diffusion", info, STORAGE_DTYPE)


def load_pixel_model(path: str | os.PathLike[str], sha256: str | None = None) -> DiffusionModel:
    """A pixel model from a :func:`save_pixel_model` file (hash checked), in eval mode."""
    state, meta = load_weights(path, sha256, kind="pixel_diffusion")
    given = dict(meta.get("config", {}))
    given["channels"] = tuple(given.get("channels", PIXEL_CONFIG.channels))
    known = {k: v for k, v in given.items() if k in PixelConfig.__dataclass_fields__}
    model = build_pixel_model(PixelConfig(**known), int(meta.get("num_classes", 10)))
    model.load_state_dict(state)
    model.dataset = "mnist_pixels"
    return model.eval().requires_grad_(False)
