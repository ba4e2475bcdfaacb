"""Log-likelihood through the probability-flow ODE: ``log p_t(x)`` of any model at any points.

The probability-flow ODE ``dx/dt = v(x, t)`` carries the noise density ``p_0`` to
every ``p_t``; along a solution the continuity equation reads
``d/dt log p_t(x_t) = -div v(x_t, t)``. So the log-density at ``x`` is the prior's at
the point the ODE carries ``x`` back to at t = 0, minus the divergence integrated on
the way: ``log p_t(x) = log p_0(x_0) - int_0^t div v(x_s, s) ds``. The velocity is the
model's own (:attr:`~manim_diffusion.core.prediction.Prediction.velocity`, the one the
ODE samplers step with); its divergence is exact by autograd (one backward pass per
dimension: 2D and 3D points) or Hutchinson's unbiased estimate ``E[z^T (dv/dx) z]``
(one backward pass per probe: images).
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..core.devices import model_device
from ..core.prediction import Predictor
from ..core.threads import limited_threads
from ..core.trajectory import Trajectory
from ..samplers.grids import GRIDS, time_grid
from ..samplers.inputs import check_count
from .divergence import (
    DIVERGENCES,
    END_MARGIN,
    MAX_EXACT_DIM,
    FlowDivergence,
    check_divergence,
    checked_points,
    gaussian_prior_log_prob,
)

__all__ = [
    "DIVERGENCES",
    "LIKELIHOOD_SOLVERS",
    "MAX_EXACT_DIM",
    "LikelihoodResult",
    "gaussian_prior_log_prob",
    "log_density_along",
    "ode_log_likelihood",
]

#: Explicit Runge-Kutta methods: (nodes c, rows of the matrix a, weights b).
_TABLEAUX: dict[str, tuple[tuple[float, ...], tuple[tuple[float, ...], ...],
                           tuple[float, ...]]] = {
    "euler": ((0.0,), ((),), (1.0,)),
    "midpoint": ((0.0, 0.5), ((), (0.5,)), (0.0, 1.0)),
    "heun": ((0.0, 1.0), ((), (1.0,)), (0.5, 0.5)),
    "rk4": ((0.0, 0.5, 0.5, 1.0), ((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)),
            (1 / 6, 1 / 3, 1 / 3, 1 / 6)),
}
#: The ODE solvers and their velocity evaluations per step.
LIKELIHOOD_SOLVERS: dict[str, int] = {name: len(tab[0]) for name, tab in _TABLEAUX.items()}
_PROGRESS_DELAY = 2.0  # seconds before a run shows its progress bar


@dataclass(frozen=True)
class LikelihoodResult:
    """What :func:`ode_log_likelihood` found: ``log p_t(x)`` and how it was reached.

    ``log_prob = prior_log_prob - delta``.

    Parameters
    ----------
    log_prob
        ``log p_t(x)`` at each point, shape ``(N,)``, float64 (natural log).
    prior_log_prob
        ``log p_0`` at the noise-end points, shape ``(N,)``.
    delta
        ``int_0^t div v(x_s, s) ds`` along each point's path, shape ``(N,)``: how much
        the flow spreads the density out on the way from noise to ``x``.
    noise
        Where the ODE carries each point at t = 0, shape ``(N, *point)``.
    t
        The library time of ``log_prob``.
    steps, solver, divergence
        The ODE steps, the solver and the divergence used.
    nfe
        Forward network evaluations each point received (steps x stages, twice that
        for a guided model), counted as :func:`~manim_diffusion.samplers.sample.sample`
        counts them.
    backward
        Backward passes (vector-Jacobian products) each point received: D per forward
        evaluation for the exact divergence, ``probes`` for Hutchinson's. Each costs
        about one to two forward evaluations (twice that for a guided model).
    seconds
        Wall time of the run.

    Examples
    --------
    The ODE's log-likelihood of a few points under the exact three-dots mixture, beside
    the mixture's closed form:

    .. manim:: LikelihoodResultExample
        :save_last_frame:

        from manim_diffusion.analysis.likelihood import ode_log_likelihood
        from manim_diffusion.densities.mixture import GaussianMixture

        class LikelihoodResultExample(Scene):
            def construct(self):
                gm = GaussianMixture.three_dots()
                points = np.array([[0.0, 1.5], [1.0, -0.5], [-2.0, -1.0]])
                res = ode_log_likelihood(gm, points, steps=32, solver="heun")
                exact = gm.log_prob(points)
                rows = [f"x = {p}: ODE {a:.3f}, exact {b:.3f}"
                        for p, a, b in zip(points.tolist(), res.log_prob, exact)]
                rows.append(f"{res.nfe} forward and {res.backward} backward passes")
                self.add(Paragraph(*rows, font_size=26))
    """

    log_prob: np.ndarray
    prior_log_prob: np.ndarray
    delta: np.ndarray
    noise: np.ndarray
    t: float
    steps: int
    solver: str
    divergence: str
    nfe: int
    backward: int
    seconds: float

    @property
    def bits_per_dim(self) -> np.ndarray:
        """``-log_prob / (D log 2)``: the image models' yardstick, shape ``(N,)``."""
        dim = int(np.prod(self.noise.shape[1:]))
        return -self.log_prob / (dim * math.log(2.0))


def _check_solver(solver: str) -> None:
    if solver not in LIKELIHOOD_SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of: "
                         f"{', '.join(LIKELIHOOD_SOLVERS)}")


def _check_time(t: float) -> float:
    if isinstance(t, bool) or not isinstance(t, int | float | np.floating) or not 0 <= t <= 1:
        raise ValueError(f"t must be a library time in [0, 1], got {t!r}")
    return float(t)


def _rk_step(field: FlowDivergence, solver: str, x: torch.Tensor, t: float,
             h: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One explicit Runge-Kutta step of ``(x, int div)`` from ``t`` by ``h`` (any sign)."""
    nodes, rows, weights = _TABLEAUX[solver]
    ks: list[torch.Tensor] = []
    x_next, acc = x.clone(), torch.zeros(len(x), dtype=torch.float64, device=x.device)
    for c, row, b in zip(nodes, rows, weights, strict=True):
        xi = x
        for a, k in zip(row, ks, strict=False):
            if a:
                xi = xi + (h * a) * k
        v, div, _ = field(xi, t + c * h)
        ks.append(v)
        if b:
            x_next = x_next + (h * b) * v
            acc = acc + (h * b) * div
    return x_next, acc


def _prior_log_prob(model: Predictor, prior: Any, x: torch.Tensor) -> np.ndarray:
    if prior is None:
        return gaussian_prior_log_prob(model, x)
    if not callable(getattr(prior, "log_prob", None)):
        raise TypeError(f"prior must have a log_prob(x) method, got {type(prior).__name__}")
    out = prior.log_prob(x.numpy())
    out = out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
    return np.asarray(out, dtype=np.float64).reshape(len(x))


def _on(device: torch.device, x: torch.Tensor) -> torch.Tensor:
    """``x`` on the model's device, in float64 (float32 on MPS, which has no float64)."""
    return x.to(device, torch.float32 if device.type == "mps" else torch.float64)


def _progress(total: int, desc: str, progress: bool) -> Any:
    return tqdm(total=total, desc=desc, unit="step", delay=_PROGRESS_DELAY,
                disable=not progress, leave=False)


# ---------------------------------------------------------------- the solver
def ode_log_likelihood(
    model: Predictor,
    x: np.ndarray | torch.Tensor,
    t: float = 1.0,
    *,
    steps: int = 32,
    solver: str = "heun",
    divergence: str = "exact",
    probes: int = 1,
    seed: int = 0,
    batch_size: int = 4096,
    grid: str | None = None,
    prior: Any = None,
    threads: int | None = None,
    progress: bool = True,
) -> LikelihoodResult:
    """``log p_t(x)`` of ``model`` at points ``x``, through the probability-flow ODE.

    Each point is carried back from ``t`` to the noise (t = 0) by ``steps`` steps of
    ``solver`` on the model's velocity, while the divergence of the velocity is
    integrated along the way; ``log p_t(x)`` is the prior's log-density where the
    point lands minus that integral (the continuity equation).

    Parameters
    ----------
    model
        Any :class:`~manim_diffusion.core.prediction.Predictor`: a trained
        ``DiffusionModel`` of any objective, a ``GuidedModel``, or an exact
        ``GaussianMixture`` / ``DiagonalGaussian``.
    x
        The points, shape ``(N, *point)`` (``(N, 2)``, ``(N, 3)``, ``(N, 1, 28, 28)``).
    t
        The library time of the density, in ``[0, 1]``: 1 (the default) is the data's
        density, 0 the prior (no steps taken).
    steps
        Solver steps from ``t`` down to 0.
    solver
        One of :data:`LIKELIHOOD_SOLVERS`: ``"euler"`` (1 evaluation a step),
        ``"midpoint"``, ``"heun"`` (2) or ``"rk4"`` (4).
    divergence
        ``"exact"`` (autograd, for D up to :data:`MAX_EXACT_DIM`) or ``"hutchinson"``.
    probes
        Hutchinson's probes per evaluation (its variance falls as 1 / probes).
    seed
        Seeds Hutchinson's probes.
    batch_size
        Points integrated together (the memory of one autograd graph).
    grid
        Where the steps fall: one of :data:`~manim_diffusion.samplers.grids.GRIDS`, the
        grid on [0, 1] scaled to [0, t]. By default ``"logsnr"`` on a
        variance-preserving schedule (its velocity changes fast near both ends: on the
        three-dots mixture 32 Heun steps err 0.09 against 0.81 evenly spaced) and
        ``"uniform"`` on the rectified flow (0.07 against 0.20).
    prior
        The log-density at t = 0: by default :func:`gaussian_prior_log_prob`; any object
        with ``log_prob(points)`` (e.g. ``mixture.at(0.0)``, the exact one).
    threads
        Torch threads (one for small runs by default, as
        :func:`~manim_diffusion.core.threads.limited_threads` chooses).
    progress
        Show a progress bar when the run takes more than two seconds.

    Returns
    -------
    LikelihoodResult
        ``log_prob`` and its parts, the noise-end points and the evaluations spent.

    Examples
    --------
    The learned three-dots flow model's log-likelihood of its data, against the exact
    mixture's:

    .. manim:: OdeLogLikelihoodExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, load_pretrained
        from manim_diffusion.analysis.likelihood import ode_log_likelihood
        from manim_diffusion.densities.mixture import GaussianMixture

        class OdeLogLikelihoodExample(Scene):
            def construct(self):
                model = load_pretrained("three_dots_flow")
                gm = GaussianMixture.three_dots(schedule=model.schedule)
                points = gm.sample(400, seed=0)
                res = ode_log_likelihood(model, points, steps=16)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6.5, y_length=6.5)
                self.add(axes, DistributionCloud(points, axes=axes, radius=0.05,
                                                 values=res.log_prob))
                gap = abs(res.log_prob - gm.log_prob(points)).mean()
                self.add(Paragraph("colour: ODE log p", f"mean |ODE - exact| = {gap:.3f}",
                                   font_size=24).to_corner(UL))
    """
    t = _check_time(t)
    steps = check_count("steps", steps)
    batch_size = check_count("batch_size", batch_size)
    xt = checked_points(model, x)
    _check_solver(solver)
    check_divergence(divergence, probes, int(np.prod(xt.shape[1:])))
    times = _grid(model, t, steps, grid)
    field = FlowDivergence(model, divergence, int(probes), seed)
    device = model_device(model)
    started = _time.perf_counter()
    noise, delta = [], []
    with limited_threads(len(xt), threads), _progress(
            steps * math.ceil(len(xt) / batch_size), "log-likelihood", progress) as bar:
        for start in range(0, len(xt), batch_size):
            z, d = _solve_back(field, solver, _on(device, xt[start:start + batch_size]), times,
                               bar)
            noise.append(z.cpu())
            delta.append(d.cpu())
    z_all, d_all = torch.cat(noise), torch.cat(delta).numpy()
    prior_lp = _prior_log_prob(model, prior, z_all)
    batches = math.ceil(len(xt) / batch_size)
    return LikelihoodResult(
        log_prob=prior_lp - d_all, prior_log_prob=prior_lp, delta=d_all,
        noise=z_all.numpy(), t=t, steps=steps, solver=solver, divergence=divergence,
        nfe=field.forward // batches if t > 0 else 0,
        backward=field.backward // batches if t > 0 else 0,
        seconds=_time.perf_counter() - started)


def _grid(model: Predictor, t: float, steps: int, grid: str | None) -> np.ndarray:
    """The solver's times from ``t`` down to 0, ``steps + 1`` of them."""
    if grid is None:
        grid = "logsnr" if model.schedule.variance_preserving else "uniform"
    if grid not in GRIDS:
        raise ValueError(f"unknown time grid {grid!r}; choose one of: {', '.join(GRIDS)}")
    return t * time_grid(steps, model.schedule, grid).numpy()[::-1]


def _solve_back(field: FlowDivergence, solver: str, x: torch.Tensor, times: np.ndarray,
                bar: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Carry ``x`` along ``times`` (from t down to 0); the end points and ``int_0^t div``."""
    delta = torch.zeros(len(x), dtype=torch.float64, device=x.device)
    if times[0] == 0:
        return x, delta
    for k in range(len(times) - 1):
        h = float(times[k + 1] - times[k])
        x, acc = _rk_step(field, solver, x, float(times[k]), h)
        delta -= acc  # acc integrates from t down to 0: minus the integral from 0 up
        bar.update(1)
    return x, delta


# ------------------------------------------------------- along a sampling path
def log_density_along(
    path: Trajectory | np.ndarray,
    model: Predictor,
    times: np.ndarray | None = None,
    *,
    divergence: str = "exact",
    probes: int = 1,
    seed: int = 0,
    prior: Any = None,
    correct: bool = True,
    start_steps: int = 32,
    batch_size: int = 4096,
    threads: int | None = None,
    progress: bool = True,
) -> np.ndarray:
    """``log p_t`` of the points of a probability-flow path at every recorded time.

    Along the ODE's paths ``d/dt log p_t(x_t) = -div v(x_t, t)`` (the continuity
    equation): from the prior's log-density at the first row (t = 0), the divergence at
    every recorded point is integrated by the trapezoid rule between rows. A sampler's
    steps leave the exact ODE path a little, and along any path
    ``d/dt log p_t(x(t)) = -div v + score . (dx/dt - v)``: with ``correct`` the second
    term (the score comes with the velocity, at no extra cost) makes the answer the
    log-density at the recorded points themselves. On the exact three-dots mixture,
    DDIM's 100 first-order steps then end within 0.02 of the truth instead of 0.9; the
    score is not defined at the data end (sigma = 0), so the last step uses its
    start's alone. A path that starts later (a branched run) gets its first row from
    :func:`ode_log_likelihood` (``start_steps`` Heun steps).

    Parameters
    ----------
    path
        A :class:`~manim_diffusion.core.trajectory.Trajectory`, or points of shape
        ``(S+1, N, *point)`` with their ``times``.
    model
        The predictor whose ODE made the path.
    times
        Shape ``(S+1,)``, rising: the times of the rows (only with an array ``path``).
    divergence, probes, seed, prior, batch_size, threads, progress
        As for :func:`ode_log_likelihood`.
    correct
        Add the path's departure from the ODE (see above); False integrates the
        continuity equation alone.
    start_steps
        Steps of :func:`ode_log_likelihood` for a path that starts after t = 0.

    Returns
    -------
    numpy.ndarray
        Shape ``(S+1, N)``, float64: ``log p_{times[i]}`` at ``points[i]``, aligned with
        the trajectory's rows (``Trajectory.times``).

    Examples
    --------
    DDIM's path of a few hundred points under the exact mixture, each point coloured by
    its log-density as it flows:

    .. manim:: LogDensityAlongExample

        from manim_diffusion import DistributionCloud, sample
        from manim_diffusion.analysis.likelihood import log_density_along
        from manim_diffusion.densities.mixture import GaussianMixture

        class LogDensityAlongExample(Scene):
            def construct(self):
                gm = GaussianMixture.three_dots()
                run = sample(gm, "ddim", 40, n=300, seed=0)
                lp = log_density_along(run, gm)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6.5, y_length=6.5)
                t = ValueTracker(0.0)
                cloud = DistributionCloud(run, time=t, axes=axes, radius=0.05)
                cloud.add_updater(lambda c: c.set_values(
                    lp[int(round(t.get_value() * run.n_steps))], value_range=(-6, 0)))
                self.add(axes, cloud)
                self.play(t.animate.set_value(1.0), run_time=3)
    """
    traj = _as_path(path, times)
    xs = torch.as_tensor(traj.points, dtype=torch.float64)
    point = checked_points(model, xs[0], "path points")
    check_divergence(divergence, probes, int(np.prod(point.shape[1:])))
    t0 = float(traj.times[0])
    if t0 > 0:
        first = ode_log_likelihood(model, point, t0, steps=start_steps, divergence=divergence,
                                   probes=probes, seed=seed, batch_size=batch_size,
                                   prior=prior, threads=threads, progress=progress).log_prob
    else:
        first = _prior_log_prob(model, prior, point)
    field = FlowDivergence(model, divergence, int(probes), seed + 1)
    change = np.zeros((traj.n_steps, xs.shape[1]))
    n = xs.shape[1]
    with limited_threads(n, threads), _progress(
            len(traj.times) * math.ceil(n / batch_size), "log-density along", progress) as bar:
        for start in range(0, n, batch_size):
            cols = slice(start, start + batch_size)
            change[:, cols] = _path_change(field, xs[:, cols], traj.times, correct, bar)
    return np.concatenate([first[None], first[None] + np.cumsum(change, axis=0)])


def _as_path(path: Trajectory | np.ndarray, times: np.ndarray | None) -> Trajectory:
    if isinstance(path, Trajectory):
        if times is not None:
            raise ValueError("times come with the Trajectory: leave times=None")
        return path
    if times is None:
        raise ValueError("an array path needs its times=, shape (S+1,): or give a Trajectory")
    return Trajectory(times=np.asarray(times), points=np.asarray(path))


def _path_change(field: FlowDivergence, xs: torch.Tensor, times: np.ndarray, correct: bool,
                 bar: Any) -> np.ndarray:
    """The change of log p over each step of the paths ``xs`` ``(S+1, n, *point)``, ``(S, n)``."""
    device = model_device(field.model)
    change = np.zeros((len(times) - 1, xs.shape[1]))
    previous: tuple[torch.Tensor, ...] | None = None
    for i, t in enumerate(times):
        x = _on(device, xs[i])
        v, div, score = field(x, float(t))
        here = (x, v, div, score)
        if previous is not None:
            change[i - 1] = _step_change(previous, here, float(t - times[i - 1]), correct,
                                         float(t) < 1.0 - END_MARGIN)
        previous = here
        bar.update(1)
    return change


def _step_change(a: tuple[torch.Tensor, ...], b: tuple[torch.Tensor, ...], h: float,
                 correct: bool, b_has_score: bool) -> np.ndarray:
    """The trapezoid rule for log p over one step from row ``a`` to row ``b``."""
    (xa, va, da, sa), (xb, vb, db, sb) = a, b
    out = -0.5 * h * (da + db)
    if correct:
        dx = xb - xa
        ends = [(sa * (dx - h * va)).reshape(len(xa), -1).sum(1)]
        if b_has_score:
            ends.append((sb * (dx - h * vb)).reshape(len(xa), -1).sum(1))
        out = out + sum(ends) / len(ends)
    return out.double().cpu().numpy()
