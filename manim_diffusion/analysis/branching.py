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

from ..core.model import Predictor
from ..core.prediction import point_shape
from ..core.trajectory import Trajectory
from ..samplers.sample import sample

__all__ = ["BranchSet", "branch", "branch_seed", "spread_curve"]


def branch_seed(seed: int, b: int, k: int) -> int:
    """The seed of branch ``k`` at branch time index ``b`` of a tree seeded ``seed``.

    :func:`branch` seeds the noise of branch ``(b, k)`` with it, so one branch can be
    re-run alone: sample from the trunk's point at ``branch_steps[b]`` with a
    generator seeded ``branch_seed(tree.seed, b, k)`` and the branch comes out again.

    Parameters
    ----------
    seed
        The tree's seed (:attr:`BranchSet.seed`).
    b
        Index of the branch time.
    k
        Index of the branch at that time.

    Examples
    --------
    .. manim:: BranchSeedExample

        import numpy as np
        import torch
        from manim_diffusion import BranchingTree, branch, branch_seed, load_pretrained, sample

        class BranchSeedExample(Scene):
            def construct(self):
                model = load_pretrained("smiley_ddpm")
                tree = branch(model, "ddpm", 100, branch_times=(0.2, 0.6), k=4, seed=7)
                b, k = 0, 3  # re-run branch 3 of the first branch time alone
                start = int(tree.branch_steps[b])
                generator = torch.Generator().manual_seed(branch_seed(tree.seed, b, k))
                again = sample(model, "ddpm", 100, x_start=tree.trunk.points[start],
                               generator=generator, start_step=start)
                # the same path, to float rounding (the tree ran its branches as a batch)
                assert np.allclose(again.points[:, 0], tree.branch_path(b, k)[start:],
                                   atol=1e-5)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                rerun = axes.plot_line_graph(again.points[:, 0, 0], again.points[:, 0, 1],
                                             add_vertex_dots=False, line_color=YELLOW,
                                             stroke_width=10)
                rerun.set_stroke(opacity=0.5)
                note = Text("branch (0, 3), re-run alone", font_size=28, color=YELLOW)
                self.add(axes, rerun, BranchingTree(tree, axes=axes), note.to_corner(UL))
    """
    return int(np.random.SeedSequence([seed, b, k]).generate_state(1)[0])


@dataclass(eq=False)
class BranchSet:
    """A trunk and, at each branch time, ``K`` branches that share it up to that time.

    Made by :func:`branch`; :meth:`promote` grows a new tree from any branch.

    Parameters
    ----------
    trunk
        The trunk's Trajectory: ``points`` of shape ``(S + 1, 1, D)``.
    branch_times, branch_steps
        Library times ``(B,)`` where the branches leave, and their grid indices.
    branches
        ``(B, K, S + 1, *point)`` float32 full paths: ``branches[b, k, : branch_steps[b] + 1]``
        is the trunk's path.
    seed
        The tree's seed (branch ``(b, k)`` uses :func:`branch_seed`).
    recipe
        How the branches were sampled (model, ``k``, sampler arguments), so that
        :meth:`promote` can grow more.

    Attributes
    ----------
    ends
        ``(B, K, D)`` end points of the branches.
    spread
        ``(B,)`` mean distance of each time's branch ends from their centroid.
    trunk_end
        ``(D,)`` end point of the trunk.

    Examples
    --------
    .. manim:: BranchSetExample

        from manim_diffusion import BranchingTree, branch, load_pretrained

        class BranchSetExample(Scene):
            def construct(self):
                tree = branch(load_pretrained("smiley_ddpm"), "ddpm", 100,
                              branch_times=(0.3, 0.6), k=5, seed=1)
                grown = tree.promote(0, 2)  # branch (0, 2) becomes the trunk of a new tree
                for data, side, title in ((tree, LEFT, "tree"), (grown, RIGHT, "promote(0, 2)")):
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=5.5,
                                y_length=5.5).shift(3.3 * side + 0.4 * DOWN)
                    label = Text(title, font_size=30).next_to(axes, UP)
                    self.add(axes, BranchingTree(data, axes=axes, thin=4), label)
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
        ends = ends.reshape(*ends.shape[:2], -1)  # points of any shape, as vectors
        centre = ends.mean(axis=1, keepdims=True)
        return np.linalg.norm(ends - centre, axis=-1).mean(axis=1)

    def branch_path(self, b: int, k: int) -> np.ndarray:
        """Path ``(S + 1, *point)`` of branch ``k`` at branch time index ``b``."""
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
            points=path[:, None].copy(),
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
    point = trunk.points.shape[2:]  # (D,), or (C, H, W) for images
    branches = np.empty((len(steps_idx), k, total + 1, *point), dtype=np.float32)
    for b, i in enumerate(steps_idx):
        # the k branches of one time run as one batch, each with its own generator:
        # branch (b, j) draws the noise it would draw alone from branch_seed(seed, b, j)
        starts = np.repeat(trunk.points[i], k, axis=0)  # (k, *point)
        gens = [torch.Generator().manual_seed(branch_seed(seed, b, j)) for j in range(k)]
        run = sample(model, steps=total, x_start=starts, generator=gens, start_step=int(i),
                     record_predictions=False, **kwargs)
        branches[b, :, : i + 1] = trunk.points[: i + 1, 0]
        branches[b, :, i:] = np.swapaxes(run.points, 0, 1)
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
    dim: int | tuple[int, ...] | None = None,
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
        The trunk's starting point, shape ``(1, D)`` or ``(1, *shape)`` for images
        (noise drawn from ``seed`` when None).
    branch_times
        Library times in [0, 1) where branches leave the trunk.
    k
        Branches per branch time.
    seed
        Seeds the trunk's noise; branch ``(b, j)`` uses ``branch_seed(seed, b, j)``.
    eta
        DDIM's noise level (with ``sampler="ddim"``).
    labels, guidance
        Class and guidance scale for a class-conditional model.
    dim
        Dimension (or shape) of the points when ``x_start`` is drawn: the model's
        by default (2 if it does not say).

    Returns
    -------
    BranchSet
        The trunk and the ``(len(branch_times), k)`` branches.

    Examples
    --------
    .. manim:: BranchExample

        from manim_diffusion import (BranchingTree, DistributionCloud, branch,
                                     load_pretrained, make_dataset)

        class BranchExample(Scene):
            def construct(self):
                tree = branch(load_pretrained("three_dots_ddpm"), "ddpm", 100,
                              branch_times=(0.1, 0.5, 0.8), k=6, seed=3)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                data = DistributionCloud(make_dataset("three_dots", 1500), axes=axes,
                                         color=GREY_B, opacity=0.4)
                t = ValueTracker(0)
                tree_mob = BranchingTree(tree, time=t, axes=axes, thin=5, head_radius=0.08)
                self.add(axes, data, tree_mob)
                self.play(t.animate.set_value(1), run_time=3)
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if x_start is None:
        shape = point_shape(dim) or point_shape(getattr(model, "dim", None)) or (2,)
        gen = torch.Generator().manual_seed(seed)
        x_start = torch.randn((1, *shape), generator=gen).numpy()
    x_start = np.asarray(x_start, dtype=np.float32)
    x_start = x_start.reshape(1, *(x_start.shape[1:] if x_start.ndim > 1 else x_start.shape))
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

    One tree (:func:`branch`) with a branch time at each of ``times``; the spread is
    the mean distance of the ``k`` branch ends from their centroid.

    Parameters
    ----------
    model
        Any predictor (a trained model, a guided one, an exact mixture).
    sampler
        A stochastic sampler (see :func:`branch`).
    steps
        Steps of the whole run; the times snap to this grid.
    x_start
        The trunk's starting point, shape ``(1, D)`` (noise drawn from ``seed`` when
        None).
    times
        Branch times in [0, 1); default 20 times from 0 to 0.95.
    k
        Branches per time: more give a smoother curve.
    seed
        Seeds the trunk and the branches.
    kwargs
        Passed to :func:`branch` (``eta``, ``labels``, ``guidance``, ``dim``).

    Returns
    -------
    times, spread
        The branch times (snapped to the grid) and the spread at each, ``(B,)`` each.

    Examples
    --------
    .. manim:: SpreadCurveExample

        import numpy as np
        from manim_diffusion import GaussianMixture, SpreadPlot, spread_curve

        class SpreadCurveExample(Scene):
            def construct(self):
                # the exact model of three small blobs: which blob is decided mid-way
                blobs = GaussianMixture(means=[[-1.5, -1], [1.5, -1], [0, 1.5]],
                                        stds=[0.2, 0.2, 0.2])
                curve = spread_curve(blobs, "ddpm", 50, x_start=np.zeros((1, 2)),
                                     times=np.linspace(0, 0.9, 10), k=8)
                self.add(SpreadPlot(curve=curve, width=8, height=4.5, font_size=26))
    """
    grid = np.linspace(0.0, 0.95, 20) if times is None else np.asarray(times)
    tree = branch(model, sampler, steps, x_start, tuple(grid), k, seed, **kwargs)
    return tree.branch_times, tree.spread
