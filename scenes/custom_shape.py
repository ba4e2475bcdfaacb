"""Your own data set: a word becomes points, a flow model learns it, and noise flows onto it.

A ``Text`` is written, its filled letters become 6,000 points (the data set), and a
flow-matching model trains on them while the scene is built (6,000 steps on one CPU
thread: 18-24 s measured on a busy two-core machine). Every 250 steps the model
samples the same fixed noise: the snapshots morph from a blob into the word. Then the
trained model samples fresh noise, and the points flow onto the word along their traced
paths.

Render with ``manim render scenes/custom_shape.py CustomShape`` (add ``-ql`` for a quick
look). In a talk script its parameters are ``word``, ``train_steps``, ``seed``, ``color``
(the model's samples) and ``data_color`` (the data set), colours as a hex string or a
manim colour name; its sections (pause points) are "data", "training" and "sampling".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator, faint_axes
from manim import (
    BOLD,
    DOWN,
    GREY_B,
    LEFT,
    UP,
    WHITE,
    FadeIn,
    FadeOut,
    ManimColor,
    Scene,
    Text,
    ValueTracker,
    Write,
    linear,
    logger,
    smooth,
)

from manim_diffusion import (
    DistributionCloud,
    TimeBar,
    TrainConfig,
    Trajectory,
    TrajectoryTracer,
    points_from_mobject,
    sample,
    train,
)
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.talk import params

WORD = "go"  # short, bold, with holes in its glyphs
FONT = "DejaVu Sans"
MODE = "fill"  # "outline" points were too thin a shape for the small MLP to learn
WORD_SIZE = 4.6  # longer side of the data set, in data units
N_DATA = 6000
TRAIN_STEPS = 6000
SNAPSHOT_EVERY = 250
TRAIN_THREADS = 1
N_SAMPLES = 4000
SAMPLER, SAMPLER_STEPS = "euler", 50
SEED = 0

DATA_RANGE = 3.0  # the panel shows [-DATA_RANGE, DATA_RANGE] in x and y
DATA_COLOR = "GREY_B"
MODEL_COLOR = "BLUE"


def clipped_to_panel(points: np.ndarray) -> np.ndarray:
    """Points outside the panel's box made NaN, so that the clouds do not draw them."""
    points = np.array(points, dtype=np.float32)
    points[(np.abs(points) > DATA_RANGE).any(axis=-1)] = np.nan
    return points


def snapshot_trajectory(noise: np.ndarray, snapshots: list) -> Trajectory:
    """The fixed noise, then each snapshot's samples of it, as rows of one record.

    The "time" of this record is training progress (row k: snapshot k), so a cloud
    following a tracker from 0 to 1 morphs from the noise through every snapshot.
    """
    rows = [noise, *[s.samples for s in snapshots]]
    return Trajectory(times=np.linspace(0.0, 1.0, len(rows)),
                      points=clipped_to_panel(np.stack(rows)))


class CustomShape(Scene):
    """A word's letters become a data set that a flow model learns while the scene builds."""

    def construct(self) -> None:
        p = params({"word": WORD, "train_steps": TRAIN_STEPS, "seed": SEED,
                    "color": MODEL_COLOR, "data_color": DATA_COLOR})
        model_color, data_color = ManimColor(p["color"]), ManimColor(p["data_color"])
        word = Text(p["word"], font=FONT, weight=BOLD)
        data = points_from_mobject(word, n=N_DATA, mode=MODE, seed=p["seed"], size=WORD_SIZE)
        rng = np.random.default_rng(p["seed"])
        snapshot_noise = rng.standard_normal((N_SAMPLES, 2)).astype(np.float32)
        sample_noise = rng.standard_normal((N_SAMPLES, 2)).astype(np.float32)

        # one thread: with two, training ran some 30 times slower whenever other
        # processes shared the two cores (OpenMP threads waiting on each other)
        config = TrainConfig.for_objective("flow", steps=p["train_steps"], seed=p["seed"],
                                           threads=TRAIN_THREADS)
        result = train(data, config, snapshot_every=SNAPSHOT_EVERY,
                       snapshot_noise=snapshot_noise, snapshot_sampler="ddim",
                       snapshot_steps=30, progress=True)
        logger.info("trained %d steps in %.1f s, snapshots at %s", p["train_steps"],
                    result.seconds, [s.step for s in result.snapshots])
        learning = snapshot_trajectory(snapshot_noise, result.snapshots)
        run = sample(result.model, SAMPLER, SAMPLER_STEPS, x_start=sample_noise)
        trajectory = Trajectory(times=run.times, points=clipped_to_panel(run.points),
                                steps=run.steps, sampler=run.sampler)

        axes = faint_axes(DATA_RANGE, 6.0)
        axes.to_edge(LEFT, buff=0.7).shift(0.35 * DOWN)
        title = Text("Your own data set: a word, learned by a flow model",
                     font_size=34).to_edge(UP, buff=0.3)

        # the word, placed where its points land: centred, longer side WORD_SIZE data units
        unit = axes.c2p(1, 0)[0] - axes.c2p(0, 0)[0]
        word.scale(WORD_SIZE * unit / max(word.width, word.height)).move_to(axes.c2p(0, 0))
        word.set_color(WHITE)
        outline = word.copy().set_fill(opacity=0).set_stroke(GREY_B, width=1.2, opacity=0.6)

        data_cloud = DistributionCloud(data, axes=axes, radius=0.022, color=data_color,
                                       opacity=0.9)
        progress = ValueTracker(0.0)
        learning_cloud = DistributionCloud(learning, time=progress, axes=axes, radius=0.022,
                                           color=model_color, opacity=0.85)
        t = ValueTracker(0.0)
        cloud = DistributionCloud(trajectory, time=t, axes=axes, radius=0.022,
                                  color=model_color, opacity=0.85)
        tracer = TrajectoryTracer(trajectory, time=t, axes=axes, n_paths=20, seed=p["seed"],
                                  tail_length=0.35, stroke_width=1.8, stroke_opacity=0.9,
                                  head_radius=0.05)
        bar = TimeBar(time=t, trajectory=trajectory, length=4.2,
                      step_format="Euler step {row} / {total}")

        sidebar_left = axes.get_right()[0] + 0.8

        def at_sidebar(mob, y: float):
            return mob.move_to([0, y, 0]).set_x(sidebar_left + mob.width / 2)

        bar.move_to([sidebar_left + 0.9 + bar.bar.get_length() / 2, -2.6, 0])

        def counter_text(step: int) -> Text:
            label = f"training step {step:,} / {p['train_steps']:,}"
            return at_sidebar(Text(label, font_size=30), 2.2)

        narrator = Narrator(self, lambda words: at_sidebar(words, 0.2), font_size=24)
        words = narrator.first(f"Any Text or SVG outline\ncan become a data set:\n"
                               f"here the word \u201c{p['word']}\u201d")

        # ---- the word becomes points
        self.next_section("data")
        self.play(Write(title), FadeInPlace(axes), run_time=1.0)
        self.play(Write(word), FadeInPlace(words), run_time=2.0)
        self.wait(0.5)
        narrator.say(f"{N_DATA:,} points spread evenly\ninside the letters:\nthe data set")
        self.play(FadeIn(data_cloud), word.animate.set_fill(opacity=0.0), run_time=1.5)
        self.remove(word)
        self.add(outline)
        self.wait(1.0)

        # ---- a model trains; each snapshot samples the same noise
        self.next_section("training")
        counter = counter_text(0)
        narrator.say(f"A flow-matching model trains\non them, right now. Every\n"
                     f"{SNAPSHOT_EVERY} steps it samples the\nsame fixed noise")
        self.play(FadeOut(data_cloud), FadeIn(learning_cloud), FadeIn(counter), run_time=1.0)
        self.wait(0.8)
        for k, snap in enumerate(result.snapshots, start=1):
            slow = k <= 4  # the first snapshots change the most
            self.play(progress.animate.set_value(k / len(result.snapshots)),
                      run_time=0.8 if slow else 0.3, rate_func=smooth if slow else linear)
            new = counter_text(snap.step)  # swapped once the cloud shows this snapshot
            self.remove(counter)
            self.add(new)
            counter = new
        self.wait(0.8)
        narrator.say("Blob first, then the\nletters, then their holes")
        self.wait(1.5)

        # ---- the trained model samples fresh noise
        self.next_section("sampling")
        narrator.say(f"Sampling the trained model:\nfresh noise flows onto the\n"
                     f"word ({SAMPLER_STEPS} Euler steps)")
        self.play(FadeOut(learning_cloud), FadeIn(cloud), FadeInPlace(bar), run_time=1.0)
        self.add(tracer)
        self.play(t.animate.set_value(1.0), run_time=7.0, rate_func=smooth)
        narrator.say("The word, learned: the edges\nare softer than the data's,\n"
                     "as a small MLP smooths them")
        self.wait(2.5)
