"""What the model predicts: beside the samples x_t, the cloud of its guesses of the data.

At every step a denoiser makes a guess of the clean point, x0-hat (by Tweedie's
formula, the mean of the data given the noisy point). The scene runs DDPM and DDIM on
the smiley from the same noise and shows, beside each run's samples, the cloud of the
guesses made at the same time. At t = 0 the guesses of this noise-predicting net
scatter: its guess divides by alpha(0), about 0.006. By t = 0.3 they gather at the
data's mean, one guess for all; then they sharpen into the face well before the
samples do. A readout under each panel gives the cloud's spread (root mean square
distance from its mean, of all its points: those outside a panel are not drawn); a
cross marks the data's mean.

Render with ``manim render scenes/tweedie.py Tweedie`` (add ``-ql`` for a quick look).
In a talk script its parameters are ``model``, ``n_points`` and ``seed``; its sections
(pause points) are "noise", "gather", "sharpen" and "data".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator, faint_axes
from manim import (
    BLUE,
    DOWN,
    GREY_B,
    RED,
    UP,
    WHITE,
    YELLOW,
    Cross,
    FadeIn,
    Group,
    Scene,
    Text,
    ValueTracker,
    VGroup,
    Write,
    linear,
    smooth,
)

from manim_diffusion import (
    DistributionCloud,
    TimeBar,
    Trajectory,
    load_pretrained,
    make_dataset,
    sample,
)
from manim_diffusion.mobjects import FadeInPlace, LiveText
from manim_diffusion.talk import params

MODEL = "smiley_ddpm"
N_POINTS = 1500
SEED = 0
#: (sampler, steps, heading, colour of the samples) per pair of panels.
RUNS = (("ddpm", 1000, "DDPM, 1,000 steps", RED), ("ddim", 50, "DDIM, 50 steps", BLUE))
GUESS_COLOUR = YELLOW
PANEL_SIZE = 2.9
DATA_RANGE = 2.7
PANEL_X = (-5.1, -1.85, 1.85, 5.1)


def spread(points: np.ndarray) -> float:
    """Root mean square distance of the points from their mean."""
    return float(np.sqrt(((points - points.mean(axis=0)) ** 2).sum(axis=1).mean()))


def in_view(run: Trajectory) -> Trajectory:
    """The run with points outside the panel's box left out (NaN: not drawn)."""
    points = run.points.copy()
    points[(np.abs(points) > DATA_RANGE).any(axis=-1)] = np.nan
    return Trajectory(times=run.times, points=points, steps=run.steps, labels=run.labels)


class Tweedie(Scene):
    """DDPM and DDIM samples beside the model's guesses of the data at the same time."""

    def construct(self) -> None:
        p = params({"model": MODEL, "n_points": N_POINTS, "seed": SEED})
        model = load_pretrained(p["model"])
        x_start = np.random.default_rng(p["seed"]).standard_normal(
            (p["n_points"], 2)).astype(np.float32)
        runs = [sample(model, name, steps, x_start=x_start, seed=p["seed"])
                for name, steps, _, _ in RUNS]
        data_mean = make_dataset("smiley", 20000, seed=1).mean(axis=0)
        t = ValueTracker(0.0)

        title = Text("What the model predicts: its guess of the data at every step",
                     font_size=28).to_edge(UP, buff=0.25)
        frames, headings, readouts, crosses = VGroup(), VGroup(), VGroup(), VGroup()
        clouds = Group()
        for k, ((_, _, heading, colour), run) in enumerate(zip(RUNS, runs, strict=True)):
            pair = []
            for j, (source, label, tint) in enumerate(
                    ((run, "the samples x_t", colour),
                     (run.predicted(), "its guesses x0-hat", GUESS_COLOUR))):
                axes = faint_axes(DATA_RANGE, PANEL_SIZE).move_to([PANEL_X[2 * k + j], 0.45, 0])
                cloud = DistributionCloud(in_view(source), time=t, axes=axes, radius=0.018,
                                          color=tint, opacity=0.75)
                sub = Text(label, font_size=16, color=tint).next_to(axes, UP, buff=0.08)
                readout = LiveText(lambda r=source: f"spread {spread(r.at(t.get_value())):.2f}",
                                   font_size=16, color=GREY_B).next_to(axes, DOWN, buff=0.08)
                if j == 1:
                    crosses.add(Cross(scale_factor=0.09, stroke_width=2.5, stroke_color=WHITE)
                                .move_to(axes.c2p(*data_mean)))
                frames.add(axes, sub)
                clouds.add(cloud)
                readouts.add(readout)
                pair.append(axes)
            headings.add(Text(heading, font_size=22, color=colour).next_to(
                VGroup(*pair), UP, buff=0.42))

        bar = TimeBar(time=t, length=5.0, font_size=18).move_to([0, -2.15, 0])
        narrator = Narrator(self, lambda words: words.move_to([0, -3.25, 0]), font_size=18)
        words = narrator.first(
            "Left of each pair, the samples; right, the model's guess of the clean point\n"
            "made from each sample at the same time. The cross marks the data's mean.")

        self.next_section("noise")
        self.play(Write(title), FadeInPlace(VGroup(frames, headings)), run_time=1.2)
        self.play(FadeIn(clouds), FadeInPlace(VGroup(readouts, crosses, bar, words)),
                  run_time=1.0)
        self.wait(1.0)
        narrator.say("At t = 0 the net sees pure noise and predicts the noise in it; its\n"
                     "guess divides by alpha(0) = 0.006, so small errors scatter widely")
        self.wait(1.5)

        self.next_section("gather")
        narrator.say("As the noise falls, the guesses gather at the data's mean: when\n"
                     "a point says almost nothing, the best guess is the average")
        self.play(t.animate.set_value(0.3), run_time=4.0, rate_func=linear)
        self.wait(1.5)

        self.next_section("sharpen")
        narrator.say("Then the guesses spread into the face, long before the samples\n"
                     "show it: the model knows the shape while the samples are still noise")
        self.play(t.animate.set_value(0.9), run_time=6.0, rate_func=smooth)
        self.wait(1.5)

        self.next_section("data")
        narrator.say("At t = 1 each guess is its sample: nothing is left to remove")
        self.play(t.animate.set_value(1.0), run_time=1.5, rate_func=smooth)
        self.wait(1.5)
