"""Noise schedules as functions of library time t (0 = noise, 1 = data)."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np
import torch

__all__ = [
    "Schedule",
    "LinearSchedule",
    "CosineSchedule",
    "SCHEDULES",
    "get_schedule",
]

ArrayLike = float | np.ndarray | torch.Tensor


def _as_tensor(t: ArrayLike) -> tuple[torch.Tensor, str]:
    """Turn ``t`` into a float64 tensor, remembering what kind it came as."""
    if isinstance(t, torch.Tensor):
        return t, "torch"
    kind = "numpy" if isinstance(t, np.ndarray) else "float"
    return torch.as_tensor(np.asarray(t, dtype=np.float64)), kind


def _restore(x: torch.Tensor, kind: str) -> ArrayLike:
    if kind == "torch":
        return x
    out = x.detach().cpu().numpy()
    return float(out) if kind == "float" else out


class Schedule(ABC):
    """A variance-preserving noising path ``x_t = alpha(t) x_data + sigma(t) noise``.

    Library time ``t`` runs from 0 (pure noise) to 1 (clean data), so ``alpha``
    rises from almost 0 to 1 and ``sigma = sqrt(1 - alpha_bar)`` falls to 0. Every
    method takes a float, a numpy array or a torch tensor and returns the same kind.
    """

    name: str = ""

    @abstractmethod
    def _log_alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        """log alpha_bar at library time ``t`` (a tensor)."""

    def log_alpha_bar(self, t: ArrayLike) -> ArrayLike:
        """Natural log of alpha_bar(t)."""
        x, kind = _as_tensor(t)
        return _restore(self._log_alpha_bar(x), kind)

    def d_log_alpha_bar(self, t: ArrayLike) -> ArrayLike:
        """d(log alpha_bar)/dt: the reverse process's beta(t) in library time."""
        x, kind = _as_tensor(t)
        x = x.detach().double().requires_grad_(True)
        with torch.enable_grad():
            (grad,) = torch.autograd.grad(self._log_alpha_bar(x).sum(), x)
        return _restore(grad, kind)

    def alpha_bar(self, t: ArrayLike) -> ArrayLike:
        """alpha_bar(t): the signal's share of the variance, 1 at the data end."""
        x, kind = _as_tensor(t)
        return _restore(torch.exp(self._log_alpha_bar(x)), kind)

    def alpha(self, t: ArrayLike) -> ArrayLike:
        """sqrt(alpha_bar(t)): the factor on the clean data."""
        x, kind = _as_tensor(t)
        return _restore(torch.exp(0.5 * self._log_alpha_bar(x)), kind)

    def sigma(self, t: ArrayLike) -> ArrayLike:
        """sqrt(1 - alpha_bar(t)): the factor on the noise."""
        x, kind = _as_tensor(t)
        return _restore(torch.sqrt(-torch.expm1(self._log_alpha_bar(x))), kind)

    def log_snr(self, t: ArrayLike) -> ArrayLike:
        """log(alpha_bar / (1 - alpha_bar)): +inf at the data end."""
        x, kind = _as_tensor(t)
        la = self._log_alpha_bar(x)
        return _restore(la - torch.log(-torch.expm1(la)), kind)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class LinearSchedule(Schedule):
    """DDPM's linear betas (1e-4 to 0.02 over 1000 steps) in continuous time.

    ``alpha_bar = exp(-(beta_0 s + (beta_1 - beta_0) s^2 / 2))`` with ``s = 1 - t``,
    ``beta_0 = 0.1`` and ``beta_1 = 20`` (Song et al., 2021): the limit of DDPM's
    discrete schedule.
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

    def __repr__(self) -> str:
        return f"LinearSchedule(beta_min={self.beta_min}, beta_max={self.beta_max})"


class CosineSchedule(Schedule):
    """The cosine schedule of Nichol and Dhariwal (2021).

    ``alpha_bar = f(s) / f(0)`` with ``f(s) = cos^2((s + offset) / (1 + offset) * pi/2)``
    and ``s = 1 - t``; alpha_bar is held above ``min_alpha_bar`` so that log-SNR stays
    finite at the noise end.
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

    def __repr__(self) -> str:
        return f"CosineSchedule(offset={self.offset}, min_alpha_bar={self.min_alpha_bar})"


SCHEDULES: dict[str, type[Schedule]] = {
    "linear": LinearSchedule,
    "cosine": CosineSchedule,
}


def get_schedule(name: str) -> Schedule:
    """The schedule called ``name`` (one of :data:`SCHEDULES`)."""
    try:
        return SCHEDULES[name]()
    except KeyError:
        raise ValueError(
            f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}"
        ) from None
