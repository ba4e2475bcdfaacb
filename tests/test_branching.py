"""Paths not taken: branches share the trunk up to their time, then go their own way."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from manim_diffusion.analysis.branching import branch, branch_seed, spread_curve
from manim_diffusion.engine import GaussianMixture, sample

TWO = {"means": [[-1.5, 0.0], [1.5, 0.5]], "stds": 0.3}
START = np.array([[0.2, -0.4]], dtype=np.float32)


@pytest.fixture(scope="module")
def tree():
    return branch(GaussianMixture(**TWO), "ddpm", 100, START, (0.2, 0.5, 0.8), k=5, seed=3)


def test_branches_share_the_trunk_up_to_their_time_and_differ_after(tree) -> None:
    trunk = tree.trunk.points[:, 0]
    assert tree.branches.shape == (3, 5, 101, 2)
    np.testing.assert_allclose(tree.branch_times, [0.2, 0.5, 0.8])
    for b, i in enumerate(tree.branch_steps):
        np.testing.assert_array_equal(tree.branches[b, :, : i + 1], np.broadcast_to(
            trunk[: i + 1], (5, i + 1, 2)))
        after = np.linalg.norm(tree.branches[b, :, i + 1 :] - trunk[i + 1 :], axis=-1)
        assert (after > 0).all()  # fresh noise from the first step after the branch
        ends = tree.ends[b]
        assert len(np.unique(ends.round(6), axis=0)) == 5


def test_a_branch_re_rolls_alone_from_its_seed(tree) -> None:
    b, k = 1, 3
    i = int(tree.branch_steps[b])
    gen = torch.Generator().manual_seed(branch_seed(tree.seed, b, k))
    alone = sample(GaussianMixture(**TWO), "ddpm", 100, x_start=tree.trunk.points[i],
                   generator=gen, start_step=i)
    np.testing.assert_array_equal(alone.points[:, 0], tree.branches[b, k, i:])


def test_deterministic_branches_are_the_trunk() -> None:
    tree = branch(GaussianMixture(**TWO), "ddim", 50, START, (0.3, 0.7), k=3, seed=0, eta=0.0)
    np.testing.assert_allclose(
        tree.branches, np.broadcast_to(tree.trunk.points[:, 0], tree.branches.shape), atol=1e-6
    )
    assert np.allclose(tree.spread, 0.0, atol=1e-6)


def test_spread_falls_as_the_branch_time_nears_the_data() -> None:
    times, spread = spread_curve(GaussianMixture(**TWO), "ddpm", 100, START,
                                 times=(0.1, 0.5, 0.8, 0.95), k=24, seed=1)
    np.testing.assert_allclose(times, [0.1, 0.5, 0.8, 0.95])
    assert all(a > 0.9 * b for a, b in zip(spread[:-1], spread[1:], strict=True)), spread
    assert spread[0] > 3 * spread[-1], spread  # early: either blob; late: the same spot


def test_promote_makes_a_branch_the_trunk(tree) -> None:
    new = tree.promote(0, 2)
    np.testing.assert_array_equal(new.trunk.points[:, 0], tree.branches[0, 2])
    for b, i in enumerate(new.branch_steps):
        np.testing.assert_array_equal(new.branches[b, :, i],
                                      np.broadcast_to(tree.branches[0, 2, i], (5, 2)))
    assert new.trunk.meta["promoted_from"] == "0,2"
    with pytest.raises(IndexError):
        tree.promote(3, 0)


def test_bad_branch_requests_say_what_to_do() -> None:
    gm = GaussianMixture(**TWO)
    with pytest.raises(ValueError, match="branch_times"):
        branch(gm, "ddpm", 20, START, (1.0,))
    with pytest.raises(ValueError, match="k must"):
        branch(gm, "ddpm", 20, START, (0.5,), k=0)
    with pytest.raises(ValueError, match="start_step"):
        sample(gm, "ddpm", 20, n=4, start_step=5)
