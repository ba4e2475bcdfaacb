"""The model commands: list, train, sample and eval."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..analysis.evaluate import EVAL_POINTS
from ..apps.runs import evaluate_models, sample_to_file, train_model_file
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
)
from .main import PositiveInt, device_option

__all__ = ["eval_cmd", "list_cmd", "sample_cmd", "train_cmd"]


@click.command("list")
def list_cmd() -> None:
    """List the data sets, samplers and shipped checkpoints with their metrics."""
    click.echo("data sets: " + ", ".join(dataset_names()))
    click.echo("3D sets:   " + ", ".join(dataset_names(dim=3)))
    click.echo("samplers:  " + ", ".join(SAMPLERS))
    click.echo("checkpoints:")
    entries = list_pretrained()
    if not entries:
        click.echo("  (none found)")
    for e in entries:
        m = e.get("metric", {})
        ed, floor = m.get("energy_distance", float("nan")), m.get("floor", float("nan"))
        dim = e.get("network", {}).get("dim", 2)
        click.echo(
            f"  {e['name']:<20} {dim}D {e['dataset']:<12} {e['objective']:<5} {e['schedule']:<7}"
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


@click.command("train")
@click.option(
    "--dataset", required=True, type=click.Choice(dataset_names(dim=None)),
    help="Data set to learn (2D or 3D).",
)
@click.option("--steps", default=TrainConfig.steps, show_default=True, type=PositiveInt())
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
    type=PositiveInt(),
    help="Size of the training set.",
)
@click.option("--batch-size", default=TrainConfig.batch_size, show_default=True, type=PositiveInt())
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
@click.option(
    "--threads", default=TrainConfig.threads, show_default=True, type=PositiveInt(),
    help="CPU threads torch trains on (more than one pays off only on an idle machine).",
)
@click.option("--name", default=None, help="Manifest name (default: the file's stem).")
@click.option(
    "--no-manifest", is_flag=True, help="Do not add an entry to the manifest beside --out."
)
@device_option
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
    threads: int,
    name: str | None,
    no_manifest: bool,
    device: str,
) -> None:
    """Train a diffusion model on a 2D or 3D data set and write its checkpoint atomically."""
    try:
        run = train_model_file(
            dataset, out, steps=steps, points=points, batch_size=batch_size, lr=lr,
            ema_decay=ema_decay, seed=seed, schedule=schedule, objective=objective,
            conditional=conditional, threads=threads, name=name, manifest=not no_manifest,
            device=device,
        )
    except TrainingDiverged as err:
        click.echo(f"error: {err}. Nothing was written; {out} is unchanged.", err=True)
        sys.exit(1)
    except OSError as err:
        click.echo(f"error: cannot write {out}: {err.strerror}; choose another --out", err=True)
        sys.exit(1)
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    score = run.score
    click.echo(
        f"wrote {out} in {run.seconds:.1f} s of training; energy distance "
        f"{score.energy_distance:.4f} (floor {score.floor:.4f}, ddim {score.nfe} steps)"
    )


def _check_guidance(guidance: float, label: int | None) -> None:
    """Guidance needs a class: without --label it would be silently ignored."""
    if label is None and guidance != 1.0:
        raise click.UsageError(
            f"--guidance {guidance:g} needs --label: classifier-free guidance pulls the "
            "samples towards the class --label names; without one it would be ignored, and "
            "on an unconditional model it means nothing. Add --label K (class-conditional "
            "models) or leave --guidance out"
        )


@click.command("sample")
@click.option("--model", required=True, help="Shipped model name (see `list`) or a .pt file.")
@click.option("--sampler", default="ddpm", show_default=True, type=click.Choice(list(SAMPLERS)))
@click.option(
    "--steps",
    default=None,
    type=PositiveInt(),
    help=f"Sampler steps (default: {DEFAULT_STEPS}).",
)
@click.option("-n", "n", default=2000, show_default=True, type=PositiveInt())
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
@device_option
def sample_cmd(
    model: str,
    sampler: str,
    steps: int | None,
    n: int,
    seed: int,
    label: int | None,
    guidance: float,
    out: Path,
    device: str,
) -> None:
    """Sample a model and save the whole trajectory (times, points, x0-hat) to .npz."""
    _check_guidance(guidance, label)
    try:
        traj = sample_to_file(model, out, sampler=sampler, steps=steps, n=n, seed=seed,
                              label=label, guidance=guidance, device=device)
    except CheckpointError as err:
        raise click.ClickException(str(err)) from err
    except ValueError as err:  # the sampler refuses the options (or their memory)
        raise click.UsageError(str(err)) from err
    except MemoryError as err:
        raise click.UsageError(
            f"not enough memory to hold {steps or 'the default number of'} steps of {n} "
            "points; lower --steps or -n"
        ) from err
    except OSError as err:
        raise click.ClickException(f"cannot write {out}: {err.strerror}") from err
    click.echo(f"wrote {out}: {traj.n_points} points, {traj.n_steps} steps of {sampler}")


@click.command("eval")
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
@click.option("--steps", default=None, type=PositiveInt())
@click.option(
    "--dataset",
    default=None,
    type=click.Choice(dataset_names(dim=None)),
    help="Data set to compare with (default: the one the model was trained on).",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--points",
    default=EVAL_POINTS,
    show_default=True,
    type=PositiveInt(),
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
    rows = evaluate_models(names, samplers, steps=steps, dataset=dataset, seed=seed,
                           points=points)
    try:
        for row in rows:
            click.echo(
                f"{row.model:<24} {row.sampler:<10} {row.nfe:>5} {row.energy_distance:>16.5f} "
                f"{row.floor:>8.5f} {row.seconds:>8.2f}"
            )
    except CheckpointError as err:
        raise click.ClickException(str(err)) from err
    except ValueError as err:
        raise click.UsageError(str(err)) from err
