"""BranchingTree and SpreadPlot: frames at two times, and what is drawn when."""

from __future__ import annotations

import numpy as np
import pytest
from branch_fakes import FakeBranches
from framecheck import check_frames
from manim import Axes, Scene, ValueTracker, tempconfig

from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.mobjects.branching import BranchingTree, SpreadPlot
from manim_diffusion.mobjects.cloud import DistributionCloud


@pytest.fixture(autouse=True)
def small_frame():
    """A 480p frame for every test here."""
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "frame_rate": 15}):
        yield


def fake_branches(steps: int = 50, k: int = 5, seed: int = 0) -> FakeBranches:
    """A wiggly trunk from (-2, -1.5) to (1.5, 1); branches fan out from 0.2, 0.5, 0.8.

    Each branch drifts from its fork towards an end on a circle around the trunk's
    end whose radius shrinks with the branch time (late branches end close).
    """
    rng = np.random.default_rng(seed)
    times = np.linspace(0.0, 1.0, steps + 1)
    start, end = np.array([-2.0, -1.5]), np.array([1.5, 1.0])
    wiggle = 0.15 * np.sin(9 * times)[:, None] * np.array([1.0, -1.0])
    trunk = start + times[:, None] * (end - start) + wiggle * (1 - times[:, None])
    branch_steps = np.array([10, 25, 40])
    paths = np.empty((3, k, steps + 1, 2), dtype=np.float32)
    for b, i in enumerate(branch_steps):
        angle = 2 * np.pi * (np.arange(k) / k + 0.1 * b)
        radius = 2.0 * (1 - times[i]) ** 1.5
        targets = end + radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        s = ((times - times[i]) / (1 - times[i])).clip(0, 1)[:, None, None]  # (S+1, 1, 1)
        jitter = 0.04 * rng.normal(size=(steps + 1, k, 2)) * s * (1 - s)
        path = (1 - s) * trunk[i] + s * targets[None] + jitter  # (S+1, K, 2)
        paths[b] = path.transpose(1, 0, 2)
        paths[b, :, : i + 1] = trunk[: i + 1]
    return FakeBranches(
        trunk=Trajectory(times=times, points=trunk[:, None].astype(np.float32)),
        branch_times=times[branch_steps],
        branch_steps=branch_steps,
        branches=paths,
    )


def plane() -> Axes:
    return Axes(x_range=[-3, 3, 1], y_range=[-3, 3, 1], x_length=5.4, y_length=5.4,
                tips=False, axis_config={"stroke_opacity": 0.3}).shift(2.5 * np.array([-1, 0, 0]))


# ------------------------------------------------------------------ frames
@pytest.mark.parametrize("t", [0.6, 1.0])
def test_branching_tree_frames(request, tmp_path, t) -> None:
    bs = fake_branches()

    def construct(scene: Scene) -> None:
        axes = plane()
        cloud = np.random.default_rng(1).normal(scale=1.1, size=(800, 2))
        scene.add(axes, DistributionCloud(cloud, axes=axes, color="#555555", radius=0.03))
        scene.add(BranchingTree(bs, time=t, axes=axes))
        scene.add(SpreadPlot(bs, curve=(np.linspace(0, 1, 11), np.linspace(1.8, 0, 11)))
                  .shift(3.3 * np.array([1, 0, 0])))

    check_frames(request, tmp_path, construct)


# ------------------------------------------------------------------ behaviour
def test_nothing_of_a_branch_before_its_branch_time() -> None:
    bs = fake_branches()
    t = ValueTracker(0.0)
    tree = BranchingTree(bs, time=t)
    for value, shown in ((0.0, 0), (0.19, 0), (0.2, 1), (0.45, 1), (0.5, 2), (0.79, 2),
                         (0.8, 3), (1.0, 3)):
        t.set_value(value)
        tree.update()
        assert tree.visible().sum() == shown, value
        for b in range(3):
            stroke, discs = tree.branch_strokes[b], tree.branch_discs[b]
            if b >= shown:
                assert len(stroke.points) == 0 and len(discs.points) == 0, (value, b)
            else:
                assert len(discs.points) > 0
                # a branch's stroke never reaches back before its fork
                fork = bs.branches[b, 0, bs.branch_steps[b]]
                if value > bs.branch_times[b]:
                    assert np.allclose(stroke.points[0, :2], fork, atol=1e-6)
    t.set_value(0.55)
    tree.update()
    assert len(tree.branch_strokes[1].points) > 0  # grew past its fork
    assert len(tree.branch_strokes[1].points) // 4 == 5 * 3  # K paths, 3 segments each


@pytest.mark.parametrize("thin", [1, 7])
@pytest.mark.parametrize("value", [0.0, 0.13, 0.2, 0.5, 0.777, 1.0])
def test_trunk_head_sits_on_the_trunk(value, thin) -> None:
    bs = fake_branches()
    axes = plane()
    tree = BranchingTree(bs, time=value, axes=axes, thin=thin)
    times, pts = bs.trunk.times, bs.trunk.points[:, 0]
    expected = np.array([np.interp(value, times, pts[:, 0]), np.interp(value, times, pts[:, 1])])
    want = axes.c2p(*expected)
    assert np.allclose(tree.trunk_head(), want, atol=1e-5)
    assert np.allclose(tree.trunk_disc.get_center(), want, atol=1e-5)
    if value == 0.0:
        assert len(tree.trunk_stroke.points) == 0  # nothing drawn yet but the head
    else:
        assert np.allclose(tree.trunk_stroke.points[-1], want, atol=1e-5)


def test_thin_keeps_forks_and_heads() -> None:
    bs = fake_branches()
    full, thin = BranchingTree(bs, time=0.93), BranchingTree(bs, time=0.93, thin=7)
    assert len(thin.trunk_stroke.points) < len(full.trunk_stroke.points) / 4
    for b in range(3):
        a, z = full.branch_strokes[b].points, thin.branch_strokes[b].points
        fork = bs.branches[b, 0, bs.branch_steps[b], :]
        assert np.allclose(z[0, :2], fork, atol=1e-6)  # starts on the trunk
        assert np.allclose(a[-1], z[-1], atol=1e-6)  # same head
    with pytest.raises(ValueError):
        BranchingTree(bs, thin=0)


def test_heads_at_t1_are_the_end_points() -> None:
    bs = fake_branches()
    tree = BranchingTree(bs, time=1.0, head_radius=0.05, fork_radius=0.0)
    for b in range(3):
        centres = tree.branch_discs[b].points.reshape(5, -1, 3).mean(axis=1)[:, :2]
        assert np.allclose(centres, bs.ends[b], atol=1e-3)


def test_time_backwards_and_set_branches() -> None:
    bs = fake_branches()
    t = ValueTracker(1.0)
    tree = BranchingTree(bs, time=t)
    t.set_value(0.3)
    tree.update()
    assert tree.visible().tolist() == [True, False, False]
    other = fake_branches(seed=3)
    other.branches = other.branches[:, :, :, ::-1].copy()  # mirrored data
    tree.set_branches(other)
    assert tree.branch_set is other
    with pytest.raises(ValueError):
        tree.set_branches(FakeBranches(bs.trunk, bs.branch_times[:2], bs.branch_steps[:2],
                                       bs.branches[:2]))
    assert tree.set_time(0.9) is tree and tree.get_time() == 0.9


def test_with_an_engine_branch_set() -> None:
    from manim_diffusion.analysis.branching import branch
    from manim_diffusion.engine import GaussianMixture

    gm = GaussianMixture(means=[[-1.5, 0.0], [1.5, 0.5]], stds=0.3)
    bs = branch(gm, "ddpm", 60, np.array([[0.2, -0.4]]), (0.2, 0.5, 0.8), k=4, seed=1)
    t = ValueTracker(0.5)
    tree = BranchingTree(bs, time=t)
    assert tree.visible().tolist() == [True, True, False]
    assert len(tree.branch_strokes[2].points) == 0
    t.set_value(1.0)
    tree.update()
    assert np.allclose(tree.trunk_head()[:2], bs.trunk_end, atol=1e-5)
    tree.set_branches(bs.promote(0, 1))
    assert np.allclose(tree.trunk_head()[:2], bs.branches[0, 1, -1], atol=1e-5)
    plot = SpreadPlot(bs)
    assert np.allclose([m.get_center()[1] for m in plot.markers],
                       [plot.axes.c2p(0, s)[1] for s in bs.spread], atol=1e-6)


def test_spread_plot() -> None:
    bs = fake_branches()
    plot = SpreadPlot(bs)
    assert len(plot.markers) == 3
    for dot, x, y, c in zip(plot.markers, bs.branch_times, bs.spread, plot.colors, strict=True):
        assert np.allclose(dot.get_center(), plot.axes.c2p(x, y), atol=1e-6)
        assert dot.get_fill_color() == c
    tree = BranchingTree(bs)
    assert [c.to_hex() for c in tree.colors] == [c.to_hex() for c in plot.colors]
    assert plot.y_max >= bs.spread.max()
    with pytest.raises(ValueError):
        SpreadPlot()
