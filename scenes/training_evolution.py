"""Watching a diffusion model learn: its samples improve over training, beside the loss.

A small DDPM model is trained on the smiley at render time (4,000 steps with a learning
rate of 0.015, higher than the default so that a face appears this soon; one thread: about
ten seconds); every 250 steps it samples the same 1,500 noise points with DDIM. One cloud
morphs through the snapshots while a marker runs along the loss curve; then every other
snapshot is laid out in a grid.

Render with ``manim render scenes/training_evolution.py TrainingEvolutionScene`` (add
``-ql`` for a quick look). In a talk script its parameters are ``train_steps``,
``learning_rate``, ``n_points`` (the noise points sampled at each snapshot), ``seed`` and
``color`` (the clouds', a hex string or a manim colour name); its sections (pause points)
are "intro", "learn" and "grid".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator
from manim import (
    DOWN,
    GREY_B,
    LEFT,
    UP,
    FadeIn,
    FadeOut,
    ManimColor,
    Scene,
    Text,
    ValueTracker,
    Write,
    linear,
)

from manim_diffusion.engine import TrainConfig, make_dataset, train
from manim_diffusion.mobjects import FadeInPlace, FadeOutPlace
from manim_diffusion.mobjects.training_evolution import TrainingEvolution
from manim_diffusion.talk import params

TRAIN_POINTS = 10000
SAMPLE_POINTS = 1500
STEPS = 4000
LEARNING_RATE = 0.015
SNAPSHOT_EVERY = 250
SEED = 0
COLOR = "BLUE"


def train_with_snapshots(
    steps: int, lr: float, n_samples: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train on the smiley; return the snapshot steps, their samples and the losses.

    One torch thread: on a busy two-core machine two threads run several times slower.
    """
    data = make_dataset("smiley", TRAIN_POINTS, seed=seed)
    noise = np.random.default_rng(seed).standard_normal((n_samples, 2)).astype(np.float32)
    result = train(data, TrainConfig(steps=steps, lr=lr, seed=seed, threads=1),
                   snapshot_every=SNAPSHOT_EVERY, snapshot_noise=noise, progress=False)
    steps = np.array([s.step for s in result.snapshots])
    samples = np.stack([s.samples for s in result.snapshots])
    return steps, samples, result.losses


class TrainingEvolutionScene(Scene):
    """The samples of a DDPM model at every 250 training steps, with the loss curve."""

    def construct(self) -> None:
        p = params({"train_steps": STEPS, "learning_rate": LEARNING_RATE,
                    "n_points": SAMPLE_POINTS, "seed": SEED, "color": COLOR})
        steps, samples, losses = train_with_snapshots(p["train_steps"], p["learning_rate"],
                                                      p["n_points"], p["seed"])
        color = ManimColor(p["color"])
        last = len(steps) - 1
        k = ValueTracker(0.0)

        title = Text("Watching a diffusion model learn", font_size=34).to_edge(UP, buff=0.3)
        morph = TrainingEvolution(steps, samples, losses, index=k, layout="morph",
                                  cloud_size=5.0, loss_size=(5.0, 3.0), buff=1.2,
                                  cloud_config={"radius": 0.03, "color": color})
        morph.move_to(0.3 * DOWN)

        narrator = Narrator(self, lambda words: words.next_to(
            morph.loss_axes, DOWN, buff=1.0).align_to(morph.loss_axes, LEFT),
            font_size=22, run_time=0.5)
        words = narrator.first(f"The same {p['n_points']:,} noise points, sampled\n"
                               f"by the model every {SNAPSHOT_EVERY} training steps")

        self.next_section("intro")
        self.play(Write(title), run_time=0.8)
        self.play(FadeIn(morph), FadeInPlace(words), run_time=1.0)
        self.wait(1.0)

        self.next_section("learn")
        self.play(k.animate.set_value(3), run_time=3.0, rate_func=linear)
        narrator.say("The loss flattens after ~200 steps,\nyet the samples keep improving")
        self.play(k.animate.set_value(last), run_time=7.0, rate_func=linear)
        self.wait(1.0)

        self.next_section("grid")
        every_other = slice(1, None, 2)  # steps 500, 1000, ... 4000
        grid = TrainingEvolution(steps[every_other], samples[every_other], losses,
                                 index=len(steps[every_other]) - 1, layout="grid",
                                 cloud_size=1.75, columns=4, loss_size=(4.0, 2.8),
                                 font_size=18, buff=1.0,
                                 cloud_config={"radius": 0.016, "color": color})
        grid.move_to(0.2 * DOWN)
        self.play(FadeOut(morph), FadeOutPlace(narrator.words), run_time=0.6)
        words = Text(f"{p['train_steps']:,} steps: a face takes\nshape; longer training sharpens\n"
                     "it (shipped model: 20,000 steps)",
                     font_size=20, color=GREY_B, line_spacing=0.8)
        words.next_to(grid.loss_axes, DOWN, buff=0.75).align_to(grid.loss_axes, LEFT)
        self.play(FadeIn(grid), FadeInPlace(words), run_time=1.0)
        self.wait(2.0)
