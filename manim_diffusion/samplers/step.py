"""What a sampler's step gets (the run's grid, model and noise) and what it gives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

from ..core.prediction import Prediction, Predictor

__all__ = ["Noise", "Step", "StepContext", "StepOut", "draw_noise"]

#: What a step gives: new x, the prediction at times[k], network evaluations spent.
StepOut = tuple[torch.Tensor, Prediction, int]

#: Where a run's noise comes from: one generator, or one per point (row).
Noise = torch.Generator | Sequence[torch.Generator]


def draw_noise(shape: Sequence[int], gen: Noise) -> torch.Tensor:
    """Standard normal noise of ``shape`` from one generator, or one per row.

    With a sequence of generators, row ``i`` is drawn from ``gen[i]`` alone, as a
    one-point run with that generator would draw it: a batch of such rows samples
    what each row would alone (how :func:`~manim_diffusion.analysis.branching.branch`
    runs all the branches of one branch time together).
    """
    if isinstance(gen, torch.Generator):
        return torch.randn(tuple(shape), generator=gen)
    if len(gen) != shape[0]:
        raise ValueError(f"{len(gen)} generators for {shape[0]} points: give one per point")
    row = (1, *shape[1:])
    return torch.cat([torch.randn(row, generator=g) for g in gen])


@dataclass(frozen=True)
class StepContext:
    """What every step of one run reads: the model, the grid and its coefficients.

    Parameters
    ----------
    model
        The predictor, guidance and precision already applied.
    times
        The grid, ``steps + 1`` library times from 0 (noise) to 1 (data).
    alphas, sigmas
        The schedule's factors at each grid time.
    lam
        Half log-SNR, ``log(alpha / sigma)``, at each grid time (DPM-Solver's time).
    g2
        The reverse SDE's ``g^2`` at each grid time.
    gen
        The generator of every noise draw of the run, or one per point.
    """

    model: Predictor
    times: torch.Tensor
    alphas: torch.Tensor
    sigmas: torch.Tensor
    lam: torch.Tensor
    g2: torch.Tensor
    gen: Noise

    @classmethod
    def on_grid(cls, model: Predictor, times: torch.Tensor, gen: Noise) -> StepContext:
        """The context of a run of ``model`` over ``times``, its noise drawn from ``gen``."""
        schedule = model.schedule
        alphas, sigmas = schedule.alpha(times), schedule.sigma(times)
        _, g2 = schedule.drift_diffusion(times)
        lam = torch.log(alphas) - torch.log(sigmas)
        return cls(model, times, alphas, sigmas, lam, g2, gen)

    def predict(self, x: torch.Tensor, t: float) -> Prediction:
        """The model's prediction for ``x`` at library time ``t``."""
        return self.model.predict(x, t)

    def noise(self, x: torch.Tensor) -> torch.Tensor:
        """Standard normal noise of the shape of ``x``, from the run's generator(s).

        Drawn on the CPU (the generators' device), so a run on a GPU draws the same
        noise as on the CPU, then moved to ``x``'s device.
        """
        noise = draw_noise(x.shape, self.gen)
        return noise if noise.device == x.device else noise.to(x.device)


class Step(Protocol):
    """One sampler made for one run: a step from ``times[k]`` to ``times[k + 1]``.

    A sampler's spec makes it from a :class:`StepContext` and the sampler's own
    options; it keeps whatever state the sampler needs between steps (DPM-Solver++'s
    previous x0-hat), and names the run (``label``, e.g. ``"ddim(eta=0.5)"``).
    """

    label: str

    def __call__(self, x: torch.Tensor, k: int, last: bool) -> StepOut:
        """Step the points ``x`` from ``times[k]`` on; ``last`` for the step to the data."""
        ...
