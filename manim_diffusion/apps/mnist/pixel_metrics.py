"""How good pixel samples are, read by the shipped classifier.

Three measures: the share of guided samples read as their class; the classifier's
confidence (its top probability) on samples against real digits; and a Frechet
distance between the Gaussians fitted to the classifier's last hidden features of
samples and of real digits (FID's recipe, in a feature space made for MNIST).
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

from ...core.devices import model_device
from ...core.model import DiffusionModel
from ...samplers.sample import sample
from .classifier import DigitClassifier
from .pixel_model import to_unit

__all__ = ["classifier_features", "confidences", "frechet_distance", "guided_accuracy",
           "sample_digits"]


def _as_unit(images: np.ndarray) -> torch.Tensor:
    arr = np.asarray(images)
    unit = arr.astype(np.float32) / 255.0 if arr.dtype == np.uint8 else arr.astype(np.float32)
    return torch.from_numpy(unit.reshape(len(unit), -1))


@torch.no_grad()
def classifier_features(classifier: DigitClassifier, images: np.ndarray) -> np.ndarray:
    """The classifier's last hidden layer (after its ReLU) for images in [0, 1] or uint8.

    The feature space of :func:`frechet_distance` (what Inception's pool layer is to FID).

    Parameters
    ----------
    classifier
        The digit classifier (e.g. ``load_pixel_mnist().classifier``).
    images
        ``(N, 28, 28)``, uint8 0-255 or floats in [0, 1].

    Examples
    --------
    The first two features of real digits and of guided samples, coloured by class:

    .. manim:: ClassifierFeaturesExample
        :save_last_frame:

        from manim_diffusion import (MNIST_PALETTE, DistributionCloud, classifier_features,
                                     load_pixel_mnist)

        class ClassifierFeaturesExample(Scene):
            def construct(self):
                kit = load_pixel_mnist()
                f = classifier_features(kit.classifier, kit.digits)
                top = np.argsort(f.var(0))[-2:]  # the two features that vary most
                points = f[:, top] / f[:, top].std(0)
                axes = Axes(x_range=[-1, 5], y_range=[-1, 5], x_length=6, y_length=6)
                self.add(axes, DistributionCloud(points, axes=axes, labels=kit.digit_labels,
                                                 palette=MNIST_PALETTE, radius=0.05))
    """
    hidden = classifier.net[:-1].eval()  # every layer but the logits (dropout off)
    return hidden(_as_unit(images)).numpy().astype(np.float64)


@torch.no_grad()
def confidences(classifier: DigitClassifier, images: np.ndarray) -> np.ndarray:
    """The classifier's top probability for each image: how clearly it reads a digit."""
    probs = torch.softmax(classifier.eval()(_as_unit(images)), dim=1)
    return probs.max(dim=1).values.numpy()


def _sqrt_psd(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Frechet distance between Gaussians fitted to feature rows ``a`` and ``b``.

    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2)``: 0 for equal
    Gaussians, and what FID computes on Inception features.

    Parameters
    ----------
    a, b
        ``(N, D)`` and ``(M, D)`` feature rows, at least two each.

    Examples
    --------
    Real digits against real digits, and against samples at three guidance scales:

    .. manim:: FrechetDistanceExample
        :save_last_frame:

        from manim_diffusion import classifier_features, frechet_distance, load_pixel_mnist

        class FrechetDistanceExample(Scene):
            def construct(self):
                kit = load_pixel_mnist()
                real = classifier_features(kit.classifier, kit.digits)
                lines = [f"real vs real halves: {frechet_distance(real[::2], real[1::2]):.1f}"]
                for w in (0.0, 1.0, 3.0):
                    run = kit.sample(np.arange(40) % 10, guidance=w, steps=10)
                    fake = classifier_features(kit.classifier, kit.to_unit(run.final)[:, 0])
                    lines.append(f"samples, guidance {w:g}: {frechet_distance(fake, real):.1f}")
                self.add(Paragraph(*lines, font_size=30))
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"features must be two (N, D) arrays with N >= 2, "
                         f"got {a.shape} and {b.shape}")
    mu = a.mean(0) - b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = _sqrt_psd(sa)
    cross = _sqrt_psd(root @ sb @ root)
    return float(mu @ mu + np.trace(sa) + np.trace(sb) - 2.0 * np.trace(cross))


def sample_digits(
    model: DiffusionModel, labels: np.ndarray | int | None, n: int, *, guidance: float = 3.0,
    sampler: str = "ddim", steps: int = 50, seed: int = 0, batch: int = 500,
    progress: bool = True,
) -> np.ndarray:
    """``n`` digit images in [0, 1], float32 ``(n, 28, 28)``, sampled in batches.

    ``labels`` None samples the unconditional model; an int or one per image guides
    them at ``guidance``. Batch ``i`` is seeded ``seed + i`` (so the batch size is part
    of what decides the samples); ``progress`` shows a bar over the batches.
    """
    lab = None if labels is None else np.broadcast_to(np.asarray(labels), (n,))
    out = []
    what = "unconditional samples" if lab is None else f"guided samples ({guidance:g})"
    starts = tqdm(range(0, n, batch), desc=what, unit="batch", disable=not progress)
    for i, start in enumerate(starts):
        count = min(batch, n - start)
        kwargs = {} if lab is None else {"labels": lab[start:start + count].copy(),
                                          "guidance": guidance}
        run = sample(model, sampler, steps, n=count, seed=seed + i, record_predictions=False,
                     threads=None if model_device(model).type != "cpu" else 2, **kwargs)
        out.append(to_unit(run.final)[:, 0])
    return np.concatenate(out)


def guided_accuracy(
    model: DiffusionModel, classifier: DigitClassifier, per_class: int = 200, *,
    guidance: float = 3.0, sampler: str = "ddim", steps: int = 50, seed: int = 0,
) -> np.ndarray:
    """For each digit, the share of its guided samples the classifier reads as it, ``(10,)``."""
    labels = np.repeat(np.arange(10), per_class)
    images = sample_digits(model, labels, len(labels), guidance=guidance, sampler=sampler,
                           steps=steps, seed=seed)
    with torch.no_grad():
        read = classifier.eval()(_as_unit(images)).argmax(dim=1).numpy()
    return np.array([(read[labels == d] == d).mean() for d in range(10)])
