"""DDPM on the smiley: Gaussian noise flows into a face, then time is scrubbed back and forth.

Render with ``manim render scenes/ddpm_smiley.py DDPMSmiley`` (add ``-ql`` for a quick look).
In a talk script its parameters are ``model``, ``n_points`` and ``seed``; its sections
(pause points) are "noise", "denoise" and "scrub".
"""

from __future__ import annotations

from _kit import Narrator, faint_axes
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    Scene,
    Text,
    ValueTracker,
    VGroup,
    Write,
    linear,
    smooth,
)

from manim_diffusion import (
    ContourField,
    DistributionCloud,
    TimeBar,
    TrajectoryTracer,
    load_pretrained,
    sample,
)
from manim_diffusion.mobjects import FadeInPlace, FadeOutPlace
from manim_diffusion.talk import params

MODEL = "smiley_ddpm"
N_POINTS = 2000
SEED = 0


class DDPMSmiley(Scene):
    """The trained DDPM model turns 2,000 Gaussian samples into a smiley face."""

    def construct(self) -> None:
        p = params({"model": MODEL, "n_points": N_POINTS, "seed": SEED})
        trajectory = sample(load_pretrained(p["model"]), "ddpm", 1000, n=p["n_points"],
                            seed=p["seed"])
        t = ValueTracker(0.0)

        axes = faint_axes(3, 5.6)
        axes.to_edge(LEFT, buff=0.9).shift(0.25 * DOWN)
        title = Text("DDPM: noise becomes a smiley", font_size=34).to_edge(UP, buff=0.3)
        contours = ContourField(trajectory, time=t, axes=axes, stroke_width=1.5)
        cloud = DistributionCloud(trajectory, time=t, axes=axes, radius=0.028, opacity=0.85)
        tracer = TrajectoryTracer(trajectory.thin(10), time=t, axes=axes, n_paths=5, seed=p["seed"],
                                  tail_length=0.35, stroke_width=1.8, stroke_opacity=0.9,
                                  head_radius=0.06)
        bar = TimeBar(time=t, trajectory=trajectory, length=5.0)
        bar.next_to(axes, RIGHT, buff=0.45).shift(2.0 * DOWN)

        narrator = Narrator(self, lambda words: words.next_to(bar, UP, buff=1.2).align_to(
            bar, LEFT), font_size=24)
        words = narrator.first(f"{p['n_points']:,} samples of pure\nGaussian noise at t = 0")

        self.next_section("noise")
        self.play(Write(title), FadeInPlace(axes), run_time=1.0)
        self.play(FadeIn(cloud), FadeInPlace(bar), FadeInPlace(words), run_time=1.0)
        self.add(contours, tracer)
        self.wait(0.5)

        self.next_section("denoise")
        narrator.say("1,000 DDPM steps: each one\ndenoises a little, then adds\nfresh noise")
        self.play(t.animate.set_value(1.0), run_time=9.0, rate_func=smooth)
        narrator.say("The traced paths are jagged:\nthe sampler is stochastic")
        self.wait(1.5)

        self.next_section("scrub")
        narrator.say("Scrub back: the face\ndissolves into noise...")
        self.play(t.animate.set_value(0.25), run_time=3.0, rate_func=linear)
        narrator.say("...and forward again:\nthe same samples return")
        self.play(t.animate.set_value(1.0), run_time=3.0, rate_func=smooth)
        self.wait(1.5)
        self.play(FadeOutPlace(VGroup(narrator.words, title)), run_time=0.6)
