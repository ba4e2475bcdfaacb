"""What a trained VAE is measured and used with: codes, images, reconstruction, k-NN."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from .pixels import as_pixels
from .vae import VAE

__all__ = ["decode_images", "encode_means", "knn_accuracy", "reconstruction_error"]


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
