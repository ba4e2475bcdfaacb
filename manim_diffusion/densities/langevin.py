"""Langevin Monte Carlo on densities with a known score (numpy and PyTorch, no manim).

A *known density* is anything with ``log_prob(x)`` and ``score(x)`` (the gradient of
``log_prob``) on points of shape ``(N, D)``. :class:`MixtureDensity` wraps a
:class:`~manim_diffusion.densities.mixture.GaussianMixture` at one library time,
:class:`FunctionDensity` any differentiable torch function (score by autograd), and
:func:`smiley_density` builds the smiley of ``datasets.smiley`` as an exact mixture.
:func:`langevin_walk` runs unadjusted Langevin dynamics on one and records the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from ..core.schedules import Schedule
from ..core.trajectory import Trajectory
from .mixture import GaussianMixture

__all__ = [
    "Density",
    "FunctionDensity",
    "LangevinRun",
    "MixtureDensity",
    "as_density",
    "langevin_walk",
    "smiley_density",
]

ArrayLike = np.ndarray | torch.Tensor
_CHUNK = 8192  # points per block when a mixture has many components
_LOG_TINY = 60.0  # mixture terms below exp(-60) of the largest count as that much


@runtime_checkable
class Density(Protocol):
    """A density known up to a constant, with its exact score.

    Both methods take points of shape ``(N, D)`` (a numpy array or a torch tensor)
    and return the same kind: ``log_prob`` shape ``(N,)``, ``score`` (the gradient
    of ``log_prob``) shape ``(N, D)``. Optional attributes used when present:
    ``dim`` (D, for walks started from ``n``) and ``lipschitz`` (a bound on the
    curvature of ``-log_prob``, to reject step sizes that would diverge).

    Examples
    --------
    Any class with these two methods is a density: here an elongated Gaussian in
    numpy, sampled by :func:`langevin_walk`.

    .. manim:: DensityExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, langevin_walk

        class StretchedGaussian:  # a Density
            dim = 2
            scales = np.array([2.0, 0.5])

            def log_prob(self, x):
                return -0.5 * ((x / self.scales) ** 2).sum(axis=1)

            def score(self, x):
                return -x / self.scales**2

        class DensityExample(Scene):
            def construct(self):
                run = langevin_walk(StretchedGaussian(), n=2000, steps=200, step_size=0.05,
                                    seed=0)
                axes = Axes(x_range=[-6, 6], y_range=[-3, 3], x_length=12, y_length=6)
                self.add(axes, DistributionCloud(run.final, axes=axes, radius=0.02))
    """

    def log_prob(self, x: ArrayLike) -> ArrayLike:
        """Log density (up to a constant) at ``x``, shape ``(N,)``."""
        ...

    def score(self, x: ArrayLike) -> ArrayLike:
        """Gradient of :meth:`log_prob` at ``x``, shape ``(N, D)``."""
        ...


def _as_tensor(x: ArrayLike, dim: int | None = None) -> tuple[torch.Tensor, bool]:
    """``x`` as a float64 tensor of shape (N, D), and whether it came as numpy."""
    is_numpy = not isinstance(x, torch.Tensor)
    xt = x.double() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x, np.float64))
    _check_points(tuple(xt.shape), dim)
    return xt, is_numpy


def _as_array(x: ArrayLike, dim: int | None = None) -> tuple[np.ndarray, torch.Tensor | None]:
    """``x`` as a float64 array of shape (N, D), and the tensor it came as (if one)."""
    like = x if isinstance(x, torch.Tensor) else None
    arr = like.detach().cpu().double().numpy() if like is not None else np.asarray(x, np.float64)
    _check_points(arr.shape, dim)
    return arr, like


def _check_points(shape: tuple[int, ...], dim: int | None) -> None:
    if len(shape) != 2 or (dim is not None and shape[1] != dim):
        want = f"(N, {dim})" if dim is not None else "(N, D)"
        raise ValueError(f"points must have shape {want}, got {shape}")


def _restore(y: torch.Tensor, is_numpy: bool) -> ArrayLike:
    return y.detach().cpu().numpy() if is_numpy else y


def _like(y: np.ndarray, like: torch.Tensor | None) -> ArrayLike:
    if like is None:
        return y
    return torch.as_tensor(y, device=like.device).to(like.dtype)


class MixtureDensity:
    """The density ``p_t`` of a Gaussian mixture at library time ``t``, with exact score.

    At ``t = 1`` (the default) this is the clean mixture ``sum_k w_k N(mu_k, s_k^2 I)``;
    at smaller ``t`` the mixture noised by its schedule. The score is computed from
    the components directly, so it is exact and finite at ``t = 1`` too (where the
    mixture's ``predict`` divides by ``sigma = 0``). The arithmetic is numpy float64
    (single-threaded and fast for thousands of points and hundreds of components).

    Parameters
    ----------
    mixture
        The Gaussian mixture.
    t
        Library time in ``[0, 1]`` (0 = noise, 1 = data).

    Examples
    --------
    The ``three_dots`` mixture, noised (t = 0.8) and clean (t = 1):

    .. manim:: MixtureDensityExample
        :save_last_frame:

        from manim_diffusion import DensityHeatmap, GaussianMixture, MixtureDensity

        class MixtureDensityExample(Scene):
            def construct(self):
                gm = GaussianMixture.three_dots()
                for t, side in [(0.8, LEFT), (1.0, RIGHT)]:
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=5.5,
                                y_length=5.5, tips=False).shift(3.4 * side + 0.4 * DOWN)
                    self.add(DensityHeatmap(MixtureDensity(gm, t=t), axes=axes,
                                            colorbar=False),
                             Text(f"MixtureDensity(gm, t={t})", font_size=24).next_to(axes, UP))
    """

    def __init__(self, mixture: GaussianMixture, t: float = 1.0) -> None:
        if not isinstance(mixture, GaussianMixture):
            raise TypeError(f"expected a GaussianMixture, got {type(mixture).__name__}")
        t = float(t)
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"t must be a library time in [0, 1], got {t}")
        alpha = float(mixture.schedule.alpha(t))
        sigma = float(mixture.schedule.sigma(t))
        self.mixture = mixture
        self.t = t
        self.centres = alpha * mixture.means.numpy()  # (K, D)
        self.var = alpha**2 * mixture.stds.numpy() ** 2 + sigma**2  # (K,)
        if not np.all(self.var > 0):
            raise ValueError(f"every component needs a positive variance at t = {t}")
        self.dim = int(self.centres.shape[1])
        #: Bound on the curvature of -log p: a gradient step larger than 2 / lipschitz
        #: overshoots the narrowest component.
        self.lipschitz = float(1.0 / self.var.min())
        with np.errstate(divide="ignore"):
            log_w = np.log(mixture.weights.numpy())
        log_norm = log_w - 0.5 * self.dim * np.log(2 * np.pi * self.var)
        inv_var = 1.0 / self.var
        # log w_k N(x; c_k, v_k I) = b_k + x . c_k / v_k - |x|^2 / (2 v_k)
        self._bias = log_norm - 0.5 * (self.centres**2).sum(1) * inv_var  # (K,)
        self._inv_var = inv_var
        self._pull = np.c_[self.centres * inv_var[:, None], inv_var]  # (K, D+1)

    def _log_terms(self, x: np.ndarray) -> np.ndarray:
        """log w_k + log N(x; c_k, v_k I) for every point and component, (N, K).

        Built from D + 2 elementwise passes rather than a matrix product, whose
        threads crawl on a busy machine for such thin matrices.
        """
        lt = (-0.5 * (x**2).sum(1, keepdims=True)) * self._inv_var
        lt += self._bias
        for d in range(self.dim):
            lt += x[:, d : d + 1] * self._pull[:, d]
        return lt

    def _blocks(self, x: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        step = max(1, _CHUNK * 64 // max(1, len(self.var)))
        if len(x) <= step:
            return fn(x)
        return np.concatenate([fn(x[i : i + step]) for i in range(0, len(x), step)])

    def _log_prob(self, x: np.ndarray) -> np.ndarray:
        lt = self._log_terms(x)
        top = lt.max(axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        lt -= top
        np.maximum(lt, -_LOG_TINY, out=lt)  # terms this small change nothing
        with np.errstate(divide="ignore"):
            return np.log(np.exp(lt, out=lt).sum(1)) + top[:, 0]

    def log_prob(self, x: ArrayLike) -> ArrayLike:
        """The exact log density at ``x`` (shape ``(N, D)``), shape ``(N,)``."""
        arr, like = _as_array(x, self.dim)
        return _like(self._blocks(arr, self._log_prob), like)

    def density(self, x: ArrayLike) -> ArrayLike:
        """The exact density at ``x``, shape ``(N,)``."""
        arr, like = _as_array(x, self.dim)
        return _like(np.exp(self._blocks(arr, self._log_prob)), like)

    def _score(self, x: np.ndarray) -> np.ndarray:
        lt = self._log_terms(x)
        lt -= lt.max(axis=1, keepdims=True)
        np.maximum(lt, -_LOG_TINY, out=lt)  # no subnormal numbers: they are slow
        r = np.exp(lt, out=lt)
        # sum_k r_k (c_k, 1) / v_k; einsum's own loop, not a threaded BLAS call
        pulled = np.einsum("nk,kj->nj", r, self._pull) / r.sum(1, keepdims=True)
        return pulled[:, :-1] - x * pulled[:, -1:]

    def score(self, x: ArrayLike) -> ArrayLike:
        """The exact score ``grad log p_t`` at ``x`` (shape ``(N, D)``)."""
        arr, like = _as_array(x, self.dim)
        return _like(self._blocks(arr, self._score), like)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` exact samples of ``p_t``, shape ``(n, D)``."""
        rng = np.random.default_rng(seed)
        w = self.mixture.weights.numpy()
        k = rng.choice(len(w), size=n, p=w / w.sum())
        z = rng.normal(size=(n, self.dim))
        return self.centres[k] + np.sqrt(self.var)[k, None] * z

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean ``(D,)`` and covariance ``(D, D)`` of ``p_t``."""
        return self.mixture.moments(self.t)

    def __repr__(self) -> str:
        return f"MixtureDensity(K={len(self.var)}, D={self.dim}, t={self.t})"


class FunctionDensity:
    """A density given by a torch function ``log_p``; the score comes from autograd.

    Parameters
    ----------
    log_p
        Maps a float64 tensor of shape ``(N, D)`` to the log density (up to a
        constant) of shape ``(N,)``, differentiably.
    dim
        The dimension D of the points.

    Examples
    --------
    A ring of radius 2 written as one line of torch, and Langevin samples of it:

    .. manim:: FunctionDensityExample
        :save_last_frame:

        from manim_diffusion import (DensityHeatmap, DistributionCloud, FunctionDensity,
                                     langevin_walk)

        class FunctionDensityExample(Scene):
            def construct(self):
                ring = FunctionDensity(lambda x: -((x.norm(dim=1) - 2) ** 2) / 0.1)
                run = langevin_walk(ring, n=1000, steps=200, step_size=0.005, seed=0)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                self.add(DensityHeatmap(ring, axes=axes, colorbar=False),
                         DistributionCloud(run.final, axes=axes, radius=0.02, color=WHITE))
    """

    def __init__(self, log_p: Callable[[torch.Tensor], torch.Tensor], dim: int = 2) -> None:
        if not callable(log_p):
            raise TypeError(f"log_p must be callable, got {type(log_p).__name__}")
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        self.log_p = log_p
        self.dim = dim

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        out = self.log_p(x)
        if not isinstance(out, torch.Tensor) or out.shape != (len(x),):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"log_p must return a tensor of shape ({len(x)},), got {shape}")
        return out

    def log_prob(self, x: ArrayLike) -> ArrayLike:
        """``log_p`` at ``x`` (shape ``(N, D)``), shape ``(N,)``."""
        xt, is_numpy = _as_tensor(x, self.dim)
        with torch.no_grad():
            return _restore(self._call(xt), is_numpy)

    def score(self, x: ArrayLike) -> ArrayLike:
        """The gradient of ``log_p`` at ``x`` by autograd, shape ``(N, D)``."""
        xt, is_numpy = _as_tensor(x, self.dim)
        xg = xt.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            out = self._call(xg)
            if not out.requires_grad:  # log_p does not depend on x
                return _restore(torch.zeros_like(xt), is_numpy)
            (grad,) = torch.autograd.grad(out.sum(), xg, allow_unused=True)
        return _restore(torch.zeros_like(xt) if grad is None else grad, is_numpy)

    def __repr__(self) -> str:
        return f"FunctionDensity({getattr(self.log_p, '__name__', 'log_p')}, dim={self.dim})"


def as_density(density: Density | GaussianMixture) -> Density:
    """A known density: a :class:`GaussianMixture` becomes its clean density (t = 1).

    Parameters
    ----------
    density
        A :class:`Density` (returned as it is) or a :class:`GaussianMixture` (returned
        as its :class:`MixtureDensity` at t = 1); anything else raises ``TypeError``.

    Examples
    --------
    Random points coloured by the log density of the ``three_dots`` mixture:

    .. manim:: AsDensityExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, GaussianMixture, as_density

        class AsDensityExample(Scene):
            def construct(self):
                density = as_density(GaussianMixture.three_dots())  # a MixtureDensity
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                points = np.random.default_rng(0).uniform(-3, 3, size=(3000, 2))
                self.add(DistributionCloud(points, axes=axes.shift(RIGHT), radius=0.03,
                                           values=density.log_prob(points),
                                           value_range=(-12, 0),
                                           colormap=[GREY_E, TEAL, YELLOW]))
                self.add(Paragraph(f"as_density(gm): {type(density).__name__}",
                                   "colour: log_prob", font_size=24).to_corner(UL))
    """
    if isinstance(density, GaussianMixture):
        return MixtureDensity(density, 1.0)
    if not all(callable(getattr(density, m, None)) for m in ("log_prob", "score")):
        raise TypeError(
            "expected a density with log_prob(x) and score(x) (e.g. MixtureDensity, "
            f"FunctionDensity) or a GaussianMixture, got {type(density).__name__}"
        )
    return density


# ------------------------------------------------------------------- smiley
_FACE_RADIUS = 1.9
_EYES = ((-0.65, 0.55), (0.65, 0.55))
_EYE_RADIUS = 0.2
_MOUTH = (0.0, 0.15, 1.1, np.pi * 1.15, np.pi * 1.85)  # centre x, y, radius, angles
_SHARES = (0.45, 0.1, 0.1, 0.35)  # face, left eye, right eye, mouth (as datasets.smiley)
_MAX_COMPONENTS = 20_000


def _arc(cx: float, cy: float, r: float, a0: float, a1: float, spacing: float,
         closed: bool) -> np.ndarray:
    length = r * (a1 - a0)
    if closed:
        n = max(3, math.ceil(length / spacing))
        a = a0 + (a1 - a0) * np.arange(n) / n
    else:
        n = max(2, math.ceil(length / spacing) + 1)
        a = np.linspace(a0, a1, n)
    return np.c_[cx + r * np.cos(a), cy + r * np.sin(a)]


def _disc(cx: float, cy: float, r: float, spacing: float) -> np.ndarray:
    """Centres on a hexagonal lattice filling a disc (at least its centre)."""
    k = math.ceil(r / spacing) + 1
    i, j = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1))
    x = spacing * (i + 0.5 * (j % 2))
    y = spacing * np.sqrt(3) / 2 * j
    inside = np.hypot(x, y) <= r + 1e-9
    return np.c_[cx + x[inside], cy + y[inside]]


def smiley_density(
    width: float = 0.08,
    spacing: float | None = None,
    schedule: Schedule | str = "linear",
) -> GaussianMixture:
    """The smiley of ``datasets.smiley`` as a Gaussian mixture with an exact score.

    Small isotropic components of standard deviation ``width`` sit every
    ``spacing`` along the face's outline circle (radius 1.9) and the mouth's arc
    (radius 1.1 about (0, 0.15), angles 1.15 pi to 1.85 pi), and on a lattice over
    the two eyes (discs of radius 0.2 at (+-0.65, 0.55)). The four parts carry the
    data set's shares of the points (0.45, 0.1, 0.1, 0.35). With ``spacing <= width``
    the density is smooth along the curves (ripple below 1e-8 of its height), so
    gradient ascent collapses onto the curves as a whole.

    Parameters
    ----------
    width
        Standard deviation of each component, in data units.
    spacing
        Distance between neighbouring components; default ``width``.
    schedule
        The noising schedule of the returned mixture (for ``density(x, t)`` at t < 1).

    Returns
    -------
    GaussianMixture
        Use it with :class:`MixtureDensity` (or :func:`langevin_walk` directly).

    Examples
    --------
    .. manim:: SmileyDensityExample
        :save_last_frame:

        from manim_diffusion import (DensityHeatmap, DistributionCloud, MixtureDensity,
                                     smiley_density)

        class SmileyDensityExample(Scene):
            def construct(self):
                mixture = smiley_density(width=0.1)
                axes = Axes(x_range=[-2.5, 2.5], y_range=[-2.5, 2.5], x_length=5.5,
                            y_length=5.5, tips=False)
                left, right = axes.copy().shift(3.4 * LEFT), axes.copy().shift(3.4 * RIGHT)
                self.add(DensityHeatmap(MixtureDensity(mixture), axes=left, colorbar=False),
                         DistributionCloud(mixture.sample(2000, seed=0), axes=right,
                                           radius=0.02),
                         Text("its density", font_size=26).next_to(left, UP),
                         Text("2000 samples", font_size=26).next_to(right, UP))
    """
    width = float(width)
    if not (np.isfinite(width) and width > 0):
        raise ValueError(f"width must be a positive number, got {width}")
    spacing = width if spacing is None else float(spacing)
    if not (np.isfinite(spacing) and spacing > 0):
        raise ValueError(f"spacing must be a positive number, got {spacing}")
    cx, cy, r, a0, a1 = _MOUTH
    parts = [
        _arc(0.0, 0.0, _FACE_RADIUS, 0.0, 2 * np.pi, spacing, closed=True),
        *(_disc(ex, ey, _EYE_RADIUS, spacing) for ex, ey in _EYES),
        _arc(cx, cy, r, a0, a1, spacing, closed=False),
    ]
    means = np.concatenate(parts)
    if len(means) > _MAX_COMPONENTS:
        raise ValueError(
            f"width {width:g} and spacing {spacing:g} need {len(means)} components (at most "
            f"{_MAX_COMPONENTS}); pass a larger spacing"
        )
    weights = np.concatenate([np.full(len(p), s / len(p)) for p, s in zip(parts, _SHARES,
                                                                          strict=True)])
    return GaussianMixture(means, width, weights / weights.sum(), schedule=schedule)


# ------------------------------------------------------------------- the walk
@dataclass
class LangevinRun:
    """A recorded Langevin walk: the trajectory and each step split in two.

    Made by :func:`langevin_walk`; the fields are also its attributes.

    Parameters
    ----------
    trajectory
        The walkers' positions: ``times`` evenly from 0 to 1 over the iterations,
        ``points`` shape ``(R+1, N, D)``, ``steps`` the iteration number of each row.
    drift
        Shape ``(R, N, D)``: the gradient steps ``step_size * score`` taken between
        row ``r`` and row ``r+1`` (summed over the iterations in between).
    kicks
        Shape ``(R, N, D)``: the noise kicks ``sqrt(2 step_size T) z`` of the same
        iterations (zeros without noise). ``points[r+1] = points[r] + drift[r] +
        kicks[r]`` up to rounding.
    step_size, temperature, noise
        The walk's settings.

    Examples
    --------
    Three walkers' current steps split into the gradient step (yellow) and the noise
    kick (pink), and the mean length of each over the whole run:

    .. manim:: LangevinRunExample
        :save_last_frame:

        from manim_diffusion import GaussianMixture, LangevinWalker, langevin_walk

        class LangevinRunExample(Scene):
            def construct(self):
                run = langevin_walk(GaussianMixture.three_dots(), n=500, steps=100,
                                    step_size=0.01, seed=0, record_every=10)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                self.add(LangevinWalker(run, time=0.15, axes=axes.shift(2 * LEFT),
                                        shown=[0, 1, 2], arrows=True, arrow_scale=2,
                                        trail=False))
                drift = np.linalg.norm(run.drift, axis=-1).mean()
                kick = np.linalg.norm(run.kicks, axis=-1).mean()
                lines = VGroup(
                    Text(f"mean |drift| per row: {drift:.3f}", color=YELLOW, font_size=24),
                    Text(f"mean |kick| per row: {kick:.3f}", color=PINK, font_size=24))
                self.add(lines.arrange(DOWN, aligned_edge=LEFT).to_corner(UR))
    """

    trajectory: Trajectory
    drift: np.ndarray
    kicks: np.ndarray
    step_size: float
    temperature: float = 1.0
    noise: bool = True

    def __post_init__(self) -> None:
        shape = (self.trajectory.n_steps, self.trajectory.n_points, self.trajectory.dim)
        self.drift = np.asarray(self.drift, dtype=np.float32)
        self.kicks = np.asarray(self.kicks, dtype=np.float32)
        for name, arr in (("drift", self.drift), ("kicks", self.kicks)):
            if arr.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")

    @property
    def points(self) -> np.ndarray:
        """The recorded positions, shape ``(R+1, N, D)``."""
        return self.trajectory.points

    @property
    def times(self) -> np.ndarray:
        """Library time of each row, shape ``(R+1,)``."""
        return self.trajectory.times

    @property
    def final(self) -> np.ndarray:
        """The walkers after the last iteration, shape ``(N, D)``."""
        return self.trajectory.final

    def subset(self, indices: np.ndarray) -> LangevinRun:
        """The run of the chosen walkers only."""
        idx = np.asarray(indices)
        return LangevinRun(self.trajectory.subset(idx), self.drift[:, idx], self.kicks[:, idx],
                           self.step_size, self.temperature, self.noise)

    def thin(self, every: int) -> LangevinRun:
        """Every ``every``-th row (first and last kept); steps in between are summed."""
        traj = self.trajectory.thin(every)
        rows = np.unique(np.r_[np.arange(0, self.trajectory.n_steps + 1, every),
                               self.trajectory.n_steps])

        def merge(arr: np.ndarray) -> np.ndarray:
            cum = np.concatenate([np.zeros_like(arr[:1]), np.cumsum(arr, axis=0, dtype=np.float64)])
            return cum[rows[1:]] - cum[rows[:-1]]

        return LangevinRun(traj, merge(self.drift), merge(self.kicks),
                           self.step_size, self.temperature, self.noise)


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _start_points(
    density: Density, x_start: ArrayLike | None, n: int | None, start_scale: float,
    rng: np.random.Generator,
) -> np.ndarray:
    dim = getattr(density, "dim", None)
    if (x_start is None) == (n is None):
        raise ValueError("give either x_start (shape (N, D)) or n (the number of walkers)")
    if x_start is None:
        n = _positive_int("n", n)
        if not (np.isfinite(start_scale) and start_scale > 0):
            raise ValueError(f"start_scale must be a positive number, got {start_scale}")
        return start_scale * rng.standard_normal((n, int(dim or 2)))
    if isinstance(x_start, torch.Tensor):
        x_start = x_start.detach().cpu().numpy()
    x = np.array(x_start, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0 or (dim is not None and x.shape[1] != dim):
        want = f"(N, {dim})" if dim is not None else "(N, D)"
        raise ValueError(f"x_start must have shape {want} with N >= 1, got {x.shape}")
    bad = ~np.isfinite(x).all(axis=1)
    if bad.any():
        raise ValueError(f"x_start has {int(bad.sum())} walkers with NaN or infinite coordinates")
    return x


def _score(density: Density, x: np.ndarray, iteration: int) -> np.ndarray:
    s = density.score(x)
    s = s.detach().cpu().numpy() if isinstance(s, torch.Tensor) else np.asarray(s)
    if s.shape != x.shape:
        raise ValueError(f"the density's score must have shape {x.shape}, got {s.shape}")
    bad = ~np.isfinite(s).all(axis=1)
    if bad.any():
        raise ValueError(
            f"the score is NaN or infinite at {int(bad.sum())} walkers (iteration {iteration})"
        )
    return s.astype(np.float64, copy=False)


def langevin_walk(
    density: Density | GaussianMixture,
    x_start: ArrayLike | None = None,
    *,
    n: int | None = None,
    steps: int = 500,
    step_size: float = 1e-2,
    temperature: float = 1.0,
    noise: bool = True,
    seed: int = 0,
    record_every: int = 1,
    start_scale: float = 2.0,
) -> LangevinRun:
    """Unadjusted Langevin dynamics on a known density, recorded for the mobjects.

    Every iteration moves each walker by a gradient step and a noise kick::

        x <- x + step_size * score(x) + sqrt(2 * step_size * temperature) * z

    with ``z`` standard normal. For small steps the walkers' distribution tends to
    ``p(x) ** (1 / temperature)`` (normalised); the step size biases it slightly
    (for a Gaussian of variance ``s2`` the variance becomes
    ``s2 / (1 - step_size / (2 s2))``). With ``noise=False`` it is plain gradient
    ascent on ``log p``: the walkers collapse onto the modes.

    Parameters
    ----------
    density
        A :class:`Density` (``log_prob`` and ``score``) or a :class:`GaussianMixture`
        (its clean density).
    x_start
        Starting points, shape ``(N, D)``. Give this or ``n``.
    n
        Number of walkers started from ``start_scale * N(0, I)`` (with ``seed``).
    steps
        Number of iterations.
    step_size
        The step size epsilon, positive; below ``2 / density.lipschitz`` when the
        density gives that bound.
    temperature
        Scales the noise; ``1`` samples ``p``.
    noise
        ``False`` drops the noise kick: gradient ascent.
    seed
        Seeds the start (with ``n``) and the noise; equal seeds give equal runs.
    record_every
        Record every ``record_every``-th iteration (the last one always).
    start_scale
        Standard deviation of the starting points drawn with ``n``.

    Returns
    -------
    LangevinRun
        The trajectory (times evenly from 0 to 1 over the iterations, ``steps`` the
        iteration numbers) and the gradient steps and noise kicks between its rows.

    Raises
    ------
    ValueError
        On a step size that is not positive and finite or too large for the density,
        a start with NaNs or of the wrong shape, a score of the wrong shape or not
        finite, or walkers that diverge.

    Examples
    --------
    .. manim:: LangevinWalkExample
        :save_last_frame:

        from manim_diffusion import (DistributionCloud, GaussianMixture, LangevinWalker,
                                     langevin_walk)

        class LangevinWalkExample(Scene):
            def construct(self):
                gm = GaussianMixture.three_dots()
                run = langevin_walk(gm, n=1000, steps=300, step_size=0.01, seed=0)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                self.add(DistributionCloud(run.trajectory.at(0.0), axes=axes, color=GREY_B,
                                           radius=0.015),
                         LangevinWalker(run, time=1.0, axes=axes, radius=0.02))
                self.add(Text("start (grey) and after 300 steps (blue)",
                              font_size=26).to_corner(UL))
    """
    dens = as_density(density)
    steps = _positive_int("steps", steps)
    record_every = _positive_int("record_every", record_every)
    step_size = float(step_size)
    if not (np.isfinite(step_size) and step_size > 0):
        raise ValueError(f"step_size must be a positive finite number, got {step_size}")
    lipschitz = getattr(dens, "lipschitz", None)
    if lipschitz is not None and step_size >= 2.0 / lipschitz:
        raise ValueError(
            f"step_size {step_size:g} is too large for this density: a gradient step "
            f"overshoots its narrowest mode; use less than {2.0 / lipschitz:.3g} "
            f"(a tenth of that keeps the bias small)"
        )
    temperature = float(temperature)
    if not (np.isfinite(temperature) and temperature >= 0):
        raise ValueError(f"temperature must be a finite number >= 0, got {temperature}")
    rng = np.random.default_rng(seed)
    x = _start_points(dens, x_start, n, float(start_scale), rng)

    recorded = np.unique(np.r_[np.arange(0, steps + 1, record_every), steps])
    points = np.empty((len(recorded), *x.shape))
    drift = np.zeros((len(recorded) - 1, *x.shape))
    kicks = np.zeros_like(drift)
    points[0] = x
    kick_scale = math.sqrt(2.0 * step_size * temperature) if noise else 0.0
    row = 0
    for i in range(1, steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked below
            g = step_size * _score(dens, x, i)
            x = x + g
            drift[row] += g
            if kick_scale > 0:
                z = kick_scale * rng.standard_normal(x.shape)
                x = x + z
                kicks[row] += z
        if not np.isfinite(x).all():
            raise ValueError(
                f"the walk diverged at iteration {i}: lower step_size (now {step_size:g})"
            )
        if i == recorded[row + 1]:
            row += 1
            points[row] = x

    trajectory = Trajectory(
        times=recorded / steps,
        points=points,
        steps=recorded,
        sampler="langevin" if noise and temperature > 0 else "gradient_ascent",
        nfe=steps,
        meta={
            "step_size": repr(step_size),
            "temperature": repr(temperature),
            "noise": str(bool(noise)),
            "seed": str(seed),
            "density": repr(dens),
        },
    )
    return LangevinRun(trajectory, drift, kicks, step_size, temperature, bool(noise))
