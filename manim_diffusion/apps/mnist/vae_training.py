"""How the MNIST VAE is trained: its config, snapshots of the latent, result and recipe."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ...core.threads import limited_threads
from ...training.config import RunConfig
from ...training.loop import LoopSettings, StepLoss, epoch_batches, run_loop, seeded
from .pixels import as_pixels
from .vae import VAE, mlp

__all__ = ["VAEConfig", "VAEResult", "VAESnapshot", "train_vae"]


@dataclass
class VAEConfig(RunConfig):
    """Everything that decides a VAE training run (and so its weights).

    Parameters
    ----------
    epochs
        Passes over the training images.
    batch_size
        Images per step.
    lr
        Adam's learning rate at the start (it decays to 0 on a cosine).
    beta
        Weight of the KL term: larger pulls the codes closer to N(0, I), smaller
        lets them spread out and the images be sharper.
    latent_dim, hidden
        The shape of the :class:`VAE`.
    ema_decay
        Keep an exponential moving average of the weights with this decay (0: none)
        and return it.
    label_weight
        Weight of a small training-only head that reads the digit from the latent
        mean: above 0 the classes separate better on the plane (needs labels).
    seed
        Seeds the weights, the shuffling and the sampling noise.
    threads
        Torch threads while training (1 is fastest for small networks on a busy
        machine).

    Examples
    --------
    .. manim:: VAEConfigExample

        from manim_diffusion import (DistributionCloud, MNIST_PALETTE, VAEConfig,
                                     encode_means, toy_latent_digits, train_vae)

        class VAEConfigExample(Scene):
            def construct(self):
                toy = toy_latent_digits(n=1000, seed=1)  # toy digit images, no MNIST
                images = toy.decode(toy.codes)
                for beta, side in ((0.2, LEFT), (5.0, RIGHT)):  # a larger beta packs the
                    config = VAEConfig(epochs=10, batch_size=100, hidden=(64,), lr=5e-3,
                                       beta=beta, threads=1)  # codes closer to N(0, I)
                    vae = train_vae(images, config=config, progress=False).vae
                    axes = Axes(x_range=[-10, 10, 2], y_range=[-10, 10, 2], x_length=5.5,
                                y_length=5.5).shift(3.3 * side + 0.4 * DOWN)
                    codes = DistributionCloud(encode_means(vae, images), axes=axes,
                                              labels=toy.labels, palette=MNIST_PALETTE)
                    title = Text(f"beta = {beta}", font_size=30).next_to(axes, UP)
                    self.add(axes, codes, title)
    """

    epochs: int = 15
    batch_size: int = 256
    lr: float = 2e-3
    beta: float = 1.0
    latent_dim: int = 2
    hidden: tuple[int, ...] = (512, 256)
    ema_decay: float = 0.0
    label_weight: float = 0.0
    seed: int = 0
    threads: int = 2

    positive_ints = ("epochs", "batch_size", "latent_dim", "threads")
    non_negative_numbers = ("beta", "label_weight")
    fractions = ("ema_decay",)
    widths = ("hidden",)


@dataclass
class VAESnapshot:
    """The latent codes (means) of the fixed snapshot digits after ``step`` steps.

    :func:`train_vae` records them with ``snapshot_every``, in
    :attr:`VAEResult.snapshots`.

    Parameters
    ----------
    step
        Training steps taken (0: the initial weights).
    loss
        The training loss of that step (NaN before the first).
    codes
        float32 ``(K, latent_dim)``: the latent means of the K snapshot digits.

    Examples
    --------
    .. manim:: VAESnapshotExample

        import numpy as np
        from manim_diffusion import (DistributionCloud, MNIST_PALETTE, VAEConfig,
                                     toy_latent_digits, train_vae)

        class VAESnapshotExample(Scene):
            def construct(self):
                toy = toy_latent_digits(n=1000, seed=1)  # toy digit images, no MNIST
                config = VAEConfig(epochs=10, batch_size=100, hidden=(64,), lr=5e-3,
                                   label_weight=10.0, threads=1)
                result = train_vae(toy.decode(toy.codes), toy.labels, config,
                                   progress=False, snapshot_every=20, snapshot_count=600)
                snapshots = result.snapshots  # steps 0, 20, 40, ..., 100
                for snap, x in zip((snapshots[0], snapshots[1], snapshots[-1]), (-4.6, 0, 4.6)):
                    low, high = snap.codes.min(axis=0), snap.codes.max(axis=0)  # own scale
                    axes = Axes(x_range=[low[0], high[0]], y_range=[low[1], high[1]],
                                x_length=3.6, y_length=3.6).move_to([x, -0.3, 0])
                    cloud = DistributionCloud(snap.codes, axes=axes, palette=MNIST_PALETTE,
                                              labels=result.snapshot_labels)
                    box = SurroundingRectangle(axes, buff=0.15, color=GREY, stroke_width=2)
                    title = Text(f"step {snap.step}", font_size=30).next_to(box, UP)
                    self.add(box, cloud, title)  # the axes only place the codes
    """

    step: int
    loss: float
    codes: np.ndarray


@dataclass
class VAEResult:
    """The trained VAE, the loss per step (negative ELBO, BCE, KL) and the time taken.

    Parameters
    ----------
    vae
        The trained :class:`VAE` (its moving average with ``ema_decay``), in eval mode.
    losses
        float32 ``(steps, 3)``: the negative ELBO, its BCE and its KL term at each step.
    seconds
        Time the training loop took.
    config
        The :class:`VAEConfig` of the run.
    snapshots
        The :class:`VAESnapshot` records (empty without ``snapshot_every``).
    snapshot_labels
        The labels of the digits whose codes the snapshots hold (None when no labels
        were given).

    Examples
    --------
    .. manim:: VAEResultExample

        import numpy as np
        from manim_diffusion import VAEConfig, toy_latent_digits, train_vae

        class VAEResultExample(Scene):
            def construct(self):
                toy = toy_latent_digits(n=1000, seed=1)  # toy digit images, no MNIST
                config = VAEConfig(epochs=8, batch_size=100, hidden=(64,), lr=5e-3,
                                   threads=1)
                result = train_vae(toy.decode(toy.codes), config=config, progress=False)
                steps = np.arange(1, len(result.losses) + 1)
                axes = Axes(x_range=[0, len(steps), 20], y_range=[0, 550, 100],
                            x_length=9, y_length=5.5, tips=False)
                x_label = Text(f"{len(steps)} training steps", font_size=26)
                legend = VGroup()
                self.add(axes, legend, x_label.next_to(axes, DOWN))
                for column, name, color in ((0, "negative ELBO", WHITE), (1, "BCE", BLUE),
                                            (2, "KL", ORANGE)):
                    self.add(axes.plot_line_graph(steps, result.losses[:, column],
                                                  add_vertex_dots=False, line_color=color))
                    legend.add(Text(name, font_size=26, color=color))
                legend.arrange(RIGHT, buff=0.6).next_to(axes, UP)
    """

    vae: VAE
    losses: np.ndarray
    seconds: float
    config: VAEConfig
    snapshots: list[VAESnapshot] = field(default_factory=list)
    snapshot_labels: np.ndarray | None = None


def train_vae(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    config: VAEConfig | None = None,
    progress: bool = True,
    snapshot_every: int = 0,
    snapshot_images: np.ndarray | None = None,
    snapshot_count: int = 1000,
) -> VAEResult:
    """Train a :class:`VAE` on ``images`` (uint8 ``(N, 28, 28)`` or floats in [0, 1]).

    Adam with cosine decay over ``config.epochs`` passes of shuffled batches; the
    shuffling, the initial weights and the sampling noise all come from
    ``config.seed``, so the same data and config give the same weights (on the same
    machine and thread count); the caller's random state is left as it was.

    Parameters
    ----------
    images
        The training digits: uint8 ``(N, 28, 28)`` (0-255) or floats in [0, 1],
        ``(N, 28, 28)`` or ``(N, 784)``.
    labels
        Labels of ``images``: they label the snapshot digits picked from them, and
        ``config.label_weight`` > 0 trains with them.
    config
        The run's settings; :class:`VAEConfig` defaults when None.
    progress
        Show a progress bar.
    snapshot_every
        Record the latent codes of a fixed set of digits every this many steps (and
        before the first and after the last): the latent plane organising itself.
    snapshot_images
        The digits to follow; by default ``snapshot_count`` digits drawn from
        ``images`` with the seed.
    snapshot_count
        How many digits to follow when ``snapshot_images`` is None.

    Returns
    -------
    VAEResult
        The trained VAE, the losses, the time taken and the snapshots.

    Raises
    ------
    TrainingDiverged
        When the loss becomes NaN or infinite (lower ``config.lr``).

    Examples
    --------
    A tiny run on toy digit images (a real one takes MNIST from :func:`load_mnist`
    and a few minutes): the codes of the training digits, and what the decoder makes
    of a grid of points on the plane.

    .. manim:: TrainVAEExample

        import numpy as np
        from manim_diffusion import (DistributionCloud, MNIST_PALETTE, VAEConfig,
                                     decode_images, encode_means, toy_latent_digits,
                                     train_vae)

        class TrainVAEExample(Scene):
            def construct(self):
                toy = toy_latent_digits(n=1000, seed=1)
                images = toy.decode(toy.codes)  # (1000, 28, 28) floats in [0, 1]
                config = VAEConfig(epochs=15, batch_size=100, hidden=(64,), lr=5e-3,
                                   label_weight=10.0, threads=1)
                vae = train_vae(images, toy.labels, config, progress=False).vae
                codes = encode_means(vae, images)
                low, high = np.percentile(codes, [1, 99], axis=0)  # where the codes are
                axes = Axes(x_range=[low[0], high[0], 1], y_range=[low[1], high[1], 1],
                            x_length=6, y_length=6, tips=False).to_edge(LEFT)
                self.add(axes, DistributionCloud(codes, axes=axes, labels=toy.labels,
                                                 palette=MNIST_PALETTE))
                xs, ys = np.linspace(low[0], high[0], 7), np.linspace(high[1], low[1], 7)
                z = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
                tiles = decode_images(vae, z).reshape(7, 7, 28, 28)
                sheet = np.uint8(255 * tiles.transpose(0, 2, 1, 3).reshape(7 * 28, 7 * 28))
                self.add(ImageMobject(sheet).set(height=6).to_edge(RIGHT))
    """
    config = (config or VAEConfig()).validate()
    x_all = as_pixels(images)
    if len(x_all) == 0:
        raise ValueError("no images to train on")
    snap_x, snap_labels = None, None
    if snapshot_every:
        snap_x, snap_labels = _snapshot_digits(
            x_all, labels, snapshot_images, snapshot_count, config.seed
        )
    y_all = None
    if config.label_weight:
        if labels is None:
            raise ValueError("config.label_weight > 0 needs the labels of the images")
        y_all = torch.from_numpy(np.asarray(labels, dtype=np.int64).copy())
        if y_all.shape != (len(x_all),):
            raise ValueError(f"labels must have shape ({len(x_all)},), got {tuple(y_all.shape)}")
    with limited_threads(threads=config.threads):
        result = _train_loop(x_all, y_all, config, progress, snapshot_every, snap_x)
    result.snapshot_labels = snap_labels
    return result


def _snapshot_digits(
    x_all: torch.Tensor,
    labels: np.ndarray | None,
    snapshot_images: np.ndarray | None,
    count: int,
    seed: int,
) -> tuple[torch.Tensor, np.ndarray | None]:
    """The digits whose codes the snapshots follow, and their labels when known."""
    if snapshot_images is not None:
        return as_pixels(snapshot_images), None
    pick = np.random.default_rng(seed).choice(len(x_all), size=min(count, len(x_all)),
                                              replace=False)
    snap_labels = None if labels is None else np.asarray(labels)[pick].astype(np.int64)
    return x_all[torch.from_numpy(pick)], snap_labels


def _codes(vae: VAE, x: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return vae.encode(x)[0].numpy().copy()


def _train_loop(
    x_all: torch.Tensor,
    y_all: torch.Tensor | None,
    config: VAEConfig,
    progress: bool,
    snapshot_every: int,
    snap_x: torch.Tensor | None,
) -> VAEResult:
    with seeded(config.seed) as gen:  # the caller's RNG state comes back after
        vae = VAE(config.latent_dim, config.hidden)
        # a small head reading the digit from the latent mean (a training aid only)
        head = mlp([config.latent_dim, 64, 10]) if y_all is not None else None
        batches = epoch_batches(len(x_all), config.batch_size, gen)
        snapshots: list[VAESnapshot] = []
        if snap_x is not None:
            snapshots.append(VAESnapshot(0, float("nan"), _codes(vae, snap_x)))

        def step_loss(step: int) -> StepLoss:
            index = next(batches)
            loss, bce, kl, mu = vae.loss(x_all[index], config.beta, gen)
            if head is not None and y_all is not None:  # the head exists with the labels
                loss = loss + config.label_weight * F.cross_entropy(head(mu), y_all[index])
            return StepLoss(loss, (bce, kl))

        total = math.ceil(len(x_all) / config.batch_size) * config.epochs

        def on_step(done: int, value: float, kept: nn.Module) -> None:
            if snap_x is not None and (done % snapshot_every == 0 or done == total):
                snapshots.append(VAESnapshot(done, value, _codes(cast(VAE, kept), snap_x)))

        settings = LoopSettings(
            total, config.lr, config.ema_decay or None, columns=3, desc="training VAE",
            what="VAE training",
            postfix=lambda row: {"loss": f"{row[0]:.1f}", "kl": f"{row[2]:.2f}"},
            postfix_every=50,
        )
        run = run_loop(vae, step_loss, settings, progress=progress, on_step=on_step,
                       extra_params=list(head.parameters()) if head is not None else [])
    trained = cast(VAE, run.model)
    return VAEResult(trained.eval(), run.losses, run.seconds, config, snapshots)
