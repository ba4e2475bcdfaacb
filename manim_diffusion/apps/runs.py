"""What the model commands do: train a point model (2D or 3D) into a file, sample one,
evaluate many."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis.evaluate import EVAL_POINTS, Evaluation, evaluate
from ..core.devices import resolve_device
from ..core.trajectory import Trajectory
from ..data.datasets import LABELLED
from ..engine import (
    TrainConfig,
    TrainResult,
    load_pretrained,
    make_dataset,
    sample,
    save_checkpoint,
    train,
)
from ..io import add_to_manifest, manifest_entry, mlp_network
from ..training.train import build_model

__all__ = [
    "ENTRY_SEEDS",
    "EvalRow",
    "TrainedModel",
    "evaluate_models",
    "sample_to_file",
    "train_model_file",
]


@dataclass(frozen=True)
class TrainedModel:
    """A checkpoint :func:`train_model_file` wrote, with how long it took and its score."""

    path: Path
    config: TrainConfig
    seconds: float
    score: Evaluation
    sha256: str


def _model_config(
    dataset: str, *, steps: int, points: int, batch_size: int, lr: float, ema_decay: float,
    seed: int, schedule: str | None, objective: str, conditional: bool, threads: int = 1,
) -> tuple[TrainConfig, Any, Any]:
    """The config (checked) and the training data of a point model; ValueError if bad."""
    if conditional and dataset not in LABELLED:
        raise ValueError(
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
        threads=threads,
        num_classes=int(labels.max()) + 1 if labels is not None else 0,  # set iff conditional
    )
    config.validate()
    build_model(config, dim=data.shape[1])  # an objective unsuited to the schedule fails
    return config, data, labels


#: The sampling seeds a new manifest entry's energy distance is measured with (the entry's
#: ``energy_distance`` is the first one's, as :func:`evaluate` gives by default).
ENTRY_SEEDS = (0, 1, 2, 3, 4)


def _model_entry(name: str, dataset: str, out: Path, config: TrainConfig, points: int,
                 result: TrainResult, scores: list[Evaluation], digest: str,
                 dim: int) -> dict[str, Any]:
    command = (
        f"manim-diffusion train --dataset {dataset} --steps {config.steps} "
        f"--points {points} --batch-size {config.batch_size} --lr {config.lr} "
        f"--ema-decay {config.ema_decay} "
        f"--seed {config.seed} "
        f"--schedule {config.schedule} --objective {config.objective} "
        + ("--conditional " if config.num_classes else "")
        + f"--threads {config.threads} --out pretrained/{out.name}"
    )
    training = {"steps": config.steps, "batch_size": config.batch_size, "lr": config.lr,
                "seed": config.seed, "points": points, "ema_decay": config.ema_decay,
                "seconds": round(result.seconds, 1)}
    score = scores[0]
    metric = {"energy_distance": round(score.energy_distance, 5),
              "floor": round(score.floor, 5), "sampler": "ddim", "steps": score.nfe,
              "n": EVAL_POINTS, "seeds": list(ENTRY_SEEDS),
              "energy_distances": [round(s.energy_distance, 5) for s in scores]}
    return manifest_entry(name, out, dataset=dataset, objective=config.objective,
                          schedule=config.schedule, network=mlp_network(config, dim),
                          training=training, metric=metric, command=command, sha256=digest)


def train_model_file(
    dataset: str,
    out: Path,
    *,
    steps: int,
    points: int,
    batch_size: int,
    lr: float,
    ema_decay: float,
    seed: int,
    schedule: str | None,
    objective: str,
    conditional: bool = False,
    threads: int = 1,
    name: str | None = None,
    manifest: bool = True,
    device: str = "auto",
) -> TrainedModel:
    """Train a diffusion model on a 2D or 3D data set, write its checkpoint and manifest
    entry (its energy distance measured with each of :data:`ENTRY_SEEDS`).

    Parameters
    ----------
    dataset
        The data set to learn (see :func:`~manim_diffusion.data.datasets.dataset_names`).
    out
        The checkpoint file to write (atomically: a failed run leaves it as it was).
    steps, points, batch_size, lr, ema_decay, seed, objective
        The training run: its steps, training-set size, and the TrainConfig fields.
    schedule
        The noising path; None: flow for the flow objective, linear otherwise.
    conditional
        Learn the data set's classes too (labelled sets only), for guidance.
    threads
        CPU threads torch trains on (the shipped 2D models were trained on 2, the 3D on 1).
    name
        The manifest name (default: the file's stem).
    manifest
        Add (or replace) the entry in the manifest beside ``out``.
    device
        Where torch trains (``auto``: CUDA, then MPS, then the CPU); the file is the same
        up to rounding.

    Returns
    -------
    TrainedModel
        The file, its config, the training time, its energy distance and its sha256.

    Raises ValueError for a bad set-up (before training), TrainingDiverged when the loss
    stops being finite (nothing is written), OSError when ``out`` cannot be written.
    """
    config, data, labels = _model_config(
        dataset, steps=steps, points=points, batch_size=batch_size, lr=lr, ema_decay=ema_decay,
        seed=seed, schedule=schedule, objective=objective, conditional=conditional,
        threads=threads)
    result = train(data, config, labels=labels, device=device)
    scores = [evaluate(result.model, dataset, seed=s, with_floor=s == ENTRY_SEEDS[0])
              for s in ENTRY_SEEDS]
    score = scores[0]
    digest = save_checkpoint(result.model, config, out, extra={"dataset": dataset})
    if manifest:
        entry = _model_entry(name or out.stem, dataset, out, config, points, result, scores,
                             digest, int(data.shape[1]))
        add_to_manifest(entry, out.parent)
    return TrainedModel(path=out, config=config, seconds=result.seconds, score=score,
                        sha256=digest)


def sample_to_file(
    model: str,
    out: Path,
    *,
    sampler: str,
    steps: int | None,
    n: int,
    seed: int,
    label: int | None,
    guidance: float,
    device: str = "cpu",
) -> Trajectory:
    """Sample a shipped model (or a .pt file) and save the whole trajectory to ``out``.

    Parameters
    ----------
    model
        A shipped model's name or the path of a checkpoint.
    out
        The ``.npz`` file to write (:meth:`Trajectory.save`).
    sampler, steps, n, seed, label, guidance
        As for :func:`~manim_diffusion.samplers.sample.sample` (``label``: its
        ``labels``); the trajectory's meta gains ``model``.
    device
        Where the model runs (``"auto"``, ``"cpu"``, ``"cuda"``, ``"mps"``); the noise
        is drawn on the CPU, so every device samples from the same noise.

    Returns
    -------
    Trajectory
        What was saved.

    Raises CheckpointError for an unknown or damaged model, ValueError for options the
    sampler refuses, OSError when ``out`` cannot be written.
    """
    where = resolve_device(device)  # a missing device is refused before any work
    net = load_pretrained(model).to(where)
    traj = sample(net, sampler, steps, n=n, seed=seed, labels=label, guidance=guidance)
    traj.meta["model"] = model
    traj.save(out)
    return traj


@dataclass(frozen=True)
class EvalRow:
    """One line of :func:`evaluate_models`: a model sampled with one sampler."""

    model: str
    sampler: str
    nfe: int
    energy_distance: float
    floor: float
    seconds: float


def evaluate_models(
    names: Sequence[str],
    samplers: Sequence[str],
    *,
    steps: int | None = None,
    dataset: str | None = None,
    seed: int = 0,
    points: int = EVAL_POINTS,
) -> Iterator[EvalRow]:
    """The energy distance of each model's samples under each sampler, row by row.

    Parameters
    ----------
    names
        Shipped model names or checkpoint paths.
    samplers
        The samplers to try, each at ``steps`` (None: its usual number).
    dataset
        The data set to compare with (None: the one each model was trained on).
    seed, points
        The samples drawn; the floor (a perfect model's score) is computed once per
        model, for the first sampler.

    Yields
    ------
    EvalRow
        One per model and sampler, as soon as it is measured.

    Raises CheckpointError for an unknown or damaged model, ValueError for a model that
    does not name its data set when ``dataset`` is None.
    """
    for name in names:
        net = load_pretrained(name)
        data = dataset or getattr(net, "dataset", None)
        if data is None:
            raise ValueError(f"{name} does not name its data set; pass --dataset")
        floor = None
        for s in samplers:
            score = evaluate(net, data, s, steps, seed, with_floor=floor is None, points=points)
            floor = score.floor if floor is None else floor
            yield EvalRow(name, s, score.nfe, score.energy_distance, floor, score.seconds)
