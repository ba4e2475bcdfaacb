"""The `manim-diffusion` command: list, train, sample and evaluate models."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .engine import (
    DEFAULT_STEPS,
    OBJECTIVES,
    SAMPLERS,
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
from .engine.evaluate import EVAL_POINTS, evaluate
from .engine.pretrained import add_to_manifest

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
    "--schedule", default="linear", show_default=True, type=click.Choice(["linear", "cosine"])
)
@click.option("--objective", default="eps", show_default=True, type=click.Choice(list(OBJECTIVES)))
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
    name,
    no_manifest,
) -> None:
    """Train a diffusion model on a 2D data set and write its checkpoint atomically."""
    config = TrainConfig(
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        ema_decay=ema_decay,
        seed=seed,
        schedule=schedule,
        objective=objective,
    )
    try:
        config.validate()
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    data = make_dataset(dataset, points, seed=seed)
    try:
        result = train(data, config)
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
                    f"--schedule {schedule} --objective {objective} --out pretrained/{out.name}"
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
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Trajectory file to write (.npz).",
)
def sample_cmd(model, sampler, steps, n, seed, out) -> None:
    """Sample a model and save the whole trajectory (times, points, x0-hat) to .npz."""
    traj = sample(_load(model), sampler, steps, n=n, seed=seed)
    traj.meta["model"] = model
    try:
        traj.save(out)
    except OSError as err:
        raise click.ClickException(f"cannot write {out}: {err.strerror}") from err
    click.echo(f"wrote {out}: {traj.n_points} points, {traj.n_steps} steps of {sampler}")


@main.command("eval")
@click.option("--model", required=True, help="Shipped model name (see `list`) or a .pt file.")
@click.option("--sampler", default="ddim", show_default=True, type=click.Choice(list(SAMPLERS)))
@click.option("--steps", default=None, type=int, callback=_positive)
@click.option(
    "--dataset",
    default=None,
    type=click.Choice(dataset_names()),
    help="Data set to compare with (default: the one the model was trained on).",
)
@click.option("--seed", default=0, show_default=True, type=int)
def eval_cmd(model, sampler, steps, dataset, seed) -> None:
    """Print the model's energy distance to its data set and the floor a perfect model gets."""
    net = _load(model)
    dataset = dataset or getattr(net, "dataset", None)
    if dataset is None:
        raise click.UsageError("this checkpoint does not name its data set; pass --dataset")
    score = evaluate(net, dataset, sampler, steps, seed)
    ed, floor, nfe = score.energy_distance, score.floor, score.nfe
    click.echo(
        f"{model}: energy distance {ed:.4f} (floor {floor:.4f}) with {sampler}, "
        f"{nfe} network evaluations, {EVAL_POINTS} samples vs {dataset}"
    )
