"""Noise schedules as functions of library time t (0 = noise, 1 = data)."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

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
    """A Gaussian noising path ``x_t = alpha(t) x_data + sigma(t) noise``.

    Library time ``t`` runs from 0 (pure noise) to 1 (clean data), so ``alpha`` rises
    to 1 and ``sigma`` falls to 0. Every method takes a float, a numpy array or a
    torch tensor and returns the same kind. Subclasses give :meth:`_alpha_sigma` (and
    may give exact derivatives in :meth:`_d_alpha_sigma`).
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

    def alpha(self, t: ArrayLike) -> ArrayLike:
        """The factor on the clean data."""
        x, kind = _as_tensor(t)
        return _restore(self._alpha_sigma(x)[0], kind)

    def sigma(self, t: ArrayLike) -> ArrayLike:
        """The factor on the noise."""
        x, kind = _as_tensor(t)
        return _restore(self._alpha_sigma(x)[1], kind)

    def d_alpha(self, t: ArrayLike) -> ArrayLike:
        """d alpha / dt."""
        x, kind = _as_tensor(t)
        return _restore(self._d_alpha_sigma(x)[0], kind)

    def d_sigma(self, t: ArrayLike) -> ArrayLike:
        """d sigma / dt."""
        x, kind = _as_tensor(t)
        return _restore(self._d_alpha_sigma(x)[1], kind)

    def alpha_bar(self, t: ArrayLike) -> ArrayLike:
        """alpha(t)^2: the signal's share of the variance on a variance-preserving path."""
        x, kind = _as_tensor(t)
        return _restore(self._alpha_sigma(x)[0] ** 2, kind)

    def log_alpha_bar(self, t: ArrayLike) -> ArrayLike:
        """Natural log of alpha_bar(t)."""
        x, kind = _as_tensor(t)
        return _restore(2.0 * torch.log(self._alpha_sigma(x)[0]), kind)

    def log_snr(self, t: ArrayLike) -> ArrayLike:
        """log(alpha^2 / sigma^2): -inf where alpha is 0, +inf at the data end."""
        x, kind = _as_tensor(t)
        alpha, sigma = self._alpha_sigma(x)
        return _restore(2.0 * (torch.log(alpha) - torch.log(sigma)), kind)

    def drift_diffusion(self, t: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
        """``f`` and ``g^2`` of the reverse-time SDE in library time.

        ``dx = (f x + g^2 score) dt + g dW`` runs from noise to data with
        ``f = alpha' / alpha`` and ``g^2 = 2 sigma^2 (alpha' / alpha - sigma' / sigma)``;
        on a variance-preserving path ``f = beta / 2`` and ``g^2 = beta``.
        """
        x, kind = _as_tensor(t)
        alpha, sigma = self._alpha_sigma(x)
        da, ds = self._d_alpha_sigma(x)
        f = da / alpha
        g2 = 2.0 * sigma**2 * f - 2.0 * sigma * ds
        return _restore(f, kind), _restore(g2, kind)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class VPSchedule(Schedule):
    """A variance-preserving path given by ``log alpha_bar(t)``: ``sigma^2 = 1 - alpha_bar``."""

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

    def log_alpha_bar(self, t: ArrayLike) -> ArrayLike:
        x, kind = _as_tensor(t)
        return _restore(self._log_alpha_bar(x), kind)

    def alpha_bar(self, t: ArrayLike) -> ArrayLike:
        x, kind = _as_tensor(t)
        return _restore(torch.exp(self._log_alpha_bar(x)), kind)

    def log_snr(self, t: ArrayLike) -> ArrayLike:
        x, kind = _as_tensor(t)
        la = self._log_alpha_bar(x)
        return _restore(la - torch.log(-torch.expm1(la)), kind)

    def d_log_alpha_bar(self, t: ArrayLike) -> ArrayLike:
        """d(log alpha_bar)/dt: the reverse process's beta(t) in library time."""
        x, kind = _as_tensor(t)
        return _restore(self._d_log_alpha_bar(x), kind)


class LinearSchedule(VPSchedule):
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

    def _d_log_alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        return self.beta_min + (self.beta_max - self.beta_min) * (1.0 - t)

    def __repr__(self) -> str:
        return f"LinearSchedule(beta_min={self.beta_min}, beta_max={self.beta_max})"


class CosineSchedule(VPSchedule):
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
    """The schedule called ``name`` (one of :data:`SCHEDULES`)."""
    try:
        return SCHEDULES[name]()
    except KeyError:
        raise ValueError(
            f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}"
        ) from None
