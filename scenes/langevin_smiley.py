"""Langevin Monte Carlo on the smiley: follow the score, add noise, sample the density.

Render with ``manim render scenes/langevin_smiley.py LangevinSmiley`` (add ``-ql`` for a
quick look). In a talk script its parameters are ``n_walkers``, ``steps`` and
``step_size`` (of the crowd of walkers), ``seed`` and ``color`` (the crowd's, a hex string
or a manim colour name); its sections (pause points) are "walker", "wander" and "crowd".
"""

from __future__ import annotations

import numpy as np
from _kit import faint_axes
from manim import (
    DOWN,
    GREY_B,
    LEFT,
    PINK,
    UP,
    WHITE,
    YELLOW,
    Axes,
    FadeIn,
    FadeOut,
    Group,
    ManimColor,
    ParsableManimColor,
    Scene,
    Text,
    ValueTracker,
    VGroup,
    Write,
    linear,
    rate_functions,
)

from manim_diffusion.densities import LangevinRun, langevin_walk, smiley_density
from manim_diffusion.engine import GaussianMixture
from manim_diffusion.mobjects import FadeInPlace, FadeOutPlace, TimeBar
from manim_diffusion.mobjects.heatmap import DensityHeatmap
from manim_diffusion.mobjects.langevin import LangevinWalker
from manim_diffusion.talk import params

N_WALKERS = 2000
STEPS = 300
STEP_SIZE = 0.002  # a third of the components' variance (width 0.08): stable, small bias
SEED = 0
COLOR = "BLUE_B"


def smiley_axes(size: float) -> Axes:
    """Faint axes over the smiley's box."""
    return faint_axes(2.6, size, opacity=0.2)


class LangevinSmiley(Scene):
    """One Langevin walker step by step, then 2,000 walkers with and without noise."""

    def construct(self) -> None:
        p = params({"n_walkers": N_WALKERS, "steps": STEPS, "step_size": STEP_SIZE,
                    "seed": SEED, "color": COLOR})
        density = smiley_density(width=0.08)
        single = langevin_walk(density, np.array([[0.25, -0.25]]), steps=150,
                               step_size=STEP_SIZE, seed=p["seed"])
        start = np.random.default_rng(p["seed"]).uniform(-2.5, 2.5, (p["n_walkers"], 2))  # broad
        crowd = {"steps": p["steps"], "step_size": p["step_size"], "seed": p["seed"]}
        ascent = langevin_walk(density, start, noise=False, **crowd)
        langevin = langevin_walk(density, start, **crowd)

        title = Text("Langevin dynamics: climb the score, add noise", font_size=34)
        title.to_edge(UP, buff=0.3)
        self.next_section("walker")
        self.play(Write(title), run_time=1.0)
        self.one_walker(density, single)
        self.next_section("crowd")
        self.many_walkers(density, ascent, langevin, ManimColor(p["color"]))

    def one_walker(self, density: GaussianMixture, run: LangevinRun) -> None:
        """A single walker: the gradient step and the noise kick of every iteration."""
        t = ValueTracker(0.0)
        axes = smiley_axes(5.6).to_edge(LEFT, buff=0.6).shift(0.3 * DOWN)
        heat = DensityHeatmap(density, axes=axes, gamma=0.5, opacity=0.85,
                              colorbar_config={"label": "density p(x)"})
        walker = LangevinWalker(run, time=t, axes=axes, shown=[0], shown_radius=0.055,
                                trail_config={"stroke_width": 1.5, "stroke_opacity": 0.5},
                                arrows=True, arrow_scale=5.0, drift_color=YELLOW,
                                kick_color=PINK,
                                arrow_config={"stroke_width": 5, "tip_length": 0.2,
                                              "tip_width": 0.18})
        x = heat.colorbar.get_right()[0] + 0.5

        def line(text: str, color: ParsableManimColor = GREY_B, size: int = 24) -> Text:
            return Text(text, font_size=size, color=color, line_spacing=0.8)

        rule = VGroup(
            line("Each step:", WHITE),
            Text("x ← x + ε·∇log p(x) + √(2ε)·z", font_size=24,
                 t2c={"ε·∇log p(x)": YELLOW, "√(2ε)·z": PINK}),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        rule.move_to([x, 1.6, 0], aligned_edge=LEFT)
        legend = VGroup(
            line("yellow: gradient step, towards", YELLOW, 20),
            line("higher density", YELLOW, 20),
            line("pink: noise kick, z ~ N(0, I)", PINK, 20),
            line("(arrows drawn 5× longer)", GREY_B, 18),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        legend.next_to(rule, DOWN, buff=0.45, aligned_edge=LEFT)
        words = line("Far from the data the\ngradient step wins...")
        words.next_to(legend, DOWN, buff=0.5, aligned_edge=LEFT)

        self.play(FadeIn(heat), FadeIn(axes), run_time=1.0)
        self.play(FadeIn(walker), FadeIn(rule), FadeIn(legend), FadeInPlace(words), run_time=0.8)
        self.play(t.animate.set_value(10 / 150), run_time=4.0, rate_func=linear)
        new = line("...near it, the noise kick\nwins each step while the\n"
                   "gradient pulls back: the\nwalker wanders along\nthe curve")
        new.move_to(words, aligned_edge=UP + LEFT)
        self.next_section("wander")
        self.play(FadeOutPlace(words), FadeInPlace(new), run_time=0.5)
        self.play(t.animate.set_value(1.0), run_time=8.0, rate_func=linear)
        self.wait(0.8)
        self.play(FadeOut(Group(heat, axes, walker, rule, legend, new)), run_time=0.8)

    def many_walkers(
        self, density: GaussianMixture, ascent: LangevinRun, langevin: LangevinRun,
        color: ParsableManimColor,
    ) -> None:
        """Many walkers from a broad start: gradient ascent beside Langevin."""
        t = ValueTracker(0.0)
        left = smiley_axes(4.3).move_to([-4.45, -0.05, 0])
        right = smiley_axes(4.3).move_to([0.15, -0.05, 0])
        heats = [DensityHeatmap(density, axes=ax, gamma=0.5, opacity=0.7, colorbar=False)
                 for ax in (left, right)]
        style = {"radius": 0.017, "color": color, "opacity": 0.9}
        no_noise = LangevinWalker(ascent, time=t, axes=left, **style)
        with_noise = LangevinWalker(langevin, time=t, axes=right, histogram=True,
                                    histogram_config={"size": 2.5, "burn_in": 0.05,
                                                      "buff": 0.55, "label": ""},
                                    **style)
        heads = [
            Text("no noise: gradient ascent", font_size=22).next_to(left, UP, buff=0.15),
            Text("with noise: Langevin", font_size=22).next_to(right, UP, buff=0.15),
        ]
        panel = with_noise.histogram
        panel.align_to(right, UP).shift(0.35 * DOWN)
        panel_label = Text("positions visited\nby the Langevin\nwalkers so far",
                           font_size=20, color=GREY_B, line_spacing=0.8)
        panel_label.next_to(panel, DOWN, buff=0.25)
        bar = TimeBar(t, trajectory=langevin.trajectory, length=5.0, font_size=20,
                      left_label="start", right_label="end",
                      step_format="iteration {step} / {total}")
        bar.to_edge(DOWN, buff=0.45).shift(2.2 * LEFT)

        self.play(FadeIn(Group(*heats, left, right, *heads)), run_time=1.0)
        self.play(FadeIn(no_noise), FadeIn(with_noise), FadeIn(panel_label), FadeInPlace(bar),
                  run_time=1.0)
        self.wait(0.5)
        self.play(t.animate.set_value(1.0), run_time=10.0, rate_func=rate_functions.ease_in_quad)
        self.wait(0.5)
        caption = Text(
            "Without noise the walkers pile up on the ridges of p. With noise they\n"
            "spread over each curve as p does, but rarely hop between curves: the\n"
            "outline, whose basin is widest, keeps too many. Annealed noise fixes that.",
            font_size=20, color=GREY_B, line_spacing=0.8,
        ).to_edge(DOWN, buff=0.3)
        self.play(FadeOutPlace(bar), FadeInPlace(caption), run_time=0.8)
        self.wait(3.0)
