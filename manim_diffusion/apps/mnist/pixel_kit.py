"""The shipped pixel-space MNIST kit: the class-conditional U-Net, the judge, real digits."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...core.model import DiffusionModel
from ...core.trajectory import Trajectory
from ...io.checkpoints import load_arrays
from ...io.files import pretrained_dir, sha256_of
from ...io.pretrained import shipped_file
from ...io.run_cache import cached_run
from ...samplers.sample import sample
from .classifier import DigitClassifier, classify
from .latent import CLASSIFIER_NAME, LATENTS_NAME, load_classifier
from .pixel_model import IMAGE_SHAPE, PIXEL_MODEL_NAME, load_pixel_model, to_model, to_unit

__all__ = ["PIXEL_GUIDANCE", "PixelMNIST", "load_pixel_mnist"]

#: The guidance scale the pixel model is sampled with by default.
PIXEL_GUIDANCE = 3.0


@dataclass(frozen=True)
class PixelMNIST:
    """The shipped pixel-space MNIST kit, made by :func:`load_pixel_mnist`.

    Parameters
    ----------
    model
        The class-conditional diffusion model on images ``(N, 1, 28, 28)`` in [-1, 1]
        (a :class:`~manim_diffusion.core.unet.UNetDenoiser` inside).
    classifier
        The digit classifier that judges samples.
    digits, digit_labels
        A few hundred real MNIST test digits (uint8 ``(M, 28, 28)``) and their labels.
    guidance
        The default guidance scale, :data:`PIXEL_GUIDANCE`.
    sha256
        The model file's hash: what keys its cached runs.

    Examples
    --------
    One sample of each digit and what the classifier reads in it:

    .. manim:: PixelMNISTExample
        :save_last_frame:

        from manim_diffusion import load_pixel_mnist

        class PixelMNISTExample(Scene):
            def construct(self):
                kit = load_pixel_mnist()
                run = kit.sample(np.arange(10), steps=25, seed=0)
                images = kit.to_unit(run.final)[:, 0]  # (10, 28, 28) in [0, 1]
                read = kit.classify(images)
                row = Group()
                for image, digit in zip(images, read):
                    tile = ImageMobject(np.uint8(255 * image)).set(height=1.2)
                    tile.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
                    row.add(Group(tile, Text(str(digit), font_size=28).next_to(tile, DOWN)))
                self.add(row.arrange(RIGHT, buff=0.15))
    """

    model: DiffusionModel
    classifier: DigitClassifier
    digits: np.ndarray
    digit_labels: np.ndarray
    guidance: float = PIXEL_GUIDANCE
    sha256: str = ""

    image_shape = IMAGE_SHAPE

    @staticmethod
    def to_model(images: np.ndarray | torch.Tensor) -> np.ndarray:
        """Images (uint8, or floats in [0, 1]) as the model's ``(N, 1, 28, 28)`` in [-1, 1]."""
        return to_model(images)

    @staticmethod
    def to_unit(x: np.ndarray | torch.Tensor) -> np.ndarray:
        """Model-space images back to pixels in [0, 1] (clipped), same shape."""
        return to_unit(x)

    def classify(self, images: np.ndarray) -> np.ndarray:
        """The digit each image shows (images in [0, 1] or uint8, ``(N, 28, 28)``)."""
        return classify(self.classifier, np.asarray(images).reshape(-1, 28, 28))

    def sample(
        self, labels: int | np.ndarray | None = None, n: int = 16,
        guidance: float | None = None, sampler: str = "ddim", steps: int | None = 50,
        seed: int = 0, cache: bool = False, **kwargs: Any,
    ) -> Trajectory:
        """Sample digits of class ``labels`` (an int, one per image, or None: any digit).

        Returns the whole run in model space; ``to_unit(run.final)`` gives the images.
        ``cache=True`` keeps the run on disk (:func:`~manim_diffusion.io.run_cache.cached_run`,
        keyed by the model's hash and every argument), so a scene samples it once.
        """
        lab = None if labels is None else np.asarray(labels)
        if lab is not None and lab.ndim and len(lab):
            n = len(lab)
        scale = self.guidance if guidance is None else float(guidance)
        extra: dict[str, Any] = {} if lab is None else {"labels": labels, "guidance": scale}

        def make() -> Trajectory:
            return sample(self.model, sampler, steps, n=n, seed=seed, **extra, **kwargs)

        if not cache:
            return make()
        key = {"model": self.sha256, "sampler": sampler, "steps": steps, "n": n, "seed": seed,
               "labels": None if lab is None else lab.tolist(), "guidance": scale,
               "kwargs": {k: kwargs[k] for k in sorted(kwargs)}}
        return cached_run(key, make)


def load_pixel_mnist(directory: str | os.PathLike[str] | None = None) -> PixelMNIST:
    """The shipped pixel model, classifier and real digits, every file hash checked.

    Loaded once per folder and kept. Nothing needs MNIST itself.

    Parameters
    ----------
    directory
        A folder holding the files and their ``manifest.json``; ``pretrained/`` by default.

    Examples
    --------
    Real test digits beside guided samples of the same classes:

    .. manim:: LoadPixelMNISTExample
        :save_last_frame:

        from manim_diffusion import load_pixel_mnist

        class LoadPixelMNISTExample(Scene):
            def construct(self):
                kit = load_pixel_mnist()
                real = np.stack([kit.digits[kit.digit_labels == d][0] for d in range(10)])
                fake = np.uint8(255 * kit.to_unit(kit.sample(np.arange(10), steps=25).final))
                sheet = np.concatenate([real.transpose(1, 0, 2).reshape(28, 280),
                                        fake[:, 0].transpose(1, 0, 2).reshape(28, 280)])
                picture = ImageMobject(sheet).set(width=12)
                picture.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
                self.add(picture, Text("real (top), sampled (bottom)", font_size=30)
                         .next_to(picture, UP))
    """
    folder = Path(directory) if directory is not None else pretrained_dir()
    return _load(str(folder.resolve()))


@functools.lru_cache(maxsize=4)
def _load(folder: str) -> PixelMNIST:
    directory = Path(folder)
    model_path = shipped_file(PIXEL_MODEL_NAME, directory, kind="pixel_diffusion")
    model = load_pixel_model(model_path)
    classifier = load_classifier(shipped_file(CLASSIFIER_NAME, directory, kind="classifier"))
    arrays = load_arrays(shipped_file(LATENTS_NAME, directory, kind="arrays"))
    digits = arrays["digits"].astype(np.uint8)
    labels = arrays["digit_labels"].astype(np.int64)
    digits.setflags(write=False)
    labels.setflags(write=False)
    return PixelMNIST(model=model, classifier=classifier, digits=digits, digit_labels=labels,
                      sha256=sha256_of(model_path))


# mypy knows no attributes set on a function after its definition
load_pixel_mnist.cache_clear = _load.cache_clear  # type: ignore[attr-defined]
