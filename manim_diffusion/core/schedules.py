"""Noise schedules as functions of library time t (0 = noise, 1 = data)."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import TypeVar

import numpy as np
import torch

__all__ = [
    "Schedule",
    "VPSchedule",
    "LinearSchedule",
    "CosineSchedule",
    "FlowSchedule",
    "SCHEDULES",
    "get_schedule",
]

ArrayLike = float | np.ndarray | torch.Tensor
#: What the schedule methods take and give back: a float, an array or a tensor, the
#: same kind out as in.
_T = TypeVar("_T", float, np.ndarray, torch.Tensor)


def _as_tensor(t: ArrayLike) -> torch.Tensor:
    """Turn ``t`` into a tensor (float64 unless it came as one)."""
    if isinstance(t, torch.Tensor):
        return t
    return torch.as_tensor(np.asarray(t, dtype=np.float64))


def _restore(x: torch.Tensor, like: _T) -> _T:
    """``x`` as the kind ``like`` came as (a tensor, a numpy array or a float)."""
    if isinstance(like, torch.Tensor):
        return x
    out = x.detach().cpu().numpy()
    return out if isinstance(like, np.ndarray) else float(out)


class Schedule(ABC):
    """A Gaussian noising path ``x_t = alpha(t) x_data + sigma(t) noise``.

    Library time ``t`` runs from 0 (pure noise) to 1 (clean data), so ``alpha`` rises
    to 1 and ``sigma`` falls to 0. Every method takes a float, a numpy array or a
    torch tensor and returns the same kind. Subclasses give :meth:`_alpha_sigma` (and
    may give exact derivatives in :meth:`_d_alpha_sigma`).

    Examples
    --------
    A schedule of one's own: ``alpha = sin(pi t / 2)``, ``sigma = cos(pi t / 2)``.

    .. manim:: ScheduleExample
        :save_last_frame:

        from manim_diffusion import Schedule, SchedulePlot

        class SineSchedule(Schedule):
            name = "sine"

            def _alpha_sigma(self, t):
                return (t * PI / 2).sin(), (t * PI / 2).cos()

        class ScheduleExample(Scene):
            def construct(self):
                self.add(SchedulePlot(SineSchedule(), time=0.5, width=5, height=4))
    """

    name: str = ""
    #: alpha^2 + sigma^2 = 1 at every t (DDPM's paths); False for rectified flow.
    variance_preserving: bool = True

    @abstractmethod
    def _alpha_sigma(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """alpha(t) and sigma(t) for a tensor ``t``."""

    def _d_alpha_sigma(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """d alpha / dt and d sigma / dt (by autograd unless a subclass knows them)."""
        x = t.detach().double().requires_grad_(True)
        with torch.enable_grad():
            alpha, sigma = self._alpha_sigma(x)
            (da,) = torch.autograd.grad(alpha.sum(), x, retain_graph=True)
            (ds,) = torch.autograd.grad(sigma.sum(), x)
        return da.to(t.dtype), ds.to(t.dtype)

    def alpha(self, t: _T) -> _T:
        """The factor on the clean data."""
        return _restore(self._alpha_sigma(_as_tensor(t))[0], t)

    def sigma(self, t: _T) -> _T:
        """The factor on the noise."""
        return _restore(self._alpha_sigma(_as_tensor(t))[1], t)

    def d_alpha(self, t: _T) -> _T:
        """d alpha / dt."""
        return _restore(self._d_alpha_sigma(_as_tensor(t))[0], t)

    def d_sigma(self, t: _T) -> _T:
        """d sigma / dt."""
        return _restore(self._d_alpha_sigma(_as_tensor(t))[1], t)

    def alpha_bar(self, t: _T) -> _T:
        """alpha(t)^2: the signal's share of the variance on a variance-preserving path."""
        return _restore(self._alpha_sigma(_as_tensor(t))[0] ** 2, t)

    def log_alpha_bar(self, t: _T) -> _T:
        """Natural log of alpha_bar(t)."""
        return _restore(2.0 * torch.log(self._alpha_sigma(_as_tensor(t))[0]), t)

    def log_snr(self, t: _T) -> _T:
        """log(alpha^2 / sigma^2): -inf where alpha is 0, +inf at the data end."""
        alpha, sigma = self._alpha_sigma(_as_tensor(t))
        return _restore(2.0 * (torch.log(alpha) - torch.log(sigma)), t)

    def drift_diffusion(self, t: _T) -> tuple[_T, _T]:
        """``f`` and ``g^2`` of the reverse-time SDE in library time.

        ``dx = (f x + g^2 score) dt + g dW`` runs from noise to data with
        ``f = alpha' / alpha`` and ``g^2 = 2 sigma^2 (alpha' / alpha - sigma' / sigma)``;
        on a variance-preserving path ``f = beta / 2`` and ``g^2 = beta``.
        """
        x = _as_tensor(t)
        alpha, sigma = self._alpha_sigma(x)
        da, ds = self._d_alpha_sigma(x)
        f = da / alpha
        g2 = 2.0 * sigma**2 * f - 2.0 * sigma * ds
        return _restore(f, t), _restore(g2, t)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class VPSchedule(Schedule):
    """A variance-preserving path given by ``log alpha_bar(t)``: ``sigma^2 = 1 - alpha_bar``.

    Subclasses give :meth:`_log_alpha_bar`; its time derivative (the reverse process's
    ``beta(t)``) comes from autograd unless they also give :meth:`_d_log_alpha_bar`.

    Examples
    --------
    A constant ``beta = 8`` (``log alpha_bar = -8 (1 - t)``) beside DDPM's linear betas:

    .. manim:: VPScheduleExample
        :save_last_frame:

        from manim_diffusion import LinearSchedule, SchedulePlot, VPSchedule

        class ConstantBeta(VPSchedule):
            name = "constant beta"

            def _log_alpha_bar(self, t):
                return -8.0 * (1 - t)

        class VPScheduleExample(Scene):
            def construct(self):
                plots = SchedulePlot.side_by_side([ConstantBeta(), LinearSchedule()], time=0.5)
                self.add(plots.move_to(ORIGIN))
    """

    variance_preserving = True

    @abstractmethod
    def _log_alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        """log alpha_bar at library time ``t`` (a tensor)."""

    def _alpha_sigma(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        la = self._log_alpha_bar(t)
        return torch.exp(0.5 * la), torch.sqrt(-torch.expm1(la))

    def _d_log_alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        x = t.detach().double().requires_grad_(True)
        with torch.enable_grad():
            (grad,) = torch.autograd.grad(self._log_alpha_bar(x).sum(), x)
        return grad.to(t.dtype)

    def _d_alpha_sigma(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        la = self._log_alpha_bar(t)
        beta = self._d_log_alpha_bar(t)
        alpha = torch.exp(0.5 * la)
        da = 0.5 * alpha * beta
        return da, -alpha * da / torch.sqrt(-torch.expm1(la))

    def log_alpha_bar(self, t: _T) -> _T:
        return _restore(self._log_alpha_bar(_as_tensor(t)), t)

    def alpha_bar(self, t: _T) -> _T:
        return _restore(torch.exp(self._log_alpha_bar(_as_tensor(t))), t)

    def log_snr(self, t: _T) -> _T:
        la = self._log_alpha_bar(_as_tensor(t))
        return _restore(la - torch.log(-torch.expm1(la)), t)

    def d_log_alpha_bar(self, t: _T) -> _T:
        """d(log alpha_bar)/dt: the reverse process's beta(t) in library time."""
        return _restore(self._d_log_alpha_bar(_as_tensor(t)), t)


class LinearSchedule(VPSchedule):
    """DDPM's linear betas (1e-4 to 0.02 over 1000 steps) in continuous time.

    ``alpha_bar = exp(-(beta_0 s + (beta_1 - beta_0) s^2 / 2))`` with ``s = 1 - t``,
    ``beta_0 = 0.1`` and ``beta_1 = 20`` (Song et al., 2021): the limit of DDPM's
    discrete schedule.

    Parameters
    ----------
    beta_min
        ``beta_0``: the noise rate at the data end (t = 1).
    beta_max
        ``beta_1``: the noise rate at the noise end (t = 0); too small a value leaves
        signal in the "pure noise" at t = 0.

    Examples
    --------
    .. manim:: LinearScheduleExample
        :save_last_frame:

        from manim_diffusion import LinearSchedule, SchedulePlot

        class LinearScheduleExample(Scene):
            def construct(self):
                plots = VGroup(
                    SchedulePlot(LinearSchedule(), title="LinearSchedule()"),
                    SchedulePlot(LinearSchedule(beta_max=5.0),
                                 title="LinearSchedule(beta_max=5)"),
                ).arrange(RIGHT, buff=1)
                self.add(plots)
    """

    name = "linear"

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0) -> None:
        if not 0 < beta_min < beta_max:
            raise ValueError(f"need 0 < beta_min < beta_max, got {beta_min}, {beta_max}")
        self.beta_min = beta_min
        self.beta_max = beta_max

    def _log_alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        s = 1.0 - t
        return -(self.beta_min * s + 0.5 * (self.beta_max - self.beta_min) * s**2)

    def _d_log_alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        return self.beta_min + (self.beta_max - self.beta_min) * (1.0 - t)

    def __repr__(self) -> str:
        return f"LinearSchedule(beta_min={self.beta_min}, beta_max={self.beta_max})"


class CosineSchedule(VPSchedule):
    """The cosine schedule of Nichol and Dhariwal (2021).

    ``alpha_bar = f(s) / f(0)`` with ``f(s) = cos^2((s + offset) / (1 + offset) * pi/2)``
    and ``s = 1 - t``; alpha_bar is held above ``min_alpha_bar`` so that log-SNR stays
    finite at the noise end.

    Parameters
    ----------
    offset
        The small shift of ``s`` that keeps beta from being too small near the data
        end (t = 1).
    min_alpha_bar
        The floor of alpha_bar near the noise end.

    Examples
    --------
    The cosine schedule destroys the data later than the linear one:

    .. manim:: CosineScheduleExample
        :save_last_frame:

        from manim_diffusion import (CosineSchedule, DistributionCloud, LinearSchedule,
                                     forward_trajectory, make_dataset)

        class CosineScheduleExample(Scene):
            def construct(self):
                data = make_dataset("smiley", 1500, seed=0)
                for row, schedule in enumerate([LinearSchedule(), CosineSchedule()]):
                    noised = forward_trajectory(data, schedule, steps=20, seed=0)
                    name = Text(type(schedule).__name__, font_size=24)
                    self.add(name.move_to([-5.2, 1.8 - 3.6 * row, 0]))
                    for col, t in enumerate([0.7, 0.8, 0.9]):
                        axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=3.3,
                                    y_length=3.3).set_opacity(0)
                        axes.move_to([-2 + 3.6 * col, 1.8 - 3.6 * row, 0])
                        self.add(DistributionCloud(noised, time=t, axes=axes, radius=0.015))
                        if row == 0:
                            self.add(Text(f"t = {t}", font_size=24).next_to(axes, UP, buff=0))
    """

    name = "cosine"

    def __init__(self, offset: float = 0.008, min_alpha_bar: float = 1e-5) -> None:
        if offset <= 0 or not 0 < min_alpha_bar < 1:
            raise ValueError("need offset > 0 and 0 < min_alpha_bar < 1")
        self.offset = offset
        self.min_alpha_bar = min_alpha_bar

    def _log_alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        s = 1.0 - t
        f = torch.cos((s + self.offset) / (1 + self.offset) * math.pi / 2) ** 2
        f0 = math.cos(self.offset / (1 + self.offset) * math.pi / 2) ** 2
        return torch.log(torch.clamp(f / f0, min=self.min_alpha_bar, max=1.0))

    def _d_log_alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        u = (1.0 - t + self.offset) / (1 + self.offset) * math.pi / 2
        grad = math.pi / (1 + self.offset) * torch.tan(u)
        clamped = torch.exp(self._log_alpha_bar(t)) <= self.min_alpha_bar
        return torch.where(clamped, torch.zeros_like(grad), grad)

    def __repr__(self) -> str:
        return f"CosineSchedule(offset={self.offset}, min_alpha_bar={self.min_alpha_bar})"


class FlowSchedule(Schedule):
    """The rectified-flow path ``x_t = t x_data + (1 - t) noise`` (flow matching).

    Points move along straight lines from noise to data at the constant velocity
    ``x_data - noise``. The path is not variance preserving: halfway, the variance of
    Gaussian data with unit variance is 1/2, not 1.

    Examples
    --------
    Every point's path from its noise to its data point is a straight line:

    .. manim:: FlowScheduleExample
        :save_last_frame:

        from manim_diffusion import (DistributionCloud, FlowSchedule, TrajectoryTracer,
                                     forward_trajectory, make_dataset)

        class FlowScheduleExample(Scene):
            def construct(self):
                data = make_dataset("three_dots", 1000, seed=0)
                paths = forward_trajectory(data, FlowSchedule(), steps=10, seed=0)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7.5, y_length=7.5)
                self.add(DistributionCloud(paths, time=0.0, axes=axes, color=GREY_B,
                                           radius=0.02),
                         TrajectoryTracer(paths, time=1.0, axes=axes, n_paths=30),
                         DistributionCloud(paths, time=1.0, axes=axes, radius=0.03))
                self.add(Paragraph("noise (t = 0): grey", "data (t = 1): blue",
                                   font_size=24).to_corner(UL))
    """

    name = "flow"
    variance_preserving = False

    def _alpha_sigma(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return t, 1.0 - t

    def _d_alpha_sigma(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.ones_like(t), -torch.ones_like(t)


SCHEDULES: dict[str, type[Schedule]] = {
    "linear": LinearSchedule,
    "cosine": CosineSchedule,
    "flow": FlowSchedule,
}


def get_schedule(name: str) -> Schedule:
    """The schedule called ``name`` (one of :data:`SCHEDULES`).

    Parameters
    ----------
    name
        ``"linear"``, ``"cosine"`` or ``"flow"``; an unknown name raises ``ValueError``.

    Examples
    --------
    .. manim:: GetScheduleExample
        :save_last_frame:

        from manim_diffusion import SchedulePlot, get_schedule

        class GetScheduleExample(Scene):
            def construct(self):
                schedules = [get_schedule(name) for name in ("linear", "cosine", "flow")]
                plots = SchedulePlot.side_by_side(schedules, time=0.5, width=3.2, height=4.5)
                self.add(plots.move_to(ORIGIN))
    """
    try:
        return SCHEDULES[name]()
    except KeyError:
        raise ValueError(
            f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}"
        ) from None
