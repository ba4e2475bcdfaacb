"""The MNIST recipes: train the VAE, the classifier and the latent model into a folder
with its manifest, and measure what a folder holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...engine import (  # the facade: these names stay wherever their modules go
    ClassifierConfig,
    DigitClassifier,
    TrainConfig,
    VAEConfig,
    classifier_accuracy,
    encode_means,
    knn_accuracy,
    limited_threads,
    load_mnist,
    reconstruction_error,
    train,
    train_classifier,
    train_vae,
)
from ...io.checkpoints import save_arrays, save_checkpoint
from ...io.files import CheckpointError, pretrained_dir, sha256_of
from ...io.manifest import add_to_manifest, manifest_entry, mlp_network
from ...io.pretrained import shipped_file
from ...training.train import build_model
from .idx import MNIST_ENV
from .latent import (
    CLASSIFIER_NAME,
    DIGITS_PER_CLASS,
    EVAL_SAMPLER,
    EVAL_STEPS,
    LATENT_MODEL_NAME,
    LATENTS_NAME,
    VAE_CONFIG,
    VAE_NAME,
    guided_fractions,
    latents_arrays,
    load_classifier,
    load_latent_mnist,
    load_vae,
    round_to_storage,
    save_classifier,
    save_vae,
)

__all__ = [
    "LatentReport",
    "TrainedFiles",
    "find_classifier",
    "measure_latent_files",
    "train_classifier_file",
    "train_latent_file",
    "train_vae_files",
]

_LATENTS_CONTENT = (
    "latent codes of the {test:,} test digits and {per_class} real digits per class: codes "
    "(float32 latent means), labels, digits (uint8), digit_labels, digit_index (their rows in "
    "codes); snapshot_codes (float16), snapshot_steps, snapshot_labels: 1,000 training "
    "digits' codes as the VAE trained"
)


@dataclass(frozen=True)
class TrainedFiles:
    """What a recipe wrote: the files, the training time and what they scored."""

    paths: tuple[Path, ...]
    seconds: float
    metric: dict[str, Any]


def _splits(mnist_dir: Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST's training and test images and labels (MNISTError if not found)."""
    images, labels = load_mnist(mnist_dir, "train")
    test_images, test_labels = load_mnist(mnist_dir, "test")
    return images, labels, test_images, test_labels


def train_vae_files(mnist_dir: Path | None, out_dir: Path, config: VAEConfig,
                    snapshot_every: int = 100) -> TrainedFiles:
    """Train the 2D-latent VAE; write it and the latent codes of the test digits.

    Parameters
    ----------
    mnist_dir
        The folder with MNIST (None: ``$MANIM_DIFFUSION_MNIST`` or the usual places).
    out_dir
        The folder to write to, with its manifest.
    config
        The VAE's training config (checked first: ValueError if bad).
    snapshot_every
        Keep the latent codes of 1,000 training digits every this many steps (0: none).

    Returns
    -------
    TrainedFiles
        The VAE and latents files; the metric holds the reconstruction error and the
        5-NN accuracy. MNISTError if MNIST is not found, OSError if a file cannot be
        written.
    """
    config.validate()
    images, labels, test_images, test_labels = _splits(mnist_dir)
    result = train_vae(images, labels, config, snapshot_every=snapshot_every)
    vae = round_to_storage(result.vae)  # measure and encode with the weights that ship
    with limited_threads(threads=config.threads):
        error = reconstruction_error(vae, test_images)
        knn = knn_accuracy(encode_means(vae, images), labels, encode_means(vae, test_images),
                           test_labels)
        arrays = latents_arrays(vae, test_images, test_labels, snapshots=result.snapshots,
                                snapshot_labels=result.snapshot_labels)
    metric = {"reconstruction_bce": round(error["bce"], 5),
              "reconstruction_mse": round(error["mse"], 5),
              "knn5_accuracy": round(knn, 4), "test_digits": len(test_images)}
    command = (
        f"manim-diffusion mnist train-vae --mnist-dir ${MNIST_ENV} --out-dir pretrained "
        f"--epochs {config.epochs} --batch-size {config.batch_size} --lr {config.lr} "
        f"--beta {config.beta} --label-weight {config.label_weight} --seed {config.seed} "
        f"--snapshot-every {snapshot_every}"
    )
    vae_path, latents_path = out_dir / f"{VAE_NAME}.pt", out_dir / f"{LATENTS_NAME}.npz"
    vae_sha = save_vae(vae, vae_path, {"metric": metric})
    latents_sha = save_arrays(latents_path, **arrays)
    training = {**config.to_dict(), "seconds": round(result.seconds, 1)}
    add_to_manifest(manifest_entry(VAE_NAME, vae_path, kind="vae", dataset="mnist",
                                   network=vae.config, training=training, metric=metric,
                                   command=command, sha256=vae_sha), out_dir, "files")
    content = _LATENTS_CONTENT.format(test=len(test_images), per_class=DIGITS_PER_CLASS)
    add_to_manifest(manifest_entry(LATENTS_NAME, latents_path, kind="arrays", dataset="mnist",
                                   content=content, vae_sha256=vae_sha, command=command,
                                   sha256=latents_sha), out_dir, "files")
    return TrainedFiles((vae_path, latents_path), result.seconds,
                        {**metric, "reconstruction": error, "knn5": knn})


def train_classifier_file(mnist_dir: Path | None, out_dir: Path,
                          config: ClassifierConfig) -> TrainedFiles:
    """Train the digit classifier that judges decoded samples; write it.

    Parameters
    ----------
    mnist_dir
        The folder with MNIST (None: ``$MANIM_DIFFUSION_MNIST`` or the usual places).
    out_dir
        The folder to write to, with its manifest.
    config
        The classifier's training config.

    Returns
    -------
    TrainedFiles
        The classifier's file; the metric holds its test accuracy. MNISTError if MNIST
        is not found, OSError if the file cannot be written.
    """
    images, labels, test_images, test_labels = _splits(mnist_dir)
    result = train_classifier(images, labels, config)
    model = round_to_storage(result.model)
    accuracy = classifier_accuracy(model, test_images, test_labels)
    metric = {"test_accuracy": round(accuracy, 4), "test_digits": len(test_images)}
    path = out_dir / f"{CLASSIFIER_NAME}.pt"
    digest = save_classifier(model, path, {"metric": metric})
    command = (f"manim-diffusion mnist train-classifier --mnist-dir ${MNIST_ENV} "
               f"--out-dir pretrained --epochs {config.epochs} --seed {config.seed}")
    add_to_manifest(
        manifest_entry(CLASSIFIER_NAME, path, kind="classifier", dataset="mnist",
                       network=model.config,
                       training={**config.to_dict(), "seconds": round(result.seconds, 1)},
                       metric=metric, command=command, sha256=digest),
        out_dir, "files",
    )
    return TrainedFiles((path,), result.seconds, {**metric, "accuracy": accuracy})


def find_classifier(out_dir: Path) -> DigitClassifier | None:
    """The classifier in ``out_dir``, else the shipped one, else None."""
    for directory in (out_dir, pretrained_dir()):
        try:
            return load_classifier(shipped_file(CLASSIFIER_NAME, directory, kind="classifier"))
        except CheckpointError:
            continue
    return None


def _guided_metric(model: Any, vae: Any, judge: DigitClassifier | None,
                   guidance: float) -> dict[str, Any]:
    """The share of guided (and unguided) samples read as their class; {} without judge."""
    if judge is None:
        return {}
    guided = guided_fractions(model, vae, judge, guidance=guidance)
    unguided = guided_fractions(model, vae, judge, guidance=0.0)
    return {
        "guidance": guidance, "sampler": EVAL_SAMPLER, "steps": EVAL_STEPS,
        "per_class": 1000, "seed": 0,
        "class_fraction": [round(float(f), 4) for f in guided],
        "class_fraction_min": round(float(guided.min()), 4),
        "unguided_class_fraction": [round(float(f), 4) for f in unguided],
    }


def train_latent_file(mnist_dir: Path | None, out_dir: Path, config: TrainConfig,
                      guidance: float) -> TrainedFiles:
    """Train the class-conditional diffusion model on the VAE's latent codes of MNIST.

    Parameters
    ----------
    mnist_dir
        The folder with MNIST (None: ``$MANIM_DIFFUSION_MNIST`` or the usual places).
    out_dir
        The folder with the VAE (from :func:`train_vae_files`) to write to.
    config
        The latent model's training config (checked first: ValueError if bad).
    guidance
        The guidance scale its samples are measured at, with the classifier in
        ``out_dir`` (or the shipped one).

    Returns
    -------
    TrainedFiles
        The model's file; the metric holds the share of guided samples read as their
        class (empty when no classifier is found). CheckpointError without a VAE,
        MNISTError without MNIST, TrainingDiverged (nothing written), OSError.
    """
    config.validate()
    build_model(config)
    vae_path = shipped_file(VAE_NAME, out_dir, kind="vae")
    vae = load_vae(vae_path)
    images, labels = load_mnist(mnist_dir, "train")
    with limited_threads(threads=config.threads):
        codes = encode_means(vae, images)
    result = train(codes, config, labels=labels)
    metric = _guided_metric(result.model, vae, find_classifier(out_dir), guidance)
    path = out_dir / f"{LATENT_MODEL_NAME}.pt"
    vae_sha = sha256_of(vae_path)
    digest = save_checkpoint(result.model, config, path,
                             extra={"dataset": "mnist_latent", "vae_sha256": vae_sha})
    training = {"steps": config.steps, "batch_size": config.batch_size, "lr": config.lr,
                "seed": config.seed, "points": len(codes), "ema_decay": config.ema_decay,
                "label_dropout": config.label_dropout, "seconds": round(result.seconds, 1)}
    command = (f"manim-diffusion mnist train-latent --mnist-dir ${MNIST_ENV} "
               f"--out-dir pretrained --steps {config.steps} --batch-size {config.batch_size} "
               f"--lr {config.lr} --hidden {config.hidden} --ema-decay {config.ema_decay} "
               f"--objective {config.objective} --seed {config.seed}")
    add_to_manifest(
        manifest_entry(LATENT_MODEL_NAME, path, kind="diffusion", dataset="mnist_latent",
                       objective=config.objective, schedule=config.schedule,
                       network=mlp_network(config), training=training, metric=metric,
                       vae_sha256=vae_sha, command=command, sha256=digest),
        out_dir, "files",
    )
    return TrainedFiles((path,), result.seconds, metric)


@dataclass(frozen=True)
class LatentReport:
    """What :func:`measure_latent_files` measured, and on which digits."""

    where: str
    reconstruction: dict[str, float]
    knn5_accuracy: float  #: NaN when measured without MNIST
    classifier_accuracy: float
    #: guidance scale -> share of each class's guided samples read as that class
    fractions: dict[float, np.ndarray]


def measure_latent_files(directory: Path | None, mnist_dir: Path | None, *,
                         per_class: int = 1000, guidance: float = 1.0,
                         seed: int = 0) -> LatentReport:
    """Measure the VAE, the classifier and the latent model's guided samples.

    Parameters
    ----------
    directory
        The folder with the files (None: the shipped ones).
    mnist_dir
        The folder with MNIST; None measures on the shipped digits only (and leaves
        the 5-NN accuracy out).
    per_class, guidance, seed
        The guided samples drawn per class, at ``guidance`` and at 0.

    Returns
    -------
    LatentReport
        The measurements; CheckpointError if a file is missing or damaged.
    """
    kit = load_latent_mnist(directory or pretrained_dir())
    with limited_threads(threads=VAE_CONFIG.threads):
        if mnist_dir is not None:
            images, labels, test_images, test_labels = _splits(mnist_dir)
            error = reconstruction_error(kit.vae, test_images)
            knn = knn_accuracy(kit.encode(images), labels, kit.encode(test_images), test_labels)
            accuracy = classifier_accuracy(kit.classifier, test_images, test_labels)
            where = f"{len(test_images)} MNIST test digits"
        else:
            error = reconstruction_error(kit.vae, kit.digits)
            accuracy = classifier_accuracy(kit.classifier, kit.digits, kit.digit_labels)
            knn = float("nan")
            where = f"the {len(kit.digits)} shipped test digits (pass --mnist-dir for all)"
        fractions = {scale: guided_fractions(kit.model, kit.vae, kit.classifier, per_class,
                                             scale, seed=seed)
                     for scale in dict.fromkeys((guidance, 0.0))}
    return LatentReport(where, error, knn, accuracy, fractions)
