"""Two samplers, one model, the same starting noise, side by side.

Uses only the public API. Render with
``manim render -ql examples/compare_samplers.py CompareSamplers``.
"""

from __future__ import annotations

import numpy as np
from manim import BLUE, DOWN, ORANGE, RIGHT, UP, Axes, Scene, Text, ValueTracker, VGroup

from manim_diffusion import DistributionCloud, TimeBar, TrajectoryTracer, load_pretrained, sample

RUNS = [("ddpm", 1000, ORANGE), ("dpm++2m", 20, BLUE)]


class CompareSamplers(Scene):
    def construct(self) -> None:
        model = load_pretrained("smiley_ddpm")
        noise = np.random.default_rng(0).normal(size=(2000, 2)).astype(np.float32)
        t = ValueTracker(0.0)
        panels = VGroup(*(Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=5, y_length=5,
                               tips=False, axis_config={"stroke_opacity": 0.3})
                          for _ in RUNS)).arrange(RIGHT, buff=1.0).shift(0.3 * DOWN)
        self.add(panels)
        for axes, (name, steps, color) in zip(panels, RUNS, strict=True):
            trajectory = sample(model, name, steps, x_start=noise, seed=0)
            label = f"{name}: {trajectory.nfe} network evaluations"
            self.add(
                DistributionCloud(trajectory, time=t, axes=axes, radius=0.025, color=color),
                TrajectoryTracer(trajectory.thin(max(1, steps // 50)), time=t, axes=axes,
                                 n_paths=6, tail_length=0.4),
                Text(label, font_size=22).next_to(axes, UP, buff=0.15),
            )
        self.add(TimeBar(time=t, length=5).to_edge(DOWN, buff=0.2))
        self.play(t.animate.set_value(1.0), run_time=5)
        self.wait()
