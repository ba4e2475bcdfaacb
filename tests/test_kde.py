"""Tests of the binned FFT KDE against scipy.stats.gaussian_kde."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.stats import gaussian_kde

from manim_diffusion.analysis.kde import Grid, binned_kde, hdr_levels


def _mixture(n: int = 2000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n // 2, 2)) * 0.3 + [1.0, 0.0]
    b = rng.normal(size=(n - n // 2, 2)) * [0.2, 0.6] + [-1.0, 0.5]
    return np.concatenate([a, b])


def _scipy_on_grid(points: np.ndarray, grid: Grid, factor: float = 1.0) -> np.ndarray:
    kde = gaussian_kde(points.T)
    kde.set_bandwidth(kde.scotts_factor() * factor)
    x, y = np.meshgrid(grid.x, grid.y)
    return kde(np.vstack([x.ravel(), y.ravel()])).reshape(x.shape)


@pytest.mark.parametrize("factor", [1.0, 0.5])
def test_matches_scipy_within_two_percent(factor: float) -> None:
    pts = _mixture()
    grid = Grid.around(pts.min(0), pts.max(0), 100, margin=1.0)
    ours = binned_kde(pts, grid, bw_factor=factor)
    ref = _scipy_on_grid(pts, grid, factor)
    assert ours.shape == (100, 100)
    assert np.abs(ours - ref).max() <= 0.02 * ref.max()


def test_integrates_to_one_and_is_non_negative() -> None:
    pts = _mixture()
    grid = Grid(-4.0, 4.0, -3.0, 3.0, 120, 80)
    dens = binned_kde(pts, grid)
    assert dens.shape == (80, 120)
    assert dens.min() >= 0
    assert dens.sum() * grid.dx * grid.dy == pytest.approx(1.0)


def test_orientation_rows_are_y() -> None:
    pts = np.random.default_rng(1).normal(size=(500, 2)) * 0.2 + [2.0, -1.0]
    grid = Grid(-3.0, 3.0, -3.0, 3.0, 61, 61)
    j, i = np.unravel_index(np.argmax(binned_kde(pts, grid)), (61, 61))
    assert grid.x[i] == pytest.approx(2.0, abs=0.2)
    assert grid.y[j] == pytest.approx(-1.0, abs=0.2)


def test_non_finite_points_are_ignored_and_empty_is_zero() -> None:
    pts = _mixture(400)
    grid = Grid(-3.0, 3.0, -3.0, 3.0)
    with_nan = np.concatenate([pts, [[np.nan, 0.0], [np.inf, 1.0]]])
    np.testing.assert_allclose(binned_kde(with_nan, grid), binned_kde(pts, grid))
    assert not binned_kde(np.full((3, 2), np.nan), grid).any()


def test_wrong_shape_raises() -> None:
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        binned_kde(np.zeros((10, 3)), Grid(0.0, 1.0, 0.0, 1.0))


def test_hdr_levels_enclose_the_masses() -> None:
    pts = _mixture()
    grid = Grid.around(pts.min(0), pts.max(0), 100, margin=1.0)
    dens = binned_kde(pts, grid)
    masses = (0.25, 0.5, 0.75, 0.9)
    levels = hdr_levels(dens, masses)
    assert np.all(np.diff(levels) < 0)  # bigger mass, lower threshold
    for m, level in zip(masses, levels, strict=True):
        enclosed = dens[dens >= level].sum() / dens.sum()
        assert enclosed == pytest.approx(m, abs=0.01)
    with pytest.raises(ValueError):
        hdr_levels(dens, (0.0, 0.5))


def test_fast_enough() -> None:
    pts = _mixture()
    grid = Grid.around(pts.min(0), pts.max(0), 100, margin=1.0)
    binned_kde(pts, grid)
    start = time.perf_counter()
    for _ in range(20):
        binned_kde(pts, grid)
    assert (time.perf_counter() - start) / 20 < 0.02  # ~1 ms; loose for busy machines
