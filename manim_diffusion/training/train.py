"""Training a diffusion model on points: its config, result, snapshots and recipe."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from ..core.devices import resolve_device
from ..core.model import DiffusionModel
from ..core.nets import ACTIVATIONS, MLPDenoiser
from ..core.threads import limited_threads
from ..samplers.sample import sample
from .config import RunConfig, check_non_negative_int
from .loop import LoopSettings, StepLoss, TrainingDiverged, run_loop, seeded
from .objectives import diffusion_loss

__all__ = [
    "TRAIN_PRESETS",
    "TrainConfig",
    "TrainResult",
    "Snapshot",
    "TrainingDiverged",
    "train",
    "build_model",
]


@dataclass
class TrainConfig(RunConfig):
    """Everything that decides a training run (and so its checkpoint).

    See :meth:`preset` for named recipes (``"fast"``: the smiley to energy distance
    0.005 in 300 to 400 steps, under a second).

    Parameters
    ----------
    steps
        Number of optimiser steps (one batch each).
    batch_size
        Points per batch, drawn from the data with replacement.
    lr
        Adam's learning rate at the start; it decays to 0 on a cosine over ``steps``.
    ema_decay
        Decay of the exponential moving average of the weights (the model returned);
        in ``[0, 1)``, 0 keeps the raw weights.
    seed
        Seeds the initial weights, the batches and the noise.
    hidden, layers, time_dim
        Shape of the :class:`~manim_diffusion.core.nets.MLPDenoiser`.
    schedule
        Name of the noise schedule (see :func:`~manim_diffusion.core.schedules.get_schedule`).
    objective
        What the net learns to predict: one of
        :data:`~manim_diffusion.core.model.OBJECTIVES` (``"flow"`` goes with
        the ``"flow"`` schedule; see :meth:`for_objective`).
    threads
        CPU threads torch uses during the run. One by default: a second thread gains
        10-20% on an idle two-core machine, but when another process shares the cores
        OpenMP's waiting threads make training some 25 times slower (1,500 steps:
        8 s alone; 194 s each for two runs side by side on 2 threads, 12 s each on 1).
    num_classes
        Number of classes for a class-conditional model (0: unconditional).
    label_dropout
        Share of labels dropped in each batch of a conditional model, so that it also
        learns the unconditional branch of classifier-free guidance.
    fourier
        Random Fourier features of ``x`` the net gets beside it (0: none; see
        :class:`~manim_diffusion.core.nets.MLPDenoiser`).
    activation
        The net's hidden activation, one of :data:`~manim_diffusion.core.nets.ACTIVATIONS`.

    Examples
    --------
    The same data and net after 20, 60 and 300 steps:

    .. manim:: TrainConfigExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, TrainConfig, make_dataset, sample, train

        class TrainConfigExample(Scene):
            def construct(self):
                data = make_dataset("three_dots", 2000, seed=0)
                for col, steps in enumerate([20, 60, 300]):
                    config = TrainConfig(steps=steps, batch_size=128, lr=0.02, ema_decay=0.9,
                                         hidden=64, layers=2, objective="flow",
                                         schedule="flow", threads=1, seed=0)
                    model = train(data, config, progress=False).model
                    points = sample(model, "euler", steps=20, n=1000, seed=1).final
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=4, y_length=4,
                                tips=False).shift((col - 1) * 4.5 * RIGHT + 0.3 * DOWN)
                    self.add(axes, DistributionCloud(points, axes=axes, radius=0.02),
                             Text(f"steps={steps}", font_size=26).next_to(axes, UP))
    """

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
    threads: int = 1
    num_classes: int = 0
    label_dropout: float = 0.1
    fourier: int = 0
    activation: str = "silu"

    positive_ints = ("steps", "batch_size", "hidden", "layers", "threads")
    fractions = ("ema_decay", "label_dropout")

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> TrainConfig:
        """The named recipe of :data:`TRAIN_PRESETS`, with any field overridden.

        ``"fast"`` is what reached the smiley's energy distance 0.005 soonest (median of
        5 evaluation seeds, ``benchmarks/train.py``): flow matching with a 32-wide net
        of two hidden ReLU layers on 16 Fourier features of x, learning rate 0.02, 400
        steps (300 already reach it; 400 leave a margin across training seeds), under
        a second on one core. Its net also samples 3.5 times faster than the default
        128 x 3 SiLU one (10,000 points x 1,000 DDPM steps, one AMD EPYC core: 5.4 s
        of CPU against 19.5 s).

        Parameters
        ----------
        name
            One of :data:`TRAIN_PRESETS`.
        **overrides
            Fields to set otherwise (``steps=1000``, ``threads=2``, ...).

        Examples
        --------
        .. manim:: TrainPresetExample
            :save_last_frame:

            from manim_diffusion import DistributionCloud, TrainConfig, make_dataset, sample, train

            class TrainPresetExample(Scene):
                def construct(self):
                    config = TrainConfig.preset("fast", threads=1)
                    result = train(make_dataset("smiley", 10000, seed=0), config,
                                   progress=False)
                    points = sample(result.model, "ddim", steps=50, n=2000, seed=0).final
                    self.add(DistributionCloud(points, radius=0.02),
                             Text(f"preset fast: {config.steps} steps, "
                                  f"{result.seconds:.1f} s", font_size=26).to_corner(UL))
        """
        if name not in TRAIN_PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(TRAIN_PRESETS)}")
        return cls(**{**TRAIN_PRESETS[name], **overrides})

    @classmethod
    def for_objective(cls, objective: str, **kwargs: Any) -> TrainConfig:
        """A config with the schedule that suits ``objective`` (flow: the flow path)."""
        kwargs.setdefault("schedule", "flow" if objective == "flow" else "linear")
        return cls(objective=objective, **kwargs)

    def check_more(self) -> None:
        check_non_negative_int("fourier", self.fourier)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, "
                             f"got {self.activation!r}")
        if isinstance(self.num_classes, bool) or not isinstance(self.num_classes, int) or (
            self.num_classes < 0
        ):
            raise ValueError(f"num_classes must be an integer >= 0, got {self.num_classes!r}")

    def to_dict(self) -> dict[str, Any]:
        """The config as a dict; the conditioning fields only for a conditional model,
        so that unconditional checkpoints keep their bytes."""
        out = super().to_dict()
        if not self.num_classes:
            del out["num_classes"], out["label_dropout"]
        for name in ("fourier", "activation"):  # written only when set: old bytes kept
            if out[name] == TrainConfig.__dataclass_fields__[name].default:
                del out[name]
        return out


#: Named training recipes for :meth:`TrainConfig.preset` (fields that differ from the
#: defaults). "fast": measured in ``benchmarks/train.py``.
TRAIN_PRESETS: dict[str, dict[str, Any]] = {
    "fast": {"steps": 400, "lr": 0.02, "hidden": 32, "layers": 2, "fourier": 16,
             "activation": "relu", "objective": "flow", "schedule": "flow"},
}


@dataclass
class Snapshot:
    """The model as it learns, taken every ``snapshot_every`` steps.

    Made by :func:`train`; the fields are also its attributes.

    Parameters
    ----------
    step
        Training steps done.
    loss
        The loss at that step.
    model
        A frozen copy of the EMA weights.
    samples
        Samples of that copy from the same fixed noise at every snapshot (shape
        ``(n, D)``), when ``snapshot_noise`` was given: the cloud improving as the
        model learns.

    Examples
    --------
    .. manim:: SnapshotExample
        :save_last_frame:

        from manim_diffusion import TrainConfig, TrainingEvolution, make_dataset, train

        class SnapshotExample(Scene):
            def construct(self):
                noise = np.random.default_rng(0).normal(size=(800, 2)).astype(np.float32)
                config = TrainConfig(steps=300, batch_size=128, lr=0.02, ema_decay=0.9,
                                     hidden=64, layers=2, objective="flow", schedule="flow",
                                     threads=1)
                result = train(make_dataset("three_dots", 2000, seed=0), config,
                               progress=False, snapshot_every=50, snapshot_noise=noise,
                               snapshot_steps=20)
                snaps = result.snapshots  # one Snapshot every 50 steps
                evolution = TrainingEvolution([s.step for s in snaps],
                                              [s.samples for s in snaps], result.losses,
                                              index=len(snaps) - 1, layout="grid")
                self.add(evolution.scale_to_fit_width(12).move_to(ORIGIN))
    """

    step: int
    loss: float
    model: DiffusionModel
    samples: np.ndarray | None = None


@dataclass
class TrainResult:
    """The EMA model, the loss per step and the time the run took.

    Returned by :func:`train`; the fields are also its attributes.

    Parameters
    ----------
    model
        The trained model (the EMA weights), in eval mode.
    losses
        The training loss of every step, shape ``(steps,)``.
    seconds
        Wall-clock time of the training loop.
    config
        The :class:`TrainConfig` of the run.
    snapshots
        The :class:`Snapshot` list (empty unless ``snapshot_every`` was given).

    Examples
    --------
    .. manim:: TrainResultExample
        :save_last_frame:

        from manim_diffusion import TrainConfig, make_dataset, train

        class TrainResultExample(Scene):
            def construct(self):
                config = TrainConfig(steps=300, batch_size=128, lr=0.02, hidden=64,
                                     layers=2, threads=1)
                result = train(make_dataset("smiley", 2000, seed=0), config, progress=False)
                axes = Axes(x_range=[0, 300, 50], y_range=[0, 1.2, 0.2], x_length=9,
                            y_length=5, tips=False)
                curve = axes.plot_line_graph(np.arange(300), result.losses,
                                             add_vertex_dots=False, line_color=ORANGE,
                                             stroke_width=2)
                title = f"result.losses: {result.config.objective} loss per step"
                self.add(axes, curve, Text(title, font_size=26).next_to(axes, UP),
                         Text("step 0", font_size=22).next_to(axes.c2p(0, 0), DOWN),
                         Text("step 300", font_size=22).next_to(axes.c2p(300, 0), DOWN))
    """

    model: DiffusionModel
    losses: np.ndarray
    seconds: float
    config: TrainConfig
    snapshots: list[Snapshot] = field(default_factory=list)


def build_model(config: TrainConfig, dim: int = 2) -> DiffusionModel:
    """An untrained model of the shape ``config`` names."""
    net = MLPDenoiser(
        dim=dim,
        hidden=config.hidden,
        layers=config.layers,
        time_dim=config.time_dim,
        num_classes=config.num_classes,
        fourier=config.fourier,
        activation=config.activation,
    )
    return DiffusionModel(net, schedule=config.schedule, objective=config.objective)


def _check_labels(labels: np.ndarray | None, n: int, num_classes: int) -> torch.Tensor | None:
    if labels is None:
        if num_classes:
            raise ValueError(
                f"config.num_classes is {num_classes}: pass labels (shape ({n},)) to train "
                "a class-conditional model"
            )
        return None
    lab = np.asarray(labels)
    if not num_classes:
        raise ValueError("labels were given: set config.num_classes to train on them")
    if lab.shape != (n,) or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"labels must be {n} integers, got shape {lab.shape} ({lab.dtype})")
    if lab.min() < 0 or lab.max() >= num_classes:
        raise ValueError(f"labels must lie in [0, {num_classes - 1}], got {lab.min()}..{lab.max()}")
    return torch.from_numpy(lab.astype(np.int64))


def _snapshot(
    step: int,
    loss: float,
    ema: nn.Module,
    noise: np.ndarray | None,
    sampler: str,
    steps: int,
) -> Snapshot:
    frozen = cast(DiffusionModel, copy.deepcopy(ema).to("cpu").eval())
    samples = None
    if noise is not None:
        samples = sample(frozen, sampler, steps, x_start=noise, record_predictions=False).final
    return Snapshot(step, loss, frozen, samples)


def train(
    data: np.ndarray,
    config: TrainConfig | None = None,
    callback: Callable[[Snapshot], None] | None = None,
    snapshot_every: int = 0,
    progress: bool = True,
    labels: np.ndarray | None = None,
    snapshot_noise: np.ndarray | None = None,
    snapshot_sampler: str = "ddim",
    snapshot_steps: int = 30,
    device: str = "auto",
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
        Called with each :class:`Snapshot`.
    snapshot_every
        Take a :class:`Snapshot` every this many steps (and at the end); 0 for none.
        They are kept in :attr:`TrainResult.snapshots`.
    progress
        Show a progress bar.
    labels
        Class of each point (integers in ``[0, config.num_classes)``) for a
        class-conditional model; a share ``config.label_dropout`` of them is dropped
        in every batch so the same net learns the unconditional model too
        (classifier-free guidance).
    snapshot_noise
        Starting points (shape ``(n, D)``) that every snapshot samples from with
        ``snapshot_sampler`` in ``snapshot_steps`` steps, the same noise each time.
    snapshot_sampler, snapshot_steps
        The sampler (one of :data:`~manim_diffusion.samplers.sample.SAMPLERS`) and its
        number of steps for the snapshots' samples.
    device
        Where torch trains: ``"auto"`` (CUDA, then MPS, then the CPU), ``"cpu"``,
        ``"cuda"`` or ``"mps"``; a device this machine lacks raises ``ValueError``.
        Batches and noise are drawn on the CPU generator, so the run is the same on any
        device up to rounding; the model comes back on the CPU.

    Returns
    -------
    TrainResult
        The EMA model, the loss of every step, the time taken and the snapshots.

    Raises
    ------
    TrainingDiverged
        When the loss becomes NaN or infinite; it carries the last good EMA model.

    Examples
    --------
    A tiny flow-matching model trained for 300 steps (about half a second):

    .. manim:: TrainExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, TrainConfig, make_dataset, sample, train

        class TrainExample(Scene):
            def construct(self):
                data = make_dataset("three_dots", 2000, seed=0)
                config = TrainConfig(steps=300, batch_size=128, lr=0.02, ema_decay=0.9,
                                     hidden=64, layers=2, objective="flow", schedule="flow",
                                     threads=1)
                result = train(data, config, progress=False)
                samples = sample(result.model, "euler", steps=20, n=2000, seed=1).final
                for points, side, title in [(data, LEFT, "training data"),
                                            (samples, RIGHT, "samples after 300 steps")]:
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=5.5,
                                y_length=5.5, tips=False).shift(3.4 * side + 0.4 * DOWN)
                    self.add(axes, DistributionCloud(points, axes=axes, radius=0.02),
                             Text(title, font_size=26).next_to(axes, UP))
    """
    config = (config or TrainConfig()).validate()
    data = np.asarray(data, dtype=np.float32)
    if data.ndim != 2 or len(data) == 0 or data.shape[1] == 0:
        raise ValueError(f"data must have shape (N, D) with N >= 1, got {data.shape}")
    if not np.isfinite(data).all():
        raise ValueError("data has NaN or infinite values; drop them before training")
    label_tensor = _check_labels(labels, len(data), config.num_classes)
    where = resolve_device(device)  # a missing device is refused before any work
    with limited_threads(threads=config.threads):  # the caller's setting comes back after
        return _train_loop(
            data, config, label_tensor, callback, snapshot_every, progress,
            (snapshot_noise, snapshot_sampler, snapshot_steps), where,
        )


def _train_loop(
    data: np.ndarray,
    config: TrainConfig,
    label_tensor: torch.Tensor | None,
    callback: Callable[[Snapshot], None] | None,
    snapshot_every: int,
    progress: bool,
    snapshot_recipe: tuple[np.ndarray | None, str, int],
    device: torch.device,
) -> TrainResult:
    with seeded(config.seed) as gen:  # the caller's RNG state comes back after
        model = build_model(config, dim=data.shape[1]).to(device)
        x_all = torch.from_numpy(data).to(device)
        labels_dev = None if label_tensor is None else label_tensor.to(device)
        snapshots: list[Snapshot] = []

        def step_loss(step: int) -> StepLoss:
            index = torch.randint(0, len(x_all), (config.batch_size,), generator=gen)
            batch_labels = None
            if labels_dev is not None:
                drop = torch.rand(config.batch_size, generator=gen) < config.label_dropout
                batch_labels = torch.where(drop.to(device), -1, labels_dev[index.to(device)])
            return StepLoss(diffusion_loss(model, x_all[index.to(device)], generator=gen,
                                           labels=batch_labels))

        def on_step(done: int, value: float, ema: nn.Module) -> None:
            if snapshot_every and (done % snapshot_every == 0 or done == config.steps):
                snap = _snapshot(done, value, ema, *snapshot_recipe)
                snapshots.append(snap)
                if callback:
                    callback(snap)

        settings = LoopSettings(
            config.steps, config.lr, config.ema_decay, desc="training",
            postfix=lambda row: {"loss": f"{row[0]:.4f}"}, postfix_every=200,
        )
        run = run_loop(model, step_loss, settings, on_step=on_step, progress=progress)
    trained = cast(DiffusionModel, run.model.to("cpu"))
    return TrainResult(trained.eval(), run.losses, run.seconds, config, snapshots)
