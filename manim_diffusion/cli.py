"""The `manim-diffusion` command: list, train, sample and evaluate models."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .engine import (
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
from .engine.datasets import LABELLED
from .engine.evaluate import EVAL_POINTS, evaluate
from .engine.pretrained import add_to_manifest
from .engine.train import build_model

__all__ = ["main"]

def _positive(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value is not None and value < 1:
        raise click.BadParameter(f"must be a positive integer, got {value}")
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="manim-diffusion")
def main() -> None:
    """Train, sample and evaluate the diffusion models behind manim-diffusion."""


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
    dataset,
    steps,
    out,
    points,
    batch_size,
    lr,
    ema_decay,
    seed,
    schedule,
    objective,
    conditional,
    name,
    no_manifest,
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
        num_classes=int(labels.max()) + 1 if conditional else 0,
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


def _load(model: str):
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
def sample_cmd(model, sampler, steps, n, seed, label, guidance, out) -> None:
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
def eval_cmd(model, sampler, steps, dataset, seed, points) -> None:
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
