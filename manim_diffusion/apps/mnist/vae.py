"""A variational autoencoder with a 2D latent for MNIST: every digit becomes a point."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .pixels import PIXELS, as_pixels

__all__ = ["VAE", "VAELoss", "as_pixels", "mlp"]


def mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers of the given widths with SiLU between them (none after the last)."""
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
        self.encoder = mlp([PIXELS, *hidden, 2 * latent_dim])
        self.decoder = mlp([latent_dim, *reversed(hidden), PIXELS])

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

