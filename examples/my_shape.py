"""Your own explainer: a word becomes data, a model learns it, noise flows onto it.

Uses only the public API (``from manim_diffusion import ...``). Render with
``manim render -ql examples/my_shape.py MyShape``; training takes a few seconds.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, TEAL, UP, Axes, Scene, Text, ValueTracker, smooth

from manim_diffusion import (
    ContourField,
    DistributionCloud,
    DriftField,
    TimeBar,
    TrainConfig,
    TrajectoryTracer,
    points_from_mobject,
    sample,
    train,
)


class MyShape(Scene):
    def construct(self) -> None:
        data = points_from_mobject(Text("hi", weight="BOLD"), n=4000, mode="fill", seed=0)
        config = TrainConfig.for_objective("flow", steps=1500, lr=1e-2, threads=1)
        model = train(data, config, progress=False).model
        trajectory = sample(model, "euler", 50, n=2000, seed=0)

        t = ValueTracker(0.0)
        axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6, y_length=6, tips=False,
                    axis_config={"stroke_opacity": 0.3}).to_edge(LEFT, buff=0.8)
        self.add(
            axes,
            DriftField(model, "velocity", time=t, axes=axes, density=15, stroke_width=1.2),
            ContourField(trajectory, time=t, axes=axes, stroke_width=1.2),
            DistributionCloud(trajectory, time=t, axes=axes, radius=0.025, color=TEAL),
            TrajectoryTracer(trajectory, time=t, axes=axes, n_paths=12, tail_length=0.3),
            TimeBar(time=t, trajectory=trajectory, length=4.5).to_edge(RIGHT).shift(DOWN),
            Text("noise flows onto a word", font_size=30).to_edge(UP).shift(2.5 * RIGHT),
        )
        self.play(t.animate.set_value(1.0), run_time=5, rate_func=smooth)
        self.wait()
