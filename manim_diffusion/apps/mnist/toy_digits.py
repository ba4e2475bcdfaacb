"""toy_latent_digits: a stand-in for a trained 2D-latent MNIST model, without weights."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ...core.trajectory import Trajectory

__all__ = ["ToyLatentDigits", "toy_latent_digits"]


class ToyLatentDigits(NamedTuple):
    """A stand-in for a trained 2D-latent MNIST model (see :func:`toy_latent_digits`)."""

    codes: np.ndarray
    labels: np.ndarray
    decode: Callable[[np.ndarray], np.ndarray]
    trajectory: Trajectory
    centres: np.ndarray


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float,
         n: int = 16) -> np.ndarray:
    a = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def _line(*pts: tuple[float, float]) -> np.ndarray:
    return np.array(pts, dtype=np.float64)


def _glyph_strokes() -> list[list[np.ndarray]]:
    """Polylines of the digits 0-9 in a box of about [-0.4, 0.4] x [-0.65, 0.65]."""
    return [
        [_arc(0, 0, 0.36, 0.62, 0, 360, 32)],
        [_line((-0.16, 0.42), (0.04, 0.64), (0.0, -0.64))],
        [np.concatenate([_arc(0, 0.3, 0.34, 0.32, 160, -30),
                         _line((-0.38, -0.62), (0.42, -0.62))])],
        [_arc(0, 0.33, 0.32, 0.3, 150, -90), _arc(0, -0.3, 0.37, 0.33, 90, -150)],
        [_line((-0.22, 0.64), (-0.4, -0.18), (0.42, -0.18)),
         _line((0.2, 0.5), (0.2, -0.64))],
        [_line((0.38, 0.62), (-0.3, 0.62), (-0.34, 0.08)),
         _arc(0, -0.24, 0.38, 0.37, 125, -150)],
        [_line((0.22, 0.64), (-0.3, -0.12)), _arc(0.02, -0.3, 0.34, 0.33, 0, 360, 24)],
        [_line((-0.4, 0.62), (0.4, 0.62), (-0.08, -0.64))],
        [_arc(0, 0.33, 0.29, 0.28, 0, 360, 24), _arc(0, -0.3, 0.36, 0.33, 0, 360, 24)],
        [_arc(0, 0.3, 0.33, 0.3, 0, 360, 24), _line((0.33, 0.3), (0.18, -0.64))],
    ]


@lru_cache(maxsize=4)
def _glyph_templates(size: int) -> np.ndarray:
    """Anti-aliased stroke images of the ten toy digits, ``(10, size, size)`` in [0, 1]."""
    c = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    gx, gy = np.meshgrid(c, -c)  # row 0 at the top
    pix = np.stack([gx.ravel(), gy.ravel()], axis=1)
    sigma = 2.6 / size  # about 1.3 pixels
    out = np.empty((10, size * size))
    for k, strokes in enumerate(_glyph_strokes()):
        a = np.concatenate([s[:-1] for s in strokes])
        b = np.concatenate([s[1:] for s in strokes])
        ab = b - a
        t = ((pix[:, None, :] - a[None]) * ab[None]).sum(-1) / (ab * ab).sum(-1)[None]
        near = a[None] + np.clip(t, 0.0, 1.0)[..., None] * ab[None]
        d2 = ((pix[:, None, :] - near) ** 2).sum(-1).min(axis=1)
        out[k] = np.minimum(1.0, 1.4 * np.exp(-d2 / (2 * sigma**2)))
    return out.reshape(10, size, size)


def toy_latent_digits(
    n: int = 2000,
    classes: Sequence[int] = tuple(range(10)),
    steps: int = 40,
    radius: float = 2.0,
    spread: float = 0.35,
    seed: int = 0,
    size: int = 28,
) -> ToyLatentDigits:
    """A deterministic stand-in for a trained 2D-latent MNIST model, without weights.

    Ten Gaussian clusters of latent codes on a circle, a decoder that blends ten
    stroke-drawn digit templates by closeness to the cluster centres (a code near a
    centre decodes to a crisp digit, one between clusters or at the origin to a blurred
    mixture), and a trajectory of one sample per requested class moving from Gaussian
    noise (t = 0) to its class centre (t = 1) on a bent path.

    Parameters
    ----------
    n
        Number of codes.
    classes
        The class of each moving sample of the trajectory.
    steps
        Sampler steps of the trajectory.
    radius, spread
        Radius of the circle of cluster centres and the clusters' standard deviation.
    seed
        Seed of the codes, the labels and the starting noise.
    size
        Side of the decoded images in pixels.

    Returns
    -------
    ToyLatentDigits
        ``codes (n, 2)``, ``labels (n,)``, ``decode`` (latents ``(M, 2)`` to images
        ``(M, size, size)``), ``trajectory`` (``(steps + 1, K, 2)`` with labels) and
        the cluster ``centres (10, 2)``.

    Examples
    --------
    The ten clusters, and what the decoder draws at their centres and halfway between
    them (placed a little outside the circle), and at the origin.

    .. manim:: ToyLatentDigitsExample

        import numpy as np
        from manim_diffusion import DistributionCloud, MNIST_PALETTE, toy_latent_digits

        class ToyLatentDigitsExample(Scene):
            def construct(self):
                toy = toy_latent_digits(n=3000)
                axes = Axes(x_range=[-3.2, 3.2], y_range=[-3.2, 3.2], x_length=7.4,
                            y_length=7.4)
                self.add(axes, DistributionCloud(toy.codes, axes=axes, labels=toy.labels,
                                                 palette=MNIST_PALETTE, opacity=0.5))
                angle = np.pi / 2 - np.pi * np.arange(20) / 10  # centres and midpoints
                ring = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
                points = np.vstack([ring, [[0.0, 0.0]]])
                for z, image in zip(points, toy.decode(points)):
                    tile = ImageMobject(np.uint8(255 * image)).set(height=0.6)
                    self.add(tile.move_to(axes.c2p(*(1.4 * z))))
    """
    rng = np.random.default_rng(seed)
    angles = np.pi / 2 - 2 * np.pi * np.arange(10) / 10
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    labels = rng.integers(0, 10, n)
    codes = (centres[labels] + spread * rng.normal(size=(n, 2))).astype(np.float32)
    templates = _glyph_templates(size)
    tau = 0.45 * radius * np.sin(np.pi / 10)  # half the gap between neighbours

    def decode(z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64).reshape(-1, 2)
        d2 = ((z[:, None, :] - centres[None]) ** 2).sum(-1)
        logits = -d2 / (2 * tau**2)
        w = np.exp(logits - logits.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        sharp = np.exp(-d2.min(axis=1) / (2 * (2 * spread) ** 2))  # 1 at a centre
        img = np.einsum("mk,khw->mhw", w, templates)
        return np.clip(img * (0.55 + 0.45 * sharp)[:, None, None], 0.0, 1.0).astype(
            np.float32)

    cls = np.asarray(classes, dtype=np.int64).ravel()
    if len(cls) == 0 or cls.min() < 0 or cls.max() > 9:
        raise ValueError(f"classes must be digits 0-9, got {list(cls)}")
    noise = rng.normal(size=(len(cls), 2))
    target = centres[cls] + 0.5 * spread * rng.normal(size=(len(cls), 2))
    s = np.linspace(0.0, 1.0, steps + 1)[:, None, None]
    ease = 1 - (1 - s) ** 2
    bend = np.sin(np.pi * s) * 0.6 * np.stack([-(target - noise)[:, 1],
                                               (target - noise)[:, 0]], axis=1)[None]
    wobble = 0.08 * rng.normal(size=(steps + 1, len(cls), 2)) * (1 - s) ** 2
    points = (1 - ease) * noise[None] + ease * target[None] + 0.25 * bend + wobble
    trajectory = Trajectory(times=s[:, 0, 0], points=points.astype(np.float32),
                            labels=cls, sampler="toy")
    return ToyLatentDigits(codes, labels, decode, trajectory, centres)
