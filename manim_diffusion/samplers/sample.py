"""The sampling loop: noise to data on a time grid, every step seen by callbacks.

Each sampler is a step from library time ``times[k]`` to ``times[k + 1]`` (its spec,
in :mod:`~manim_diffusion.samplers.registry`, says how to make it); :func:`sample`
runs it over a time grid from 0 (noise) to 1 (data) and records the points, the
model's x0-hat per step and the number of network evaluations. All of them work on
any :class:`~manim_diffusion.core.prediction.Predictor` (a trained model of any
objective, a guided model or an exact Gaussian mixture) on any path (the
variance-preserving schedules and the rectified flow).
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from ..core.devices import model_device
from ..core.prediction import PointDim, Predictor, evals_per_call
from ..core.threads import SINGLE_THREAD_POINTS, limited_threads
from ..core.trajectory import Trajectory
from .budget import check_memory
from .grids import GRIDS, time_grid
from .inputs import as_points, check_count, prepare_model, start_shape
from .record import TrajectoryRecorder
from .registry import DEFAULT_STEPS, SAMPLERS, check_options, get_sampler
from .step import Noise, Step, StepContext, draw_noise

__all__ = ["SAMPLERS", "DEFAULT_STEPS", "GRIDS", "SINGLE_THREAD_POINTS", "sample", "time_grid"]

#: What a per-step callback is given: the step's info dict.
Callback = Callable[[dict[str, Any]], object]


def _run_steps(
    step: Step, ctx: StepContext, x: torch.Tensor, first: int, callbacks: Sequence[Callback]
) -> int:
    """Step ``x`` from grid index ``first`` to the data; the network evaluations spent."""
    steps = len(ctx.times) - 1
    evals = evals_per_call(ctx.model)
    calls = 0
    for k in range(first, steps):
        x_next, pred, used = step(x, k, k == steps - 1)
        calls += used
        info = {
            "x": x, "i": k, "t": float(ctx.times[k]), "t_next": float(ctx.times[k + 1]),
            "denoised": pred.x0, "prediction": pred, "x_next": x_next, "nfe": calls * evals,
        }
        for callback in callbacks:
            callback(info)
        x = x_next
    return calls * evals


def _check_start_step(start_step: int, steps: int, x_start: object) -> int:
    if isinstance(start_step, bool) or not 0 <= int(start_step) < steps:
        raise ValueError(f"start_step must lie in [0, {steps - 1}], got {start_step!r}")
    if start_step and x_start is None:
        raise ValueError("start_step needs x_start: the points at that step")
    return int(start_step)


@torch.no_grad()
def sample(
    model: Predictor,
    sampler: str = "ddpm",
    steps: int | None = None,
    *,
    n: int = 2000,
    seed: int = 0,
    x_start: np.ndarray | torch.Tensor | None = None,
    generator: Noise | None = None,
    record_predictions: bool = True,
    dim: PointDim = None,
    labels: int | np.ndarray | torch.Tensor | None = None,
    guidance: float = 1.0,
    grid: str | None = None,
    precision: str = "float32",
    threads: int | None = None,
    start_step: int = 0,
    callback: Callback | None = None,
    max_memory: int | None = None,
    **options: Any,
) -> Trajectory:
    """Sample ``n`` points from ``model`` and record the whole run.

    Parameters
    ----------
    model
        A trained :class:`~manim_diffusion.core.model.DiffusionModel` or any
        :class:`~manim_diffusion.core.prediction.Predictor` (e.g. an exact Gaussian
        mixture). The only arguments that may be given by position are ``model``,
        ``sampler`` and ``steps``; the rest are keyword-only.
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
    dim
        The dimension (or shape) of the starting noise's points when ``x_start`` is
        not given: the model's ``dim`` by default (2 if it does not say).
    generator
        A torch generator for the noise draws (shared noise between runs), or one
        generator per point: each point then draws its noise from its own, so the
        batch samples what each point would alone with its generator.
    record_predictions
        Keep the model's x0-hat of every step (``predictions``); False halves the
        memory a run holds.
    labels
        Class of every sample (an int or shape ``(n,)``) for a class-conditional
        model; sampled with classifier-free guidance at scale ``guidance``.
    guidance
        Classifier-free guidance scale: 0 is the unconditional model, 1 the plain
        conditional one, larger values push samples further into their class. Without
        ``labels`` it must stay 1 (it would mean nothing: refused).
    grid
        The time grid, one of :data:`GRIDS`; "logsnr" for DPM-Solver++ by default,
        "uniform" for the rest.
    precision
        "float32", or "bfloat16" to run a trained net in bfloat16 (about twice as
        fast on CPUs with bfloat16 units, same sample quality on the 2D models; on
        a CPU without them it is far slower: 9x on a 2-core AMD EPYC).
    start_step
        Start part-way: ``x_start`` is the state at the grid's time index
        ``start_step`` (e.g. a point of another run, to branch from it), and the run
        covers the grid from there to the data.
    threads
        CPU threads for the run (torch's setting is restored afterwards). By default
        1 for up to :data:`SINGLE_THREAD_POINTS` points, where a second thread gains
        little and, on a busy machine, costs up to 30x in spinning; torch's setting
        above that.
    callback
        Called after every step with a dict (as in k-diffusion): ``x`` (the points
        at ``t``), ``i`` (the grid index of ``t``), ``t`` and ``t_next`` (library
        times), ``denoised`` (x0-hat at ``t``), ``prediction`` (the whole
        :class:`~manim_diffusion.core.prediction.Prediction`), ``x_next`` (the
        points at ``t_next``) and ``nfe`` (network evaluations so far). The tensors
        are the run's own: copy them to keep them, never change them. The returned
        Trajectory is recorded by such a callback.
    max_memory
        The most bytes the run may hold (points and x0-hat at every step, and the
        time grid); half the machine's memory, at most 8 GiB, by default. A bigger run
        is refused before anything is allocated.
    **options
        The sampler's own options (each sampler's spec lists them, see
        :data:`~manim_diffusion.samplers.registry.SAMPLER_SPECS`): ``eta``, DDIM's
        stochasticity in [0, 1] (DDPM is eta = 1); ``langevin_steps`` (5) and
        ``langevin_snr`` (0.3), the steps per noise level and the step size's
        signal-to-noise ratio of ``"langevin"``. An option of another sampler is
        refused.

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
    spec = get_sampler(sampler)
    steps = check_count("steps", spec.default_steps if steps is None else steps)
    first = _check_start_step(start_step, steps, x_start)
    options = {name: value for name, value in options.items() if value is not None}
    check_options(spec, options)
    if threads is not None:
        check_count("threads", threads)
    x = as_points(x_start)
    shape = start_shape(model, x, n, dim)
    check_memory(shape, steps - first + 1, steps + 1, record_predictions, max_memory)
    model, label_array = prepare_model(model, labels, guidance, precision, shape[0])
    gen = generator if generator is not None else torch.Generator().manual_seed(seed)
    if x is None:
        x = draw_noise(shape, gen)  # on the CPU: the same noise whatever the device
    elif not isinstance(gen, torch.Generator) and len(gen) != x.shape[0]:
        raise ValueError(f"{len(gen)} generators for {x.shape[0]} points: give one per point")
    x = x.to(model_device(model))  # the run happens where the model's weights are
    grid = grid or spec.default_grid
    ctx = StepContext.on_grid(model, time_grid(steps, model.schedule, grid), gen)
    step = spec.make_step(ctx, **options)
    recorder = TrajectoryRecorder(x, first, steps, record_predictions)
    started = _time.perf_counter()
    with limited_threads(shape[0], threads):
        nfe = _run_steps(step, ctx, x, first, [recorder] + ([callback] if callback else []))
    recorder.finish()
    meta = {"seconds": f"{_time.perf_counter() - started:.3f}", "seed": str(seed),
            "grid": grid, "precision": precision}
    if labels is not None:
        meta["guidance"] = f"{guidance:g}"
    return Trajectory(
        times=ctx.times.numpy()[first:],
        points=recorder.points.numpy(),
        steps=np.arange(steps, -1, -1)[first:],
        predictions=None if recorder.predictions is None else recorder.predictions.numpy(),
        labels=label_array,
        sampler=step.label,
        nfe=nfe,
        meta=meta,
    )
