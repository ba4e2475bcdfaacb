"""The forward process: the smiley noised step by step into Gaussian noise.

2,000 points of the smiley data set follow ``x_t = alpha(t) x_0 + sigma(t) eps`` with the
linear schedule, each with one fixed noise vector, as time runs from 1 (data) down to 0
(noise); a few points' paths are traced, and the linear and cosine schedules are plotted
side by side with a marker at the current time.

Render with ``manim render scenes/forward_process.py ForwardProcessScene`` (add ``-ql``
for a quick look). In a talk script its parameters are ``n_points``, ``seed`` (of the
data and the noise) and ``color`` (the cloud's, a hex string or a manim colour name); its
sections (pause points) are "data", "noise" and "back".
"""

from __future__ import annotations

from _kit import Narrator, faint_axes
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    ManimColor,
    Scene,
    Text,
    ValueTracker,
    Write,
    linear,
    smooth,
)

from manim_diffusion.analysis.forward import forward_trajectory
from manim_diffusion.engine import make_dataset
from manim_diffusion.mobjects import FadeInPlace, TimeBar
from manim_diffusion.mobjects.forward_process import ForwardProcess
from manim_diffusion.mobjects.schedule_plot import SchedulePlot
from manim_diffusion.talk import params

N_POINTS = 2000
SEED = 0
SCHEDULE = "linear"
COLOR = "BLUE"
BACK_TO = 0.93  # where the scene ends after running time back: a noisy face
#: (time to stop at, caption there), from the data to the noise.
STAGES = (
    (0.97, "t = 0.97: a little noise,\nthe face is still clear"),
    (0.9, "t = 0.9: the face blurs"),
    (0.7, "t = 0.7: almost gone: the linear schedule\ndestroys the signal early (cosine: later)"),
    (0.0, "t = 0: Gaussian noise. The same\n{n:,} points, each on its own path"),
)


class ForwardProcessScene(Scene):
    """2,000 smiley points noised into Gaussian noise, with the schedules beside them."""

    def construct(self) -> None:
        p = params({"n_points": N_POINTS, "seed": SEED, "color": COLOR})
        data = make_dataset("smiley", p["n_points"], seed=p["seed"])
        trajectory = forward_trajectory(data, schedule=SCHEDULE, steps=100, seed=p["seed"])
        t = ValueTracker(1.0)

        title = Text("The forward process: data dissolves into noise", font_size=32)
        title.to_edge(UP, buff=0.3)
        axes = faint_axes(3.2, 5.6)
        axes.to_edge(LEFT, buff=0.9).shift(0.35 * DOWN)
        process = ForwardProcess(trajectory, time=t, axes=axes, n_paths=6, seed=3,
                                 cloud_config={"radius": 0.028, "opacity": 0.85,
                                               "color": ManimColor(p["color"])},
                                 tracer_config={"stroke_width": 2.0, "head_radius": 0.06})
        plots = SchedulePlot.side_by_side(["linear", "cosine"], time=t, width=2.6,
                                          height=2.8, font_size=15, buff=0.7)
        plots.next_to(axes, RIGHT, buff=0.55).align_to(axes, UP).shift(0.3 * UP)
        bar = TimeBar(time=t, trajectory=trajectory, length=4.4, font_size=20)
        bar.move_to([plots.get_x(), axes.get_bottom()[1] - 0.1, 0])

        narrator = Narrator(self, lambda words: words.next_to(plots, DOWN, buff=0.3).align_to(
            plots, LEFT), font_size=21, run_time=0.5)
        words = narrator.first(f"{p['n_points']:,} points of the smiley data set at t = 1")

        self.next_section("data")
        self.play(Write(title), FadeInPlace(axes), run_time=1.0)
        self.play(FadeIn(process.cloud), FadeInPlace(words), run_time=0.8)
        self.play(FadeInPlace(plots), FadeInPlace(bar), run_time=0.8)
        narrator.say("Each point draws one noise ε and keeps it:\n"
                     "xₜ = α(t)·x₀ + σ(t)·ε, t from 1 to 0")
        self.play(FadeInPlace(process.tracer), run_time=0.5)
        self.wait(0.5)

        self.next_section("noise")
        for stop, text in STAGES:
            narrator.hide(run_time=0.3)
            self.play(t.animate.set_value(stop), run_time=1.0 + 3.0 * (t.get_value() - stop),
                      rate_func=linear)
            narrator.show(text.format(n=p["n_points"]), run_time=0.4)
            self.wait(0.8)

        self.next_section("back")
        narrator.say("Run time back: the points retrace their\npaths. Here we know each ε; a "
                     "model\nmust learn to find the way back")
        self.play(t.animate.set_value(BACK_TO), run_time=2.5, rate_func=smooth)
        self.wait(1.5)
