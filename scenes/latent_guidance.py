"""Classifier-free guidance in a VAE's latent plane: one noise, guidance 0, 1, 3 and 7.

The shipped class-conditional latent diffusion model starts four times from the same
latent noise point, always asking for the same digit, with guidance scale w = 0, 1, 3
and 7 (DDIM, deterministic: only w differs); the guided prediction is
``w * conditional - (w - 1) * unconditional``. The decoder draws each of the four
points as it moves. Then a grid of decoded final samples sweeps every class at the
same four scales, from one shared noise point, with the share of 1,000 guided samples
(100 per class) that the shipped digit classifier reads as the class asked for.

Render with ``manim render scenes/latent_guidance.py LatentGuidance`` (add ``-ql`` for a
quick look). In a talk script its parameters are ``digit`` and ``second_digit`` (what the
moving points ask for), ``max_guidance`` (the fourth scale, 7 by default), ``steps`` and
``seed``; its sections (pause points) are "first", "second" and "grid".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator
from manim import (
    DOWN,
    GREY_B,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    Group,
    Scene,
    Text,
    UpdateFromAlphaFunc,
    ValueTracker,
    VGroup,
    Write,
    smooth,
)

from manim_diffusion.apps.mnist.latent import load_latent_mnist
from manim_diffusion.apps.mnist.panel import LatentMNISTPanel
from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.mobjects.heatmap import GridImage
from manim_diffusion.talk import params

SEED = 0
SCALES = (0.0, 1.0, 3.0)  # the first three guidance scales ...
MAX_GUIDANCE = 7.0  # ... and the fourth
SCALE_COLORS = ("#FFFFFF", "#74C0FC", "#FFD43B", "#FF8787")
SAMPLER = "ddim"
STEPS = 50
DIGIT = 4  # the digits the moving points ask for, one after the other
SECOND_DIGIT = 8
PER_CLASS = 100  # samples per class for the classifier's share
CANDIDATES = 64  # noise points tried for a start that w = 0 takes to another class


def sweep(kit, x_start: np.ndarray, labels: np.ndarray, scales: tuple[float, ...],
          steps: int, seed: int) -> list[Trajectory]:
    """One DDIM run per guidance scale from the same starting points and labels."""
    return [kit.sample(labels, guidance=w, sampler=SAMPLER, steps=steps, x_start=x_start,
                       seed=seed, record_predictions=False) for w in scales]


def telling_start(kit, digit: int, rng: np.random.Generator, steps: int,
                  seed: int) -> np.ndarray:
    """A noise point that w = 0 takes to another class and w = 1 to ``digit``, ``(1, 2)``."""
    noise = rng.standard_normal((CANDIDATES, 2)).astype(np.float32)
    labels = np.full(CANDIDATES, digit)
    read = [kit.classify(kit.decode(run.final))
            for run in sweep(kit, noise, labels, SCALES[:2], steps, seed)]
    good = np.flatnonzero((read[0] != digit) & (read[1] == digit))
    return noise[good[:1]] if len(good) else noise[:1]


def joined(runs: list[Trajectory], digit: int) -> Trajectory:
    """The runs of one point each as one trajectory of ``len(runs)`` points."""
    return Trajectory(times=runs[0].times, points=np.concatenate([r.points for r in runs], 1),
                      labels=np.full(len(runs), digit))


def a_digit(digit: int) -> str:
    """The digit with its article: "a 4", "an 8"."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


def mosaic(images: np.ndarray, gap: int = 2) -> np.ndarray:
    """Digits ``(rows, cols, 28, 28)`` in [0, 1] as one white-on-black RGBA image."""
    rows, cols, h, w = images.shape
    out = np.zeros((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap, 4), np.uint8)
    for r in range(rows):
        for c in range(cols):
            grey = np.rint(np.clip(images[r, c], 0, 1) * 255).astype(np.uint8)
            y, x = r * (h + gap), c * (w + gap)
            out[y:y + h, x:x + w, :3] = grey[..., None]
            out[y:y + h, x:x + w, 3] = 255
    return out


class LatentGuidance(Scene):
    """The same latent noise sampled towards one digit with guidance 0, 1, 3 and 7."""

    def construct(self) -> None:
        p = params({"digit": DIGIT, "second_digit": SECOND_DIGIT, "max_guidance": MAX_GUIDANCE,
                    "steps": STEPS, "seed": SEED})
        digits, scales = (p["digit"], p["second_digit"]), (*SCALES, float(p["max_guidance"]))
        sweep_args = {"scales": scales, "steps": p["steps"], "seed": p["seed"]}
        kit = load_latent_mnist()
        rng = np.random.default_rng(p["seed"])
        moving = [joined(sweep(kit, telling_start(kit, digit, rng, p["steps"], p["seed"]),
                               np.array([digit]), **sweep_args), digit)
                  for digit in digits]
        shared = rng.standard_normal((1, 2)).astype(np.float32)
        grid_runs = sweep(kit, np.repeat(shared, 10, axis=0), np.arange(10), **sweep_args)
        finals = np.stack([kit.decode(run.final) for run in grid_runs])  # (4, 10, 28, 28)
        wanted = np.repeat(np.arange(10), PER_CLASS)
        shares = [float(np.mean(kit.classify(kit.decode(run.final)) == wanted))
                  for run in sweep(kit, rng.standard_normal((len(wanted), 2))
                                   .astype(np.float32), wanted, **sweep_args)]

        t = ValueTracker(0.0)
        title = Text("Classifier-free guidance in the latent plane", font_size=32)
        title.to_edge(UP, buff=0.25)
        labels = [f"w = {w:g}" for w in scales]
        panel = LatentMNISTPanel(
            kit.codes, kit.labels, kit.decode, moving[0], time=t, size=5.0,
            scatter_config={"radius": 0.016, "opacity": 0.55},
            point_config={"colors": SCALE_COLORS, "trail_length": 0.5},
            digit_config={"labels": labels, "columns": 1, "height": 0.82, "gap": 0.45},
        )
        panel.to_edge(LEFT, buff=0.4).to_edge(DOWN, buff=0.35)
        panel.set_sample_opacity(0.0)
        text_left = panel.digits.get_right()[0] + 0.6

        narrator = Narrator(self, lambda words, y=1.6: words.move_to(
            [text_left + words.width / 2, y, 0]), font_size=21, line_spacing=0.9)

        def show_samples(alpha_from: float, alpha_to: float) -> UpdateFromAlphaFunc:
            return UpdateFromAlphaFunc(panel, lambda m, a: m.set_sample_opacity(
                alpha_from + (alpha_to - alpha_from) * a))

        # ---- four scales, one noise point, asking for the first digit
        words = narrator.first(
            f"One latent noise point, sampled\nfour times asking for {a_digit(digits[0])}:\n"
            f"guidance w = 0, 1, 3 and {scales[-1]:g}.\n\n"
            "guided = w · conditional\n      − (w − 1) · unconditional")
        self.next_section("first")
        self.play(Write(title), FadeIn(panel), run_time=1.2)
        self.play(FadeInPlace(words), show_samples(0.0, 1.0), run_time=0.8)
        self.wait(1.5)
        self.play(t.animate.set_value(1.0), run_time=6.0, rate_func=smooth)
        narrator.say("w = 0 ignores the class: the\nunconditional model lands on\n"
                     "another digit. w = 1 reaches\nthe class; larger w pushes\n"
                     "deeper into it: a clearer,\nmore typical digit")
        self.wait(3.0)

        self.next_section("second")
        narrator.say(f"The same, asking for {a_digit(digits[1])}")
        self.play(show_samples(1.0, 0.0), run_time=0.5)
        t.set_value(0.0)
        panel.set_trajectory(moving[1])
        panel.set_sample_opacity(0.0)
        self.play(show_samples(0.0, 1.0), run_time=0.5)
        self.play(t.animate.set_value(1.0), run_time=5.0, rate_func=smooth)
        self.wait(1.5)

        # ---- every class at the four scales, from one shared noise point
        self.next_section("grid")
        size = 0.44
        grid = GridImage(mosaic(finals), height=4 * size + 3 * size * 2 / 28)
        header = VGroup(*(Text(str(k), font_size=20, color=panel.palette[k])
                          for k in range(10)))
        row_labels = VGroup(*(Text(label, font_size=18, color=color)
                              for label, color in zip(labels, SCALE_COLORS, strict=True)))
        share_labels = VGroup(*(Text(f"{100 * s:.0f}%", font_size=18, color=GREY_B)
                                for s in shares))
        cell = grid.width / 10
        grid.move_to([text_left + 0.85 + grid.width / 2, -1.75, 0])
        for k, text in enumerate(header):
            text.move_to([grid.get_left()[0] + (k + 0.5) * cell, grid.get_top()[1] + 0.22, 0])
        for r in range(len(scales)):
            y = grid.get_top()[1] - (r + 0.5) * grid.height / len(scales)
            row_labels[r].move_to([grid.get_left()[0] - 0.12, y, 0], aligned_edge=RIGHT)
            share_labels[r].move_to([grid.get_right()[0] + 0.12, y, 0], aligned_edge=LEFT)
        share_title = Text("read as\nasked", font_size=14, color=GREY_B, line_spacing=0.8)
        share_title.next_to(share_labels, UP, buff=0.1).align_to(share_labels, LEFT)
        table = Group(grid, header, row_labels, share_labels, share_title)
        new = narrator.caption("Below: every digit, sampled from one\nshared noise point at the "
                               "four scales.\n\nRight of it: the share of "
                               f"{10 * PER_CLASS:,} samples\nthat a classifier reads as the "
                               "digit\nasked for", y=1.5)
        narrator.say(new, FadeIn(table), run_time=1.0)
        self.wait(4.5)
