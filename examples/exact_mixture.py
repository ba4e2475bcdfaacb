"""Ground truth on screen: the exact density and score of a Gaussian mixture over time.

No training: ``GaussianMixture`` is an exact model that every sampler runs on. Uses
only the public API. Render with ``manim render -ql examples/exact_mixture.py ExactMixture``.
"""

from __future__ import annotations

from manim import DOWN, WHITE, Axes, Scene, ValueTracker

from manim_diffusion import (
    DensityHeatmap,
    DistributionCloud,
    DriftField,
    GaussianMixture,
    TimeBar,
    sample,
)


class ExactMixture(Scene):
    def construct(self) -> None:
        mixture = GaussianMixture(means=[[-1.5, -0.8], [1.5, -0.8], [0.0, 1.6]], stds=0.35)
        trajectory = sample(mixture, "ddim", 60, n=1500, seed=0)
        t = ValueTracker(0.0)
        axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6, y_length=6, tips=False,
                    axis_config={"stroke_opacity": 0.3}).shift(0.3 * DOWN)
        self.add(
            DensityHeatmap(mixture, time=t, axes=axes, colorbar=False),
            axes,
            DriftField(mixture, "score", time=t, axes=axes, density=15, colors=WHITE,
                       stroke_width=1.0, stroke_opacity=0.6),
            DistributionCloud(trajectory, time=t, axes=axes, radius=0.02, opacity=0.8),
            TimeBar(time=t, length=5).to_edge(DOWN, buff=0.2),
        )
        self.play(t.animate.set_value(1.0), run_time=5)
        self.wait()
