"""What a model says about noisy points: the Prediction and the Predictor protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch

from .schedules import Schedule

__all__ = ["PointDim", "Prediction", "Predictor", "evals_per_call", "point_shape"]

#: The shape of one point: an int D for ``(D,)``, a tuple for any shape, None if any.
PointDim = int | tuple[int, ...] | None


@dataclass
class Prediction:
    """The model's view of a noisy batch ``x`` at time ``t``.

    Returned by ``predict(x, t)`` of every predictor; the fields are also its
    attributes, and :attr:`score` and :attr:`velocity` follow from them.

    Parameters
    ----------
    x0
        Predicted clean points, shape ``(N, D)``.
    eps
        Predicted noise, shape ``(N, D)``.
    alpha, sigma
        The schedule's factors at ``t`` (tensors broadcastable to ``(N, 1)``).
    d_alpha, d_sigma
        Their time derivatives, for the velocity.

    Examples
    --------
    Noisy points at t = 0.9 and the model's guess of their clean versions:

    .. manim:: PredictionExample
        :save_last_frame:

        import torch
        from manim_diffusion import (DistributionCloud, forward_trajectory, load_pretrained,
                                     make_dataset)

        class PredictionExample(Scene):
            def construct(self):
                model = load_pretrained("smiley_ddpm")
                data = make_dataset("smiley", 1500, seed=0)
                noisy = forward_trajectory(data, model.schedule, steps=20, seed=0).at(0.9)
                pred = model.predict(torch.as_tensor(noisy), 0.9)
                for points, side, title in [(noisy, LEFT, "noisy x at t = 0.9"),
                                            (pred.x0.numpy(), RIGHT, "pred.x0")]:
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=5.5,
                                y_length=5.5, tips=False).shift(3.4 * side + 0.4 * DOWN)
                    self.add(axes, DistributionCloud(points, axes=axes, radius=0.02),
                             Text(title, font_size=26).next_to(axes, UP))
    """

    x0: torch.Tensor
    eps: torch.Tensor
    alpha: torch.Tensor
    sigma: torch.Tensor
    d_alpha: torch.Tensor
    d_sigma: torch.Tensor

    @property
    def score(self) -> torch.Tensor:
        """grad log p_t(x) = -eps / sigma."""
        return -self.eps / self.sigma

    @property
    def velocity(self) -> torch.Tensor:
        """The probability-flow velocity dx/dt = alpha' x0 + sigma' eps."""
        return self.d_alpha * self.x0 + self.d_sigma * self.eps

    def guided(self, conditional: Prediction, scale: float) -> Prediction:
        """Classifier-free guidance: ``self + scale (conditional - self)``.

        ``self`` is the unconditional prediction; scale 0 gives it back, 1 gives the
        conditional one, larger scales push further towards the class. x0 and eps are
        affine in each other at fixed ``x``, so mixing both keeps them consistent.
        """
        return Prediction(
            x0=self.x0 + scale * (conditional.x0 - self.x0),
            eps=self.eps + scale * (conditional.eps - self.eps),
            alpha=self.alpha,
            sigma=self.sigma,
            d_alpha=self.d_alpha,
            d_sigma=self.d_sigma,
        )


    def clipped(self, x: torch.Tensor, low: float, high: float) -> Prediction:
        """x0-hat clipped to ``[low, high]`` and eps-hat recomputed from it at ``x``.

        Where sigma is 0 (the data end) eps-hat is kept: x0-hat is x there.
        """
        x0 = self.x0.clamp(low, high)
        safe = torch.where(self.sigma > 0, self.sigma, torch.ones_like(self.sigma))
        eps = torch.where(self.sigma > 0, (x - self.alpha * x0) / safe, self.eps)
        return Prediction(x0, eps, self.alpha, self.sigma, self.d_alpha, self.d_sigma)


class Predictor(Protocol):
    """Anything a sampler can run on: a trained model or an exact ground truth.

    ``dim`` is the shape of one point the predictor works on: an int ``D`` for
    points of shape ``(D,)``, a tuple for points of any shape (an image), or None
    when any shape goes (a predictor that does not say).
    """

    schedule: Schedule

    @property
    def dim(self) -> PointDim:
        """The dimension (int) or shape (tuple) of one point; None if any."""
        ...

    def predict(self, x: torch.Tensor, t: torch.Tensor | float) -> Prediction:
        """x0 and epsilon predicted for points ``x`` at library time ``t``."""
        ...


def evals_per_call(model: Predictor) -> int:
    """Network evaluations one ``predict`` call costs (2 with classifier-free guidance)."""
    return int(getattr(model, "evals_per_call", 1))


def point_shape(dim: PointDim) -> tuple[int, ...] | None:
    """The shape of one point for a predictor's ``dim``: ``(D,)`` for an int, None if any."""
    if dim is None:
        return None
    if isinstance(dim, int):
        return (int(dim),)
    return tuple(int(d) for d in dim)
