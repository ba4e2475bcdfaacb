"""Latent diffusion on MNIST: a VAE's 2D latent plane, class-conditional sampling in it.

The shipped VAE encodes each 28x28 digit to two numbers; the 10,000 test digits make
the coloured scatter. A class-conditional diffusion model, trained on those latent
codes, samples one point per digit class (classifier-free guidance at the kit's
default scale); beside the plane, the decoder draws each moving point, from a vague
blend at t = 0 to a clear digit at t = 1. Last, a 15 x 15 grid of decoded latent
points shows the whole plane as a map of digits.

Render with ``manim render scenes/latent_mnist.py LatentMNIST`` (add ``-ql`` for a
quick look). In a talk script its parameters are ``sampler``, ``steps``, ``guidance``
and ``seed`` (of the ten moving points); its sections (pause points) are "vae",
"latent", "sample" and "map".
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
    Line,
    Scene,
    Text,
    UpdateFromAlphaFunc,
    ValueTracker,
    VGroup,
    Write,
    smooth,
)

from manim_diffusion.apps.mnist.latent import load_latent_mnist
from manim_diffusion.apps.mnist.panel import MNIST_PALETTE, LatentMNISTPanel
from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.mobjects.cloud import DistributionCloud
from manim_diffusion.mobjects.heatmap import GridImage
from manim_diffusion.mobjects.timebar import TimeBar
from manim_diffusion.talk import params

SEED = 0
SAMPLER = "ddim"  # deterministic: smooth paths that are easy to follow
STEPS = 50
GUIDANCE = 3.0  # the kit's default scale (engine.latent_mnist.DEFAULT_GUIDANCE)
EXAMPLE_CLASSES = (0, 2, 4, 7, 9)  # real digits shown with their codes at the start


def grey_rgba(image: np.ndarray) -> np.ndarray:
    """A uint8 (28, 28) or float [0, 1] digit as opaque white-on-black RGBA."""
    ink = np.asarray(image, dtype=np.float64)
    if ink.max() > 1.0:
        ink = ink / 255.0
    grey = np.rint(np.clip(ink, 0, 1) * 255).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


class LatentMNIST(Scene):
    """10,000 MNIST digits on a VAE's latent plane; conditional diffusion samples each class."""

    def construct(self) -> None:
        p = params({"sampler": SAMPLER, "steps": STEPS, "guidance": GUIDANCE, "seed": SEED})
        kit = load_latent_mnist()
        t = ValueTracker(0.0)
        run = {"sampler": p["sampler"], "steps": p["steps"], "guidance": p["guidance"]}
        first = kit.sample(np.arange(10), seed=p["seed"], **run)
        second = kit.sample(np.arange(10), seed=p["seed"] + 1, **run)

        title = Text("Diffusion in a 2D latent space", font_size=34).to_edge(UP, buff=0.25)
        panel = LatentMNISTPanel(
            kit.codes, kit.labels, kit.decode, time=t, size=5.8, manifold=True,
            scatter_config={"radius": 0.017, "opacity": 0.6},
            manifold_config={"tiles": 15, "opacity": 0.0},
            digit_config={"height": 0.92, "buff": 0.14},
        )
        panel.to_edge(LEFT, buff=0.45).to_edge(DOWN, buff=0.25)
        text_left = panel.axes.get_right()[0] + 3.0

        narrator = Narrator(self, lambda words: words.move_to(
            [text_left + words.width / 2, 1.3, 0]), font_size=21, line_spacing=0.9)
        words = narrator.first("A VAE encodes every 28 x 28\ndigit to just two numbers.\n\n"
                               "Each dot: one of the 10,000\nMNIST test digits, coloured\n"
                               "by its class")

        # ---- the VAE training: 1,000 training digits' codes organise by class
        steps = kit.snapshot_steps
        training = Trajectory(  # sqrt-spaced: most of the sorting happens early
            times=np.sqrt(steps / steps[-1]),
            points=kit.snapshot_codes,
            labels=kit.snapshot_labels,
        )
        progress = ValueTracker(0.0)
        frame = panel.axes.copy()
        early = DistributionCloud(training, time=progress, axes=frame, radius=0.03,
                                  palette=MNIST_PALETTE, labels=kit.snapshot_labels)
        total = int(steps[-1])

        def step_label() -> Text:
            index = int(np.argmin(np.abs(training.times - progress.get_value())))
            step = int(steps[index])
            return narrator.caption(f"VAE training step\n{step:,} / {total:,}").shift(1.6 * DOWN)

        counter = step_label()
        counter.add_updater(lambda m: m.become(step_label()))
        intro = narrator.caption("While the VAE trains, 1,000\ntraining digits' codes\n"
                                 "(coloured by class) sort\nthemselves by digit")
        self.next_section("vae")
        self.play(Write(title), FadeIn(frame), FadeIn(early), FadeIn(intro), FadeIn(counter),
                  run_time=1.2)
        self.play(progress.animate.set_value(1.0), run_time=6.0, rate_func=smooth)
        self.wait(1.0)
        counter.clear_updaters()
        self.play(FadeOut(early), FadeOut(frame), FadeOut(intro), FadeOut(counter),
                  run_time=0.6)

        # ---- the latent scatter, with a few real digits pinned to their codes
        self.next_section("latent")
        self.play(FadeIn(panel), run_time=1.0)
        self.play(FadeInPlace(words), run_time=0.6)
        examples = Group()
        links = VGroup()
        x_img = panel.axes.get_right()[0] + 0.9
        for i, k in enumerate(EXAMPLE_CLASSES):
            row = int(np.flatnonzero(kit.digit_labels == k)[0])
            image = GridImage(grey_rgba(kit.digits[row]), height=0.8)
            image.move_to([x_img, panel.axes.get_top()[1] - 0.5 - i * 1.05, 0])
            code = panel.axes.c2p(*kit.digit_codes[row])
            links.add(Line(image.get_left(), code, stroke_width=1.5, color=panel.palette[k],
                           buff=0.05))
            examples.add(image)
        self.play(FadeIn(examples), FadeIn(links), run_time=0.8)
        self.wait(2.5)
        self.play(FadeOut(examples), FadeOut(links), run_time=0.6)

        # ---- conditional sampling: one point per class, decoded as it moves
        self.next_section("sample")
        panel.set_trajectory(first)
        bar = TimeBar(time=t, length=2.6, font_size=20)
        bar.move_to([0, -2.7, 0]).shift(RIGHT * (text_left - bar.get_left()[0]))
        new = narrator.caption("A diffusion model trained on\nthe codes samples the plane,\n"
                               "asked for one point per class.\n\nThe decoder draws each\n"
                               "point as it moves")
        panel.set_sample_opacity(0.0)
        narrator.say(new, FadeInPlace(bar),
                     UpdateFromAlphaFunc(panel, lambda m, a: m.set_sample_opacity(a)),
                     run_time=0.8)
        self.play(t.animate.set_value(1.0), run_time=7.0, rate_func=smooth)
        narrator.say("At t = 1 each point lies\nin its class's cluster, and\ndecodes to that digit")
        self.wait(1.5)

        narrator.say("Fresh noise, the same\nten classes: new digits")
        t.set_value(0.0)
        panel.set_trajectory(second)
        self.play(t.animate.set_value(1.0), run_time=5.0, rate_func=smooth)
        self.wait(1.0)

        # ---- the decoded manifold
        self.next_section("map")
        narrator.say("Decoding a 15 x 15 grid of\nlatent points: the whole\n"
                     "plane is a map of digits,\nand each sample sits in\nits class's region")
        self.play(panel.manifold.animate.set_opacity(0.8),
                  panel.scatter.animate.set_opacity(0.4), run_time=1.5)
        self.wait(3.5)
