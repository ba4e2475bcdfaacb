"""A small MNIST digit classifier, used only to measure: which digit does an image show?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ...core.threads import limited_threads
from ...training.config import RunConfig
from ...training.loop import LoopSettings, StepLoss, epoch_batches, run_loop, seeded
from .pixels import PIXELS, as_pixels

__all__ = [
    "ClassifierConfig",
    "ClassifierResult",
    "DigitClassifier",
    "classifier_accuracy",
    "classify",
    "train_classifier",
]


class DigitClassifier(nn.Module):
    """An MLP from 784 pixels (in [0, 1]) to the logits of the ten digits.

    Train one with :func:`train_classifier`; the shipped one is
    ``load_latent_mnist().classifier``.

    Parameters
    ----------
    hidden
        Widths of the hidden layers (ReLU).
    dropout
        Dropout after each hidden layer while training.

    Examples
    --------
    The shipped classifier's probabilities for an image decoded halfway between a 4
    and a 9 on the latent plane.

    .. manim:: DigitClassifierExample

        import numpy as np
        import torch
        from manim_diffusion import MNIST_PALETTE, load_latent_mnist

        class DigitClassifierExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                model = kit.classifier  # a DigitClassifier, in eval mode
                four = kit.digit_codes[kit.digit_labels == 4][0]
                nine = kit.digit_codes[kit.digit_labels == 9][0]
                image = kit.decode((four + nine) / 2)  # (1, 28, 28) in [0, 1]
                with torch.no_grad():
                    p = torch.softmax(model(torch.from_numpy(image)), dim=1)[0].numpy()
                digit = ImageMobject(np.uint8(255 * image[0])).set(height=3.5)
                bars = VGroup(*(Rectangle(width=0.45, height=max(4.5 * q, 0.02),
                                          fill_color=MNIST_PALETTE[d], fill_opacity=1,
                                          stroke_width=0) for d, q in enumerate(p)))
                bars.arrange(RIGHT, buff=0.15, aligned_edge=DOWN)
                names = VGroup(*(Text(str(d), font_size=28).next_to(bar, DOWN)
                                 for d, bar in enumerate(bars)))
                Group(digit, VGroup(bars, names)).arrange(RIGHT, buff=1.2)
                self.add(digit, bars, names)
    """

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
class ClassifierConfig(RunConfig):
    """Everything that decides a classifier training run.

    Parameters
    ----------
    epochs
        Passes over the training images.
    batch_size
        Images per step.
    lr
        Adam's learning rate at the start (it decays to 0 on a cosine).
    hidden, dropout
        The shape of the :class:`DigitClassifier`.
    shift
        Each training digit is moved by up to this many pixels in x and y (a fresh
        random shift every epoch), so the classifier also reads digits that are not
        centred the way MNIST's are.
    seed
        Seeds the weights, the shuffling, the shifts and the dropout.
    threads
        Torch threads while training (1 is fastest for small networks on a busy
        machine).

    Examples
    --------
    Two tiny classifiers of toy digits, trained without and with ``shift``, read
    digits moved 3 pixels to the right.

    .. manim:: ClassifierConfigExample

        import numpy as np
        from manim_diffusion import (ClassifierConfig, classifier_accuracy,
                                     toy_latent_digits, train_classifier)

        class ClassifierConfigExample(Scene):
            def construct(self):
                toy, test = toy_latent_digits(n=1000, seed=1), toy_latent_digits(n=500, seed=2)
                moved = np.roll(test.decode(test.codes), 3, axis=2)  # 3 pixels right
                row = ImageMobject(np.uint8(255 * np.hstack(moved[:10]))).set(width=10)
                self.add(row.to_edge(UP, buff=0.6))
                for shift, x in ((0, -2.5), (3, 2.5)):
                    config = ClassifierConfig(epochs=15, batch_size=100, hidden=(128,),
                                              lr=3e-3, shift=shift, threads=1)
                    model = train_classifier(toy.decode(toy.codes), toy.labels, config,
                                             progress=False).model
                    score = classifier_accuracy(model, moved, test.labels)
                    bar = Rectangle(width=1.5, height=4 * score, fill_color=BLUE,
                                    fill_opacity=1, stroke_width=0)
                    bar.move_to([x, -3, 0], aligned_edge=DOWN)
                    self.add(bar, Text(f"shift={shift}: {score:.0%}", font_size=30)
                             .next_to(bar, UP))
    """

    epochs: int = 8
    batch_size: int = 128
    lr: float = 1e-3
    hidden: tuple[int, ...] = (256, 128)
    dropout: float = 0.1
    shift: int = 2
    seed: int = 0
    threads: int = 2

    positive_ints = ("epochs", "batch_size", "threads")
    fractions = ("dropout",)
    widths = ("hidden",)

    def check_more(self) -> None:
        if isinstance(self.shift, bool) or not isinstance(self.shift, int) or (
            not 0 <= self.shift < 14
        ):
            raise ValueError(f"shift must lie in [0, 13], got {self.shift!r}")


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

    Parameters
    ----------
    images
        The training digits: uint8 ``(N, 28, 28)`` (0-255) or floats in [0, 1].
    labels
        Their digits, integers ``(N,)`` in 0-9.
    config
        The run's settings; :class:`ClassifierConfig` defaults when None.
    progress
        Show a progress bar.

    Returns
    -------
    ClassifierResult
        ``model`` (in eval mode), ``losses`` (one per step), ``seconds``, ``config``.

    Raises
    ------
    TrainingDiverged
        When the loss becomes NaN or infinite (lower ``config.lr``).

    Examples
    --------
    A tiny run on toy digit images (a real one takes MNIST from :func:`load_mnist`):
    its loss, and how it reads new toy digits.

    .. manim:: TrainClassifierExample

        import numpy as np
        from manim_diffusion import (ClassifierConfig, MNIST_PALETTE, classify,
                                     toy_latent_digits, train_classifier)

        class TrainClassifierExample(Scene):
            def construct(self):
                toy = toy_latent_digits(n=1000, seed=1)
                config = ClassifierConfig(epochs=10, batch_size=100, hidden=(128,),
                                          lr=3e-3, threads=1)
                result = train_classifier(toy.decode(toy.codes), toy.labels, config,
                                          progress=False)
                steps = np.arange(1, len(result.losses) + 1)
                axes = Axes(x_range=[0, len(steps), 20], y_range=[0, 2.5, 0.5], x_length=7,
                            y_length=3.2, tips=False).to_edge(UP, buff=0.8)
                loss = axes.plot_line_graph(steps, result.losses, add_vertex_dots=False,
                                            line_color=YELLOW)
                title = Text("cross-entropy per step", font_size=26).next_to(axes, UP)
                test = toy_latent_digits(n=12, seed=5)
                images = test.decode(test.codes)
                tiles = Group(*(ImageMobject(np.uint8(255 * im)).set(height=0.9)
                                for im in images)).arrange(RIGHT, buff=0.12).to_edge(DOWN, 1)
                self.add(axes, loss, title, tiles)
                for tile, read in zip(tiles, classify(result.model, images)):
                    self.add(Text(str(read), font_size=28, color=MNIST_PALETTE[read])
                             .next_to(tile, DOWN, buff=0.12))
    """
    config = (config or ClassifierConfig()).validate()
    x_all = as_pixels(images).reshape(-1, 28, 28)
    y_all = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    if y_all.shape != (len(x_all),):
        raise ValueError(f"labels must have shape ({len(x_all)},), got {tuple(y_all.shape)}")
    total = math.ceil(len(x_all) / config.batch_size) * config.epochs
    settings = LoopSettings(
        total, config.lr, desc="training classifier", what="classifier training",
        postfix=lambda row: {"loss": f"{row[0]:.3f}"}, postfix_every=100,
    )
    with limited_threads(threads=config.threads), seeded(config.seed) as gen:
        model = DigitClassifier(config.hidden, config.dropout)  # dropout draws from torch's
        batches = epoch_batches(len(x_all), config.batch_size, gen)  # global RNG, seeded here

        def step_loss(step: int) -> StepLoss:
            index = next(batches)
            batch = _shifted(x_all[index], config.shift, gen)
            return StepLoss(F.cross_entropy(model(batch), y_all[index]))

        model.train()
        run = run_loop(model, step_loss, settings, progress=progress)
    trained = cast(DigitClassifier, run.model)
    return ClassifierResult(trained.eval().requires_grad_(False), run.losses, run.seconds, config)


@torch.no_grad()
def classify(model: DigitClassifier, images: np.ndarray, batch: int = 4096) -> np.ndarray:
    """The digit each image shows (int64 ``(N,)``): uint8 images or floats in [0, 1].

    Parameters
    ----------
    model
        The classifier (left in the mode it was in).
    images
        uint8 ``(N, 28, 28)`` (0-255) or floats in [0, 1], ``(N, 28, 28)`` or
        ``(N, 784)``.
    batch
        Images read at once.

    Examples
    --------
    What the shipped classifier reads at each point of the latent plane (every
    point decodes to an image), with the real test digits' codes over it.

    .. manim:: ClassifyExample

        import numpy as np
        from manim_diffusion import (DistributionCloud, GridImage, MNIST_PALETTE,
                                     classify, load_latent_mnist)

        class ClassifyExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                side = np.linspace(-4.5, 4.5, 60)
                z = np.stack(np.meshgrid(side, side[::-1]), axis=-1).reshape(-1, 2)
                read = classify(kit.classifier, kit.decode(z)).reshape(60, 60)
                colours = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] + [110]
                                    for c in MNIST_PALETTE], dtype=np.uint8)
                axes = Axes(x_range=[-4.5, 4.5], y_range=[-4.5, 4.5], x_length=7.5,
                            y_length=7.5, tips=False)
                regions = GridImage(colours[read], box=(-4.5, 4.5, -4.5, 4.5), axes=axes)
                codes = DistributionCloud(kit.codes, axes=axes, labels=kit.labels,
                                          palette=MNIST_PALETTE, radius=0.012, opacity=0.8)
                self.add(regions, axes, codes)
    """
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
    """Share of ``images`` classified as their ``labels``.

    Parameters
    ----------
    model
        The classifier.
    images
        uint8 ``(N, 28, 28)`` (0-255) or floats in [0, 1].
    labels
        The digits they show, ``(N,)``.

    Examples
    --------
    The shipped classifier on the shipped real test digits, as pixel noise grows.

    .. manim:: ClassifierAccuracyExample

        import numpy as np
        from manim_diffusion import classifier_accuracy, load_latent_mnist

        class ClassifierAccuracyExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                clean = kit.digits / 255.0  # 300 real test digits, floats in [0, 1]
                noise = np.random.default_rng(0).normal(size=clean.shape)
                columns = Group()
                for level in (0.0, 0.1, 0.2, 0.35, 0.5):
                    noisy = np.clip(clean + level * noise, 0, 1)
                    score = classifier_accuracy(kit.classifier, noisy, kit.digit_labels)
                    digit = ImageMobject(np.uint8(255 * noisy[0])).set(height=1.8)
                    columns.add(Group(digit, Text(f"noise {level}", font_size=24),
                                      Text(f"{score:.0%}", font_size=36)).arrange(DOWN))
                self.add(columns.arrange(RIGHT, buff=0.6))
    """
    return float(np.mean(classify(model, images) == np.asarray(labels)))
