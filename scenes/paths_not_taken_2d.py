"""Paths not taken: one DDPM run on the smiley, and the runs that leave it at t = 0.2, 0.5, 0.8.

Render with ``manim render scenes/paths_not_taken_2d.py PathsNotTaken2D`` (add ``-ql`` for a
quick look). In a talk script its parameters are ``model``, ``steps`` (of the DDPM run),
``k`` (runs leaving it at each branch time) and ``seed``; its sections (pause points) are
"trunk", "branches" and "spread".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator, faint_axes
from manim import (
    DOWN,
    GREY_C,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    Scene,
    Text,
    ValueTracker,
    Write,
    linear,
    smooth,
)

from manim_diffusion import DistributionCloud, TimeBar, load_pretrained, make_dataset
from manim_diffusion.analysis.branching import branch, spread_curve
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.mobjects.branching import BranchingTree, SpreadPlot
from manim_diffusion.talk import params

MODEL = "smiley_ddpm"
STEPS = 200
START = np.array([[1.8, -1.5]], dtype=np.float32)
BRANCH_TIMES = (0.2, 0.5, 0.8)
K = 7
THIN = 10  # draw every 10th of the 200 steps
SEED = 1


class PathsNotTaken2D(Scene):
    """Branches of one DDPM run: early ones end all over the face, late ones together."""

    def construct(self) -> None:
        p = params({"model": MODEL, "steps": STEPS, "k": K, "seed": SEED})
        k = p["k"]
        model = load_pretrained(p["model"])
        tree_data = branch(model, "ddpm", p["steps"], START, BRANCH_TIMES, k=k, seed=p["seed"])
        curve = spread_curve(model, "ddpm", p["steps"], START,
                             times=np.linspace(0.0, 0.95, 20), k=16, seed=p["seed"])
        t = ValueTracker(0.0)

        axes = faint_axes(3, 5.6)
        axes.to_edge(LEFT, buff=0.9).shift(0.25 * DOWN)
        title = Text("Paths not taken", font_size=34).to_edge(UP, buff=0.3)
        data = DistributionCloud(make_dataset("smiley", 2000), axes=axes, radius=0.028,
                                 color=GREY_C, opacity=0.45)
        tree = BranchingTree(tree_data, time=t, axes=axes, trunk_width=4.0, stroke_width=1.8,
                             stroke_opacity=0.8, head_radius=0.06, thin=THIN)
        bar = TimeBar(time=t, trajectory=tree_data.trunk, length=5.0, font_size=20)
        bar.next_to(axes, RIGHT, buff=0.7).to_edge(UP, buff=1.2)
        plot = SpreadPlot(tree_data, curve=curve, width=4.2, height=2.3, font_size=18)
        plot.next_to(axes, RIGHT, buff=1.1).to_edge(DOWN, buff=0.45)

        narrator = Narrator(self, lambda words: words.next_to(bar, DOWN, buff=0.55).align_to(
            bar, LEFT), font_size=22, run_time=0.5)
        words = narrator.first(f"One DDPM run ({p['steps']} steps) from\na fixed start: the "
                               "trunk\n(every 10th step drawn)")

        self.next_section("trunk")
        self.play(Write(title), FadeIn(axes), FadeIn(data), run_time=1.0)
        self.play(FadeInPlace(bar), FadeInPlace(words), run_time=0.6)
        self.add(tree)
        self.play(t.animate.set_value(BRANCH_TIMES[0]), run_time=2.0, rate_func=linear)
        self.next_section("branches")
        narrator.say(f"At t = 0.2, {k} runs leave it,\neach with its own fresh noise")
        self.play(t.animate.set_value(BRANCH_TIMES[1]), run_time=2.0, rate_func=linear)
        narrator.say(f"{k} more at t = 0.5 ...")
        self.play(t.animate.set_value(BRANCH_TIMES[2]), run_time=2.0, rate_func=linear)
        narrator.say(f"... and {k} more at t = 0.8")
        self.play(t.animate.set_value(1.0), run_time=2.5, rate_func=smooth)
        self.wait(0.5)

        self.next_section("spread")
        narrator.say("Early branches end far apart:\nwhere the sample lands on the\n"
                     "face is not decided yet")
        self.wait(1.5)
        narrator.say("Late branches end close:\nby t = 0.9 it is decided")
        self.play(FadeInPlace(plot), run_time=1.0)
        self.wait(2.5)
