"""Exact ground truth for Gaussian(-mixture) data: denoiser, score and marginals."""

from __future__ import annotations

import numpy as np
import torch

from ..core.prediction import Prediction
from ..core.schedules import Schedule, get_schedule

__all__ = ["GaussianMixture"]


class GaussianMixture:
    """Data drawn from ``sum_k w_k N(mu_k, s_k^2 I)``, noised by a schedule.

    Usable as a model by every sampler: :meth:`predict` returns the exact
    posterior mean E[x0 | x_t] and the matching noise at every t.

    Parameters
    ----------
    means
        Shape ``(K, D)``.
    stds
        Shape ``(K,)``: isotropic standard deviation of each component.
    weights
        Shape ``(K,)``; uniform by default.
    schedule
        The noising schedule (a Schedule or its name).

    Examples
    --------
    The exact density of a mixture, and samples drawn by DDIM with the mixture as
    the model:

    .. manim:: GaussianMixtureExample
        :save_last_frame:

        from manim_diffusion import DensityHeatmap, DistributionCloud, GaussianMixture, sample

        class GaussianMixtureExample(Scene):
            def construct(self):
                gm = GaussianMixture(means=[[-1.5, -1.0], [1.5, -1.0], [0.0, 1.5]],
                                     stds=[0.3, 0.5, 0.2], weights=[0.5, 0.3, 0.2])
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                samples = sample(gm, "ddim", steps=30, n=1000, seed=0).final
                self.add(DensityHeatmap(gm, time=1.0, axes=axes, colorbar=False),
                         DistributionCloud(samples, axes=axes, radius=0.02, color=WHITE))
                self.add(Paragraph("exact density (t = 1)", "and DDIM samples",
                                   font_size=26).to_corner(UL))
    """

    def __init__(
        self,
        means: np.ndarray,
        stds: np.ndarray | float,
        weights: np.ndarray | None = None,
        schedule: Schedule | str = "linear",
    ) -> None:
        self.means = torch.as_tensor(np.atleast_2d(means), dtype=torch.float64)
        k = self.means.shape[0]
        self.stds = torch.as_tensor(np.broadcast_to(stds, (k,)).copy(), dtype=torch.float64)
        w = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (k,) or np.any(w < 0) or not np.isclose(w.sum(), 1.0):
            raise ValueError(f"weights must be {k} non-negative numbers summing to 1")
        self.weights = torch.as_tensor(w)
        self.schedule = get_schedule(schedule) if isinstance(schedule, str) else schedule

    @property
    def dim(self) -> int:
        """The dimension D of the points (the Predictor protocol's ``dim``)."""
        return int(self.means.shape[1])

    @classmethod
    def three_dots(cls, schedule: Schedule | str = "linear") -> GaussianMixture:
        """The exact mixture behind the ``three_dots`` data set (its ground truth).

        The data set clips points to the +-2.5 box, which moves none of them in
        practice (the blobs lie 4 standard deviations inside).
        """
        from ..data.datasets import THREE_DOTS_CENTRES, THREE_DOTS_STD

        return cls(THREE_DOTS_CENTRES, THREE_DOTS_STD, schedule=schedule)

    def _marginal(self, t: float) -> tuple[float, float, torch.Tensor]:
        alpha = float(self.schedule.alpha(float(t)))
        sigma = float(self.schedule.sigma(float(t)))
        var = alpha**2 * self.stds**2 + sigma**2  # (K,)
        return alpha, sigma, var

    def _log_components(self, x: torch.Tensor, alpha: float, var: torch.Tensor) -> torch.Tensor:
        """log w_k + log N(x; alpha mu_k, var_k I), shape (N, K)."""
        d = x.shape[1]
        diff2 = ((x[:, None, :] - alpha * self.means[None]) ** 2).sum(-1)
        return (
            torch.log(self.weights)
            - 0.5 * diff2 / var
            - 0.5 * d * torch.log(2 * torch.pi * var)
        )

    def log_density(self, x: np.ndarray | torch.Tensor, t: float) -> np.ndarray:
        """The exact log density of the noised data p_t at points ``x`` (shape (N, D))."""
        xd = torch.as_tensor(np.asarray(x), dtype=torch.float64)
        alpha, _, var = self._marginal(t)
        return torch.logsumexp(self._log_components(xd, alpha, var), dim=1).numpy()

    def density(self, x: np.ndarray | torch.Tensor, t: float) -> np.ndarray:
        """The exact density p_t at points ``x``: contours that are not estimates."""
        return np.exp(self.log_density(x, t))

    def moments(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Mean ``(D,)`` and covariance ``(D, D)`` of p_t."""
        alpha, _, var = self._marginal(t)
        w = self.weights
        mu = alpha * self.means  # (K, D)
        mean = (w[:, None] * mu).sum(0)
        d = self.means.shape[1]
        centred = mu - mean
        cov = (w[:, None, None] * centred[:, :, None] * centred[:, None, :]).sum(0)
        cov = cov + float((w * var).sum()) * torch.eye(d, dtype=torch.float64)
        return mean.numpy(), cov.numpy()

    def _responsibilities(self, x: torch.Tensor, alpha: float, var: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self._log_components(x, alpha, var), dim=1)

    def predict(self, x: torch.Tensor, t: float) -> Prediction:
        """The exact E[x0 | x_t = x] and epsilon at library time ``t``.

        The returned :class:`Prediction` also gives the exact score and velocity.
        """
        xd = x.double()
        t = float(t)
        alpha, sigma, var = self._marginal(t)
        r = self._responsibilities(xd, alpha, var)
        gain = (alpha * self.stds**2 / var)[None, :, None]  # (1, K, 1)
        x0_k = self.means[None] + gain * (xd[:, None, :] - alpha * self.means[None])
        x0 = (r[..., None] * x0_k).sum(1)
        eps = (xd - alpha * x0) / sigma
        return Prediction(
            x0=x0.to(x.dtype),
            eps=eps.to(x.dtype),
            alpha=torch.tensor(alpha, dtype=x.dtype),
            sigma=torch.tensor(sigma, dtype=x.dtype),
            d_alpha=torch.tensor(float(self.schedule.d_alpha(t)), dtype=x.dtype),
            d_sigma=torch.tensor(float(self.schedule.d_sigma(t)), dtype=x.dtype),
        )

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` points of the clean data."""
        rng = np.random.default_rng(seed)
        k = rng.choice(len(self.weights), size=n, p=self.weights.numpy())
        d = self.means.shape[1]
        return self.means.numpy()[k] + self.stds.numpy()[k, None] * rng.normal(size=(n, d))

    def ode_map(self, x_start: np.ndarray, t_start: float = 0.0) -> np.ndarray:
        """Where the exact probability-flow ODE carries ``x_start`` (single Gaussian only).

        For one component the flow is affine: ``x_1 = mu + s (x - alpha mu) / sqrt(var)``.
        """
        if self.means.shape[0] != 1:
            raise ValueError("the closed-form ODE map is known for a single Gaussian only")
        alpha, _, var = self._marginal(t_start)
        mu = self.means.numpy()[0]
        s = float(self.stds[0])
        return mu + s * (np.asarray(x_start, dtype=np.float64) - alpha * mu) / np.sqrt(
            float(var[0])
        )
