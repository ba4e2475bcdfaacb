"""Visualise the drift: the field that moves the samples, at several moments.

First the flow-matching smiley model's velocity field, with the cloud riding on it
from noise to data. Then the three_dots DDPM model's learned score beside the exact
score of the data's Gaussian mixture, on one scale.

Render with ``manim render scenes/drift_field.py DriftFieldScene`` (add ``-ql`` for a
quick look). In a talk script its parameters are ``n_points`` and ``seed`` (the cloud
riding the velocity field) and ``color`` (the cloud's, a hex string or a manim colour
name); its sections (pause points) are "velocity", "ride" and "score".
"""

from __future__ import annotations

from _kit import Narrator, faint_axes
from manim import (
    DOWN,
    GREY_B,
    LEFT,
    RIGHT,
    UP,
    Axes,
    FadeIn,
    FadeOut,
    Group,
    ManimColor,
    Scene,
    Text,
    ValueTracker,
    VGroup,
    Write,
    smooth,
)

from manim_diffusion import (
    DistributionCloud,
    DriftField,
    FieldErrorMap,
    GaussianMixture,
    TimeBar,
    load_pretrained,
    sample,
)
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.talk import params

FLOW_MODEL = "smiley_flow"
SCORE_MODEL = "three_dots_ddpm"
N_POINTS = 2000
SEED = 0
COLOR = "TEAL"
STOPS = (0.3, 0.6, 0.85, 1.0)


def _axes() -> Axes:
    return faint_axes(3, 5.4)


class DriftFieldScene(Scene):
    """The velocity field carries the cloud; the learned score matches the exact one."""

    def construct(self) -> None:
        p = params({"n_points": N_POINTS, "seed": SEED, "color": COLOR})
        title = Text("The drift: where each point is pushed", font_size=34).to_edge(UP, buff=0.3)
        t = ValueTracker(0.0)
        flow = load_pretrained(FLOW_MODEL)
        trajectory = sample(flow, "euler", 100, n=p["n_points"], seed=p["seed"])

        axes = _axes().to_edge(LEFT, buff=0.9).shift(0.3 * DOWN)
        field = DriftField(flow, "velocity", time=t, axes=axes, density=19, stroke_width=1.6)
        cloud = DistributionCloud(trajectory, time=t, axes=axes, radius=0.026,
                                  color=ManimColor(p["color"]), opacity=0.75)
        bar = TimeBar(time=t, trajectory=trajectory, length=5.0)
        bar.next_to(axes, RIGHT, buff=0.45).shift(2.0 * DOWN)

        narrator = Narrator(self, lambda words: words.next_to(bar, UP, buff=1.0).align_to(
            bar, LEFT), font_size=24, run_time=0.5)
        words = narrator.first("Flow matching's velocity field\nat t = 0: every arrow points\n"
                               "from noise towards the data")

        self.next_section("velocity")
        self.play(Write(title), FadeInPlace(axes), run_time=1.0)
        self.play(FadeInPlace(field), FadeInPlace(bar), FadeInPlace(words), run_time=1.0)
        self.play(FadeIn(cloud), run_time=0.8)
        self.next_section("ride")
        narrator.say("The cloud rides the field:\neach point moves along the\narrow under it")
        for stop in STOPS:
            self.play(t.animate.set_value(stop), run_time=2.2, rate_func=smooth)
            self.wait(0.4)
        narrator.say("Near the data the field\nbends towards the smiley's\nstrokes (arrows "
                     "rescaled\nat every t to read)")
        self.wait(1.5)
        self.play(FadeOut(Group(field, cloud, axes, bar, narrator.words)), run_time=0.8)

        # --- learned score against the exact score -------------------------------------
        self.next_section("score")
        s = ValueTracker(0.5)
        model = load_pretrained(SCORE_MODEL)
        exact = GaussianMixture.three_dots()
        left, right = _axes(), _axes()
        VGroup(left, right).arrange(RIGHT, buff=0.8).shift(0.3 * DOWN)
        exact_field = DriftField(exact, "score", time=s, axes=left, density=17,
                                 stroke_width=1.6)
        learned_field = DriftField(model, "score", time=s, axes=right, density=17,
                                   scale_like=exact_field, stroke_width=1.6)
        error = FieldErrorMap(model, exact, "score", time=s, axes=right, resolution=40)
        heads = VGroup(
            Text("exact score (Gaussian mixture)", font_size=22).next_to(left, UP, buff=0.15),
            Text("learned score (DDPM) on its error", font_size=22).next_to(right, UP,
                                                                              buff=0.15),
        )
        note = Text("red: learned and exact differ, between\nthe blobs where no data lies",
                    font_size=18, color=GREY_B).next_to(right, DOWN, buff=0.12)
        note.align_to(right, RIGHT)
        bar2 = TimeBar(time=s, length=4.2).to_edge(DOWN, buff=0.25).shift(3.4 * LEFT)
        self.play(FadeIn(Group(left, right, error, exact_field, learned_field, heads, note,
                               bar2)), run_time=1.0)
        self.play(s.animate.set_value(0.2), run_time=2.0, rate_func=smooth)
        self.wait(0.5)
        self.play(s.animate.set_value(0.97), run_time=5.0, rate_func=smooth)
        self.wait(2.0)
