"""The flow map against known answers: on Gaussian data it is affine, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from manim_diffusion.analysis.flow_map import (
    FlowMap,
    deterministic_samplers,
    flow_map,
    is_deterministic,
)
from manim_diffusion.analysis.grid_lines import grid_lines
from manim_diffusion.core.schedules import get_schedule
from manim_diffusion.densities.gaussian_images import DiagonalGaussian
from manim_diffusion.densities.mixture import GaussianMixture
from manim_diffusion.samplers.grids import time_grid

MEAN = np.array([0.6, -0.4])
VAR = np.array([0.25, 2.0])  # unequal: the map squeezes x and spreads y
ANGLE = 0.5  # the grid is turned against the axes the map scales along
TIMES = (0.0, 0.37, 0.62, 0.9, 1.0)  # off the step grid too: between two affine maps


def gaussian() -> DiagonalGaussian:
    return DiagonalGaussian(MEAN, VAR)


def line_bend(lines: np.ndarray) -> np.ndarray:
    """Each line's largest distance from its least-squares straight line, ``(L,)``."""
    centred = lines - lines.mean(axis=1, keepdims=True)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    along = centred @ vt[:, 0, :, None]  # (L, P, 1): the part along the fitted direction
    off = centred - along * vt[:, None, 0, :]
    return np.linalg.norm(off, axis=-1).max(axis=1)


def ddim_exact(x: np.ndarray, steps: int, upto: int, mean: np.ndarray = MEAN,
               var: np.ndarray = VAR) -> tuple[np.ndarray, np.ndarray]:
    """DDIM (eta = 0) on the exact Gaussian denoiser in float64, ``upto`` steps from x.

    Returns the points and the per-axis slope of the map (the Jacobian is diagonal).
    """
    schedule = get_schedule("linear")
    times = time_grid(steps, schedule, "uniform")
    alphas, sigmas = schedule.alpha(times).numpy(), schedule.sigma(times).numpy()
    x = np.array(x, dtype=np.float64)
    slope = np.ones(len(var))
    for k in range(upto):
        a, s, a_b, s_b = alphas[k], sigmas[k], alphas[k + 1], sigmas[k + 1]
        gain = a * var / (a * a * var + s * s)
        x0 = mean + gain * (x - a * mean)
        eps = (x - a * x0) / s
        x = a_b * x0 + s_b * eps
        slope *= a_b * gain + s_b * (1 - a * gain) / s
    return x, slope


def ode_exact(x: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """The exact probability-flow map from t = 0 to t of the Gaussian, and its slopes."""
    schedule = get_schedule("linear")
    a0, s0 = float(schedule.alpha(0.0)), float(schedule.sigma(0.0))
    a, s = float(schedule.alpha(t)), float(schedule.sigma(t))
    slope = np.sqrt((a * a * VAR + s * s) / (a0 * a0 * VAR + s0 * s0))
    return a * MEAN + slope * (x - a0 * MEAN), slope


def assert_affine(fm: FlowMap, t: float) -> None:
    """Straight lines and parallelogram cells at ``t``, to float32 accuracy."""
    lines = fm.at(t).astype(np.float64)
    size = float(np.ptp(lines.reshape(-1, lines.shape[-1]), axis=0).max())
    assert line_bend(lines).max() < 2e-5 * size, f"t={t}: a line bends"
    nodes = fm.grid.nodes(lines) if fm.grid is not None else None
    assert nodes is not None
    for axis in range(nodes.ndim - 1):
        edge = np.diff(nodes, axis=axis)  # the cell edges along this lattice axis
        for other in range(nodes.ndim - 1):
            if other != axis:  # opposite edges of every cell are the same vector
                gap = np.abs(np.diff(edge, axis=other)).max()
                assert gap < 2e-5 * size, f"t={t}: cells are not parallelograms ({gap})"


def test_grid_lines_nodes_lie_on_both_lines_through_them() -> None:
    grid = grid_lines(2.0, n_lines=5, points_per_line=30, angle=ANGLE)
    assert grid.points.shape == (10, 33, 2) and grid.per_cell == 8  # 30 rounded up to 33
    nodes = grid.nodes()
    i, j = np.meshgrid(np.arange(5), np.arange(5), indexing="ij")
    want = grid.origin + (i[..., None] * grid.edges[0] + j[..., None] * grid.edges[1]) / 4
    np.testing.assert_allclose(nodes, want, atol=1e-12)
    vertical = grid.points[grid.axis == 1]  # line k along axis 1 passes node (k, j)
    np.testing.assert_allclose(vertical[:, ::8], nodes, atol=1e-12)
    corners = nodes[[0, 0, -1, -1], [0, -1, 0, -1]]
    np.testing.assert_allclose(np.linalg.norm(corners, axis=1), np.hypot(2, 2))
    assert abs(np.arctan2(*(nodes[1, 0] - nodes[0, 0])[::-1]) - ANGLE) < 1e-12


@pytest.mark.parametrize("sampler", ["ddim", "heun"])
def test_gaussian_flow_map_is_affine_at_every_t(sampler: str) -> None:
    grid = grid_lines(2.5, n_lines=6, points_per_line=41, angle=ANGLE)
    fm = flow_map(gaussian(), grid, sampler, 40)
    for t in TIMES:
        assert_affine(fm, t)
    # the map is not a similarity: the turned grid's right angles shear
    nodes = fm.nodes(1.0)
    ex, ey = nodes[1, 0] - nodes[0, 0], nodes[0, 1] - nodes[0, 0]
    cos = abs(ex @ ey) / np.linalg.norm(ex) / np.linalg.norm(ey)
    assert cos > 0.3, "the anisotropic map should shear the turned grid"


def test_ddim_flow_map_and_stretch_match_the_exact_discrete_map() -> None:
    steps = 40
    grid = grid_lines(2.5, n_lines=6, points_per_line=41, angle=ANGLE)
    fm = flow_map(gaussian(), grid, "ddim", steps)
    start = grid.points.reshape(-1, 2)
    for row in (0, 11, 25, 39, 40):
        t = float(fm.times[row])
        x, slope = ddim_exact(start, steps, row)
        np.testing.assert_allclose(fm.at(t).reshape(-1, 2), x, atol=2e-5)
        np.testing.assert_allclose(fm.stretch(t), np.log(slope).sum(), atol=3e-4)
        jac = fm.jacobian(t).reshape(-1, 2, 2)
        np.testing.assert_allclose(jac, np.broadcast_to(np.diag(slope), jac.shape), atol=3e-4)
    assert abs(fm.stretch(1.0).mean()) > 0.2  # the known answer is far from "no stretch"


def test_heun_flow_map_follows_the_exact_ode() -> None:
    grid = grid_lines(2.5, n_lines=5, points_per_line=17, angle=ANGLE)
    fm = flow_map(gaussian(), grid, "heun", 80)
    start = grid.points.reshape(-1, 2)
    # second order until the last step, which is Euler's (to t = 1, where sigma = 0)
    for t, tol in ((0.5, 5e-4), (0.8, 5e-4), (0.95, 1e-3), (1.0, 5e-3)):
        x, slope = ode_exact(start, t)
        np.testing.assert_allclose(fm.at(t).reshape(-1, 2), x, atol=tol)
        np.testing.assert_allclose(fm.stretch(t), np.log(slope).sum(), atol=tol)


def test_between_steps_the_map_is_interpolated_both_ways() -> None:
    fm = flow_map(gaussian(), grid_lines(2.0, 4, 10), "ddim", 10)
    a, b = fm.times[3], fm.times[4]
    mid = 0.25 * a + 0.75 * b
    np.testing.assert_allclose(fm.at(mid), 0.25 * fm.points[3] + 0.75 * fm.points[4], atol=1e-6)
    assert fm.log_stretch is not None
    np.testing.assert_allclose(fm.stretch(mid), (0.25 * fm.log_stretch[3]
                                                 + 0.75 * fm.log_stretch[4]).reshape(fm.shape),
                               atol=1e-6)
    np.testing.assert_array_equal(fm.at(0.3), fm.at(0.3))  # a pure function of t
    np.testing.assert_allclose(fm.stretch(0.0), 0.0, atol=1e-5)
    np.testing.assert_allclose(fm.at(-1.0), fm.points[0])  # clamped to the ends
    np.testing.assert_allclose(fm.at(2.0), fm.points[-1])


def test_three_dots_flow_map_bends_the_lines() -> None:
    fm = flow_map(GaussianMixture.three_dots(), grid_lines(2.5, 7, 61), "ddim", 40)
    assert line_bend(fm.at(0.0)).max() < 1e-5
    assert line_bend(fm.at(1.0)).max() > 0.3  # data units: the lines are pulled apart
    stretch = fm.stretch(1.0)
    assert stretch.min() < -2.0  # near the blobs space is squeezed hard


def test_jacobian_columns_are_the_derivatives_along_each_start_axis() -> None:
    gm = GaussianMixture.three_dots()
    pts = np.random.default_rng(1).uniform(-1.5, 1.5, size=(40, 2))
    fm = flow_map(gm, pts, "ddim", 30)
    step = 0.02
    for i in range(2):
        shift = np.zeros(2)
        shift[i] = step
        ahead = flow_map(gm, pts + shift, "ddim", 30, jacobian=False).at(0.8)
        behind = flow_map(gm, pts - shift, "ddim", 30, jacobian=False).at(0.8)
        np.testing.assert_allclose(fm.jacobian(0.8)[:, :, i], (ahead - behind) / (2 * step),
                                   atol=0.02)
    off = np.abs(fm.jacobian(0.8)[:, 0, 1]).max()
    assert off > 0.05  # a real test of the layout: the map mixes the axes


def test_three_dimensional_points_stay_an_affine_lattice() -> None:
    c, s = np.cos(0.6), np.sin(0.6)
    turn = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) @ np.array([[1, 0, 0], [0, c, -s],
                                                                     [0, s, c]])
    gm = GaussianMixture(means=[[0.5, -0.3, 0.2]], stds=0.6)
    grid = grid_lines(2.0, n_lines=4, points_per_line=13, dim=3, rotation=turn)
    assert grid.points.shape == (3 * 16, 13, 3)
    fm = flow_map(gm, grid, "ddim", 30)
    for t in (0.5, 1.0):
        assert_affine(fm, t)
    mean, var = np.array([0.5, -0.3, 0.2]), np.full(3, 0.36)
    x, slope = ddim_exact(grid.points.reshape(-1, 3), 30, 30, mean, var)
    np.testing.assert_allclose(fm.at(1.0).reshape(-1, 3), x, atol=2e-5)
    np.testing.assert_allclose(fm.stretch(1.0), np.log(slope).sum(), atol=3e-4)
    ratio = np.linalg.norm(np.diff(fm.nodes(1.0), axis=0), axis=-1) / np.linalg.norm(
        np.diff(grid.nodes(), axis=0), axis=-1)  # isotropic: every edge scaled alike
    np.testing.assert_allclose(ratio, slope[0], rtol=1e-4)


def test_points_and_curves_of_any_layout_are_carried() -> None:
    pts = np.random.default_rng(0).normal(size=(50, 2))
    fm = flow_map(gaussian(), pts, "euler", 20, jacobian=False)
    assert fm.at(0.5).shape == (50, 2) and fm.grid is None
    with pytest.raises(ValueError, match="jacobian=True"):
        fm.stretch(0.5)
    with pytest.raises(ValueError, match="no nodes"):
        fm.nodes(0.5)
    curves = flow_map(gaussian(), pts.reshape(5, 10, 2), "ddim", 20)
    np.testing.assert_allclose(curves.at(1.0).reshape(-1, 2),
                               flow_map(gaussian(), pts, "ddim", 20).at(1.0), atol=1e-6)


def test_stochastic_samplers_are_refused() -> None:
    assert deterministic_samplers() == ("ddim", "euler", "heun", "midpoint", "dpm++2m")
    assert not is_deterministic("ddim", eta=0.2)
    grid = grid_lines(2.0, 3, 5)
    for sampler, options in (("ddpm", {}), ("sde", {}), ("langevin", {}), ("ddim",
                                                                          {"eta": 0.5})):
        with pytest.raises(ValueError, match="deterministic sampler.*use one of ddim, euler"):
            flow_map(gaussian(), grid, sampler, 10, **options)
    flow_map(gaussian(), grid, "ddim", 5, eta=0.0)  # eta = 0 is DDIM's map
    with pytest.raises(ValueError, match="unknown sampler"):
        flow_map(gaussian(), grid, "dpm")


def test_grids_too_large_for_memory_are_refused_with_the_size() -> None:
    with pytest.raises(ValueError, match=r"200,000 lines x 100,000 points.*GiB.*lower n_lines"):
        grid_lines(2.5, 100_000, 100_000)
    big = grid_lines(2.5, 300, 1500)  # 1,077,000 points: fine alone, too big for 50 steps
    with pytest.raises(ValueError, match=r"1,077,000 points of 2 values at 51 times.*GiB, over "
                                         r"the 1.0 GiB limit.*lower n_lines"):
        flow_map(gaussian(), big, "ddim", 50)
    with pytest.raises(ValueError, match="over the 1.0 KiB limit"):
        flow_map(gaussian(), grid_lines(2.0, 3, 5), "ddim", 10, max_memory=1024)


def test_bad_grids_and_points_are_refused() -> None:
    with pytest.raises(ValueError, match="n_lines must be an integer of at least 2"):
        grid_lines(2.0, 1)
    with pytest.raises(ValueError, match="angle rotates a 2D grid"):
        grid_lines(2.0, dim=3, angle=0.3)
    with pytest.raises(ValueError, match="one \\(low, high\\) pair per axis"):
        grid_lines([1, 2, 3])
    with pytest.raises(ValueError, match="NaN"):
        flow_map(gaussian(), np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="model works on 2D points"):
        flow_map(gaussian(), grid_lines(2.0, 3, 5, dim=3))
