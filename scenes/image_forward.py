"""Images dissolve into noise: a digit and a colour picture on the forward path.

An MNIST digit and a colour picture follow ``x_t = alpha(t) x_0 + sigma(t) eps``, each
pixel with one fixed noise value, as time runs from 1 (the picture) down to 0 (noise);
the cosine schedule's alpha_bar, sigma and SNR are plotted below with a marker in step.
Then time runs back: the same noise fades out and the pictures return.

The colour picture is drawn by the scene (a sunset: nothing is downloaded); pass your
own with the ``picture`` parameter (any PNG or JPEG path).

Render with ``manim render scenes/image_forward.py ImageForward`` (add ``-ql`` for a
quick look). In a talk script its parameters are ``picture`` (a path, or "" for the
drawn one), ``digit`` (which digit, 0-9), ``schedule`` and ``seed`` (of the noise);
its sections (pause points) are "pictures", "noise" and "back".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator
from manim import (
    DL,
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    Group,
    Scene,
    Text,
    ValueTracker,
    Write,
    linear,
    smooth,
)

from manim_diffusion.apps.mnist.pixel_kit import load_pixel_mnist
from manim_diffusion.data.images import load_image
from manim_diffusion.mobjects import FadeInPlace, TimeBar
from manim_diffusion.mobjects.noised_image import ImageForwardProcess
from manim_diffusion.talk import params

PICTURE = ""  # a PNG or JPEG path; "" draws the sunset below
DIGIT = 7
SCHEDULE = "cosine"
SEED = 0
STOPS = (
    (0.8, "t = 0.8: grain over both pictures"),
    (0.5, "t = 0.5: alpha_bar = 0.5, signal and noise\nshare the variance equally"),
    (0.25, "t = 0.25: the digit is almost gone;\nlarge shapes last longest"),
    (0.0, "t = 0: Gaussian noise, one value per pixel"),
)


def sunset(size: int = 96) -> np.ndarray:
    """A small colour picture drawn with numpy: sky, sun, sea and two hills, in [0, 1]."""
    y, x = np.mgrid[0:1:size * 1j, 0:1:size * 1j]
    sky = np.stack([0.95 - 0.3 * y, 0.45 + 0.25 * y, 0.35 + 0.45 * (1 - y)], axis=-1)
    picture = sky.copy()
    sun = (x - 0.62) ** 2 + (y - 0.45) ** 2 < 0.018
    picture[sun] = [1.0, 0.85, 0.3]
    sea = y > 0.62
    picture[sea] = np.stack([0.1 + 0.1 * x, 0.25 + 0.1 * x, 0.5 + 0.2 * (1 - y)], axis=-1)[sea]
    glint = sea & (np.abs(x - 0.62) < 0.05 * (1.2 - y)) & ((np.rint(y * 40) % 2) == 0)
    picture[glint] = [1.0, 0.8, 0.4]
    hills = y > 0.55 + 0.12 * np.cos(6 * x) * (x < 0.5)
    picture[hills & (y <= 0.62)] = [0.15, 0.3, 0.15]
    return np.clip(picture, 0.0, 1.0)


class ImageForward(Scene):
    """A digit and a colour picture noised pixel by pixel, the schedule plotted in step."""

    def construct(self) -> None:
        p = params({"picture": PICTURE, "digit": DIGIT, "schedule": SCHEDULE, "seed": SEED})
        kit = load_pixel_mnist()
        digit = kit.digits[kit.digit_labels == int(p["digit"])][0]
        # a user's picture is read at 96 pixels on its longer side, in colour
        picture = load_image(p["picture"], size=96, mode="rgb") if p["picture"] else sunset()
        t = ValueTracker(1.0)
        title = Text("The forward process on images", font_size=32).to_edge(UP, buff=0.3)
        process = ImageForwardProcess(
            [digit, picture], p["schedule"], time=t, seed=int(p["seed"]), height=2.7,
            mode=("grey", "rgb"), buff=0.9,
            titles=["an MNIST digit (28 x 28)", "a colour picture"],
            plot_config={"width": 4.2, "height": 2.3, "font_size": 15, "title": ""})
        Group(process.pictures, process.titles).next_to(title, DOWN, buff=0.25)
        assert process.plot is not None
        process.plot.to_corner(DL, buff=0.45).shift(0.4 * RIGHT)
        bar = TimeBar(time=t, length=4.0, font_size=18)
        bar.next_to(process.plot, RIGHT, buff=1.0).align_to(process.plot, UP)

        narrator = Narrator(self, lambda words: words.next_to(bar, DOWN, buff=0.35).align_to(
            bar, LEFT), font_size=20, run_time=0.4)
        words = narrator.first("x_t = alpha(t) x_0 + sigma(t) eps:\none fixed eps per pixel")

        self.next_section("pictures")
        self.play(Write(title), run_time=0.8)
        self.play(FadeIn(process.pictures), FadeInPlace(process.titles), run_time=0.6)
        self.play(FadeInPlace(process.plot), FadeInPlace(bar), FadeInPlace(words), run_time=0.6)
        self.wait(0.5)

        self.next_section("noise")
        for stop, text in STOPS:
            self.play(t.animate.set_value(stop), run_time=0.6 + 2.0 * (t.get_value() - stop),
                      rate_func=linear)
            narrator.say(text)
            self.wait(0.6)

        self.next_section("back")
        narrator.say("Run time back: the same noise fades out.\nA model must find this way "
                     "back\nwithout knowing eps")
        self.play(t.animate.set_value(1.0), run_time=2.5, rate_func=smooth)
        self.wait(1.0)
