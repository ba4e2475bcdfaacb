"""The training loop: Adam with cosine decay, EMA weights, seeding, progress, snapshots."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from .nets import MLPDenoiser
from .objectives import DiffusionModel, diffusion_loss

__all__ = ["TrainConfig", "TrainResult", "Snapshot", "TrainingDiverged", "train", "build_model"]


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the last good weights are kept on the error."""

    def __init__(self, step: int, last_good: DiffusionModel | None) -> None:
        super().__init__(
            f"training diverged: the loss became NaN or infinite at step {step}; "
            "lower the learning rate (--lr) or check the data for NaN values"
        )
        self.step = step
        self.last_good = last_good


@dataclass
class TrainConfig:
    """Everything that decides a training run (and so its checkpoint)."""

    steps: int = 5000
    batch_size: int = 512
    lr: float = 6e-3
    ema_decay: float = 0.99
    seed: int = 0
    hidden: int = 128
    layers: int = 3
    time_dim: int = 64
    schedule: str = "linear"
    objective: str = "eps"
    threads: int = 2

    def validate(self) -> TrainConfig:
        for name in ("steps", "batch_size", "hidden", "layers", "threads"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must lie in [0, 1), got {self.ema_decay!r}")
        return self

    def to_dict(self) -> dict[str, int | float | str]:
        return asdict(self)


@dataclass
class Snapshot:
    """Handed to the training callback every ``snapshot_every`` steps."""

    step: int
    loss: float
    model: DiffusionModel  # a frozen copy of the EMA weights at this step


@dataclass
class TrainResult:
    """The EMA model, the loss per step and the time the run took."""

    model: DiffusionModel
    losses: np.ndarray
    seconds: float
    config: TrainConfig
    snapshots: list[Snapshot] = field(default_factory=list)


def build_model(config: TrainConfig, dim: int = 2) -> DiffusionModel:
    """An untrained model of the shape ``config`` names."""
    net = MLPDenoiser(dim=dim, hidden=config.hidden, layers=config.layers, time_dim=config.time_dim)
    return DiffusionModel(net, schedule=config.schedule, objective=config.objective)


def train(
    data: np.ndarray,
    config: TrainConfig | None = None,
    callback: Callable[[Snapshot], None] | None = None,
    snapshot_every: int = 0,
    progress: bool = True,
) -> TrainResult:
    """Train a diffusion model on the points ``data`` (shape ``(N, D)``).

    Parameters
    ----------
    data
        The training set; batches are drawn from it with replacement.
    config
        Steps, batch size, learning rate, EMA decay, seed, network shape, schedule
        and objective. The same config and data give the same weights.
    callback
        Called with a :class:`Snapshot` every ``snapshot_every`` steps (and at the
        end), e.g. to sample the model as it learns.
    progress
        Show a progress bar.

    Raises
    ------
    TrainingDiverged
        When the loss becomes NaN or infinite; it carries the last good EMA model.
    """
    config = (config or TrainConfig()).validate()
    data = np.asarray(data, dtype=np.float32)
    if data.ndim != 2 or len(data) == 0:
        raise ValueError(f"data must have shape (N, D) with N >= 1, got {data.shape}")
    if not np.isfinite(data).all():
        raise ValueError("data has NaN or infinite values; drop them before training")
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    model = build_model(config, dim=data.shape[1])
    ema = copy.deepcopy(model).requires_grad_(False)
    params = list(model.parameters())
    ema_params = list(ema.parameters())
    opt = torch.optim.Adam(params, lr=config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.steps)
    x_all = torch.from_numpy(data)
    losses = np.empty(config.steps, dtype=np.float32)
    snapshots: list[Snapshot] = []
    started = time.perf_counter()
    bar = tqdm(range(config.steps), desc="training", disable=not progress, mininterval=0.5)
    for step in bar:
        batch = x_all[torch.randint(0, len(x_all), (config.batch_size,), generator=gen)]
        loss = diffusion_loss(model, batch, generator=gen)
        value = loss.item()
        if not math.isfinite(value):
            raise TrainingDiverged(step, copy.deepcopy(ema) if step else None)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            torch._foreach_lerp_(ema_params, params, 1.0 - config.ema_decay)
        losses[step] = value
        if step % 200 == 0:
            bar.set_postfix(loss=f"{value:.4f}")
        done = step + 1
        if callback and snapshot_every and (done % snapshot_every == 0 or done == config.steps):
            snap = Snapshot(done, value, copy.deepcopy(ema).eval())
            snapshots.append(snap)
            callback(snap)
    return TrainResult(ema.eval(), losses, time.perf_counter() - started, config, snapshots)
