"""Exact ground truth for Gaussian(-mixture) data: denoiser, score and density at every t."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch

from ..core.prediction import Prediction
from ..core.schedules import Schedule, get_schedule
from ..data.geometry import (
    TETRAHEDRON_CENTRES,
    TETRAHEDRON_STD,
    THREE_DOTS_CENTRES,
    THREE_DOTS_STD,
)
from .points import ArrayLike, as_points_array, like_input

__all__ = ["GaussianMixture", "MixtureDensity"]

_CHUNK = 8192  # points per block when a mixture has many components
_LOG_TINY = 60.0  # mixture terms below exp(-60) of the largest count as that much


class GaussianMixture:
    """Data drawn from ``sum_k w_k N(mu_k, s_k^2 I)``, noised by a schedule.

    Usable as a model by every sampler: :meth:`predict` returns the exact
    posterior mean E[x0 | x_t] and the matching noise at every t. It is also a
    :class:`~manim_diffusion.densities.base.Density`: :meth:`log_prob` and
    :meth:`score` give the exact ``log p_t`` and its gradient (numpy float64, finite
    at ``t = 1`` too, where :meth:`predict` divides by ``sigma = 0``), at the clean
    data (``t = 1``) unless told otherwise; :meth:`at` freezes one time, as a
    :class:`MixtureDensity` for :func:`~manim_diffusion.densities.langevin.langevin_walk`
    and the heat maps.

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

        Both read :mod:`manim_diffusion.data.geometry`. The data set clips points to
        the +-2.5 box, which moves none of them in practice (the blobs lie 4 standard
        deviations inside).
        """
        return cls(THREE_DOTS_CENTRES, THREE_DOTS_STD, schedule=schedule)

    @classmethod
    def tetrahedron(cls, schedule: Schedule | str = "linear") -> GaussianMixture:
        """The exact 3D mixture behind the ``gaussian_mixture_3d`` data set.

        Four equal blobs at the vertices of a tetrahedron; both read
        :mod:`manim_diffusion.data.geometry`. The data set's clipping to the +-2.5 box
        moves none of its points in practice (the box is 6.5 standard deviations out).
        """
        return cls(TETRAHEDRON_CENTRES, TETRAHEDRON_STD, schedule=schedule)

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

    def _terms(self, t: float) -> _Terms:
        """``p_t`` at one time, precomputed for the numpy path."""
        t = float(t)
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"t must be a library time in [0, 1], got {t}")
        alpha = float(self.schedule.alpha(t))
        sigma = float(self.schedule.sigma(t))
        centres = alpha * self.means.numpy()  # (K, D)
        var = alpha**2 * self.stds.numpy() ** 2 + sigma**2  # (K,)
        if not np.all(var > 0):
            raise ValueError(f"every component needs a positive variance at t = {t}")
        with np.errstate(divide="ignore"):
            log_w = np.log(self.weights.numpy())
        log_norm = log_w - 0.5 * centres.shape[1] * np.log(2 * np.pi * var)
        inv_var = 1.0 / var
        # log w_k N(x; c_k, v_k I) = b_k + x . c_k / v_k - |x|^2 / (2 v_k)
        bias = log_norm - 0.5 * (centres**2).sum(1) * inv_var  # (K,)
        pull = np.c_[centres * inv_var[:, None], inv_var]  # (K, D+1)
        return _Terms(t, centres, var, bias, inv_var, pull)

    def log_prob(self, x: ArrayLike, t: float = 1.0) -> ArrayLike:
        """The exact ``log p_t`` at ``x`` (shape ``(N, D)``), shape ``(N,)``.

        numpy float64 (a tensor in gives a tensor out); equal to :meth:`log_density`
        to rounding.
        """
        return _evaluate(self._terms(t), x, _log_prob)

    def score(self, x: ArrayLike, t: float = 1.0) -> ArrayLike:
        """The exact score ``grad log p_t`` at ``x`` (shape ``(N, D)``), finite at t = 1."""
        return _evaluate(self._terms(t), x, _score)

    def at(self, t: float = 1.0) -> MixtureDensity:
        """This mixture frozen at library time ``t``: the density ``p_t`` alone."""
        return MixtureDensity(self, t)

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

    def sample(self, n: int, seed: int = 0, t: float | None = None) -> np.ndarray:
        """``n`` points of the clean data, or of ``p_t`` when ``t`` is given."""
        if t is not None:
            return _sample_at(self._terms(t), self.weights.numpy(), n, seed)
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


# ------------------------------------------------ the numpy path at one time
class _Terms(NamedTuple):
    """``p_t`` of a mixture at one time: its components and their log-density terms."""

    t: float
    centres: np.ndarray  # (K, D): alpha mu_k
    var: np.ndarray  # (K,): alpha^2 s_k^2 + sigma^2
    bias: np.ndarray  # (K,)
    inv_var: np.ndarray  # (K,)
    pull: np.ndarray  # (K, D+1): (c_k, 1) / v_k


def _log_terms(terms: _Terms, x: np.ndarray) -> np.ndarray:
    """log w_k + log N(x; c_k, v_k I) for every point and component, (N, K).

    Built from D + 2 elementwise passes rather than a matrix product, whose
    threads crawl on a busy machine for such thin matrices.
    """
    lt = (-0.5 * (x**2).sum(1, keepdims=True)) * terms.inv_var
    lt += terms.bias
    for d in range(terms.centres.shape[1]):
        lt += x[:, d : d + 1] * terms.pull[:, d]
    return lt


def _log_prob(terms: _Terms, x: np.ndarray) -> np.ndarray:
    lt = _log_terms(terms, x)
    top = lt.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    lt -= top
    np.maximum(lt, -_LOG_TINY, out=lt)  # terms this small change nothing
    with np.errstate(divide="ignore"):
        return np.log(np.exp(lt, out=lt).sum(1)) + top[:, 0]


def _density(terms: _Terms, x: np.ndarray) -> np.ndarray:
    return np.exp(_log_prob(terms, x))


def _score(terms: _Terms, x: np.ndarray) -> np.ndarray:
    lt = _log_terms(terms, x)
    lt -= lt.max(axis=1, keepdims=True)
    np.maximum(lt, -_LOG_TINY, out=lt)  # no subnormal numbers: they are slow
    r = np.exp(lt, out=lt)
    # sum_k r_k (c_k, 1) / v_k; einsum's own loop, not a threaded BLAS call
    pulled = np.einsum("nk,kj->nj", r, terms.pull) / r.sum(1, keepdims=True)
    return pulled[:, :-1] - x * pulled[:, -1:]


def _evaluate(
    terms: _Terms, x: ArrayLike, fn: Callable[[_Terms, np.ndarray], np.ndarray]
) -> ArrayLike:
    """``fn`` at the points ``x`` in blocks of rows, returned as the kind ``x`` came as."""
    arr, like = as_points_array(x, terms.centres.shape[1])
    step = max(1, _CHUNK * 64 // max(1, len(terms.var)))
    if len(arr) <= step:
        return like_input(fn(terms, arr), like)
    return like_input(
        np.concatenate([fn(terms, arr[i : i + step]) for i in range(0, len(arr), step)]), like
    )


def _sample_at(terms: _Terms, weights: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    k = rng.choice(len(weights), size=n, p=weights / weights.sum())
    z = rng.normal(size=(n, terms.centres.shape[1]))
    return terms.centres[k] + np.sqrt(terms.var)[k, None] * z


# ------------------------------------------------------ the frozen-time view
class MixtureDensity:
    """The density ``p_t`` of a Gaussian mixture at library time ``t``, with exact score.

    At ``t = 1`` (the default) this is the clean mixture ``sum_k w_k N(mu_k, s_k^2 I)``;
    at smaller ``t`` the mixture noised by its schedule. The score is computed from
    the components directly, so it is exact and finite at ``t = 1`` too (where the
    mixture's ``predict`` divides by ``sigma = 0``). The arithmetic is numpy float64
    (single-threaded and fast for thousands of points and hundreds of components).

    Parameters
    ----------
    mixture
        The Gaussian mixture.
    t
        Library time in ``[0, 1]`` (0 = noise, 1 = data).

    Examples
    --------
    The ``three_dots`` mixture, noised (t = 0.8) and clean (t = 1):

    .. manim:: MixtureDensityExample
        :save_last_frame:

        from manim_diffusion import DensityHeatmap, GaussianMixture, MixtureDensity

        class MixtureDensityExample(Scene):
            def construct(self):
                gm = GaussianMixture.three_dots()
                for t, side in [(0.8, LEFT), (1.0, RIGHT)]:
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=5.5,
                                y_length=5.5, tips=False).shift(3.4 * side + 0.4 * DOWN)
                    self.add(DensityHeatmap(MixtureDensity(gm, t=t), axes=axes,
                                            colorbar=False),
                             Text(f"MixtureDensity(gm, t={t})", font_size=24).next_to(axes, UP))
    """

    def __init__(self, mixture: GaussianMixture, t: float = 1.0) -> None:
        if not isinstance(mixture, GaussianMixture):
            raise TypeError(f"expected a GaussianMixture, got {type(mixture).__name__}")
        self.mixture = mixture
        self._terms = mixture._terms(t)
        self.t = self._terms.t
        self.centres = self._terms.centres  # (K, D)
        self.var = self._terms.var  # (K,)
        self.dim = int(self.centres.shape[1])
        #: Bound on the curvature of -log p: a gradient step larger than 2 / lipschitz
        #: overshoots the narrowest component.
        self.lipschitz = float(1.0 / self.var.min())

    def log_prob(self, x: ArrayLike) -> ArrayLike:
        """The exact log density at ``x`` (shape ``(N, D)``), shape ``(N,)``."""
        return _evaluate(self._terms, x, _log_prob)

    def density(self, x: ArrayLike) -> ArrayLike:
        """The exact density at ``x``, shape ``(N,)``."""
        return _evaluate(self._terms, x, _density)

    def score(self, x: ArrayLike) -> ArrayLike:
        """The exact score ``grad log p_t`` at ``x`` (shape ``(N, D)``)."""
        return _evaluate(self._terms, x, _score)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` exact samples of ``p_t``, shape ``(n, D)``."""
        return _sample_at(self._terms, self.mixture.weights.numpy(), n, seed)

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean ``(D,)`` and covariance ``(D, D)`` of ``p_t``."""
        return self.mixture.moments(self.t)

    def __repr__(self) -> str:
        return f"MixtureDensity(K={len(self.var)}, D={self.dim}, t={self.t})"
