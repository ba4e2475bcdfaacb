"""The `manim-diffusion` command: list, train, sample and evaluate models."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
import numpy as np

from ..analysis.evaluate import EVAL_POINTS, evaluate
from ..apps.mnist.classifier import (
    ClassifierConfig,
    DigitClassifier,
    classifier_accuracy,
    train_classifier,
)
from ..apps.mnist.idx import MNIST_ENV, MNISTError, load_mnist
from ..apps.mnist.latent import (
    CLASSIFIER_NAME,
    DEFAULT_GUIDANCE,
    DIGITS_PER_CLASS,
    EVAL_SAMPLER,
    EVAL_STEPS,
    LATENT_CONFIG,
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
from ..apps.mnist.vae import VAEConfig, encode_means, knn_accuracy, reconstruction_error, train_vae
from ..core.model import DiffusionModel
from ..core.threads import limited_threads
from ..data.datasets import LABELLED
from ..engine import (
    DEFAULT_STEPS,
    OBJECTIVES,
    SAMPLERS,
    SCHEDULES,
    CheckpointError,
    TrainConfig,
    TrainingDiverged,
    dataset_names,
    list_pretrained,
    load_pretrained,
    make_dataset,
    sample,
    save_checkpoint,
    train,
)
from ..io import (
    add_to_manifest,
    pretrained_dir,
    save_arrays,
    sha256_of,
    shipped_file,
)
from ..talk.cli import talk_group
from ..training.train import build_model

__all__ = ["main"]

_F = TypeVar("_F", bound=Callable[..., Any])  # a click command function, decorated


def _positive(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value < 1:
        raise click.BadParameter(f"must be a positive integer, got {value}")
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="manim-diffusion")
def main() -> None:
    """Train, sample and evaluate the diffusion models behind manim-diffusion."""


main.add_command(talk_group)


@main.command("list")
def list_cmd() -> None:
    """List the data sets, samplers and shipped checkpoints with their metrics."""
    click.echo("data sets: " + ", ".join(dataset_names()))
    click.echo("samplers:  " + ", ".join(SAMPLERS))
    click.echo("checkpoints:")
    entries = list_pretrained()
    if not entries:
        click.echo("  (none found)")
    for e in entries:
        m = e.get("metric", {})
        ed, floor = m.get("energy_distance", float("nan")), m.get("floor", float("nan"))
        click.echo(
            f"  {e['name']:<20} {e['dataset']:<12} {e['objective']:<5} {e['schedule']:<7}"
            f" {e['training']['steps']:>6} steps  energy distance {ed:.4f} (floor {floor:.4f})"
        )
    files = list_pretrained(section="files")
    if files:
        click.echo("MNIST files (see `manim-diffusion mnist --help`):")
    for e in files:
        click.echo(f"  {e['name']:<20} {e.get('kind', ''):<12} {_file_summary(e)}")


def _file_summary(entry: dict) -> str:
    """One line about a shipped MNIST file: what it scored."""
    m = entry.get("metric", {})
    if "knn5_accuracy" in m:
        return (f"reconstruction BCE {m['reconstruction_bce']:.4f} per pixel, "
                f"5-NN accuracy {m['knn5_accuracy']:.3f}")
    if "test_accuracy" in m:
        return f"test accuracy {m['test_accuracy']:.4f}"
    if "class_fraction_min" in m:
        return (f"{entry['objective']}, {entry['training']['steps']} steps; guided samples "
                f"read as their class: at least {m['class_fraction_min']:.3f} (guidance "
                f"{m['guidance']:g})")
    return entry.get("content", "").split(":")[0]


@main.command("train")
@click.option(
    "--dataset", required=True, type=click.Choice(dataset_names()), help="Data set to learn."
)
@click.option("--steps", default=TrainConfig.steps, show_default=True, callback=_positive, type=int)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Checkpoint file to write (.pt).",
)
@click.option(
    "--points",
    default=10000,
    show_default=True,
    callback=_positive,
    type=int,
    help="Size of the training set.",
)
@click.option(
    "--batch-size", default=TrainConfig.batch_size, show_default=True, callback=_positive, type=int
)
@click.option("--lr", default=TrainConfig.lr, show_default=True, type=float)
@click.option("--ema-decay", default=TrainConfig.ema_decay, show_default=True, type=float)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--schedule",
    default=None,
    type=click.Choice(list(SCHEDULES)),
    help="Noising path (default: flow for --objective flow, linear otherwise).",
)
@click.option("--objective", default="eps", show_default=True, type=click.Choice(list(OBJECTIVES)))
@click.option(
    "--conditional",
    is_flag=True,
    help=f"Learn the data set's classes too, for guidance (labelled sets: {', '.join(LABELLED)}).",
)
@click.option("--name", default=None, help="Manifest name (default: the file's stem).")
@click.option(
    "--no-manifest", is_flag=True, help="Do not add an entry to the manifest beside --out."
)
def train_cmd(
    dataset: str,
    steps: int,
    out: Path,
    points: int,
    batch_size: int,
    lr: float,
    ema_decay: float,
    seed: int,
    schedule: str | None,
    objective: str,
    conditional: bool,
    name: str | None,
    no_manifest: bool,
) -> None:
    """Train a diffusion model on a 2D data set and write its checkpoint atomically."""
    if conditional and dataset not in LABELLED:
        raise click.UsageError(
            f"--conditional needs a labelled data set ({', '.join(LABELLED)}); {dataset} has none"
        )
    schedule = schedule or ("flow" if objective == "flow" else "linear")
    labels = None
    if conditional:
        data, labels = make_dataset(dataset, points, seed=seed, with_labels=True)
    else:
        data = make_dataset(dataset, points, seed=seed)
    config = TrainConfig(
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        ema_decay=ema_decay,
        seed=seed,
        schedule=schedule,
        objective=objective,
        num_classes=int(labels.max()) + 1 if labels is not None else 0,  # set iff conditional
    )
    try:
        config.validate()
        build_model(config)  # an objective that does not suit the schedule fails here
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    try:
        result = train(data, config, labels=labels)
    except TrainingDiverged as err:
        click.echo(f"error: {err}. Nothing was written; {out} is unchanged.", err=True)
        sys.exit(1)
    score = evaluate(result.model, dataset)
    ed, floor, nfe = score.energy_distance, score.floor, score.nfe
    try:
        digest = save_checkpoint(result.model, config, out, extra={"dataset": dataset})
    except OSError as err:
        click.echo(f"error: cannot write {out}: {err.strerror}; choose another --out", err=True)
        sys.exit(1)
    click.echo(
        f"wrote {out} in {result.seconds:.1f} s of training; energy distance "
        f"{ed:.4f} (floor {floor:.4f}, ddim {nfe} steps)"
    )
    if not no_manifest:
        add_to_manifest(
            {
                "name": name or out.stem,
                "file": out.name,
                "dataset": dataset,
                "objective": config.objective,
                "schedule": config.schedule,
                "network": {
                    "type": "mlp",
                    "hidden": config.hidden,
                    "layers": config.layers,
                    "time_dim": config.time_dim,
                    "num_classes": config.num_classes,
                },
                "training": {
                    "steps": steps,
                    "batch_size": batch_size,
                    "lr": lr,
                    "seed": seed,
                    "points": points,
                    "ema_decay": config.ema_decay,
                    "seconds": round(result.seconds, 1),
                },
                "metric": {
                    "energy_distance": round(ed, 5),
                    "floor": round(floor, 5),
                    "sampler": "ddim",
                    "steps": nfe,
                    "n": EVAL_POINTS,
                },
                "command": (
                    f"manim-diffusion train --dataset {dataset} --steps {steps} "
                    f"--points {points} --batch-size {batch_size} --lr {lr} "
                    f"--ema-decay {ema_decay} "
                    f"--seed {seed} "
                    f"--schedule {schedule} --objective {objective} "
                    + ("--conditional " if conditional else "")
                    + f"--out pretrained/{out.name}"
                ),
                "sha256": digest,
            },
            out.parent,
        )


def _load(model: str) -> DiffusionModel:
    try:
        return load_pretrained(model)
    except CheckpointError as err:
        raise click.ClickException(str(err)) from err


@main.command("sample")
@click.option("--model", required=True, help="Shipped model name (see `list`) or a .pt file.")
@click.option("--sampler", default="ddpm", show_default=True, type=click.Choice(list(SAMPLERS)))
@click.option(
    "--steps",
    default=None,
    type=int,
    callback=_positive,
    help=f"Sampler steps (default: {DEFAULT_STEPS}).",
)
@click.option("-n", "n", default=2000, show_default=True, type=int, callback=_positive)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--label", default=None, type=int, help="Class to sample (conditional models).")
@click.option(
    "--guidance",
    default=1.0,
    show_default=True,
    type=float,
    help="Classifier-free guidance scale with --label (0: unconditional).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Trajectory file to write (.npz).",
)
def sample_cmd(
    model: str,
    sampler: str,
    steps: int | None,
    n: int,
    seed: int,
    label: int | None,
    guidance: float,
    out: Path,
) -> None:
    """Sample a model and save the whole trajectory (times, points, x0-hat) to .npz."""
    try:
        traj = sample(_load(model), sampler, steps, n=n, seed=seed, labels=label, guidance=guidance)
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    traj.meta["model"] = model
    try:
        traj.save(out)
    except OSError as err:
        raise click.ClickException(f"cannot write {out}: {err.strerror}") from err
    click.echo(f"wrote {out}: {traj.n_points} points, {traj.n_steps} steps of {sampler}")


@main.command("eval")
@click.option(
    "--model",
    default=None,
    help="Shipped model name (see `list`) or a .pt file; every shipped model if left out.",
)
@click.option(
    "--sampler",
    default=None,
    type=click.Choice(list(SAMPLERS)),
    help="Sampler (default: every sampler, each at its usual step count).",
)
@click.option("--steps", default=None, type=int, callback=_positive)
@click.option(
    "--dataset",
    default=None,
    type=click.Choice(dataset_names()),
    help="Data set to compare with (default: the one the model was trained on).",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--points",
    default=EVAL_POINTS,
    show_default=True,
    type=int,
    callback=_positive,
    help="Samples drawn (the floor falls like 1/points).",
)
def eval_cmd(
    model: str | None,
    sampler: str | None,
    steps: int | None,
    dataset: str | None,
    seed: int,
    points: int,
) -> None:
    """Energy distance of samples to the data, against the floor a perfect model gets.

    With no --model, every shipped checkpoint; with no --sampler, every sampler at
    its usual number of steps. Prints one line per pair with the network evaluations.
    """
    names = [model] if model else [e["name"] for e in list_pretrained()]
    if not names:
        raise click.ClickException("no shipped checkpoints found; pass --model FILE.pt")
    samplers = [sampler] if sampler else list(SAMPLERS)
    if steps is not None and len(samplers) > 1:
        raise click.UsageError("--steps needs one --sampler")
    click.echo(
        f"{'model':<24} {'sampler':<10} {'NFE':>5} {'energy distance':>16} {'floor':>8} "
        f"{'seconds':>8}   ({points} samples)"
    )
    for name in names:
        net = _load(name)
        data = dataset or getattr(net, "dataset", None)
        if data is None:
            raise click.UsageError(f"{name} does not name its data set; pass --dataset")
        floor = None
        for s in samplers:
            score = evaluate(net, data, s, steps, seed, with_floor=floor is None, points=points)
            floor = score.floor if floor is None else floor
            click.echo(
                f"{name:<24} {s:<10} {score.nfe:>5} {score.energy_distance:>16.5f} "
                f"{floor:>8.5f} {score.seconds:>8.2f}"
            )


# ---------------------------------------------------------------- MNIST


def _mnist_dir_option(func: _F) -> _F:
    return click.option(
        "--mnist-dir",
        envvar=MNIST_ENV,
        default=None,
        type=click.Path(file_okay=False, path_type=Path),
        help=f"Folder with the MNIST IDX files (.gz or not) or mnist.npz [env: {MNIST_ENV}].",
    )(func)


def _out_dir_option(func: _F) -> _F:
    return click.option(
        "--out-dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder to write to, with its manifest (pretrained for the shipped files).",
    )(func)


def _read_mnist(directory: Path | None, split: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        return load_mnist(directory, split)
    except MNISTError as err:
        raise click.ClickException(str(err)) from err


def _shipped(name: str, directory: Path, kind: str) -> Path:
    try:
        return shipped_file(name, directory, kind=kind)
    except CheckpointError as err:
        raise click.ClickException(str(err)) from err


def _write_failed(err: OSError, out_dir: Path) -> NoReturn:
    click.echo(f"error: cannot write to {out_dir}: {err.strerror}; choose another --out-dir",
               err=True)
    sys.exit(1)


def _fractions_text(fractions: Iterable[float]) -> str:
    return " ".join(f"{k}:{f:.3f}" for k, f in enumerate(fractions))


@main.group("mnist")
def mnist_group() -> None:
    """Latent diffusion on MNIST: train the 2D VAE, the classifier and the latent model.

    Run train-vae, train-classifier, then train-latent with the same --out-dir; eval
    measures what is in a folder (the shipped files by default). MNIST comes from
    --mnist-dir or $MANIM_DIFFUSION_MNIST.
    """


@mnist_group.command("train-vae")
@_mnist_dir_option
@_out_dir_option
@click.option("--epochs", default=VAE_CONFIG.epochs, show_default=True, type=int,
              callback=_positive)
@click.option("--batch-size", default=VAE_CONFIG.batch_size, show_default=True, type=int,
              callback=_positive)
@click.option("--lr", default=VAE_CONFIG.lr, show_default=True, type=float)
@click.option("--beta", default=VAE_CONFIG.beta, show_default=True, type=float,
              help="Weight of the KL term.")
@click.option("--label-weight", default=VAE_CONFIG.label_weight, show_default=True, type=float,
              help="Weight of a small head that reads the digit from the latent (0: none).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--snapshot-every", default=100, show_default=True, type=int,
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
    try:
        config.validate()
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    images, labels = _read_mnist(mnist_dir, "train")
    test_images, test_labels = _read_mnist(mnist_dir, "test")
    if snapshot_every < 0:
        raise click.UsageError(f"--snapshot-every must be >= 0, got {snapshot_every}")
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
        f"--epochs {epochs} --batch-size {batch_size} --lr {lr} --beta {beta} "
        f"--label-weight {label_weight} --seed {seed} --snapshot-every {snapshot_every}"
    )
    try:
        vae_sha = save_vae(vae, out_dir / f"{VAE_NAME}.pt", {"metric": metric})
        latents_sha = save_arrays(out_dir / f"{LATENTS_NAME}.npz", **arrays)
    except OSError as err:
        _write_failed(err, out_dir)
    training = {**config.to_dict(), "seconds": round(result.seconds, 1)}
    add_to_manifest(
        {"name": VAE_NAME, "file": f"{VAE_NAME}.pt", "kind": "vae", "dataset": "mnist",
         "network": vae.config, "training": training, "metric": metric,
         "command": command, "sha256": vae_sha},
        out_dir, "files",
    )
    add_to_manifest(
        {"name": LATENTS_NAME, "file": f"{LATENTS_NAME}.npz", "kind": "arrays",
         "dataset": "mnist",
         "content": f"latent codes of the {len(test_images):,} test digits and "
                    f"{DIGITS_PER_CLASS} real digits per class: codes (float32 latent means), "
                    "labels, digits (uint8), digit_labels, digit_index (their rows in codes); "
                    "snapshot_codes (float16), snapshot_steps, snapshot_labels: 1,000 training "
                    "digits' codes as the VAE trained",
         "vae_sha256": vae_sha, "command": command, "sha256": latents_sha},
        out_dir, "files",
    )
    click.echo(
        f"wrote {out_dir / (VAE_NAME + '.pt')} and {out_dir / (LATENTS_NAME + '.npz')} after "
        f"{result.seconds:.1f} s of training; test reconstruction BCE {error['bce']:.4f} "
        f"(MSE {error['mse']:.4f}) per pixel, 5-NN accuracy in the latent {knn:.3f}"
    )


@mnist_group.command("train-classifier")
@_mnist_dir_option
@_out_dir_option
@click.option("--epochs", default=ClassifierConfig.epochs, show_default=True, type=int,
              callback=_positive)
@click.option("--seed", default=0, show_default=True, type=int)
def mnist_train_classifier(mnist_dir: Path | None, out_dir: Path, epochs: int, seed: int) -> None:
    """Train the digit classifier that judges decoded samples; write it."""
    config = ClassifierConfig(epochs=epochs, seed=seed)
    images, labels = _read_mnist(mnist_dir, "train")
    test_images, test_labels = _read_mnist(mnist_dir, "test")
    result = train_classifier(images, labels, config)
    model = round_to_storage(result.model)
    accuracy = classifier_accuracy(model, test_images, test_labels)
    metric = {"test_accuracy": round(accuracy, 4), "test_digits": len(test_images)}
    try:
        digest = save_classifier(model, out_dir / f"{CLASSIFIER_NAME}.pt", {"metric": metric})
    except OSError as err:
        _write_failed(err, out_dir)
    add_to_manifest(
        {"name": CLASSIFIER_NAME, "file": f"{CLASSIFIER_NAME}.pt", "kind": "classifier",
         "dataset": "mnist", "network": model.config,
         "training": {**config.to_dict(), "seconds": round(result.seconds, 1)},
         "metric": metric,
         "command": f"manim-diffusion mnist train-classifier --mnist-dir ${MNIST_ENV} "
                    f"--out-dir pretrained --epochs {epochs} --seed {seed}",
         "sha256": digest},
        out_dir, "files",
    )
    click.echo(
        f"wrote {out_dir / (CLASSIFIER_NAME + '.pt')} after {result.seconds:.1f} s of "
        f"training; test accuracy {accuracy:.4f}"
    )


def _judge(out_dir: Path) -> DigitClassifier | None:
    """The classifier in ``out_dir``, else the shipped one, else None."""
    for directory in (out_dir, pretrained_dir()):
        try:
            return load_classifier(shipped_file(CLASSIFIER_NAME, directory, kind="classifier"))
        except CheckpointError:
            continue
    return None


@mnist_group.command("train-latent")
@_mnist_dir_option
@_out_dir_option
@click.option("--steps", default=LATENT_CONFIG.steps, show_default=True, type=int,
              callback=_positive)
@click.option("--batch-size", default=LATENT_CONFIG.batch_size, show_default=True, type=int,
              callback=_positive)
@click.option("--lr", default=LATENT_CONFIG.lr, show_default=True, type=float)
@click.option("--hidden", default=LATENT_CONFIG.hidden, show_default=True, type=int,
              callback=_positive)
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
    try:
        config.validate()
        build_model(config)
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    vae_path = _shipped(VAE_NAME, out_dir, "vae")
    vae = load_vae(vae_path)
    images, labels = _read_mnist(mnist_dir, "train")
    with limited_threads(threads=config.threads):
        codes = encode_means(vae, images)
    try:
        result = train(codes, config, labels=labels)
    except TrainingDiverged as err:
        click.echo(f"error: {err}. Nothing was written.", err=True)
        sys.exit(1)
    metric: dict = {}
    judge = _judge(out_dir)
    if judge is not None:
        guided = guided_fractions(result.model, vae, judge, guidance=DEFAULT_GUIDANCE)
        unguided = guided_fractions(result.model, vae, judge, guidance=0.0)
        metric = {
            "guidance": DEFAULT_GUIDANCE, "sampler": EVAL_SAMPLER, "steps": EVAL_STEPS,
            "per_class": 1000, "seed": 0,
            "class_fraction": [round(float(f), 4) for f in guided],
            "class_fraction_min": round(float(guided.min()), 4),
            "unguided_class_fraction": [round(float(f), 4) for f in unguided],
        }
    path = out_dir / f"{LATENT_MODEL_NAME}.pt"
    vae_sha = sha256_of(vae_path)
    try:
        digest = save_checkpoint(result.model, config, path,
                                 extra={"dataset": "mnist_latent", "vae_sha256": vae_sha})
    except OSError as err:
        _write_failed(err, out_dir)
    add_to_manifest(
        {"name": LATENT_MODEL_NAME, "file": path.name, "kind": "diffusion",
         "dataset": "mnist_latent", "objective": config.objective, "schedule": config.schedule,
         "network": {"type": "mlp", "hidden": config.hidden, "layers": config.layers,
                     "time_dim": config.time_dim, "num_classes": config.num_classes},
         "training": {"steps": steps, "batch_size": batch_size, "lr": lr, "seed": seed,
                      "points": len(codes), "ema_decay": ema_decay,
                      "label_dropout": config.label_dropout,
                      "seconds": round(result.seconds, 1)},
         "metric": metric, "vae_sha256": vae_sha,
         "command": f"manim-diffusion mnist train-latent --mnist-dir ${MNIST_ENV} "
                    f"--out-dir pretrained --steps {steps} --batch-size {batch_size} --lr {lr} "
                    f"--hidden {hidden} --ema-decay {ema_decay} --objective {objective} "
                    f"--seed {seed}",
         "sha256": digest},
        out_dir, "files",
    )
    click.echo(f"wrote {path} after {result.seconds:.1f} s of training")
    if metric:
        click.echo(f"read as their class at guidance {DEFAULT_GUIDANCE:g}: "
                   f"{_fractions_text(metric['class_fraction'])}")
        click.echo(f"at guidance 0: {_fractions_text(metric['unguided_class_fraction'])}")
    else:
        click.echo("no classifier found: run train-classifier to measure the samples")


@mnist_group.command("eval")
@_mnist_dir_option
@click.option("--dir", "directory", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder with the files (default: the shipped pretrained/).")
@click.option("--per-class", default=1000, show_default=True, type=int, callback=_positive,
              help="Guided samples drawn per class.")
@click.option("--guidance", default=DEFAULT_GUIDANCE, show_default=True, type=float)
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
    directory = directory or pretrained_dir()
    try:
        kit = load_latent_mnist(directory)
    except CheckpointError as err:
        raise click.ClickException(str(err)) from err
    if guidance < 0:
        raise click.UsageError(f"--guidance must be >= 0, got {guidance}")
    with limited_threads(threads=VAE_CONFIG.threads):
        if mnist_dir is not None:  # click fills it from $MANIM_DIFFUSION_MNIST too
            images, labels = _read_mnist(mnist_dir, "train")
            test_images, test_labels = _read_mnist(mnist_dir, "test")
            error = reconstruction_error(kit.vae, test_images)
            knn = knn_accuracy(kit.encode(images), labels, kit.encode(test_images), test_labels)
            accuracy = classifier_accuracy(kit.classifier, test_images, test_labels)
            where = f"{len(test_images)} MNIST test digits"
        else:
            error = reconstruction_error(kit.vae, kit.digits)
            accuracy = classifier_accuracy(kit.classifier, kit.digits, kit.digit_labels)
            knn = float("nan")
            where = f"the {len(kit.digits)} shipped test digits (pass --mnist-dir for all)"
        click.echo(f"measured on {where}:")
        click.echo(
            f"  VAE reconstruction: BCE {error['bce']:.4f}, MSE {error['mse']:.4f} per pixel"
        )
        if knn == knn:
            click.echo(f"  5-NN accuracy in the 2D latent (train codes as reference): {knn:.4f}")
        click.echo(f"  classifier accuracy: {accuracy:.4f}")
        for scale in dict.fromkeys((guidance, 0.0)):
            fractions = guided_fractions(kit.model, kit.vae, kit.classifier, per_class, scale,
                                         seed=seed)
            click.echo(
                f"read as their class, guidance {scale:g} ({per_class} per class, "
                f"{EVAL_SAMPLER} {EVAL_STEPS}): min {fractions.min():.3f}  "
                f"{_fractions_text(fractions)}"
            )
