"""An image is a point: pixels become a vector, the vector one point, its path a 2D path.

A digit, shown as 14 x 14 squares of grey, lines up into one column of 196 numbers: one
point of a space of 196 dimensions (the model's digits have 28 x 28 = 784). Then many
digits are sampled by the pixel model (DDIM, 25 steps, guided to each class) and their
paths in pixel space are seen on two fixed planes: a random one, where every path looks
alike, and the plane of the data's two principal components (PCA), where the classes
part as the samples form. The real test digits sit behind, faint.

Runs are sampled once and kept under ``media/runs``.

Render with ``manim render scenes/image_is_a_point.py ImageIsAPoint`` (add ``-ql`` for a
quick look). In a talk script its parameters are ``n_images`` and ``seed``; its sections
(pause points) are "pixels", "vector" and "paths".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator, faint_axes
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    WHITE,
    Dot,
    FadeIn,
    FadeOut,
    Scene,
    Text,
    Transform,
    ValueTracker,
    Write,
    linear,
)

from manim_diffusion.analysis.projection import PlaneProjection
from manim_diffusion.apps.mnist.pixel_kit import load_pixel_mnist
from manim_diffusion.mobjects import (
    MNIST_PALETTE,
    DistributionCloud,
    FadeInPlace,
    TimeBar,
    TrajectoryTracer,
)
from manim_diffusion.mobjects.pixel_squares import PixelSquares
from manim_diffusion.talk import params

N_IMAGES = 120
SEED = 0


def _extent(points: np.ndarray) -> float:
    """A half width that holds nearly every point (the 99.5th percentile of |x|, |y|)."""
    return float(np.percentile(np.abs(points), 99.5)) * 1.1


class ImageIsAPoint(Scene):
    """Pixels to a vector to a point; many sampling paths seen on two planes."""

    def construct(self) -> None:
        p = params({"n_images": N_IMAGES, "seed": SEED})
        kit = load_pixel_mnist()
        n, seed = int(p["n_images"]), int(p["seed"])
        labels = np.arange(n) % 10
        run = kit.sample(labels, steps=25, seed=seed, cache=True, record_predictions=False)
        real = kit.to_model(kit.digits)
        planes = [PlaneProjection.random(kit.image_shape, seed=1, centre=real.mean(0)),
                  PlaneProjection.pca(real)]
        title = Text("An image is a point", font_size=34).to_edge(UP, buff=0.3)
        narrator = Narrator(self, lambda words: words.to_edge(DOWN, buff=0.35), font_size=21,
                            run_time=0.4)

        # ---- a digit as pixels
        self.next_section("pixels")
        digit = kit.digits[kit.digit_labels == 2][0].astype(np.float64)
        small = np.uint8(digit.reshape(14, 2, 14, 2).mean(axis=(1, 3)))
        pixels = PixelSquares(small, side=0.34).shift(3.0 * LEFT + 0.2 * DOWN)
        words = narrator.first("A digit: 14 x 14 squares of grey, each one number")
        self.play(Write(title), run_time=0.8)
        self.play(FadeInPlace(pixels), FadeInPlace(words), run_time=0.6)
        self.wait(0.8)

        # ---- the pixels line up into a vector, the vector is one point
        self.next_section("vector")
        column = pixels.as_column(length=5.6).move_to(0.5 * LEFT + 0.2 * DOWN)
        narrator.say("Read row by row, it is a list of 196 numbers:\n"
                     "one point in a space of 196 dimensions")
        self.play(Transform(pixels, column), run_time=2.0)
        self.wait(0.5)
        dot = Dot(3.5 * RIGHT + 0.2 * DOWN, radius=0.12, color=WHITE)
        narrator.say("Sampling moves that point, as it moved the 2D points;\n"
                     "the model's digits have 28 x 28 = 784 numbers")
        self.play(Transform(pixels, dot), run_time=1.2)
        self.wait(0.6)

        # ---- many paths, seen on two planes
        self.next_section("paths")
        t = ValueTracker(0.0)
        shown = []
        names = ("a random plane", "the data's PCA plane")
        for plane, side, name in zip(planes, (LEFT, RIGHT), names, strict=True):
            flat = plane.trajectory(run)
            axes = faint_axes(_extent(flat.points), 4.5).move_to(3.4 * side + 0.3 * DOWN)
            back = DistributionCloud(plane(real), axes=axes, color=WHITE, radius=0.018,
                                     opacity=0.18)
            tracer = TrajectoryTracer(flat, time=t, axes=axes, n_paths=40, seed=0,
                                      stroke_width=1.0, palette=MNIST_PALETTE,
                                      head_radius=0.0)
            cloud = DistributionCloud(flat, time=t, axes=axes, radius=0.035,
                                      palette=MNIST_PALETTE)
            caption = Text(name, font_size=22).next_to(axes, UP, buff=0.1)
            shown.append((axes, back, tracer, cloud, caption))
        bar = TimeBar(time=t, length=3.6, font_size=16)
        bar.next_to(title, DOWN, buff=0.12)
        self.play(FadeOut(pixels), *(FadeInPlace(g[0]) for g in shown),
                  *(FadeIn(g[1]) for g in shown), *(FadeInPlace(g[4]) for g in shown),
                  FadeInPlace(bar), run_time=0.8)
        narrator.say(f"{n} digits sampled in pixel space (DDIM, 25 steps),\n"
                     "each path seen on two fixed planes through the data")
        self.add(*(m for group in shown for m in group[2:4]))
        self.play(t.animate.set_value(1.0), run_time=5.0, rate_func=linear)
        narrator.say("On a random plane every path looks alike;\n"
                     "on the PCA plane the classes part as they form")
        self.wait(2.0)
