"""Langevin Monte Carlo on densities with a known score (numpy, no manim).

A *known density* (:class:`~manim_diffusion.densities.base.Density`) is anything with
``log_prob(x)`` and ``score(x)`` on points of shape ``(N, D)``: a
:class:`~manim_diffusion.densities.mixture.MixtureDensity`, a
:class:`~manim_diffusion.densities.function.FunctionDensity`, or a Gaussian mixture
(its clean density). :func:`langevin_walk` runs unadjusted Langevin dynamics on one
and records the run as a :class:`~manim_diffusion.densities.run.LangevinRun`.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..core.trajectory import Trajectory
from .base import Density
from .mixture import GaussianMixture, MixtureDensity
from .points import ArrayLike
from .run import LangevinRun

__all__ = ["as_density", "langevin_walk"]


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
        A :class:`~manim_diffusion.core.trajectory.Trajectory` (times evenly from 0 to
        1 over the iterations, ``steps`` the iteration numbers) whose extra arrays
        ``"drift"`` and ``"kicks"`` hold the gradient steps and noise kicks between
        its rows.

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
    step_size, temperature = _check_step(dens, step_size, temperature)
    rng = np.random.default_rng(seed)
    x = _start_points(dens, x_start, n, float(start_scale), rng)
    recorded = np.unique(np.r_[np.arange(0, steps + 1, record_every), steps])
    kick_scale = math.sqrt(2.0 * step_size * temperature) if noise else 0.0
    points, drift, kicks = _walk(dens, x, recorded, step_size, kick_scale, rng)
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


def _check_step(dens: Density, step_size: float, temperature: float) -> tuple[float, float]:
    """The step size and temperature as floats, refused when they cannot work."""
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
    return step_size, temperature


def _walk(
    dens: Density, x: np.ndarray, recorded: np.ndarray, step_size: float, kick_scale: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The walk from ``x`` to iteration ``recorded[-1]``: points at ``recorded``, steps."""
    points = np.empty((len(recorded), *x.shape))
    drift = np.zeros((len(recorded) - 1, *x.shape))
    kicks = np.zeros_like(drift)
    points[0] = x
    row = 0
    for i in range(1, int(recorded[-1]) + 1):
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
    return points, drift, kicks


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
