"""What likelihoods integrate: a model's flow velocity with its divergence, and the prior."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ..core.prediction import Predictor, evals_per_call, point_shape
from ..samplers.inputs import check_count

__all__ = [
    "DIVERGENCES",
    "END_MARGIN",
    "MAX_EXACT_DIM",
    "FlowDivergence",
    "check_divergence",
    "checked_points",
    "gaussian_prior_log_prob",
]

#: How the divergence is computed.
DIVERGENCES: dict[str, str] = {
    "exact": "the trace of dv/dx by autograd: one backward pass per dimension",
    "hutchinson": "Hutchinson's estimate z^T (dv/dx) z with Rademacher z: one backward "
                  "pass per probe, unbiased",
}
#: The largest point dimension the exact divergence accepts (it costs D backward passes).
MAX_EXACT_DIM = 64
#: The velocity is evaluated at most at ``1 - END_MARGIN``: at t = 1 the exact mixture's
#: noise prediction is 0 / 0 (sigma = 0). The velocity is smooth there, so this shifts
#: the answer by about 1e-4 times its rate of change.
END_MARGIN = 1e-4


def checked_points(model: Predictor, x: Any, what: str = "x") -> torch.Tensor:
    """``x`` as a float64 CPU tensor ``(N, *point)``, checked against the model's ``dim``.

    Parameters
    ----------
    model
        The predictor (its ``dim`` says the shape of one point, if it knows).
    x
        The points: an array, a tensor or nested lists.
    what
        The argument's name in the error messages.

    Examples
    --------
    .. manim:: CheckedPointsExample
        :save_last_frame:

        from manim_diffusion.analysis.divergence import checked_points
        from manim_diffusion.densities.mixture import GaussianMixture

        class CheckedPointsExample(Scene):
            def construct(self):
                try:
                    checked_points(GaussianMixture.three_dots(), np.zeros((5, 3)))
                except ValueError as err:
                    self.add(Text(str(err), font_size=22))
    """
    if not isinstance(x, np.ndarray | torch.Tensor | list | tuple):
        raise TypeError(f"{what} must be an array of points (N, *point), got {type(x).__name__}")
    xt = (x.detach().cpu() if isinstance(x, torch.Tensor) else
          torch.as_tensor(np.asarray(x, dtype=np.float64))).double()
    want = point_shape(model.dim)
    ndim = 1 if want is None else len(want)
    if xt.ndim != 1 + ndim or len(xt) == 0 or (want is not None and tuple(xt.shape[1:]) != want):
        layout = "(N, D)" if want is None else f"(N, {', '.join(map(str, want))})"
        raise ValueError(f"{what} must have shape {layout} with N >= 1, got {tuple(xt.shape)}")
    if not torch.isfinite(xt).all():
        raise ValueError(f"{what} has NaN or infinite values")
    return xt


def check_divergence(divergence: str, probes: int, dim: int) -> None:
    """Refuse an unknown divergence, a bad probe count, or exact divergence in many dimensions.

    Parameters
    ----------
    divergence
        One of :data:`DIVERGENCES`.
    probes
        Hutchinson's probes per evaluation, a positive integer.
    dim
        The number of values of one point (784 for an MNIST image).

    Examples
    --------
    .. manim:: CheckDivergenceExample
        :save_last_frame:

        from manim_diffusion.analysis.divergence import check_divergence

        class CheckDivergenceExample(Scene):
            def construct(self):
                try:
                    check_divergence("exact", 1, 784)
                except ValueError as err:
                    self.add(Text(str(err).replace(" (", "\\n(").replace(": ", ":\\n"),
                                  font_size=22))
    """
    if divergence not in DIVERGENCES:
        raise ValueError(f"unknown divergence {divergence!r}; choose one of: "
                         f"{', '.join(DIVERGENCES)}")
    check_count("probes", probes)
    if divergence == "exact" and dim > MAX_EXACT_DIM:
        raise ValueError(f"the exact divergence costs one backward pass per dimension ({dim} "
                         f"here, at most {MAX_EXACT_DIM} allowed): use divergence='hutchinson'")


class FlowDivergence:
    """A model's probability-flow velocity, its divergence and its score at points.

    The velocity is the model's own
    (:attr:`~manim_diffusion.core.prediction.Prediction.velocity`, what the ODE
    samplers step with), at times up to ``1 - END_MARGIN``. Every call counts its
    forward evaluations (``forward``, times the model's evaluations per call: 2 for a
    guided model) and backward passes (``backward``).

    Parameters
    ----------
    model
        Any predictor.
    divergence
        ``"exact"`` (one backward pass per dimension) or ``"hutchinson"``.
    probes
        Hutchinson's Rademacher probes per evaluation (their mean is the estimate).
    seed
        Seeds the probes.

    Examples
    --------
    The divergence of the exact three-dots mixture's velocity at t = 0.9: negative (the
    flow gathers the points) nearly everywhere, positive on the ridges between the blobs,
    where it pulls them apart.

    .. manim:: FlowDivergenceExample
        :save_last_frame:

        import torch
        from manim_diffusion import DistributionCloud, grid_points
        from manim_diffusion.analysis.divergence import FlowDivergence
        from manim_diffusion.densities.mixture import GaussianMixture

        class FlowDivergenceExample(Scene):
            def construct(self):
                points = grid_points((-3, 3), (-3, 3), density=41)
                field = FlowDivergence(GaussianMixture.three_dots(), "exact")
                _, div, _ = field(torch.as_tensor(points), 0.9)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6.5, y_length=6.5)
                self.add(DistributionCloud(points, axes=axes, radius=0.05, values=div.numpy(),
                                           colormap=[BLUE, WHITE, RED], value_range=(-12, 12)))
    """

    def __init__(self, model: Predictor, divergence: str = "exact", probes: int = 1,
                 seed: int = 0) -> None:
        self.model = model
        self.divergence = divergence
        self.probes = int(probes)
        self.gen = torch.Generator().manual_seed(int(seed))
        self.evals = evals_per_call(model)
        self.forward = 0
        self.backward = 0

    def __call__(self, x: torch.Tensor, t: float) -> tuple[torch.Tensor, torch.Tensor,
                                                            torch.Tensor]:
        """``v(x, t)``, ``div v(x, t)`` (shape ``(N,)``) and the score, all detached."""
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            pred = self.model.predict(xg, min(t, 1.0 - END_MARGIN))
            v = pred.velocity
            flat = v.reshape(len(v), -1)
            if self.divergence == "exact":
                div = self._exact(xg, flat)
            else:
                div = self._hutchinson(xg, flat)
        self.forward += self.evals
        return v.detach().to(x.dtype), div.detach().double(), pred.score.detach().to(x.dtype)

    def _exact(self, xg: torch.Tensor, flat: torch.Tensor) -> torch.Tensor:
        dim = flat.shape[1]
        div = torch.zeros(len(flat), dtype=torch.float64, device=flat.device)
        for i in range(dim):  # points are independent: the gradient of the sum is per point
            (grad,) = torch.autograd.grad(flat[:, i].sum(), xg, retain_graph=True)
            div += grad.reshape(len(flat), -1)[:, i].double()
        self.backward += dim * self.evals
        return div

    def _hutchinson(self, xg: torch.Tensor, flat: torch.Tensor) -> torch.Tensor:
        div = torch.zeros(len(flat), dtype=torch.float64, device=flat.device)
        for _ in range(self.probes):
            z = torch.randint(0, 2, flat.shape, generator=self.gen).to(flat) * 2 - 1
            (vjp,) = torch.autograd.grad((flat * z).sum(), xg, retain_graph=True)
            div += (vjp.reshape(len(flat), -1) * z).sum(1).double()
        self.backward += self.probes * self.evals
        return div / self.probes


def gaussian_prior_log_prob(model: Predictor, x: np.ndarray | torch.Tensor) -> np.ndarray:
    """``log N(x; 0, sigma(0)^2 I)``: the schedule's noise at t = 0, shape ``(N,)``.

    The marginal at t = 0 is ``alpha(0) x_data + sigma(0) noise``. On the rectified
    flow alpha(0) = 0 and this is exact; on DDPM's linear schedule alpha(0) = 0.0066
    (cosine: 0.0032) and it drops the data's faint trace, a bias of about
    ``alpha(0) |x| |E x_data|``. Give :func:`ode_log_likelihood` a ``prior`` of its own
    (e.g. a mixture's exact ``at(0.0)``) to remove it.

    Parameters
    ----------
    model
        Any predictor: its schedule gives sigma(0).
    x
        Points at t = 0, shape ``(N, *point)``.

    Examples
    --------
    .. manim:: GaussianPriorLogProbExample
        :save_last_frame:

        from manim_diffusion.analysis.likelihood import gaussian_prior_log_prob
        from manim_diffusion.densities.mixture import GaussianMixture

        class GaussianPriorLogProbExample(Scene):
            def construct(self):
                gm = GaussianMixture.three_dots(schedule="flow")
                xs = np.linspace(-3, 3, 61)
                lp = gaussian_prior_log_prob(gm, np.c_[xs, np.zeros_like(xs)])
                axes = Axes(x_range=[-3, 3], y_range=[-7, 0], x_length=8, y_length=4)
                graph = axes.plot_line_graph(xs, lp, add_vertex_dots=False)
                self.add(axes, graph, Text("log p_0 along the x axis", font_size=28)
                         .next_to(axes, UP))
    """
    xt = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x.detach().cpu())
    flat = xt.double().reshape(len(xt), -1)
    var = float(model.schedule.sigma(0.0)) ** 2
    dim = flat.shape[1]
    return (-0.5 * (flat**2).sum(1) / var - 0.5 * dim * math.log(2 * math.pi * var)).numpy()
