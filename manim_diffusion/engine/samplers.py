"""Samplers that turn noise into data and record every step as a Trajectory."""

from __future__ import annotations

import time as _time

import numpy as np
import torch

from .objectives import Predictor
from .trajectory import Trajectory

__all__ = ["SAMPLERS", "DEFAULT_STEPS", "sample", "time_grid"]

#: Sampler names and what they do.
SAMPLERS: dict[str, str] = {
    "ddpm": "DDPM ancestral sampling (stochastic; DDIM with eta = 1)",
    "ddim": "DDIM (deterministic with eta = 0, the default; eta in [0, 1])",
    "euler": "probability-flow ODE, Euler steps in library time",
    "heun": "probability-flow ODE, Heun's second-order steps (Euler on the last)",
    "sde": "reverse-time SDE, Euler-Maruyama steps (stochastic)",
    "dpm++2m": "DPM-Solver++(2M): second-order multistep on x0-hat in log-SNR",
}

#: The usual step count of each sampler.
DEFAULT_STEPS: dict[str, int] = {
    "ddpm": 1000,
    "ddim": 50,
    "euler": 100,
    "heun": 50,
    "sde": 1000,
    "dpm++2m": 20,
}


def time_grid(steps: int) -> torch.Tensor:
    """``steps + 1`` library times rising evenly from 0 (noise) to 1 (data)."""
    return torch.linspace(0.0, 1.0, steps + 1, dtype=torch.float64)


def _ddim_step(
    x: torch.Tensor,
    pred_x0: torch.Tensor,
    pred_eps: torch.Tensor,
    alpha_b: float,
    sigma_b: float,
    snr_ratio: float,
    eta: float,
    noise: torch.Tensor | None,
) -> torch.Tensor:
    """One generalised DDIM step from time a to the cleaner time b.

    ``x_b = alpha_b x0 + sqrt(sigma_b^2 - c^2) eps + c z`` with
    ``c^2 = eta^2 sigma_b^2 (1 - SNR_a / SNR_b)``; eta = 1 is DDPM's posterior.
    """
    c2 = eta**2 * sigma_b**2 * max(0.0, 1.0 - snr_ratio)
    out = alpha_b * pred_x0 + np.sqrt(max(sigma_b**2 - c2, 0.0)) * pred_eps
    if c2 > 0 and noise is not None:
        out = out + np.sqrt(c2) * noise
    return out


def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


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
) -> Trajectory:
    """Sample ``n`` points from ``model`` and record the whole run.

    Parameters
    ----------
    model
        A trained :class:`~manim_diffusion.engine.objectives.DiffusionModel` or any
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

    Returns
    -------
    Trajectory
        ``times`` from 0 to 1, ``points`` of shape ``(steps + 1, n, dim)``,
        ``steps`` the sampler's integer step labels (T at noise down to 0 at data),
        ``predictions`` the x0-hat of each step.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of: {', '.join(SAMPLERS)}")
    steps = _check_count("steps", DEFAULT_STEPS[sampler] if steps is None else steps)
    if sampler != "ddim" and eta is not None:
        raise ValueError(f"eta is DDIM's setting; {sampler} takes none (ddpm is DDIM with eta = 1)")
    eta = 1.0 if sampler == "ddpm" else 0.0 if eta is None else float(eta)
    if not 0.0 <= eta <= 1.0:
        raise ValueError(f"eta must lie in [0, 1], got {eta}")
    gen = generator if generator is not None else torch.Generator().manual_seed(seed)
    if x_start is None:
        n = _check_count("n", n)
        x = torch.randn((n, dim), generator=gen)
    else:
        x = torch.as_tensor(np.asarray(x_start), dtype=torch.float32).clone()
        if x.ndim != 2:
            raise ValueError(f"x_start must have shape (n, dim), got {tuple(x.shape)}")
        if not torch.isfinite(x).all():
            raise ValueError("x_start has NaN or infinite values")
    times = time_grid(steps)
    schedule = model.schedule
    alphas = schedule.alpha(times)
    sigmas = schedule.sigma(times)
    log_snr = schedule.log_snr(times)
    lam = 0.5 * log_snr  # log(alpha / sigma), DPM-Solver's time
    beta = schedule.d_log_alpha_bar(times)  # d log alpha_bar / dt
    d_alpha = 0.5 * alphas * beta
    d_sigma = -alphas * d_alpha / sigmas  # inf at t = 1, which no step evaluates

    def velocity(x: torch.Tensor, i: int):
        """Probability-flow velocity dx/dt = alpha' x0-hat + sigma' eps-hat at times[i]."""
        pred = model.predict(x, float(times[i]))
        return float(d_alpha[i]) * pred.x0 + float(d_sigma[i]) * pred.eps, pred

    points = torch.empty((steps + 1, *x.shape), dtype=torch.float32)
    preds = torch.empty_like(points) if record_predictions else None
    points[0] = x
    started = _time.perf_counter()
    nfe = 0
    prev_x0: torch.Tensor | None = None
    for k in range(steps):
        ta, tb = float(times[k]), float(times[k + 1])
        dt = tb - ta
        last = k == steps - 1
        if sampler in ("ddpm", "ddim"):
            pred = model.predict(x, ta)
            snr_ratio = float(torch.exp(log_snr[k] - log_snr[k + 1]))
            noise = torch.randn(x.shape, generator=gen) if eta > 0 and not last else None
            x = _ddim_step(
                x,
                pred.x0,
                pred.eps,
                float(alphas[k + 1]),
                float(sigmas[k + 1]),
                snr_ratio,
                eta,
                noise,
            )
            nfe += 1
        elif sampler in ("euler", "heun"):
            v, pred = velocity(x, k)
            x_euler = x + dt * v
            nfe += 1
            if sampler == "heun" and not last:
                v2, _ = velocity(x_euler, k + 1)
                nfe += 1
                x = x + 0.5 * dt * (v + v2)
            else:
                x = x_euler
        elif sampler == "sde":
            pred = model.predict(x, ta)
            nfe += 1
            b = float(beta[k])
            x = x + dt * (0.5 * b * x + b * pred.score)
            if not last:
                x = x + np.sqrt(b * dt) * torch.randn(x.shape, generator=gen)
        else:  # dpm++2m
            pred = model.predict(x, ta)
            nfe += 1
            if last:
                x = pred.x0  # lambda = inf at the data end: first order lands on x0-hat
            else:
                h = float(lam[k + 1] - lam[k])
                d = pred.x0
                if prev_x0 is not None:
                    r = float(lam[k] - lam[k - 1]) / h
                    d = (1 + 0.5 / r) * pred.x0 - (0.5 / r) * prev_x0
                ratio = float(sigmas[k + 1] / sigmas[k])
                x = ratio * x - float(alphas[k + 1]) * float(np.expm1(-h)) * d
            prev_x0 = pred.x0
        if preds is not None:
            preds[k] = pred.x0
        points[k + 1] = x
    if preds is not None:
        preds[-1] = x
    return Trajectory(
        times=times.numpy(),
        points=points.numpy(),
        steps=np.arange(steps, -1, -1),
        predictions=None if preds is None else preds.numpy(),
        sampler=f"ddim(eta={eta:g})" if sampler == "ddim" and eta > 0 else sampler,
        nfe=nfe,
        meta={"seconds": f"{_time.perf_counter() - started:.3f}", "seed": str(seed)},
    )
