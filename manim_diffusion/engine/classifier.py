"""A small MNIST digit classifier, used only to measure: which digit does an image show?"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from .threads import limited_threads
from .vae import PIXELS, as_pixels

__all__ = [
    "ClassifierConfig",
    "ClassifierResult",
    "DigitClassifier",
    "classifier_accuracy",
    "classify",
    "train_classifier",
]


class DigitClassifier(nn.Module):
    """An MLP from 784 pixels (in [0, 1]) to the logits of the ten digits."""

    def __init__(self, hidden: tuple[int, ...] = (256, 128), dropout: float = 0.1) -> None:
        super().__init__()
        if not hidden or min(hidden) < 1:
            raise ValueError(f"hidden widths must be positive, got {hidden!r}")
        self.config = {"hidden": [int(h) for h in hidden], "dropout": float(dropout)}
        layers: list[nn.Module] = []
        width = PIXELS
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        layers.append(nn.Linear(width, 10))
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(as_pixels(images))


@dataclass
class ClassifierConfig:
    """Everything that decides a classifier training run.

    ``shift``: each training digit is moved by up to this many pixels in x and y
    (a fresh random shift every epoch), so the classifier also reads digits that
    are not centred the way MNIST's are.
    """

    epochs: int = 8
    batch_size: int = 128
    lr: float = 1e-3
    hidden: tuple[int, ...] = (256, 128)
    dropout: float = 0.1
    shift: int = 2
    seed: int = 0
    threads: int = 2

    def validate(self) -> ClassifierConfig:
        for name in ("epochs", "batch_size", "threads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if not 0 <= self.shift < 14:
            raise ValueError(f"shift must lie in [0, 13], got {self.shift!r}")
        return self

    def to_dict(self) -> dict:
        out = asdict(self)
        out["hidden"] = list(self.hidden)
        return out


@dataclass
class ClassifierResult:
    """The trained classifier (in eval mode), the loss per step and the time taken."""

    model: DigitClassifier
    losses: np.ndarray
    seconds: float
    config: ClassifierConfig


def _shifted(batch: torch.Tensor, shift: int, gen: torch.Generator) -> torch.Tensor:
    """Each image of ``batch`` (B, 28, 28) moved by its own random (dy, dx), zero-filled."""
    if not shift:
        return batch
    n = len(batch)
    padded = F.pad(batch, (shift, shift, shift, shift))
    dy = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(28))[:, :, None]  # (n, 28, 1)
    cols = (dx[:, None] + torch.arange(28))[:, None, :]  # (n, 1, 28)
    return padded[torch.arange(n)[:, None, None], rows, cols]


def train_classifier(
    images: np.ndarray,
    labels: np.ndarray,
    config: ClassifierConfig | None = None,
    progress: bool = True,
) -> ClassifierResult:
    """Train a :class:`DigitClassifier` on ``images`` (uint8 ``(N, 28, 28)``) and ``labels``.

    Adam with cosine decay, shuffled batches, random shifts; seeded by ``config.seed``.
    """
    config = config or ClassifierConfig()
    config.validate()
    x_all = as_pixels(images).reshape(-1, 28, 28)
    y_all = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    if y_all.shape != (len(x_all),):
        raise ValueError(f"labels must have shape ({len(x_all)},), got {tuple(y_all.shape)}")
    with limited_threads(threads=config.threads):
        gen = torch.Generator().manual_seed(config.seed)
        with torch.random.fork_rng(devices=[]):  # dropout draws from the global RNG
            torch.manual_seed(config.seed)
            model = DigitClassifier(config.hidden, config.dropout)
            per_epoch = math.ceil(len(x_all) / config.batch_size)
            total = per_epoch * config.epochs
            opt = torch.optim.Adam(model.parameters(), lr=config.lr)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
            losses = np.empty(total, dtype=np.float32)
            started = time.perf_counter()
            bar = tqdm(total=total, desc="training classifier", disable=not progress,
                       mininterval=0.5)
            step = 0
            model.train()
            for _ in range(config.epochs):
                order = torch.randperm(len(x_all), generator=gen)
                for i in range(per_epoch):
                    index = order[i * config.batch_size : (i + 1) * config.batch_size]
                    batch = _shifted(x_all[index], config.shift, gen)
                    loss = F.cross_entropy(model(batch), y_all[index])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    sched.step()
                    losses[step] = loss.item()
                    step += 1
                    bar.update(1)
                    if step % 100 == 0:
                        bar.set_postfix(loss=f"{losses[step - 1]:.3f}")
            bar.close()
    seconds = time.perf_counter() - started
    return ClassifierResult(model.eval().requires_grad_(False), losses, seconds, config)


@torch.no_grad()
def classify(model: DigitClassifier, images: np.ndarray, batch: int = 4096) -> np.ndarray:
    """The digit each image shows (int64 ``(N,)``): uint8 images or floats in [0, 1]."""
    was_training = model.training
    model.eval()
    x = as_pixels(images)
    with limited_threads(len(x)):
        parts = [model(x[i : i + batch]).argmax(dim=1) for i in range(0, len(x), batch)]
    model.train(was_training)
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return torch.cat(parts).numpy().astype(np.int64)


def classifier_accuracy(model: DigitClassifier, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of ``images`` classified as their ``labels``."""
    return float(np.mean(classify(model, images) == np.asarray(labels)))
