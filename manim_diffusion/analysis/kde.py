"""Binned FFT kernel density estimates of 2D point sets on a fixed grid (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["Grid", "binned_kde", "hdr_levels", "scott_covariance"]


@dataclass(frozen=True)
class Grid:
    """A regular 2D grid of ``nx * ny`` nodes spanning ``[x0, x1] x [y0, y1]``.

    Densities on the grid are arrays of shape ``(ny, nx)``: row ``j`` is ``y[j]``,
    column ``i`` is ``x[i]`` (the layout ``contourpy`` and ``imshow`` expect).
    """

    x0: float
    x1: float
    y0: float
    y1: float
    nx: int = 100
    ny: int = 100

    def __post_init__(self) -> None:
        if self.nx < 2 or self.ny < 2:
            raise ValueError(f"a grid needs at least 2 x 2 nodes, got {self.nx} x {self.ny}")
        if not (self.x1 > self.x0 and self.y1 > self.y0):
            raise ValueError(
                f"grid span must be increasing, got x [{self.x0}, {self.x1}], "
                f"y [{self.y0}, {self.y1}]"
            )

    @classmethod
    def around(
        cls, lo: Sequence[float], hi: Sequence[float], n: int = 100, margin: float = 0.0
    ) -> Grid:
        """A square-ish ``n x n`` grid covering the box ``lo .. hi`` plus a margin."""
        return cls(
            float(lo[0]) - margin, float(hi[0]) + margin,
            float(lo[1]) - margin, float(hi[1]) + margin, n, n,
        )

    @property
    def dx(self) -> float:
        """Spacing of the nodes along x."""
        return (self.x1 - self.x0) / (self.nx - 1)

    @property
    def dy(self) -> float:
        """Spacing of the nodes along y."""
        return (self.y1 - self.y0) / (self.ny - 1)

    @property
    def x(self) -> np.ndarray:
        """Node x coordinates, shape ``(nx,)``."""
        return np.linspace(self.x0, self.x1, self.nx)

    @property
    def y(self) -> np.ndarray:
        """Node y coordinates, shape ``(ny,)``."""
        return np.linspace(self.y0, self.y1, self.ny)


def scott_covariance(points: np.ndarray) -> np.ndarray:
    """Gaussian kernel covariance by Scott's rule, shape ``(2, 2)``.

    The rule of ``scipy.stats.gaussian_kde``: the data covariance times
    ``n ** (-2 / 6)`` (the squared Scott factor in 2D).
    """
    n = len(points)
    cov = np.cov(points, rowvar=False) if n > 1 else np.eye(2)
    if not np.all(np.isfinite(cov)) or np.linalg.det(cov) <= 1e-300:
        var = points.var(axis=0) if n > 1 else np.ones(2)
        cov = np.diag(np.where(var > 0, var, 1.0))
    return cov * n ** (-2.0 / 6.0)


def _linear_bin(points: np.ndarray, grid: Grid) -> np.ndarray:
    """Spread unit masses onto the 4 nearest nodes (bilinear weights); ``(ny, nx)``."""
    fx = (points[:, 0] - grid.x0) / grid.dx
    fy = (points[:, 1] - grid.y0) / grid.dy
    inside = (fx >= 0) & (fx <= grid.nx - 1) & (fy >= 0) & (fy <= grid.ny - 1)
    fx, fy = fx[inside], fy[inside]
    ix = np.minimum(fx.astype(np.int64), grid.nx - 2)
    iy = np.minimum(fy.astype(np.int64), grid.ny - 2)
    wx, wy = fx - ix, fy - iy
    base = iy * grid.nx + ix
    idx = np.concatenate([base, base + 1, base + grid.nx, base + grid.nx + 1])
    w = np.concatenate([(1 - wx) * (1 - wy), wx * (1 - wy), (1 - wx) * wy, wx * wy])
    counts = np.bincount(idx, weights=w, minlength=grid.nx * grid.ny)
    return counts.reshape(grid.ny, grid.nx)


@lru_cache(maxsize=64)
def _kernel_fft(
    ny: int, nx: int, cxx: float, cxy: float, cyy: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """rfft2 of a Gaussian kernel (covariance in node units) on a ``(2ny, 2nx)`` torus."""
    shape = (2 * ny, 2 * nx)
    ky = (np.fft.fftfreq(shape[0]) * shape[0])[:, None]  # signed offsets 0, 1, .., -1
    kx = (np.fft.fftfreq(shape[1]) * shape[1])[None, :]
    inv = np.linalg.inv(np.array([[cxx, cxy], [cxy, cyy]]))
    q = inv[0, 0] * kx * kx + 2.0 * inv[0, 1] * kx * ky + inv[1, 1] * ky * ky
    return np.fft.rfft2(np.exp(-0.5 * q)), shape


def binned_kde(
    points: np.ndarray,
    grid: Grid,
    bandwidth: float | Sequence[float] | None = None,
    bw_factor: float = 1.0,
) -> np.ndarray:
    """Gaussian kernel density of 2D ``points`` evaluated on ``grid``'s nodes.

    Linear binning onto the grid, then an FFT convolution with a Gaussian kernel
    (its transform is cached per grid and bandwidth). Non-finite points are ignored.

    Parameters
    ----------
    points
        Shape ``(N, 2)``.
    grid
        Where to evaluate.
    bandwidth
        Kernel standard deviation(s) in data units (a number, or one per axis); by
        default Scott's rule with the full data covariance, as
        ``scipy.stats.gaussian_kde`` does.
    bw_factor
        Multiplies the bandwidth (< 1 sharper, > 1 smoother).

    Returns
    -------
    np.ndarray
        Shape ``(grid.ny, grid.nx)``, normalised so that it integrates to 1 over the
        grid (all zeros when no point lies on the grid).
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {pts.shape}")
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0:
        return np.zeros((grid.ny, grid.nx))
    if bandwidth is None:
        cov = scott_covariance(pts)
    else:
        cov = np.diag(np.broadcast_to(np.asarray(bandwidth, dtype=np.float64), (2,)) ** 2)
    cov = cov * bw_factor**2
    scale = np.array([grid.dx, grid.dy])
    cov = cov / np.outer(scale, scale)  # in node units
    if not np.linalg.det(np.round(cov, 9)) > 1e-12:  # far narrower than a node (an
        cov = np.diag(np.maximum(np.diag(cov), 1e-3))  # outlier stretched the grid)
    key = tuple(round(float(v), 9) for v in (cov[0, 0], cov[0, 1], cov[1, 1]))
    kfft, shape = _kernel_fft(grid.ny, grid.nx, *key)
    counts = _linear_bin(pts, grid)
    dens = np.fft.irfft2(np.fft.rfft2(counts, s=shape) * kfft, s=shape)[: grid.ny, : grid.nx]
    np.maximum(dens, 0.0, out=dens)
    total = dens.sum() * grid.dx * grid.dy
    return dens / total if total > 0 else dens


def hdr_levels(
    density: np.ndarray, masses: Sequence[float] = (0.25, 0.5, 0.75, 0.9)
) -> np.ndarray:
    """Density thresholds of the highest-density regions holding the given masses.

    The region ``{density >= level}`` holds (on the grid) the probability mass asked
    for: the mass 0.25 gives the highest threshold, 0.9 the lowest.

    Returns
    -------
    np.ndarray
        One level per mass, in the order of ``masses``.
    """
    m = np.asarray(masses, dtype=np.float64)
    if np.any((m <= 0) | (m >= 1)):
        raise ValueError(f"masses must lie strictly between 0 and 1, got {list(masses)}")
    d = np.sort(np.asarray(density, dtype=np.float64).ravel())[::-1]
    total = d.sum()
    if total <= 0:
        return np.zeros_like(m)
    cum = np.cumsum(d) / total
    idx = np.minimum(np.searchsorted(cum, m), len(d) - 1)
    return d[idx]
