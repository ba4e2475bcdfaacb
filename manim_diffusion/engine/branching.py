"""Paths not taken: one trunk trajectory, and branches re-sampled from chosen times.

A stochastic sampler (DDPM, DDIM with eta > 0, the reverse SDE, Langevin) draws
fresh noise at every step. Branching re-runs it from the trunk's point at a branch
time with new noise: branches that leave early end far apart (the sample's identity
was not decided yet), branches that leave late end close together. Every branch has
its own seed, so any one can be re-rolled alone, and any branch can become the trunk
of a new tree (:meth:`BranchSet.promote`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .objectives import Predictor
from .samplers import sample
from .trajectory import Trajectory

__all__ = ["BranchSet", "branch", "branch_seed", "spread_curve"]


def branch_seed(seed: int, b: int, k: int) -> int:
    """The seed of branch ``k`` at branch time index ``b`` of a tree seeded ``seed``."""
    return int(np.random.SeedSequence([seed, b, k]).generate_state(1)[0])


@dataclass(eq=False)
class BranchSet:
    """A trunk and, at each branch time, ``K`` branches that share it up to that time.

    Attributes
    ----------
    trunk
        The trunk's Trajectory: ``points`` of shape ``(S + 1, 1, D)``.
    branch_times, branch_steps
        Library times ``(B,)`` where the branches leave, and their grid indices.
    branches
        ``(B, K, S + 1, D)`` float32 full paths: ``branches[b, k, : branch_steps[b] + 1]``
        is the trunk's path.
    ends
        ``(B, K, D)`` end points of the branches.
    spread
        ``(B,)`` mean distance of each time's branch ends from their centroid.
    seed
        The tree's seed (branch ``(b, k)`` uses :func:`branch_seed`).
    """

    trunk: Trajectory
    branch_times: np.ndarray
    branch_steps: np.ndarray
    branches: np.ndarray
    seed: int
    recipe: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def ends(self) -> np.ndarray:
        return self.branches[:, :, -1]

    @property
    def trunk_end(self) -> np.ndarray:
        return self.trunk.points[-1, 0]

    @property
    def spread(self) -> np.ndarray:
        ends = self.ends
        centre = ends.mean(axis=1, keepdims=True)
        return np.linalg.norm(ends - centre, axis=-1).mean(axis=1)

    def branch_path(self, b: int, k: int) -> np.ndarray:
        """Path ``(S + 1, D)`` of branch ``k`` at branch time index ``b``."""
        return self.branches[b, k]

    def promote(self, b: int, k: int, seed: int | None = None) -> BranchSet:
        """A new tree whose trunk is branch ``(b, k)``, re-branched at the same times.

        The new branches draw new noise (seed ``seed``, by default this tree's seed
        plus one); before each branch time they follow the promoted path.
        """
        if not (0 <= b < len(self.branch_times) and 0 <= k < self.branches.shape[1]):
            raise IndexError(f"no branch ({b}, {k}) in a tree of shape {self.branches.shape[:2]}")
        recipe = dict(self.recipe)
        path = self.branches[b, k]
        trunk = Trajectory(
            times=self.trunk.times,
            points=path[:, None, :].copy(),
            steps=self.trunk.steps,
            sampler=self.trunk.sampler,
            labels=self.trunk.labels,
            meta={**self.trunk.meta, "promoted_from": f"{b},{k}"},
        )
        return _grow(trunk, self.branch_steps, self.seed + 1 if seed is None else seed, recipe)


def _snap(times: np.ndarray, branch_times: Sequence[float]) -> np.ndarray:
    """Grid indices nearest to ``branch_times`` (inside the run, before its last step)."""
    bt = np.asarray(branch_times, dtype=np.float64)
    if bt.ndim != 1 or len(bt) == 0 or not np.all((bt >= 0) & (bt < 1)):
        raise ValueError(f"branch_times must be times in [0, 1), got {branch_times!r}")
    idx = np.abs(times[None, :] - bt[:, None]).argmin(axis=1)
    return np.clip(idx, 0, len(times) - 2)


def _grow(trunk: Trajectory, steps_idx: np.ndarray, seed: int, recipe: dict) -> BranchSet:
    model, k = recipe["model"], recipe["k"]
    kwargs = recipe["kwargs"]
    total = len(trunk.times) - 1
    dim = trunk.points.shape[-1]
    branches = np.empty((len(steps_idx), k, total + 1, dim), dtype=np.float32)
    for b, i in enumerate(steps_idx):
        start = trunk.points[i]  # (1, D)
        for j in range(k):
            gen = torch.Generator().manual_seed(branch_seed(seed, b, j))
            run = sample(model, steps=total, x_start=start, generator=gen, start_step=int(i),
                         record_predictions=False, **kwargs)
            branches[b, j, : i + 1] = trunk.points[: i + 1, 0]
            branches[b, j, i:] = run.points[:, 0]
    return BranchSet(
        trunk=trunk,
        branch_times=trunk.times[steps_idx].astype(np.float64),
        branch_steps=np.asarray(steps_idx, dtype=np.int64),
        branches=branches,
        seed=seed,
        recipe=recipe,
    )


def branch(
    model: Predictor,
    sampler: str = "ddpm",
    steps: int = 200,
    x_start: np.ndarray | None = None,
    branch_times: Sequence[float] = (0.2, 0.5, 0.8),
    k: int = 6,
    seed: int = 0,
    eta: float | None = None,
    labels: int | None = None,
    guidance: float = 1.0,
    dim: int = 2,
) -> BranchSet:
    """A trunk from ``x_start`` and ``k`` branches at each of ``branch_times``.

    Parameters
    ----------
    model
        Any predictor (a trained model, a guided one, an exact mixture).
    sampler
        A stochastic sampler ("ddpm", "ddim" with ``eta`` > 0, "sde", "langevin").
        With a deterministic one (DDIM with eta = 0) every branch is the trunk.
    steps
        Steps of the whole run; branch times snap to this grid.
    x_start
        The trunk's starting point, shape ``(1, D)`` (noise drawn from ``seed``
        when None).
    branch_times
        Library times in [0, 1) where branches leave the trunk.
    k
        Branches per branch time.
    seed
        Seeds the trunk's noise; branch ``(b, j)`` uses ``branch_seed(seed, b, j)``.
    labels, guidance
        Class and guidance scale for a class-conditional model.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if x_start is None:
        x_start = torch.randn((1, dim), generator=torch.Generator().manual_seed(seed)).numpy()
    x_start = np.asarray(x_start, dtype=np.float32).reshape(1, -1)
    kwargs: dict[str, Any] = {"sampler": sampler, "eta": eta}
    if labels is not None:
        kwargs.update(labels=labels, guidance=guidance)
    trunk = sample(model, steps=steps, x_start=x_start, seed=seed,
                   record_predictions=False, **kwargs)
    steps_idx = _snap(np.asarray(trunk.times), branch_times)
    recipe = {"model": model, "k": int(k), "kwargs": kwargs}
    return _grow(trunk, steps_idx, seed, recipe)


def spread_curve(
    model: Predictor,
    sampler: str = "ddpm",
    steps: int = 200,
    x_start: np.ndarray | None = None,
    times: Sequence[float] | None = None,
    k: int = 16,
    seed: int = 0,
    **kwargs: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """End-point spread against branch time: when the sample's identity is decided.

    Returns the branch times (snapped to the grid) and the spread at each.
    """
    times = np.linspace(0.0, 0.95, 20) if times is None else np.asarray(times)
    tree = branch(model, sampler, steps, x_start, tuple(times), k, seed, **kwargs)
    return tree.branch_times, tree.spread
