"""The pixel recipe: train the class-conditional U-Net on MNIST into a folder with its
manifest, and measure a pixel model with the shipped classifier."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...core.threads import limited_threads
from ...io.manifest import add_to_manifest, manifest_entry
from .idx import MNIST_ENV, load_mnist
from .pixel_metrics import (
    classifier_features,
    confidences,
    frechet_distance,
    guided_accuracy,
    sample_digits,
)
from .pixel_model import (
    PIXEL_MODEL_NAME,
    PixelConfig,
    load_pixel_model,
    save_pixel_model,
    train_pixel_model,
)
from .recipes import TrainedFiles, find_classifier

__all__ = ["PixelReport", "measure_pixel_file", "measure_pixel_model", "train_pixel_file"]

#: The guided measure: guidance 3, DDIM 50 steps (as the issue asks).
GUIDANCE, SAMPLER, STEPS = 3.0, "ddim", 50


@dataclass(frozen=True)
class PixelReport:
    """What :func:`measure_pixel_model` measured."""

    per_class_accuracy: np.ndarray  #: (10,) share of guided samples read as their class
    frechet: float  #: unconditional samples against test digits
    frechet_floor: float  #: test digits against as many training digits
    confidence_samples: np.ndarray  #: the classifier's top probability, per sample
    confidence_real: np.ndarray  #: the same for test digits
    n: int  #: unconditional samples (and real digits) compared

    def as_metric(self) -> dict[str, Any]:
        """The report as plain numbers for a manifest entry."""
        bins = np.array([0.0, 0.5, 0.9, 0.99, 1.0001])
        hist = lambda c: [round(float(h), 4) for h in np.histogram(c, bins)[0] / len(c)]  # noqa: E731
        return {
            "guidance": GUIDANCE, "sampler": SAMPLER, "steps": STEPS,
            "class_fraction": [round(float(f), 4) for f in self.per_class_accuracy],
            "class_fraction_min": round(float(self.per_class_accuracy.min()), 4),
            "frechet_classifier_features": round(self.frechet, 3),
            "frechet_floor_real_vs_real": round(self.frechet_floor, 3),
            "unconditional_samples": self.n,
            "confidence_bins": [0.0, 0.5, 0.9, 0.99, 1.0],
            "confidence_samples": hist(self.confidence_samples),
            "confidence_real": hist(self.confidence_real),
            "mean_confidence_samples": round(float(self.confidence_samples.mean()), 4),
            "mean_confidence_real": round(float(self.confidence_real.mean()), 4),
        }


def measure_pixel_model(model: Any, judge: Any, mnist_dir: Path | None, *, per_class: int = 200,
                        n: int = 2000, seed: int = 0) -> PixelReport:
    """Guided accuracy per class, and the Frechet distance and confidences of samples.

    The real digits are MNIST's test split (``n`` of them), the floor is the same
    measure between them and ``n`` training digits.
    """
    test_images, _ = load_mnist(mnist_dir, "test")
    train_images, _ = load_mnist(mnist_dir, "train")
    with limited_threads(threads=2):
        accuracy = guided_accuracy(model, judge, per_class, guidance=GUIDANCE, sampler=SAMPLER,
                                   steps=STEPS, seed=seed)
        samples = sample_digits(model, None, n, sampler=SAMPLER, steps=STEPS, seed=seed + 1000)
    rng = np.random.default_rng(seed)
    real = test_images[rng.choice(len(test_images), n, replace=False)]
    other = train_images[rng.choice(len(train_images), n, replace=False)]
    real_f = classifier_features(judge, real)
    return PixelReport(
        per_class_accuracy=accuracy,
        frechet=frechet_distance(classifier_features(judge, samples), real_f),
        frechet_floor=frechet_distance(classifier_features(judge, other), real_f),
        confidence_samples=confidences(judge, samples),
        confidence_real=confidences(judge, real),
        n=n,
    )


def train_pixel_file(mnist_dir: Path | None, out_dir: Path, config: PixelConfig,
                     measure: bool = True) -> tuple[TrainedFiles, PixelReport | None]:
    """Train the class-conditional pixel model on MNIST; write it and its manifest entry.

    Parameters
    ----------
    mnist_dir
        The folder with MNIST (None: ``$MANIM_DIFFUSION_MNIST`` or the usual places).
    out_dir
        The folder to write to, with its manifest.
    config
        The run (checked first: ValueError if bad, including a missing device).
    measure
        Measure the model with the classifier in ``out_dir`` (or the shipped one).

    Returns
    -------
    tuple
        The file written and the report (None when not measured). MNISTError
        without MNIST, TrainingDiverged (nothing written), OSError.
    """
    config.validate()
    from ...core.devices import resolve_device
    resolve_device(config.device)  # refuse a missing device before reading MNIST
    images, labels = load_mnist(mnist_dir, "train")
    result = train_pixel_model(images, labels, config)
    judge = find_classifier(out_dir) if measure else None
    report = measure_pixel_model(result.model, judge, mnist_dir) if judge is not None else None
    metric = report.as_metric() if report is not None else {}
    path = out_dir / f"{PIXEL_MODEL_NAME}.pt"
    digest = save_pixel_model(result.model, config, path, {"metric": metric})
    command = shlex.join([
        "manim-diffusion", "mnist", "train-pixels", "--mnist-dir", f"${MNIST_ENV}",
        "--out-dir", "pretrained", "--steps", str(config.steps),
        "--batch-size", str(config.batch_size), "--lr", str(config.lr),
        "--channels", ",".join(map(str, config.channels)), "--ema-decay",
        str(config.ema_decay), "--seed", str(config.seed), "--threads", str(config.threads),
    ]).replace(f"'${MNIST_ENV}'", f"${MNIST_ENV}")
    training = {**{k: v for k, v in config.to_dict().items() if k != "device"},
                "images": len(images), "seconds": round(result.seconds, 1),
                "device": str(resolve_device(config.device))}
    network = {"type": "unet", "channels": list(config.channels), "time_dim": config.time_dim,
               "num_classes": 10, "image_shape": [1, 28, 28],
               "parameters": sum(p.numel() for p in result.model.parameters())}
    add_to_manifest(
        manifest_entry(PIXEL_MODEL_NAME, path, kind="pixel_diffusion", dataset="mnist",
                       objective=config.objective, schedule=config.schedule, network=network,
                       training=training, metric=metric, command=command, sha256=digest),
        out_dir, "files",
    )
    return TrainedFiles((path,), result.seconds, metric), report


def measure_pixel_file(directory: Path | None, mnist_dir: Path | None, *, per_class: int = 200,
                       n: int = 2000, seed: int = 0, write: bool = False) -> PixelReport:
    """Measure the pixel model in ``directory`` (the shipped one by default).

    With ``write``, the measures replace the file's and its manifest entry's metric
    (the weights are kept bit for bit; the file's hash changes and the manifest
    follows). Needs MNIST for the real digits (MNISTError without it).
    """
    from ...io.files import pretrained_dir
    from ...io.manifest import read_manifest
    from ...io.pretrained import shipped_file

    folder = directory or pretrained_dir()
    path = shipped_file(PIXEL_MODEL_NAME, folder, kind="pixel_diffusion")
    model = load_pixel_model(path)
    judge = find_classifier(folder)
    if judge is None:
        raise ValueError(f"no classifier in {folder}: run `manim-diffusion mnist "
                         "train-classifier` first")
    report = measure_pixel_model(model, judge, mnist_dir, per_class=per_class, n=n, seed=seed)
    if write:
        entry = dict(read_manifest(folder, "files")[PIXEL_MODEL_NAME])
        fields: dict[str, Any] = {k: tuple(v) if k == "channels" else v
                                  for k, v in entry["training"].items()
                                  if k in PixelConfig.__dataclass_fields__ and k != "device"}
        config = PixelConfig(**fields)
        metric = report.as_metric()
        digest = save_pixel_model(model, config, path, {"metric": metric})
        add_to_manifest({**entry, "metric": metric, "sha256": digest}, folder, "files")
    return report
