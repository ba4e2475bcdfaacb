"""One fixed recipe for a model's sample quality, so every figure is comparable."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.model import Predictor
from ..data.datasets import make_dataset
from ..samplers.sample import sample
from .metrics import energy_distance, energy_distance_floor

__all__ = ["EVAL_POINTS", "EVAL_DATA_SEED", "Evaluation", "evaluate"]

#: Samples drawn, and the seed of the reference data they are compared with.
EVAL_POINTS = 2000
EVAL_DATA_SEED = 12345


@dataclass
class Evaluation:
    """Energy distance of a model's samples to its data set, the floor, and the cost."""

    energy_distance: float
    floor: float
    nfe: int
    seconds: float = float("nan")


def evaluate(
    model: Predictor,
    dataset: str,
    sampler: str = "ddim",
    steps: int | None = None,
    seed: int = 0,
    with_floor: bool = True,
    points: int = EVAL_POINTS,
) -> Evaluation:
    """Sample ``points`` points and compare them with fresh data of ``dataset``.

    The floor is the energy distance between two independent draws of the data: what
    a perfect model would get (NaN when ``with_floor`` is False). It falls like
    ``1 / points``: compare samplers on more points when their figures are close.
    """
    ref = make_dataset(dataset, points, seed=EVAL_DATA_SEED)
    dim = getattr(model, "dim", None)
    if isinstance(dim, int) and dim != ref.shape[1]:
        raise ValueError(f"the model works on {dim}D points but data set {dataset!r} is "
                         f"{ref.shape[1]}D; compare it with a {dim}D data set")
    traj = sample(model, sampler, steps, n=points, seed=seed, record_predictions=False)
    floor = float("nan")
    if with_floor:
        floor = energy_distance_floor(lambda n, s: make_dataset(dataset, n, s), points)
    seconds = float(traj.meta["seconds"])
    return Evaluation(energy_distance(traj.final, ref), floor, traj.nfe, seconds)
