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
    """The classifier's last hidden layer (after its ReLU) for images in [0, 1] or uint8."""
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
) -> np.ndarray:
    """``n`` digit images in [0, 1], float32 ``(n, 28, 28)``, sampled in batches.

    ``labels`` None samples the unconditional model; an int or one per image guides
    them at ``guidance``.
    """
    lab = None if labels is None else np.broadcast_to(np.asarray(labels), (n,))
    out = []
    for i, start in enumerate(range(0, n, batch)):
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
