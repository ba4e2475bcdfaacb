"""The `manim-diffusion mnist` group: train the VAE, the classifier and the latent model."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NoReturn, TypeVar

import click

from ..apps.mnist.latent import (
    CLASSIFIER_NAME,
    DEFAULT_GUIDANCE,
    EVAL_SAMPLER,
    EVAL_STEPS,
    LATENT_CONFIG,
    LATENTS_NAME,
    VAE_CONFIG,
    VAE_NAME,
)
from ..apps.mnist.pixel_model import PIXEL_CONFIG, PixelConfig
from ..apps.mnist.pixel_recipes import PixelReport, measure_pixel_file, train_pixel_file
from ..apps.mnist.recipes import (
    TrainedFiles,
    measure_latent_files,
    train_classifier_file,
    train_latent_file,
    train_vae_files,
)
from ..engine import (
    OBJECTIVES,
    CheckpointError,
    ClassifierConfig,
    MNISTError,
    TrainConfig,
    TrainingDiverged,
    VAEConfig,
)
from .main import PositiveInt, device_option, mnist_dir_option, out_dir_option

__all__ = ["mnist_group"]

_T = TypeVar("_T")


def _fractions_text(fractions: Iterable[float]) -> str:
    return " ".join(f"{k}:{f:.3f}" for k, f in enumerate(fractions))


def _write_failed(err: OSError, out_dir: Path) -> NoReturn:
    click.echo(f"error: cannot write to {out_dir}: {err.strerror}; choose another --out-dir",
               err=True)
    sys.exit(1)


def _run(recipe: Callable[[], _T], out_dir: Path | None = None) -> _T:
    """``recipe()``, its refusals turned into one-line errors.

    A missing or damaged file, or MNIST not found: exit 1; a bad option (ValueError):
    a usage error (exit 2); a diverged run or a folder that cannot be written: exit 1.
    """
    try:
        return recipe()
    except (CheckpointError, MNISTError) as err:
        raise click.ClickException(str(err)) from err
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    except TrainingDiverged as err:
        click.echo(f"error: {err}. Nothing was written.", err=True)
        sys.exit(1)
    except OSError as err:
        if out_dir is None:
            raise
        _write_failed(err, out_dir)


@click.group("mnist")
def mnist_group() -> None:
    """Latent diffusion on MNIST: train the 2D VAE, the classifier and the latent model.

    Run train-vae, train-classifier, then train-latent with the same --out-dir; eval
    measures what is in a folder (the shipped files by default). MNIST comes from
    --mnist-dir or $MANIM_DIFFUSION_MNIST.
    """


@mnist_group.command("train-vae")
@mnist_dir_option
@out_dir_option
@click.option("--epochs", default=VAE_CONFIG.epochs, show_default=True, type=PositiveInt())
@click.option("--batch-size", default=VAE_CONFIG.batch_size, show_default=True,
              type=PositiveInt())
@click.option("--lr", default=VAE_CONFIG.lr, show_default=True, type=float)
@click.option("--beta", default=VAE_CONFIG.beta, show_default=True, type=float,
              help="Weight of the KL term.")
@click.option("--label-weight", default=VAE_CONFIG.label_weight, show_default=True, type=float,
              help="Weight of a small head that reads the digit from the latent (0: none).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--snapshot-every", default=100, show_default=True, type=click.IntRange(min=0),
              help="Keep the latent codes of 1,000 training digits every this many steps "
                   "(0: none), for scenes of the latent organising.")
def mnist_train_vae(
    mnist_dir: Path | None,
    out_dir: Path,
    epochs: int,
    batch_size: int,
    lr: float,
    beta: float,
    label_weight: float,
    seed: int,
    snapshot_every: int,
) -> None:
    """Train the 2D-latent VAE; write it and the latent codes of the test digits."""
    config = VAEConfig(epochs=epochs, batch_size=batch_size, lr=lr, beta=beta,
                       label_weight=label_weight, seed=seed)
    run: TrainedFiles = _run(
        lambda: train_vae_files(mnist_dir, out_dir, config, snapshot_every), out_dir)
    error, knn = run.metric["reconstruction"], run.metric["knn5"]
    click.echo(
        f"wrote {out_dir / (VAE_NAME + '.pt')} and {out_dir / (LATENTS_NAME + '.npz')} after "
        f"{run.seconds:.1f} s of training; test reconstruction BCE {error['bce']:.4f} "
        f"(MSE {error['mse']:.4f}) per pixel, 5-NN accuracy in the latent {knn:.3f}"
    )


@mnist_group.command("train-classifier")
@mnist_dir_option
@out_dir_option
@click.option("--epochs", default=ClassifierConfig.epochs, show_default=True, type=PositiveInt())
@click.option("--seed", default=0, show_default=True, type=int)
def mnist_train_classifier(mnist_dir: Path | None, out_dir: Path, epochs: int, seed: int) -> None:
    """Train the digit classifier that judges decoded samples; write it."""
    config = ClassifierConfig(epochs=epochs, seed=seed)
    run: TrainedFiles = _run(lambda: train_classifier_file(mnist_dir, out_dir, config), out_dir)
    click.echo(
        f"wrote {out_dir / (CLASSIFIER_NAME + '.pt')} after {run.seconds:.1f} s of "
        f"training; test accuracy {run.metric['accuracy']:.4f}"
    )


@mnist_group.command("train-latent")
@mnist_dir_option
@out_dir_option
@click.option("--steps", default=LATENT_CONFIG.steps, show_default=True, type=PositiveInt())
@click.option("--batch-size", default=LATENT_CONFIG.batch_size, show_default=True,
              type=PositiveInt())
@click.option("--lr", default=LATENT_CONFIG.lr, show_default=True, type=float)
@click.option("--hidden", default=LATENT_CONFIG.hidden, show_default=True, type=PositiveInt())
@click.option("--ema-decay", default=LATENT_CONFIG.ema_decay, show_default=True, type=float)
@click.option("--objective", default=LATENT_CONFIG.objective, show_default=True,
              type=click.Choice(list(OBJECTIVES)))
@click.option("--seed", default=0, show_default=True, type=int)
def mnist_train_latent(
    mnist_dir: Path | None,
    out_dir: Path,
    steps: int,
    batch_size: int,
    lr: float,
    hidden: int,
    ema_decay: float,
    objective: str,
    seed: int,
) -> None:
    """Train the class-conditional diffusion model on the VAE's latent codes of MNIST.

    Uses the VAE in --out-dir (from train-vae) and measures with the classifier there
    (or the shipped one): the share of guided samples read as their class.
    """
    config = TrainConfig.for_objective(
        objective, steps=steps, batch_size=batch_size, lr=lr, hidden=hidden,
        layers=LATENT_CONFIG.layers, ema_decay=ema_decay, seed=seed, num_classes=10,
    )
    run: TrainedFiles = _run(
        lambda: train_latent_file(mnist_dir, out_dir, config, DEFAULT_GUIDANCE), out_dir)
    click.echo(f"wrote {run.paths[0]} after {run.seconds:.1f} s of training")
    if run.metric:
        click.echo(f"read as their class at guidance {DEFAULT_GUIDANCE:g}: "
                   f"{_fractions_text(run.metric['class_fraction'])}")
        click.echo(f"at guidance 0: {_fractions_text(run.metric['unguided_class_fraction'])}")
    else:
        click.echo("no classifier found: run train-classifier to measure the samples")


def _channels(value: str) -> tuple[int, int, int]:
    try:
        widths = tuple(int(v) for v in value.split(","))
    except ValueError:
        widths = ()
    if len(widths) != 3 or min(widths) < 1:
        raise click.BadParameter(f"{value!r} is not three positive widths such as 16,32,64")
    return widths[0], widths[1], widths[2]


@mnist_group.command("train-pixels")
@mnist_dir_option
@out_dir_option
@click.option("--steps", default=PIXEL_CONFIG.steps, show_default=True, type=PositiveInt())
@click.option("--batch-size", default=PIXEL_CONFIG.batch_size, show_default=True,
              type=PositiveInt())
@click.option("--lr", default=PIXEL_CONFIG.lr, show_default=True, type=float)
@click.option("--channels", default=",".join(map(str, PIXEL_CONFIG.channels)),
              show_default=True, help="The U-Net's widths at 28, 14 and 7 pixels.")
@click.option("--ema-decay", default=PIXEL_CONFIG.ema_decay, show_default=True, type=float)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--threads", default=PIXEL_CONFIG.threads, show_default=True, type=PositiveInt())
@click.option("--no-measure", is_flag=True, help="Skip the classifier's measures after training.")
@device_option
def mnist_train_pixels(
    mnist_dir: Path | None, out_dir: Path, steps: int, batch_size: int, lr: float,
    channels: str, ema_decay: float, seed: int, threads: int, no_measure: bool, device: str,
) -> None:
    """Train the class-conditional pixel model (a U-Net on 28x28 digits).

    Measures it with the classifier in --out-dir (or the shipped one): the share of
    guided samples (guidance 3, DDIM 50) read as their class, and the Frechet distance
    of unconditional samples to the test digits in the classifier's features.
    """
    config = PixelConfig(steps=steps, batch_size=batch_size, lr=lr, channels=_channels(channels),
                         ema_decay=ema_decay, seed=seed, threads=threads, device=device)
    run, report = _run(lambda: train_pixel_file(mnist_dir, out_dir, config, not no_measure),
                       out_dir)
    click.echo(f"wrote {run.paths[0]} after {run.seconds:.1f} s of training")
    if report is not None:
        _echo_pixel_report(report)


def _echo_pixel_report(report: PixelReport) -> None:
    click.echo(f"read as their class at guidance 3 (DDIM 50): "
               f"{_fractions_text(report.per_class_accuracy)}")
    click.echo(f"Frechet distance of {report.n} unconditional samples to test digits "
               f"(classifier features): {report.frechet:.3f} (real against real: "
               f"{report.frechet_floor:.3f})")
    click.echo(f"classifier confidence: samples {report.confidence_samples.mean():.3f}, "
               f"test digits {report.confidence_real.mean():.3f} (mean top probability)")


@mnist_group.command("eval-pixels")
@mnist_dir_option
@click.option("--dir", "directory", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder with the files (default: the shipped pretrained/).")
@click.option("--per-class", default=200, show_default=True, type=PositiveInt(),
              help="Guided samples drawn per class.")
@click.option("--n", "n", default=2000, show_default=True, type=PositiveInt(),
              help="Unconditional samples (and real digits) for the Frechet distance.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--write", is_flag=True, help="Store the measures in the file and its manifest.")
def mnist_eval_pixels(mnist_dir: Path | None, directory: Path | None, per_class: int, n: int,
                      seed: int, write: bool) -> None:
    """Measure the pixel model with the classifier (needs MNIST for the real digits)."""
    report = _run(lambda: measure_pixel_file(directory, mnist_dir, per_class=per_class, n=n,
                                             seed=seed, write=write))
    _echo_pixel_report(report)


@mnist_group.command("eval")
@mnist_dir_option
@click.option("--dir", "directory", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder with the files (default: the shipped pretrained/).")
@click.option("--per-class", default=1000, show_default=True, type=PositiveInt(),
              help="Guided samples drawn per class.")
@click.option("--guidance", default=DEFAULT_GUIDANCE, show_default=True,
              type=click.FloatRange(min=0))
@click.option("--seed", default=0, show_default=True, type=int)
def mnist_eval(
    mnist_dir: Path | None, directory: Path | None, per_class: int, guidance: float, seed: int
) -> None:
    """Measure the VAE, the classifier and the latent model's guided samples.

    Prints the VAE's reconstruction error and the 5-NN accuracy of the test digits'
    codes (the training digits' codes as reference), the classifier's accuracy, and
    for each class the share of guided samples the classifier reads as that class,
    at --guidance and at 0. Without MNIST (--mnist-dir), the first two are measured
    on the shipped digits only and the 5-NN accuracy is left out.
    """
    report = _run(lambda: measure_latent_files(directory, mnist_dir, per_class=per_class,
                                               guidance=guidance, seed=seed))
    error, knn = report.reconstruction, report.knn5_accuracy
    click.echo(f"measured on {report.where}:")
    click.echo(f"  VAE reconstruction: BCE {error['bce']:.4f}, MSE {error['mse']:.4f} per pixel")
    if knn == knn:
        click.echo(f"  5-NN accuracy in the 2D latent (train codes as reference): {knn:.4f}")
    click.echo(f"  classifier accuracy: {report.classifier_accuracy:.4f}")
    for scale, fractions in report.fractions.items():
        click.echo(
            f"read as their class, guidance {scale:g} ({per_class} per class, "
            f"{EVAL_SAMPLER} {EVAL_STEPS}): min {fractions.min():.3f}  "
            f"{_fractions_text(fractions)}"
        )
