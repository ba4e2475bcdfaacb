"""Latent diffusion on MNIST: the 2D VAE, the latent codes, the conditional model, a judge.

Everything a scene needs ships in ``pretrained/`` (hash checked), so nothing here
needs MNIST itself: :func:`load_latent_mnist` returns the decoder, the latent codes
of the 10,000 test digits, a few hundred real digits, the class-conditional
diffusion model on the latent plane and the classifier that reads its samples.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from ...core.model import DiffusionModel
from ...core.threads import limited_threads
from ...core.trajectory import Trajectory
from ...io.checkpoints import load_arrays, load_weights, save_weights
from ...io.files import pretrained_dir
from ...io.pretrained import load_pretrained, shipped_file
from ...samplers.sample import sample
from ...training.train import TrainConfig
from .classifier import DigitClassifier, classify
from .vae import VAE
from .vae_eval import decode_images, encode_means
from .vae_training import VAEConfig, VAESnapshot

__all__ = [
    "DEFAULT_GUIDANCE",
    "DIGITS_PER_CLASS",
    "LATENT_CONFIG",
    "VAE_CONFIG",
    "LATENT_MODEL_NAME",
    "LATENTS_NAME",
    "VAE_NAME",
    "CLASSIFIER_NAME",
    "LatentMNIST",
    "guided_fractions",
    "latents_arrays",
    "load_classifier",
    "load_latent_mnist",
    "load_vae",
    "round_to_storage",
    "save_classifier",
    "save_vae",
]

#: The classifier-free guidance scale the latent model is sampled with by default
#: (and measured at: the share of samples read as their class).
DEFAULT_GUIDANCE = 3.0
#: The sampler and step count of that measure.
EVAL_SAMPLER, EVAL_STEPS = "ddim", 50
#: How the shipped VAE is trained (the CLI's defaults). A small head reads the digit
#: from the latent mean during training (``label_weight``): without it, a 2D VAE puts
#: most 4s among the 9s and most 5s among the 3s and 8s (half of the test 4s decode to
#: a 9), and no guidance on that plane yields a 4 that reads as one.
VAE_CONFIG = VAEConfig(epochs=15, batch_size=256, lr=2e-3, beta=1.0, label_weight=10.0)
#: How the shipped latent model is trained (the CLI's defaults): an epsilon-predicting
#: MLP on the linear VP path, conditioned on the ten digits, with 10% of the labels
#: dropped for classifier-free guidance.
LATENT_CONFIG = TrainConfig.for_objective(
    "eps", steps=10000, batch_size=512, lr=3e-3, hidden=256, layers=3, ema_decay=0.995,
    num_classes=10,
)
#: Real test digits shipped per class, for scenes that show actual digits.
DIGITS_PER_CLASS = 30

#: Manifest names of the shipped files.
VAE_NAME = "mnist_vae"
CLASSIFIER_NAME = "mnist_classifier"
LATENT_MODEL_NAME = "mnist_latent_cond"
LATENTS_NAME = "mnist_test_latents"

#: Weights are stored in float16 (half the bytes; the network runs in float32).
STORAGE_DTYPE = torch.float16

_ModuleT = TypeVar("_ModuleT", bound=torch.nn.Module)


def round_to_storage(module: _ModuleT) -> _ModuleT:
    """Round ``module``'s float weights to what a float16 file keeps, in place.

    Do it before measuring or encoding, so the figures and the latent codes are
    those of the weights that ship.
    """
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.to(STORAGE_DTYPE).float())
    return module


def save_vae(
    vae: VAE, path: str | os.PathLike[str], meta: dict[str, Any] | None = None
) -> str:
    """Write the VAE (encoder and decoder, float16) atomically; returns the sha256."""
    return save_weights(
        vae.state_dict(), path, "vae", {"config": vae.config, **(meta or {})}, STORAGE_DTYPE
    )


def load_vae(path: str | os.PathLike[str], sha256: str | None = None) -> VAE:
    """A VAE from a :func:`save_vae` file (hash checked when given), in eval mode."""
    state, meta = load_weights(path, sha256, kind="vae")
    config = meta.get("config", {})
    vae = VAE(int(config.get("latent_dim", 2)), tuple(config.get("hidden", (512, 256))))
    vae.load_state_dict(state)
    return vae.eval().requires_grad_(False)


def save_classifier(
    model: DigitClassifier, path: str | os.PathLike[str], meta: dict[str, Any] | None = None
) -> str:
    """Write the classifier (float16) atomically; returns the sha256."""
    return save_weights(
        model.state_dict(), path, "classifier", {"config": model.config, **(meta or {})},
        STORAGE_DTYPE,
    )


def load_classifier(path: str | os.PathLike[str], sha256: str | None = None) -> DigitClassifier:
    """A classifier from a :func:`save_classifier` file, in eval mode."""
    state, meta = load_weights(path, sha256, kind="classifier")
    config = meta.get("config", {})
    model = DigitClassifier(tuple(config.get("hidden", (256, 128))), config.get("dropout", 0.1))
    model.load_state_dict(state)
    return model.eval().requires_grad_(False)


def latents_arrays(
    vae: VAE,
    images: np.ndarray,
    labels: np.ndarray,
    digits_per_class: int = DIGITS_PER_CLASS,
    snapshots: list[VAESnapshot] | None = None,
    snapshot_labels: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """What ``mnist_test_latents.npz`` holds, made from the test digits.

    ``codes`` (float32 ``(N, 2)``: the latent means), ``labels`` (uint8), and the
    first ``digits_per_class`` digits of each class: ``digits`` (uint8
    ``(M, 28, 28)``), ``digit_labels`` and ``digit_index`` (their rows in ``codes``).
    With the VAE's training ``snapshots``, also ``snapshot_codes`` (float16
    ``(S, K, 2)``: the codes of K fixed training digits at each snapshot),
    ``snapshot_steps`` and ``snapshot_labels``: the latent organising itself.
    """
    labels = np.asarray(labels)
    extra: dict[str, np.ndarray] = {}
    if snapshots:
        if snapshot_labels is None:
            raise ValueError("snapshots need the labels of their digits")
        extra = {
            "snapshot_codes": np.stack([s.codes for s in snapshots]).astype(np.float16),
            "snapshot_steps": np.array([s.step for s in snapshots], dtype=np.int32),
            "snapshot_labels": np.asarray(snapshot_labels).astype(np.uint8),
        }
    index = np.sort(
        np.concatenate([np.flatnonzero(labels == k)[:digits_per_class] for k in range(10)])
    )
    return {
        "codes": encode_means(vae, images),
        "labels": labels.astype(np.uint8),
        "digits": np.asarray(images, dtype=np.uint8)[index],
        "digit_labels": labels[index].astype(np.uint8),
        "digit_index": index.astype(np.int32),
        **extra,
    }


def guided_fractions(
    model: DiffusionModel,
    vae: VAE,
    classifier: DigitClassifier,
    per_class: int = 1000,
    guidance: float = DEFAULT_GUIDANCE,
    sampler: str = EVAL_SAMPLER,
    steps: int = EVAL_STEPS,
    seed: int = 0,
    classes: tuple[int, ...] = tuple(range(10)),
) -> np.ndarray:
    """For each class, the share of ``per_class`` guided samples read as that class.

    Each class is sampled on the latent plane with classifier-free guidance at
    ``guidance``, decoded by ``vae`` and read by ``classifier``. At guidance 0 the
    model is unconditional, so the share is about the class's share of the data.

    Parameters
    ----------
    model
        A class-conditional diffusion model on the latent plane (trained with label
        dropout, so it also predicts unconditionally).
    vae
        Decodes the samples.
    classifier
        Reads the decoded samples.
    per_class
        Samples drawn for each class.
    guidance
        Classifier-free guidance scale (0: unconditional, 1: conditional, more:
        pushed further towards the class).
    sampler, steps
        How to sample.
    seed
        Seeds the samples.
    classes
        The classes to measure.

    Returns
    -------
    np.ndarray
        ``(len(classes),)``: the share of each class's samples read as that class.

    Examples
    --------
    .. manim:: GuidedFractionsExample

        from manim_diffusion import MNIST_PALETTE, guided_fractions, load_latent_mnist

        class GuidedFractionsExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                unguided, guided = (guided_fractions(kit.model, kit.vae, kit.classifier,
                                                     per_class=40, guidance=g, steps=20)
                                    for g in (0.0, 3.0))
                bars = VGroup()
                for d in range(10):
                    for share, opacity in ((unguided[d], 0.35), (guided[d], 1.0)):
                        bars.add(Rectangle(width=0.3, height=max(4 * share, 0.02),
                                           fill_color=MNIST_PALETTE[d], fill_opacity=opacity,
                                           stroke_width=0))
                bars.arrange(RIGHT, buff=0.06, aligned_edge=DOWN).shift(0.3 * DOWN)
                for d in range(10):
                    self.add(Text(str(d), font_size=26).next_to(bars[2 * d : 2 * d + 2], DOWN))
                key = Text("share read as the class: guidance 0 (faint) and 3 (solid)",
                           font_size=26).to_edge(UP)
                self.add(bars, key)
    """
    wanted = np.repeat(np.asarray(classes, dtype=np.int64), per_class)
    traj = sample(
        model, sampler, steps, n=len(wanted), seed=seed, labels=wanted,
        guidance=float(guidance), record_predictions=False,
    )
    read = classify(classifier, decode_images(vae, traj.final))
    hits = read == wanted
    return np.array([hits[wanted == k].mean() for k in classes])


@dataclass(eq=False)
class LatentMNIST:
    """The shipped latent-diffusion MNIST kit: decode any point of the latent plane.

    Made by :func:`load_latent_mnist`. :meth:`sample` draws latent points of chosen
    digits with guidance, :meth:`decode` turns any points into images, :meth:`encode`
    and :meth:`classify` go the other way.

    Parameters
    ----------
    vae
        The 2D-latent VAE (encoder and decoder).
    model
        The class-conditional diffusion model on the latent plane (10 classes).
    classifier
        The digit classifier that judges decoded samples.
    codes, labels
        Latent means (float32 ``(10000, 2)``) and labels (int64) of the MNIST test
        digits.
    digits, digit_labels, digit_index
        A few real test digits (uint8 ``(M, 28, 28)``), their labels and their rows
        in ``codes``.
    guidance
        The default guidance scale, :data:`DEFAULT_GUIDANCE`.
    snapshot_codes, snapshot_steps, snapshot_labels
        The latent codes (float32 ``(S, K, 2)``) of K fixed training digits at S
        moments of the VAE's training, the step of each and the digits' labels: the
        latent organising itself by class. None in files made without snapshots.

    Attributes
    ----------
    digit_codes
        The latent codes of ``digits``, ``(M, 2)``.

    Examples
    --------
    One sample of each digit, from noise to its class on the latent plane, and the
    images its end points decode to.

    .. manim:: LatentMNISTExample

        import numpy as np
        from manim_diffusion import (DistributionCloud, MNIST_PALETTE, TrajectoryTracer,
                                     load_latent_mnist)

        class LatentMNISTExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                run = kit.sample(np.arange(10), steps=25, seed=2)  # one per digit
                axes = Axes(x_range=[-4.5, 4.5], y_range=[-4.5, 4.5], x_length=6,
                            y_length=6).to_edge(UP, buff=0.1)
                codes = DistributionCloud(kit.codes, axes=axes, labels=kit.labels,
                                          palette=MNIST_PALETTE, radius=0.01, opacity=0.3)
                paths = TrajectoryTracer(run, axes=axes, n_paths=10, palette=MNIST_PALETTE,
                                         stroke_width=3, head_radius=0.08)
                images = kit.decode(run.final)  # (10, 28, 28)
                row = ImageMobject(np.uint8(255 * np.hstack(images))).set(width=10)
                self.add(axes, codes, paths, row.to_edge(DOWN, buff=0.15))
    """

    vae: VAE
    model: DiffusionModel
    classifier: DigitClassifier
    codes: np.ndarray
    labels: np.ndarray
    digits: np.ndarray
    digit_labels: np.ndarray
    digit_index: np.ndarray
    guidance: float = DEFAULT_GUIDANCE
    snapshot_codes: np.ndarray | None = None
    snapshot_steps: np.ndarray | None = None
    snapshot_labels: np.ndarray | None = None

    @property
    def digit_codes(self) -> np.ndarray:
        """The latent codes of :attr:`digits`, ``(M, 2)``."""
        return self.codes[self.digit_index]

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Images of latent points ``z`` (``(N, 2)`` or one ``(2,)``): float32 ``(N, 28, 28)``
        in [0, 1]."""
        z = np.asarray(z, dtype=np.float32).reshape(-1, self.vae.latent_dim)
        with limited_threads(len(z)):
            return decode_images(self.vae, z)

    def encode(self, images: np.ndarray) -> np.ndarray:
        """Latent means of images (uint8 0-255 or floats in [0, 1]): float32 ``(N, 2)``."""
        with limited_threads(len(images)):
            return encode_means(self.vae, images)

    def classify(self, images: np.ndarray) -> np.ndarray:
        """The digit each image shows, int64 ``(N,)``."""
        return classify(self.classifier, images)

    def sample(
        self,
        labels: int | np.ndarray,
        n: int = 1000,
        guidance: float | None = None,
        sampler: str = EVAL_SAMPLER,
        steps: int | None = EVAL_STEPS,
        seed: int = 0,
        **kwargs: Any,
    ) -> Trajectory:
        """Sample latent points of class ``labels`` (an int, or one per point) with guidance.

        Returns the whole :class:`Trajectory` on the latent plane; decode its
        ``final`` points (or any step's) with :meth:`decode`.
        """
        lab = np.asarray(labels)
        n = len(lab) if lab.ndim else n
        return sample(
            self.model, sampler, steps, n=n, seed=seed, labels=labels,
            guidance=self.guidance if guidance is None else float(guidance), **kwargs,
        )


def load_latent_mnist(directory: str | os.PathLike[str] | None = None) -> LatentMNIST:
    """The shipped VAE, latent model, classifier and latent codes, every file hash checked.

    Loaded once per folder and kept (the arrays are read-only); ``directory`` is the
    ``pretrained/`` folder by default.

    Parameters
    ----------
    directory
        A folder holding the four files and their ``manifest.json`` (see
        ``manim-diffusion list``); the shipped ``pretrained/`` by default.

    Returns
    -------
    LatentMNIST
        The kit.

    Examples
    --------
    Everything ships with the package, no MNIST needed: the latent codes of the
    10,000 test digits, and real test digits.

    .. manim:: LoadLatentMNISTExample

        import numpy as np
        from manim_diffusion import DistributionCloud, MNIST_PALETTE, load_latent_mnist

        class LoadLatentMNISTExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                axes = Axes(x_range=[-4.5, 4.5], y_range=[-4.5, 4.5], x_length=7,
                            y_length=7).to_edge(LEFT)
                codes = DistributionCloud(kit.codes, axes=axes, labels=kit.labels,
                                          palette=MNIST_PALETTE, radius=0.015)
                firsts = np.stack([kit.digits[kit.digit_labels == d][:6] for d in range(10)])
                sheet = firsts.transpose(0, 2, 1, 3).reshape(10 * 28, 6 * 28)  # a row per digit
                digits = ImageMobject(sheet).set(height=7).to_edge(RIGHT, buff=0.8)
                self.add(axes, codes, digits)
                for d in range(10):  # each row's digit, in its colour on the plane
                    name = Text(str(d), font_size=24, color=MNIST_PALETTE[d])
                    self.add(name.move_to(digits.get_corner(UL) + [-0.3, -0.7 * (d + 0.5), 0]))
    """
    folder = Path(directory) if directory is not None else pretrained_dir()
    return _load(str(folder.resolve()))


@functools.lru_cache(maxsize=4)
def _load(folder: str) -> LatentMNIST:
    directory = Path(folder)
    vae = load_vae(shipped_file(VAE_NAME, directory, kind="vae"))
    classifier = load_classifier(shipped_file(CLASSIFIER_NAME, directory, kind="classifier"))
    model = load_pretrained(LATENT_MODEL_NAME, directory)
    arrays = load_arrays(shipped_file(LATENTS_NAME, directory, kind="arrays"))

    def frozen(name: str, dtype: type[np.generic]) -> np.ndarray:
        value = arrays[name].astype(dtype)
        value.setflags(write=False)
        return value

    snapshots = "snapshot_codes" in arrays
    return LatentMNIST(
        vae=vae,
        model=model,
        classifier=classifier,
        codes=frozen("codes", np.float32),
        labels=frozen("labels", np.int64),
        digits=frozen("digits", np.uint8),
        digit_labels=frozen("digit_labels", np.int64),
        digit_index=frozen("digit_index", np.int64),
        snapshot_codes=frozen("snapshot_codes", np.float32) if snapshots else None,
        snapshot_steps=frozen("snapshot_steps", np.int64) if snapshots else None,
        snapshot_labels=frozen("snapshot_labels", np.int64) if snapshots else None,
    )


# mypy knows no attributes set on a function after its definition
load_latent_mnist.cache_clear = _load.cache_clear  # type: ignore[attr-defined]
