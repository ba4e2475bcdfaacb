"""A variational autoencoder with a 2D latent for MNIST: every digit becomes a point."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from ...core.threads import limited_threads

__all__ = [
    "VAE",
    "VAEConfig",
    "VAEResult",
    "VAESnapshot",
    "as_pixels",
    "encode_means",
    "decode_images",
    "knn_accuracy",
    "reconstruction_error",
    "train_vae",
]

PIXELS = 28 * 28


def as_pixels(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Images as float32 rows of 784 values in [0, 1].

    ``uint8`` images (0-255, as MNIST stores them) are divided by 255; float images
    are taken to be in [0, 1] already. Shapes ``(N, 28, 28)`` and ``(N, 784)`` both work.
    """
    if isinstance(images, torch.Tensor):
        x = images.float() / 255.0 if images.dtype == torch.uint8 else images.float()
    else:
        arr = np.asarray(images)
        x = torch.from_numpy(arr.astype(np.float32))  # a copy: the caller's array stays put
        if arr.dtype == np.uint8:
            x /= 255.0
    if x.ndim < 2 or x[0].numel() != PIXELS:
        raise ValueError(f"images must have shape (N, 28, 28) or (N, 784), got {tuple(x.shape)}")
    return x.reshape(-1, PIXELS)


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


class VAE(nn.Module):
    """An MLP VAE: 784 -> hidden -> (mu, log-variance) in ``latent_dim`` and back.

    The decoder outputs Bernoulli logits per pixel; :meth:`decode` turns them into
    grey levels in [0, 1]. SiLU activations keep the decoder smooth, so images change
    gradually as a point moves across the latent plane.

    Parameters
    ----------
    latent_dim
        Size of the latent (2: a plane a scene can draw).
    hidden
        Widths of the encoder's hidden layers; the decoder mirrors them.

    Examples
    --------
    .. manim:: VAEExample

        import numpy as np
        from manim_diffusion import DistributionCloud, MNIST_PALETTE, load_latent_mnist

        class VAEExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                vae = kit.vae  # the shipped VAE(latent_dim=2)
                pair = [np.flatnonzero(kit.digit_labels == d)[0] for d in (0, 7)]
                mu, logvar = vae.encode(kit.digits[pair])  # two points of the plane
                a, b = mu.numpy()
                path = a + np.linspace(0, 1, 9)[:, None] * (b - a)
                images = vae.decode(path).numpy()  # (9, 28, 28) in [0, 1]
                axes = Axes(x_range=[-4, 4], y_range=[-4, 4], x_length=5,
                            y_length=5).to_edge(UP, buff=0.2)
                cloud = DistributionCloud(kit.codes, axes=axes, labels=kit.labels,
                                          palette=MNIST_PALETTE, radius=0.012, opacity=0.5)
                line = Line(axes.c2p(*a), axes.c2p(*b), color=WHITE, stroke_width=5)
                strip = ImageMobject(np.uint8(255 * np.hstack(images))).set(width=12)
                self.add(axes, cloud, line, Dot(line.get_start()), Dot(line.get_end()))
                self.add(strip.to_edge(DOWN, buff=0.4))
    """

    def __init__(self, latent_dim: int = 2, hidden: tuple[int, ...] = (512, 256)) -> None:
        super().__init__()
        if latent_dim < 1 or not hidden or min(hidden) < 1:
            raise ValueError("latent_dim and every hidden width must be positive")
        self.config = {"latent_dim": int(latent_dim), "hidden": [int(h) for h in hidden]}
        self.latent_dim = int(latent_dim)
        self.encoder = _mlp([PIXELS, *hidden, 2 * latent_dim])
        self.decoder = _mlp([latent_dim, *reversed(hidden), PIXELS])

    def encode(self, images: np.ndarray | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of ``q(z | x)`` for each image, each ``(N, latent_dim)``."""
        out = self.encoder(as_pixels(images))
        return out[:, : self.latent_dim], out[:, self.latent_dim :]

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits of the pixels, ``(N, 784)``."""
        return self.decoder(torch.as_tensor(z, dtype=torch.float32))

    def decode(self, z: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Images for latent points ``z`` (N, latent_dim): float32 in [0, 1], ``(N, 28, 28)``."""
        if not isinstance(z, torch.Tensor):
            z = torch.from_numpy(np.asarray(z, dtype=np.float32).copy())
        z = z.float().reshape(-1, self.latent_dim)
        return torch.sigmoid(self.decode_logits(z)).reshape(-1, 28, 28)

    def forward(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Decoder logits of a sample of ``q(z | x)``, with the mean and log-variance."""
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator)
        return self.decode_logits(z), mu, logvar

    def loss(
        self, x: torch.Tensor, beta: float = 1.0, generator: torch.Generator | None = None
    ) -> VAELoss:
        """Negative ELBO per image: BCE summed over the pixels + ``beta`` KL."""
        x = as_pixels(x)
        logits, mu, logvar = self(x, generator)
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(x)
        return VAELoss(bce + beta * kl, bce, kl, mu)


class VAELoss(NamedTuple):
    """The terms of :meth:`VAE.loss`; ``mu`` are the batch's latent means."""

    total: torch.Tensor
    bce: torch.Tensor
    kl: torch.Tensor
    mu: torch.Tensor


@dataclass
class VAEConfig:
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

    def validate(self) -> VAEConfig:
        for name in ("epochs", "batch_size", "latent_dim", "threads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if not (self.beta >= 0 and math.isfinite(self.beta)):
            raise ValueError(f"beta must be a number >= 0, got {self.beta!r}")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must lie in [0, 1), got {self.ema_decay!r}")
        if not (self.label_weight >= 0 and math.isfinite(self.label_weight)):
            raise ValueError(f"label_weight must be a number >= 0, got {self.label_weight!r}")
        if not self.hidden or min(self.hidden) < 1:
            raise ValueError(f"hidden widths must be positive, got {self.hidden!r}")
        return self

    def to_dict(self) -> dict:
        out = asdict(self)
        out["hidden"] = list(self.hidden)
        return out


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
    machine and thread count).

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
        if snapshot_images is None:
            pick = np.random.default_rng(config.seed).choice(
                len(x_all), size=min(snapshot_count, len(x_all)), replace=False
            )
            snap_x = x_all[torch.from_numpy(pick)]
            if labels is not None:
                snap_labels = np.asarray(labels)[pick].astype(np.int64)
        else:
            snap_x = as_pixels(snapshot_images)
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
    gen = torch.Generator().manual_seed(config.seed)
    with torch.random.fork_rng(devices=[]):  # seed the weights, leave the caller's RNG be
        torch.manual_seed(config.seed)
        vae = VAE(config.latent_dim, config.hidden)
        # a small head reading the digit from the latent mean (a training aid only)
        head = _mlp([config.latent_dim, 64, 10]) if y_all is not None else None
    ema = copy.deepcopy(vae).requires_grad_(False) if config.ema_decay else vae
    params: list[torch.Tensor] = list(vae.parameters())
    ema_params: list[torch.Tensor] = list(ema.parameters())
    head_params: list[torch.Tensor] = list(head.parameters()) if head is not None else []
    per_epoch = math.ceil(len(x_all) / config.batch_size)
    total = per_epoch * config.epochs
    opt = torch.optim.Adam(params + head_params, lr=config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    losses = np.empty((total, 3), dtype=np.float32)
    snapshots: list[VAESnapshot] = []
    if snap_x is not None:
        snapshots.append(VAESnapshot(0, float("nan"), _codes(ema, snap_x)))
    started = time.perf_counter()
    bar = tqdm(total=total, desc="training VAE", disable=not progress, mininterval=0.5)
    step = 0
    for _ in range(config.epochs):
        order = torch.randperm(len(x_all), generator=gen)
        for i in range(per_epoch):
            index = order[i * config.batch_size : (i + 1) * config.batch_size]
            loss, bce, kl, mu = vae.loss(x_all[index], config.beta, gen)
            if head is not None and y_all is not None:  # the head exists with the labels
                loss = loss + config.label_weight * F.cross_entropy(head(mu), y_all[index])
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"VAE training diverged at step {step}; lower the learning rate (--lr)"
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if ema is not vae:
                with torch.no_grad():
                    torch._foreach_lerp_(ema_params, params, 1.0 - config.ema_decay)
            losses[step] = (value, bce.item(), kl.item())
            step += 1
            bar.update(1)
            if step % 50 == 0:
                bar.set_postfix(loss=f"{value:.1f}", kl=f"{kl.item():.2f}")
            if snap_x is not None and (step % snapshot_every == 0 or step == total):
                snapshots.append(VAESnapshot(step, value, _codes(ema, snap_x)))
    bar.close()
    return VAEResult(ema.eval(), losses, time.perf_counter() - started, config, snapshots)


@torch.no_grad()
def encode_means(vae: VAE, images: np.ndarray, batch: int = 4096) -> np.ndarray:
    """The latent means of ``images``, float32 ``(N, latent_dim)``, in batches.

    Parameters
    ----------
    vae
        The encoder.
    images
        uint8 ``(N, 28, 28)`` (0-255) or floats in [0, 1].
    batch
        Images encoded at once.

    Examples
    --------
    .. manim:: EncodeMeansExample

        import numpy as np
        from manim_diffusion import (DistributionCloud, MNIST_PALETTE, encode_means,
                                     load_latent_mnist)

        class EncodeMeansExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                codes = encode_means(kit.vae, kit.digits)  # 300 real test digits -> (300, 2)
                axes = Axes(x_range=[-4.5, 4.5], y_range=[-4.5, 4.5], x_length=7.5,
                            y_length=7.5)
                self.add(axes, DistributionCloud(codes, axes=axes, labels=kit.digit_labels,
                                                 palette=MNIST_PALETTE, radius=0.04))
                for i in range(0, 300, 15):  # a few of the digits, where they landed
                    digit = ImageMobject(kit.digits[i]).set(height=0.45)
                    digit.move_to(axes.c2p(*codes[i]))
                    self.add(SurroundingRectangle(digit, buff=0,
                                                  color=MNIST_PALETTE[kit.digit_labels[i]],
                                                  stroke_width=2), digit)
    """
    x = as_pixels(images)
    parts = [vae.encode(x[i : i + batch])[0] for i in range(0, len(x), batch)]
    return torch.cat(parts).numpy().astype(np.float32)


@torch.no_grad()
def decode_images(vae: VAE, z: np.ndarray, batch: int = 4096) -> np.ndarray:
    """Images of latent points ``z``: float32 ``(N, 28, 28)`` in [0, 1], in batches.

    Parameters
    ----------
    vae
        The decoder.
    z
        Latent points, ``(N, latent_dim)`` (any shape with ``latent_dim`` values per
        point).
    batch
        Points decoded at once.

    Examples
    --------
    Every point of the shipped VAE's plane is an image: a 15 by 15 grid of them.

    .. manim:: DecodeImagesExample

        import numpy as np
        from manim_diffusion import decode_images, load_latent_mnist

        class DecodeImagesExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                side = np.linspace(-3.5, 3.5, 15)
                z = np.stack(np.meshgrid(side, side[::-1]), axis=-1).reshape(-1, 2)
                tiles = decode_images(kit.vae, z).reshape(15, 15, 28, 28)
                sheet = tiles.transpose(0, 2, 1, 3).reshape(15 * 28, 15 * 28)
                self.add(ImageMobject(np.uint8(255 * sheet)).set(height=7.6))
    """
    zt = torch.from_numpy(np.asarray(z, dtype=np.float32).copy()).reshape(-1, vae.latent_dim)
    parts = [vae.decode(zt[i : i + batch]) for i in range(0, len(zt), batch)]
    if not parts:
        return np.zeros((0, 28, 28), dtype=np.float32)
    return torch.cat(parts).numpy().astype(np.float32)


@torch.no_grad()
def reconstruction_error(vae: VAE, images: np.ndarray, batch: int = 4096) -> dict[str, float]:
    """Mean per-pixel BCE and MSE of reconstructing ``images`` through their latent means.

    Parameters
    ----------
    vae
        The VAE (encoder and decoder).
    images
        uint8 ``(N, 28, 28)`` (0-255) or floats in [0, 1].
    batch
        Images reconstructed at once.

    Returns
    -------
    dict
        ``{"bce": ..., "mse": ...}``, per pixel, with pixels in [0, 1].

    Examples
    --------
    .. manim:: ReconstructionErrorExample

        import numpy as np
        from manim_diffusion import (decode_images, encode_means, load_latent_mnist,
                                     reconstruction_error)

        class ReconstructionErrorExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                digits = kit.digits[:12]  # real test digits (uint8)
                error = reconstruction_error(kit.vae, kit.digits)
                again = decode_images(kit.vae, encode_means(kit.vae, digits))
                rows = Group(ImageMobject(np.hstack(digits)),
                             ImageMobject(np.uint8(255 * np.hstack(again))))
                rows.arrange(DOWN, buff=0.3).set(width=12)
                names = VGroup(Text("digits", font_size=26),
                               Text("through a 2D latent", font_size=26))
                for name, row in zip(names, rows):
                    name.next_to(row, UP, buff=0.1).align_to(row, LEFT)
                score = Text(f"BCE {error['bce']:.3f}   MSE {error['mse']:.3f} per pixel",
                             font_size=30).to_edge(DOWN)
                self.add(rows, names, score)
    """
    x = as_pixels(images)
    bce = mse = 0.0
    for i in range(0, len(x), batch):
        xb = x[i : i + batch]
        logits = vae.decode_logits(vae.encode(xb)[0])
        bce += float(F.binary_cross_entropy_with_logits(logits, xb, reduction="sum"))
        mse += float(torch.sum((torch.sigmoid(logits) - xb) ** 2))
    n = x.numel()
    return {"bce": bce / n, "mse": mse / n}


def knn_accuracy(
    train_codes: np.ndarray,
    train_labels: np.ndarray,
    test_codes: np.ndarray,
    test_labels: np.ndarray,
    k: int = 5,
) -> float:
    """Share of ``test_codes`` whose ``k`` nearest training codes mostly share their label.

    Ties between classes go to the class of the nearer neighbour. A measure of how
    well a latent plane keeps the classes apart.

    Parameters
    ----------
    train_codes, train_labels
        The reference codes ``(M, D)`` and their integer labels ``(M,)``.
    test_codes, test_labels
        The codes ``(N, D)`` to classify by their neighbours, and their true labels.
    k
        Neighbours that vote.

    Examples
    --------
    .. manim:: KnnAccuracyExample

        from manim_diffusion import (DistributionCloud, MNIST_PALETTE, knn_accuracy,
                                     load_latent_mnist)

        class KnnAccuracyExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                half = len(kit.codes) // 2
                score = knn_accuracy(kit.codes[:half], kit.labels[:half],
                                     kit.codes[half:], kit.labels[half:], k=5)
                axes = Axes(x_range=[-4.5, 4.5], y_range=[-4.5, 4.5], x_length=7,
                            y_length=7).to_edge(LEFT)
                cloud = DistributionCloud(kit.codes, axes=axes, labels=kit.labels,
                                          palette=MNIST_PALETTE, radius=0.015)
                legend = VGroup(*(Text(str(d), color=c, font_size=30)
                                  for d, c in enumerate(MNIST_PALETTE)))
                legend.arrange(DOWN, buff=0.12).next_to(axes, RIGHT)
                text = Text(f"5-NN accuracy\\n{score:.1%}", font_size=36).to_edge(RIGHT)
                self.add(axes, cloud, legend, text)
    """
    from scipy.spatial import cKDTree

    _, index = cKDTree(np.asarray(train_codes, dtype=np.float64)).query(
        np.asarray(test_codes, dtype=np.float64), k=k
    )
    neighbours = np.asarray(train_labels)[index.reshape(len(test_codes), k)]
    classes = int(max(np.max(train_labels), np.max(test_labels))) + 1
    votes = np.zeros((len(test_codes), classes))
    rows = np.arange(len(test_codes))
    for rank in range(k):  # a vote, plus a little more for nearer neighbours
        votes[rows, neighbours[:, rank]] += 1.0 + 1e-3 * (k - rank)
    return float(np.mean(votes.argmax(axis=1) == np.asarray(test_labels)))
