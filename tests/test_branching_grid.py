"""BranchingGrid with a synthetic decoder and a hand-made branch set: frames and behaviour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from branch_fakes import FakeBranches
from framecheck import check_frames
from manim import Scene, ValueTracker, tempconfig

from manim_diffusion.apps.mnist.branching_grid import BranchingGrid
from manim_diffusion.apps.mnist.ink import ink_rgba
from manim_diffusion.apps.mnist.panel import toy_latent_digits
from manim_diffusion.core.trajectory import Trajectory


@pytest.fixture(autouse=True)
def small_frame():
    """A 480p frame for every test here."""
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "frame_rate": 15}):
        yield


def fake_branches(b_times=(0.2, 0.5, 0.8), k: int = 5, steps: int = 40,
                  seed: int = 0) -> FakeBranches:
    """A trunk drifting from the origin to the toy decoder's '3', branches that leave it
    and end at a centre chosen by how early they left (early: any digit; late: the 3)."""
    toy = toy_latent_digits(n=10)
    rng = np.random.default_rng(seed)
    times = np.linspace(0.0, 1.0, steps + 1)
    s = times[:, None]
    trunk_target = toy.centres[3]
    trunk = (s * trunk_target + 0.3 * np.sin(np.pi * s) * np.array([1.0, -0.5]))
    idx = np.rint(np.asarray(b_times) * steps).astype(int)
    paths = np.empty((len(idx), k, steps + 1, 2))
    for b, i in enumerate(idx):
        for j in range(k):
            late = times[i]
            target = trunk_target if rng.random() < late else toy.centres[rng.integers(10)]
            target = target + 0.1 * rng.normal(size=2)
            w = np.clip((times - late) / (1 - late), 0.0, 1.0)[:, None]
            paths[b, j] = trunk + w * (target - trunk_target)
    return FakeBranches(
        trunk=Trajectory(times=times, points=trunk[:, None, :].astype(np.float32)),
        branch_times=times[idx], branch_steps=idx, branches=paths.astype(np.float32))


@pytest.fixture(scope="module")
def toy():
    return toy_latent_digits(n=10)


# --------------------------------------------------------------------- frames
@pytest.mark.parametrize("t", [0.55, 1.0])
def test_branching_grid_frames(request: pytest.FixtureRequest, tmp_path: Path,
                               t: float) -> None:
    def construct(scene: Scene) -> None:
        grid = BranchingGrid(fake_branches(), toy_latent_digits(n=10).decode,
                             time=ValueTracker(t), tile_height=0.9)
        grid.center()
        if t == 1.0:
            grid.highlight(0, 2)
        scene.add(grid)

    check_frames(request, tmp_path, construct)


# ------------------------------------------------------------------ behaviour
def test_cells_are_blank_before_their_branch_time(toy) -> None:
    bs = fake_branches()
    t = ValueTracker(0.0)
    grid = BranchingGrid(bs, toy.decode, time=t)
    placeholder = grid.tile_rgba(0, 0)
    assert not grid.visible().any()
    assert np.all(placeholder == placeholder[0, 0])  # one flat colour
    assert placeholder[0, 0, 3] < 255
    for value, rows in ((0.19, 0), (0.2, 1), (0.6, 2), (0.79, 2), (0.8, 3), (1.0, 3)):
        t.set_value(value)
        grid.update()
        vis = grid.visible()
        assert vis[:rows].all() and not vis[rows:].any(), value
        for b in range(rows, 3):
            assert np.array_equal(grid.tile_rgba(b, 1), placeholder)
            assert np.isnan(grid.latents()[b]).all()


def test_cells_show_the_branches_at_the_current_time(toy) -> None:
    bs = fake_branches()
    grid = BranchingGrid(bs, toy.decode, time=0.6)
    for b, k in ((0, 0), (1, 4)):
        z = np.array([np.interp(0.6, bs.trunk.times, bs.branches[b, k, :, d])
                      for d in (0, 1)], dtype=np.float32)
        np.testing.assert_allclose(grid.latents()[b, k], z, atol=1e-5)
        assert np.array_equal(grid.tile_rgba(b, k), ink_rgba(toy.decode(z[None])[0],
                                                               grid.colors))


def test_tiles_are_the_decoded_ends_at_t1(toy) -> None:
    bs = fake_branches()
    t = ValueTracker(0.3)
    grid = BranchingGrid(bs, toy.decode, time=t)
    t.set_value(1.0)
    grid.update()
    ends = toy.decode(bs.ends.reshape(-1, 2)).reshape(3, 5, 28, 28)
    np.testing.assert_array_equal(grid.images, ends)
    for b in range(3):
        for k in range(5):
            assert np.array_equal(grid.tile_rgba(b, k), ink_rgba(ends[b, k], grid.colors))
    assert np.array_equal(grid.trunk_rgba(),
                          ink_rgba(toy.decode(bs.trunk_end[None])[0], grid.colors))


def test_final_mode_shows_the_ends_from_the_branch_time(toy) -> None:
    bs = fake_branches()
    grid = BranchingGrid(bs, toy.decode, time=0.5, live=False)
    ends = toy.decode(bs.ends[1])
    assert np.array_equal(grid.tile_rgba(1, 3), ink_rgba(ends[3], grid.colors))
    assert not grid.visible()[2].any()


def test_a_frame_without_a_new_time_decodes_nothing(toy) -> None:
    t = ValueTracker(0.5)
    grid = BranchingGrid(fake_branches(), toy.decode, time=t)
    calls = grid.decode_calls
    grid.update()
    grid.update()
    assert grid.decode_calls == calls
    t.set_value(0.7)
    grid.update()
    assert grid.decode_calls == calls + 1  # every cell and the trunk in one call


def test_highlight_frames_one_cell(toy) -> None:
    grid = BranchingGrid(fake_branches(), toy.decode, time=1.0).shift([1.0, -0.5, 0])
    grid.highlight(2, 3)
    assert grid.highlighted == (2, 3)
    np.testing.assert_allclose(grid.highlight_box.get_center(), grid.cell_centres()[2, 3])
    assert grid.highlight_box.width > grid.cell_size()
    grid.highlight(0, 0)
    assert sum(isinstance(m, type(grid.highlight_box)) for m in grid.submobjects) == 1
    with pytest.raises(IndexError):
        grid.highlight(3, 0)


def test_row_labels_name_the_branch_times(toy) -> None:
    grid = BranchingGrid(fake_branches(), toy.decode)
    assert [m.text for m in grid.row_labels] == ["branchatt=0.2", "branchatt=0.5",
                                                 "branchatt=0.8"]
    centres = grid.cell_centres()
    for label, row in zip(grid.row_labels, centres, strict=True):
        assert label.get_right()[0] < row[0, 0]
        assert abs(label.get_center()[1] - row[0, 1]) < 1e-6


def test_cell_colors_and_errors(toy) -> None:
    bs = fake_branches()
    colors = [["#FF0000"] * 5, ["#00FF00"] * 5, ["#0000FF"] * 5]
    grid = BranchingGrid(bs, toy.decode, time=1.0, cell_colors=colors)
    tile = grid.tile_rgba(0, 0).reshape(-1, 4)
    bright = tile[tile[:, 0].argmax()]
    assert bright[0] > 200 and bright[1] < 80
    with pytest.raises(ValueError, match="cell_colors"):
        BranchingGrid(bs, toy.decode, cell_colors=colors[:2])
    bad = FakeBranches(bs.trunk, bs.branch_times[:2], bs.branch_steps[:2], bs.branches)
    with pytest.raises(ValueError, match="B, K, S\\+1, 2"):
        BranchingGrid(bad, toy.decode)


def test_with_the_engine_branch_set(toy) -> None:
    branching = pytest.importorskip("manim_diffusion.analysis.branching")
    from manim_diffusion.densities.mixture import GaussianMixture

    gm = GaussianMixture(means=toy.centres[:4], stds=0.2)
    bs = branching.branch(gm, steps=30, x_start=np.zeros((1, 2)), branch_times=(0.3, 0.7),
                          k=3, seed=0)
    grid = BranchingGrid(bs, toy.decode, time=1.0)
    ends = toy.decode(np.asarray(bs.ends, np.float32).reshape(-1, 2)).reshape(2, 3, 28, 28)
    np.testing.assert_allclose(grid.images, ends, atol=1e-6)
