"""Samplers that turn noise into data and record every step as a Trajectory.

Each sampler is one step function from library time ``times[k]`` to ``times[k + 1]``;
:func:`sample` runs it over a time grid from 0 (noise) to 1 (data) and records the
points, the model's x0-hat per step and the number of network evaluations. All of
them work on any :class:`~manim_diffusion.core.model.Predictor` (a trained
model of any objective, a guided model or an exact Gaussian mixture) on any path
(the variance-preserving schedules and the rectified flow).
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..core.model import Prediction, Predictor, evals_per_call
from ..core.schedules import Schedule
from ..core.threads import SINGLE_THREAD_POINTS, limited_threads
from ..core.trajectory import Trajectory

__all__ = ["SAMPLERS", "DEFAULT_STEPS", "GRIDS", "SINGLE_THREAD_POINTS", "sample", "time_grid"]

#: Sampler names and what they do.
SAMPLERS: dict[str, str] = {
    "ddpm": "DDPM ancestral sampling (stochastic; DDIM with eta = 1)",
    "ddim": "DDIM (deterministic with eta = 0, the default; eta in [0, 1])",
    "euler": "probability-flow ODE, Euler steps (flow matching's Euler on a flow model)",
    "heun": "probability-flow ODE, Heun's second-order steps (Euler on the last)",
    "midpoint": "probability-flow ODE, explicit midpoint steps (flow matching's midpoint)",
    "sde": "reverse-time SDE, Euler-Maruyama steps (stochastic)",
    "dpm++2m": "DPM-Solver++(2M): second-order multistep on x0-hat in log-SNR",
    "langevin": "annealed Langevin dynamics: `langevin_steps` score steps per noise level",
}

#: The usual step count of each sampler.
DEFAULT_STEPS: dict[str, int] = {
    "ddpm": 1000,
    "ddim": 50,
    "euler": 100,
    "heun": 50,
    "midpoint": 50,
    "sde": 1000,
    "dpm++2m": 20,
    "langevin": 100,
}

#: Time grids: even in library time, or even in log-SNR (DPM-Solver's choice).
GRIDS: dict[str, str] = {
    "uniform": "steps evenly spaced in library time",
    "logsnr": "steps evenly spaced in half log-SNR, log(alpha / sigma), between the ends",
}


def time_grid(steps: int, schedule: Schedule | None = None, kind: str = "uniform") -> torch.Tensor:
    """``steps + 1`` library times rising from 0 (noise) to 1 (data).

    ``kind="logsnr"`` spaces the inner times evenly in log-SNR of ``schedule``
    (between its values at ``1 / steps`` and ``1 - 1 / (4 steps)``), which puts more
    steps near the data, where the paths bend.

    Parameters
    ----------
    steps
        Number of steps; the grid has ``steps + 1`` times.
    schedule
        The :class:`~manim_diffusion.core.schedules.Schedule` whose log-SNR spaces a
        ``"logsnr"`` grid (not needed for ``"uniform"``).
    kind
        One of :data:`GRIDS`: ``"uniform"`` or ``"logsnr"``.

    Examples
    --------
    .. manim:: TimeGridExample
        :save_last_frame:

        from manim_diffusion import get_schedule, time_grid

        class TimeGridExample(Scene):
            def construct(self):
                for row, kind in enumerate(["uniform", "logsnr"]):
                    times = time_grid(20, get_schedule("linear"), kind=kind)
                    line = NumberLine(x_range=[0, 1, 0.25], length=8).shift(1.5 * RIGHT)
                    line.shift((1 - 2 * row) * UP)
                    dots = VGroup(*(Dot(line.n2p(float(t)), radius=0.06, color=YELLOW)
                                    for t in times))
                    label = Text(f'kind="{kind}"', font_size=28).next_to(line, LEFT, buff=0.4)
                    self.add(line, dots, label)
                self.add(Text("t = 0: noise", font_size=24).move_to([-2.5, -2, 0]),
                         Text("t = 1: data", font_size=24).move_to([5.5, -2, 0]))
    """
    if kind not in GRIDS:
        raise ValueError(f"unknown time grid {kind!r}; choose one of: {', '.join(GRIDS)}")
    uniform = torch.linspace(0.0, 1.0, steps + 1, dtype=torch.float64)
    if kind == "uniform" or steps < 3:
        return uniform
    if schedule is None:
        raise ValueError("a log-SNR grid needs the schedule")
    # invert log-SNR (monotone in t) on a fine table
    fine = torch.linspace(0.0, 1.0, 20001, dtype=torch.float64)[1:-1]
    lam = schedule.log_snr(fine)
    lo = float(schedule.log_snr(1.0 / steps))
    hi = float(schedule.log_snr(1.0 - 0.25 / steps))
    targets = torch.linspace(lo, hi, steps - 1, dtype=torch.float64)
    inner = np.interp(targets.numpy(), lam.numpy(), fine.numpy())
    return torch.cat([uniform[:1], torch.as_tensor(inner), uniform[-1:]])


@dataclass
class _Run:
    """What every step function needs: the model, the grid and its coefficients."""

    model: Predictor
    times: torch.Tensor
    alphas: torch.Tensor
    sigmas: torch.Tensor
    lam: torch.Tensor  # log(alpha / sigma): DPM-Solver's time
    g2: torch.Tensor  # g^2 of the reverse SDE
    gen: torch.Generator
    eta: float
    langevin_steps: int
    langevin_snr: float
    prev_x0: torch.Tensor | None = None

    def predict(self, x: torch.Tensor, t: float) -> Prediction:
        return self.model.predict(x, t)

    def noise(self, x: torch.Tensor) -> torch.Tensor:
        return torch.randn(x.shape, generator=self.gen)


#: What a step gives: new x, the prediction at times[k], network evaluations spent.
StepOut = tuple[torch.Tensor, Prediction, int]
#: A step from times[k] to times[k + 1].
StepFn = Callable[[_Run, torch.Tensor, int, bool], StepOut]


def _step_ddim(run: _Run, x: torch.Tensor, k: int, last: bool) -> StepOut:
    """Generalised DDIM: ``x_b = alpha_b x0 + sqrt(sigma_b^2 - c^2) eps + c z``.

    ``c^2 = eta^2 sigma_b^2 (1 - SNR_a / SNR_b)``; eta = 1 is DDPM's posterior.
    """
    pred = run.predict(x, float(run.times[k]))
    alpha_b, sigma_b = float(run.alphas[k + 1]), float(run.sigmas[k + 1])
    snr_ratio = math.exp(2.0 * float(run.lam[k] - run.lam[k + 1]))  # 0 where alpha_a = 0
    c2 = run.eta**2 * sigma_b**2 * max(0.0, 1.0 - snr_ratio)
    out = alpha_b * pred.x0 + math.sqrt(max(sigma_b**2 - c2, 0.0)) * pred.eps
    if c2 > 0 and not last:
        out = out + math.sqrt(c2) * run.noise(x)
    return out, pred, 1


def _step_euler(run: _Run, x: torch.Tensor, k: int, last: bool) -> StepOut:
    pred = run.predict(x, float(run.times[k]))
    return x + float(run.times[k + 1] - run.times[k]) * pred.velocity, pred, 1


def _step_heun(run: _Run, x: torch.Tensor, k: int, last: bool) -> StepOut:
    ta, tb = float(run.times[k]), float(run.times[k + 1])
    pred = run.predict(x, ta)
    x_euler = x + (tb - ta) * pred.velocity
    if last:  # the velocity at the data end is not defined for every model
        return x_euler, pred, 1
    v2 = run.predict(x_euler, tb).velocity
    return x + 0.5 * (tb - ta) * (pred.velocity + v2), pred, 2


def _step_midpoint(run: _Run, x: torch.Tensor, k: int, last: bool) -> StepOut:
    ta, tb = float(run.times[k]), float(run.times[k + 1])
    pred = run.predict(x, ta)
    x_mid = x + 0.5 * (tb - ta) * pred.velocity
    return x + (tb - ta) * run.predict(x_mid, 0.5 * (ta + tb)).velocity, pred, 2


def _step_sde(run: _Run, x: torch.Tensor, k: int, last: bool) -> StepOut:
    """Euler-Maruyama on ``dx = (v + g^2 score / 2) dt + g dW``.

    ``v`` is the probability-flow velocity, so this is the reverse SDE of the
    forward process. Where ``g^2`` is infinite (the flow path at t = 0, where
    alpha = 0) the step is a plain ODE step.
    """
    ta, tb = float(run.times[k]), float(run.times[k + 1])
    pred = run.predict(x, ta)
    dt = tb - ta
    g2 = float(run.g2[k])
    if not math.isfinite(g2):
        return x + dt * pred.velocity, pred, 1
    x = x + dt * (pred.velocity + 0.5 * g2 * pred.score)
    if not last:
        x = x + math.sqrt(g2 * dt) * run.noise(x)
    return x, pred, 1


def _step_dpmpp_2m(run: _Run, x: torch.Tensor, k: int, last: bool) -> StepOut:
    """DPM-Solver++(2M) (Lu et al., 2022): exact in the linear part, x0-hat extrapolated."""
    pred = run.predict(x, float(run.times[k]))
    prev, run.prev_x0 = run.prev_x0, pred.x0
    if last:  # lambda = inf at the data end: the step lands on x0-hat
        return pred.x0, pred, 1
    lam_a, lam_b = float(run.lam[k]), float(run.lam[k + 1])
    d = pred.x0
    if prev is not None and math.isfinite(lam_a) and math.isfinite(float(run.lam[k - 1])):
        r = (lam_a - float(run.lam[k - 1])) / (lam_b - lam_a)
        d = (1 + 0.5 / r) * pred.x0 - (0.5 / r) * prev
    alpha_b, sigma_b = float(run.alphas[k + 1]), float(run.sigmas[k + 1])
    if math.isfinite(lam_a):
        x = (sigma_b / float(run.sigmas[k])) * x - alpha_b * math.expm1(lam_a - lam_b) * d
    else:  # alpha_a = 0: the step is exact DDIM, sigma_b eps-hat + alpha_b x0-hat
        x = sigma_b * pred.eps + alpha_b * d
    return x, pred, 1


def _step_langevin(run: _Run, x: torch.Tensor, k: int, last: bool) -> StepOut:
    """Annealed Langevin (Song and Ermon, 2019) on the marginal at ``times[k + 1]``.

    ``langevin_steps`` steps ``x += e score + sqrt(2 e) z`` with the step size
    ``e = 2 (snr sigma)^2`` tied to the noise level, as in the predictor-corrector
    samplers of Song et al. (2021). The last step (to the data, where the score is
    not defined) is Tweedie's denoiser: x0-hat at the last noise level.
    """
    if last:
        final = run.predict(x, float(run.times[k]))
        return final.x0, final, 1
    tb = float(run.times[k + 1])
    sigma = float(run.sigmas[k + 1])
    step = 2.0 * (run.langevin_snr * sigma) ** 2
    pred: Prediction | None = None
    for _ in range(run.langevin_steps):
        p = run.predict(x, tb)
        if pred is None:
            pred = p
        x = x + step * p.score + math.sqrt(2.0 * step) * run.noise(x)
    assert pred is not None
    return x, pred, run.langevin_steps


_STEPS: dict[str, StepFn] = {
    "ddpm": _step_ddim,
    "ddim": _step_ddim,
    "euler": _step_euler,
    "heun": _step_heun,
    "midpoint": _step_midpoint,
    "sde": _step_sde,
    "dpm++2m": _step_dpmpp_2m,
    "langevin": _step_langevin,
}


def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _starting_points(
    x_start: np.ndarray | torch.Tensor | None, n: int, dim: int, gen: torch.Generator
) -> torch.Tensor:
    if x_start is None:
        return torch.randn((_check_count("n", n), dim), generator=gen)
    x = torch.as_tensor(np.asarray(x_start, dtype=np.float32)).clone()
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"x_start must have shape (n, dim) with n >= 1, got {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("x_start has NaN or infinite values")
    return x


def _model_dim(model: Predictor) -> int | None:
    """The point dimension a trained model or a Gaussian mixture works on, if known."""
    model = getattr(model, "model", model)  # a GuidedModel wraps its DiffusionModel
    net_config = getattr(getattr(model, "net", None), "config", None)
    if isinstance(net_config, dict) and "dim" in net_config:
        return int(net_config["dim"])
    means = getattr(model, "means", None)
    return int(means.shape[1]) if means is not None and means.ndim == 2 else None


@torch.no_grad()
def sample(
    model: Predictor,
    sampler: str = "ddpm",
    steps: int | None = None,
    n: int = 2000,
    seed: int = 0,
    x_start: np.ndarray | torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    eta: float | None = None,
    record_predictions: bool = True,
    dim: int = 2,
    labels: int | np.ndarray | torch.Tensor | None = None,
    guidance: float = 1.0,
    grid: str | None = None,
    langevin_steps: int = 5,
    langevin_snr: float = 0.3,
    precision: str = "float32",
    threads: int | None = None,
    start_step: int = 0,
) -> Trajectory:
    """Sample ``n`` points from ``model`` and record the whole run.

    Parameters
    ----------
    model
        A trained :class:`~manim_diffusion.core.model.DiffusionModel` or any
        predictor (e.g. an exact Gaussian mixture).
    sampler
        One of :data:`SAMPLERS`.
    steps
        Number of steps; :data:`DEFAULT_STEPS` by default.
    n
        Number of samples (ignored when ``x_start`` is given).
    seed
        Seeds the starting noise and every noise draw, unless ``generator`` is given.
    x_start
        Starting points at t = 0, shape ``(n, dim)``: give the same to two samplers to
        compare them on the same noise.
    generator
        A torch generator for the noise draws (shared noise between runs).
    eta
        DDIM's stochasticity in [0, 1]; DDPM is eta = 1.
    labels
        Class of every sample (an int or shape ``(n,)``) for a class-conditional
        model; sampled with classifier-free guidance at scale ``guidance``.
    guidance
        Classifier-free guidance scale: 0 is the unconditional model, 1 the plain
        conditional one, larger values push samples further into their class.
    grid
        The time grid, one of :data:`GRIDS`; "logsnr" for DPM-Solver++ by default,
        "uniform" for the rest.
    langevin_steps, langevin_snr
        Steps per noise level and the step size's signal-to-noise ratio for
        ``sampler="langevin"``.
    precision
        "float32", or "bfloat16" to run a trained net in bfloat16 (about twice as
        fast on CPUs with bfloat16 units, same sample quality on the 2D models).
    start_step
        Start part-way: ``x_start`` is the state at the grid's time index
        ``start_step`` (e.g. a point of another run, to branch from it), and the run
        covers the grid from there to the data.
    threads
        CPU threads for the run (torch's setting is restored afterwards). By default
        1 for up to :data:`SINGLE_THREAD_POINTS` points, where a second thread gains
        little and, on a busy machine, costs up to 30x in spinning; torch's setting
        above that.

    Returns
    -------
    Trajectory
        ``times`` from 0 to 1, ``points`` of shape ``(steps + 1, n, dim)``,
        ``steps`` the sampler's integer step labels (T at noise down to 0 at data),
        ``predictions`` the x0-hat of each step, ``nfe`` the network evaluations.

    Examples
    --------
    The samples of a shipped model and the paths of a few of them:

    .. manim:: SampleExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, TrajectoryTracer, load_pretrained, sample

        class SampleExample(Scene):
            def construct(self):
                run = sample(load_pretrained("smiley_ddpm"), "ddim", steps=30, n=2000, seed=0)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7.5, y_length=7.5)
                self.add(TrajectoryTracer(run, time=1.0, axes=axes, n_paths=40,
                                          stroke_width=1.5),
                         DistributionCloud(run, time=1.0, axes=axes, radius=0.02))
                self.add(Text(f"{run.sampler}, {run.nfe} network calls",
                              font_size=26).to_corner(UL))
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of: {', '.join(SAMPLERS)}")
    steps = _check_count("steps", DEFAULT_STEPS[sampler] if steps is None else steps)
    if isinstance(start_step, bool) or not 0 <= int(start_step) < steps:
        raise ValueError(f"start_step must lie in [0, {steps - 1}], got {start_step!r}")
    if start_step and x_start is None:
        raise ValueError("start_step needs x_start: the points at that step")
    if sampler != "ddim" and eta is not None:
        raise ValueError(f"eta is DDIM's setting; {sampler} takes none (ddpm is DDIM with eta = 1)")
    eta = 1.0 if sampler == "ddpm" else 0.0 if eta is None else float(eta)
    if not 0.0 <= eta <= 1.0:
        raise ValueError(f"eta must lie in [0, 1], got {eta}")
    langevin_steps = _check_count("langevin_steps", langevin_steps)
    if not langevin_snr > 0:
        raise ValueError(f"langevin_snr must be positive, got {langevin_snr}")
    gen = generator if generator is not None else torch.Generator().manual_seed(seed)
    x = _starting_points(x_start, n, dim, gen)
    model_dim = _model_dim(model)
    if model_dim is not None and x.shape[1] != model_dim:
        raise ValueError(
            f"the model works on {model_dim}D points, the starting points are "
            f"{x.shape[1]}D (x_start of shape (n, {model_dim}), or dim={model_dim})"
        )
    if threads is not None:
        _check_count("threads", threads)
    if precision != "float32":
        if not hasattr(model, "to_precision"):
            raise ValueError(f"precision {precision!r} needs a trained DiffusionModel")
        model = model.to_precision(precision)
    label_array = None
    if labels is not None:
        if not hasattr(model, "guided"):
            raise ValueError("labels need a class-conditional DiffusionModel")
        lab = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        model = model.guided(lab, guidance)
        label_array = np.broadcast_to(lab.numpy(), (x.shape[0],)).copy()
    grid = grid or ("logsnr" if sampler == "dpm++2m" else "uniform")
    schedule = model.schedule
    times = time_grid(steps, schedule, grid)
    alphas, sigmas = schedule.alpha(times), schedule.sigma(times)
    _, g2 = schedule.drift_diffusion(times)
    run = _Run(
        model=model,
        times=times,
        alphas=alphas,
        sigmas=sigmas,
        lam=torch.log(alphas) - torch.log(sigmas),
        g2=g2,
        gen=gen,
        eta=eta,
        langevin_steps=langevin_steps,
        langevin_snr=float(langevin_snr),
    )
    step_fn = _STEPS[sampler]
    first = int(start_step)
    points = torch.empty((steps - first + 1, *x.shape), dtype=torch.float32)
    preds = torch.empty_like(points) if record_predictions else None
    points[0] = x
    started = _time.perf_counter()
    calls = 0
    with limited_threads(x.shape[0], threads):
        for k in range(first, steps):
            x, pred, used = step_fn(run, x, k, k == steps - 1)
            calls += used
            if preds is not None:
                preds[k - first] = pred.x0
            points[k - first + 1] = x
    if preds is not None:
        preds[-1] = x
    name = f"ddim(eta={eta:g})" if sampler == "ddim" and eta > 0 else sampler
    meta = {
        "seconds": f"{_time.perf_counter() - started:.3f}",
        "seed": str(seed),
        "grid": grid,
        "precision": precision,
    }
    if labels is not None:
        meta["guidance"] = f"{guidance:g}"
    return Trajectory(
        times=times.numpy()[first:],
        points=points.numpy(),
        steps=np.arange(steps, -1, -1)[first:],
        predictions=None if preds is None else preds.numpy(),
        labels=label_array,
        sampler=name,
        nfe=calls * evals_per_call(model),
        meta=meta,
    )
