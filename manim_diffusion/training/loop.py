"""The one training loop: seeding, Adam with cosine decay, EMA weights, progress, divergence."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm.auto import tqdm

__all__ = [
    "LoopResult",
    "LoopSettings",
    "StepLoss",
    "TrainingDiverged",
    "average_of",
    "epoch_batches",
    "run_loop",
    "seeded",
]


class TrainingDiverged(RuntimeError, FloatingPointError):
    """The loss became NaN or infinite; the last good weights are kept on the error.

    Raised by every trainer (:func:`~manim_diffusion.training.train.train`, the MNIST
    VAE's and classifier's). It is also a ``FloatingPointError`` (what the VAE's
    trainer raised before), so code catching that still does.

    Parameters
    ----------
    step
        The step (counted from 0) whose loss was not finite.
    last_good
        A copy of the weights the run would have returned (its EMA, if it keeps one)
        after the step before; None at step 0.
    what
        What was being trained, for the message ("training", "VAE training", ...).
    """

    def __init__(self, step: int, last_good: nn.Module | None, what: str = "training") -> None:
        super().__init__(
            f"{what} diverged: the loss became NaN or infinite at step {step}; "
            "lower the learning rate (--lr) or check the data for NaN values"
        )
        self.step = step
        self.last_good = last_good


@contextmanager
def seeded(seed: int) -> Iterator[torch.Generator]:
    """Inside: torch's global RNG seeded with ``seed``, and a generator seeded alike.

    The caller's global RNG state comes back on leaving (``torch.random.fork_rng``),
    so a run draws the same numbers whatever came before it and leaves no trace.
    Initial weights and dropout draw from the global RNG; batches and noise from the
    generator.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield torch.Generator().manual_seed(seed)


def average_of(model: nn.Module, decay: float) -> AveragedModel:
    """An exponential moving average of ``model``'s parameters, starting at them.

    ``torch.optim.swa_utils.AveragedModel`` with ``get_ema_multi_avg_fn``: each
    :meth:`~torch.optim.swa_utils.AveragedModel.update_parameters` moves the average
    a share ``1 - decay`` of the way to the weights (0: it follows them). The
    averaged copy is ``.module``; it needs no gradients. Buffers are not averaged.
    """
    averaged = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay))
    averaged.update_parameters(model)  # the first update copies: the average starts here
    averaged.module.requires_grad_(False)
    return averaged


def epoch_batches(n: int, batch_size: int, gen: torch.Generator) -> Iterator[torch.Tensor]:
    """Indices of shuffled batches of ``range(n)``, epoch after epoch, without end.

    Each epoch draws a fresh permutation from ``gen`` when its first batch is asked
    for, and has ``ceil(n / batch_size)`` batches (the last may be smaller).
    """
    per_epoch = math.ceil(n / batch_size)
    while True:
        order = torch.randperm(n, generator=gen)
        for i in range(per_epoch):
            yield order[i * batch_size : (i + 1) * batch_size]


def _ema_updater(
    averaged: AveragedModel | None, model: nn.Module, decay: float | None
) -> Callable[[], None]:
    """What ``averaged.update_parameters(model)`` does after its first call, made once.

    ``AveragedModel`` walks both modules and regroups their tensors on every call (a
    sixth of a small net's training step); this keeps the two parameter lists and
    runs the same ``torch._foreach_lerp_``, so the average is the same bit for bit.
    """
    if averaged is None or decay is None:
        return lambda: None
    ema = [p.detach() for p in averaged.module.parameters()]
    live = [p.detach() for p in model.parameters()]
    if not all(p.is_floating_point() and p.device == q.device and p.dtype == q.dtype
               for p, q in zip(ema, live, strict=True)):
        return lambda: averaged.update_parameters(model)
    weight = 1 - decay

    def update() -> None:
        with torch.no_grad():
            torch._foreach_lerp_(ema, live, weight)
        averaged.n_averaged += 1

    return update


class StepLoss(NamedTuple):
    """What a step function returns: the loss to minimise, and terms to record beside it."""

    loss: torch.Tensor
    logged: tuple[torch.Tensor, ...] = ()


@dataclass(frozen=True)
class LoopSettings:
    """How :func:`run_loop` runs.

    Parameters
    ----------
    steps
        Optimiser steps; the learning rate decays to 0 on a cosine over them.
    lr
        Adam's learning rate at the start.
    ema_decay
        Keep an exponential moving average of the weights with this decay and return
        it; None keeps none and returns the trained weights.
    columns
        Values recorded per step: the loss and ``columns - 1`` logged terms. One
        column gives losses of shape ``(steps,)``, more ``(steps, columns)``.
    desc
        The progress bar's label.
    what
        What is trained, as the divergence message names it ("VAE training").
    postfix, postfix_every
        The progress bar's postfix made from a step's recorded values (a 1-D row,
        the loss first), shown every this many steps from the first.
    """

    steps: int
    lr: float
    ema_decay: float | None = None
    columns: int = 1
    desc: str = "training"
    what: str = "training"
    postfix: Callable[[np.ndarray], dict[str, str]] | None = None
    postfix_every: int = 100


@dataclass
class LoopResult:
    """The weights to keep (the EMA, if kept), the recorded losses and the time taken."""

    model: nn.Module
    losses: np.ndarray
    seconds: float


def run_loop(
    model: nn.Module,
    step_loss: Callable[[int], StepLoss],
    settings: LoopSettings,
    *,
    extra_params: Sequence[torch.Tensor] = (),
    on_step: Callable[[int, float, nn.Module], None] | None = None,
    progress: bool = True,
) -> LoopResult:
    """Minimise ``step_loss(step)`` over ``model``'s parameters with Adam and cosine decay.

    Each step: the loss (checked finite before its gradient is taken), a step of
    Adam, the scheduler, the moving average, the record; then
    ``on_step(steps_done, loss, kept)`` with the weights that would be returned now.
    Seed around it with :func:`seeded`.

    Parameters
    ----------
    model
        The module trained (its parameters, in order, are the optimiser's first).
    step_loss
        Makes the batch of step ``step`` and returns its :class:`StepLoss`.
    settings
        Steps, learning rate, EMA decay and progress (:class:`LoopSettings`).
    extra_params
        Parameters trained beside ``model``'s and not returned (a training-only head).
    on_step
        Called after every step.
    progress
        Show a progress bar.

    Raises
    ------
    TrainingDiverged
        When a loss is NaN or infinite; it carries a copy of the kept weights.
    """
    averaged = average_of(model, settings.ema_decay) if settings.ema_decay is not None else None
    kept = model if averaged is None else averaged.module
    update_average = _ema_updater(averaged, model, settings.ema_decay)
    # foreach: the same arithmetic as the per-tensor loop (bit for bit), fewer calls
    opt = torch.optim.Adam([*model.parameters(), *extra_params], lr=settings.lr, foreach=True)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=settings.steps)
    shape = (settings.steps,) if settings.columns == 1 else (settings.steps, settings.columns)
    losses = np.empty(shape, dtype=np.float32)
    started = time.perf_counter()
    with tqdm(total=settings.steps, desc=settings.desc, disable=not progress,
              mininterval=0.5) as bar:
        for step in range(settings.steps):
            out = step_loss(step)
            value = out.loss.item()
            if not math.isfinite(value):
                raise TrainingDiverged(step, copy.deepcopy(kept) if step else None, settings.what)
            opt.zero_grad(set_to_none=True)
            out.loss.backward()
            opt.step()
            sched.step()
            update_average()
            losses[step] = (value, *(term.item() for term in out.logged)) if out.logged else value
            bar.update(1)
            if settings.postfix is not None and step % settings.postfix_every == 0:
                bar.set_postfix(settings.postfix(np.atleast_1d(losses[step])))
            if on_step is not None:
                on_step(step + 1, value, kept)
    return LoopResult(kept, losses, time.perf_counter() - started)
