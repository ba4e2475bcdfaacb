"""The Density protocol: a density known up to a constant, with its exact score."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .points import ArrayLike

__all__ = ["Density"]


@runtime_checkable
class Density(Protocol):
    """A density known up to a constant, with its exact score.

    Both methods take points of shape ``(N, D)`` (a numpy array or a torch tensor)
    and return the same kind: ``log_prob`` shape ``(N,)``, ``score`` (the gradient
    of ``log_prob``) shape ``(N, D)``. Optional attributes used when present:
    ``dim`` (D, for walks started from ``n``) and ``lipschitz`` (a bound on the
    curvature of ``-log_prob``, to reject step sizes that would diverge).

    Examples
    --------
    Any class with these two methods is a density: here an elongated Gaussian in
    numpy, sampled by :func:`langevin_walk`.

    .. manim:: DensityExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, langevin_walk

        class StretchedGaussian:  # a Density
            dim = 2
            scales = np.array([2.0, 0.5])

            def log_prob(self, x):
                return -0.5 * ((x / self.scales) ** 2).sum(axis=1)

            def score(self, x):
                return -x / self.scales**2

        class DensityExample(Scene):
            def construct(self):
                run = langevin_walk(StretchedGaussian(), n=2000, steps=200, step_size=0.05,
                                    seed=0)
                axes = Axes(x_range=[-6, 6], y_range=[-3, 3], x_length=12, y_length=6)
                self.add(axes, DistributionCloud(run.final, axes=axes, radius=0.02))
    """

    def log_prob(self, x: ArrayLike) -> ArrayLike:
        """Log density (up to a constant) at ``x``, shape ``(N,)``."""
        ...

    def score(self, x: ArrayLike) -> ArrayLike:
        """Gradient of :meth:`log_prob` at ``x``, shape ``(N, D)``."""
        ...
