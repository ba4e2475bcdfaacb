"""Sampling digits in pixel space: a grid of digits, one digit's eps-hat and x0-hat, samplers.

The shipped class-conditional U-Net (``mnist_pixel_cond``, trained on 28 x 28 MNIST
digits) samples a grid of sixteen digits with DDIM in 50 steps, guided to the classes
0-9 (classifier-free guidance 3). Then one digit is followed with what the model says at
each step: the noise it estimates (eps-hat) and the clean digit it predicts (x0-hat),
which sharpens long before x_t does. Last, DDPM (200 steps), DDIM (50) and DPM-Solver++
(20) start from the same noise.

Runs are sampled once and kept under ``media/runs`` (keyed by the model's hash and
everything else that made them).

Render with ``manim render scenes/image_denoise.py ImageDenoise`` (add ``-ql`` for a
quick look). In a talk script its parameters are ``seed`` (of the noise), ``guidance``
and ``digit`` (the one followed in the second section); its sections (pause points) are
"grid", "digit" and "samplers".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    Group,
    Scene,
    Text,
    ValueTracker,
    Write,
    linear,
)

from manim_diffusion.apps.mnist.pixel_kit import load_pixel_mnist
from manim_diffusion.mobjects import FadeInPlace, TimeBar
from manim_diffusion.mobjects.image_trajectory import ImageTrajectory
from manim_diffusion.talk import params

SEED = 0
GUIDANCE = 3.0
DIGIT = 5
SAMPLERS = (("ddpm", 200, "DDPM, 200 steps"), ("ddim", 50, "DDIM, 50 steps"),
            ("dpm++2m", 20, "DPM-Solver++, 20 steps"))


class ImageDenoise(Scene):
    """The pixel model sampling digits: a grid, one digit's predictions, three samplers."""

    def construct(self) -> None:
        p = params({"seed": SEED, "guidance": GUIDANCE, "digit": DIGIT})
        kit = load_pixel_mnist()
        seed, scale = int(p["seed"]), float(p["guidance"])
        labels = np.arange(16) % 10
        grid_run = kit.sample(labels, guidance=scale, steps=50, seed=seed, cache=True)
        one = kit.sample([int(p["digit"])], guidance=scale, steps=50, seed=seed + 1, cache=True)
        row_labels = np.arange(6) * 2 % 10
        runs = [kit.sample(row_labels, guidance=scale, sampler=name, steps=steps,
                           seed=seed + 2, cache=True) for name, steps, _ in SAMPLERS]

        title = Text("Sampling digits in pixel space", font_size=32).to_edge(UP, buff=0.3)
        t = ValueTracker(0.0)
        bar = TimeBar(time=t, length=5.0, font_size=18)
        bar.to_edge(DOWN, buff=0.35)
        narrator = Narrator(self, lambda words: words.next_to(bar, UP, buff=0.3), font_size=21,
                            run_time=0.4)

        # ---- a grid of digits
        self.next_section("grid")
        grid = ImageTrajectory(grid_run, time=t, columns=8, tile_height=1.25, image_gap=0.2)
        grid.move_to(0.55 * UP)
        words = narrator.first(f"A U-Net on 28 x 28 pixels, guided to 0-9 (scale {scale:g}),\n"
                               "DDIM in 50 steps from pure noise")
        self.play(Write(title), run_time=0.8)
        self.play(FadeIn(grid), FadeInPlace(bar), FadeInPlace(words), run_time=0.6)
        self.play(t.animate.set_value(1.0), run_time=5.0, rate_func=linear)
        narrator.say("Every image is sampled at once:\nthe same steps as the 2D clouds")
        self.wait(1.0)

        # ---- one digit: x_t, eps-hat, x0-hat
        self.next_section("digit")
        t.set_value(0.0)
        single = ImageTrajectory(one, time=t, views=("x", "eps", "x0"),
                                 schedule=kit.model.schedule, tile_height=2.6, buff=0.35,
                                 font_size=26)
        single.move_to(0.45 * UP)
        self.play(FadeOut(grid), FadeIn(single), run_time=0.6)
        narrator.say("At each step the model estimates the noise (eps-hat)\n"
                     "and so the clean digit (x0-hat)")
        self.play(t.animate.set_value(0.5), run_time=3.0, rate_func=linear)
        narrator.say("x0-hat is a digit long before x_t is")
        self.play(t.animate.set_value(1.0), run_time=2.5, rate_func=linear)
        self.wait(1.0)

        # ---- three samplers on the same noise
        self.next_section("samplers")
        t.set_value(0.0)
        rows = Group()
        for run, (_, _, name) in zip(runs, SAMPLERS, strict=True):
            row = ImageTrajectory(run, time=t, tile_height=0.95, image_gap=0.15)
            caption = Text(name, font_size=20).next_to(row, LEFT, buff=0.4)
            rows.add(Group(caption, row))
        rows.arrange(DOWN, buff=0.3, aligned_edge=RIGHT).move_to(0.55 * UP)
        self.play(FadeOut(single), FadeIn(rows), run_time=0.6)
        narrator.say("The same noise, three samplers: DDPM's fresh noise at every step\n"
                     "changes the details; DDIM and DPM-Solver++ solve one ODE and agree")
        self.play(t.animate.set_value(1.0), run_time=5.0, rate_func=linear)
        self.wait(1.5)
