"""The MNIST latent density as a 3D surface: noise melting it, diffusion rebuilding it.

The shipped VAE puts each MNIST test digit at a point of a 2D latent plane; the
density of the 10,000 points (a kernel density estimate) is drawn as a surface, its
height the density, with a peak per digit class. Dots ride on it, a few hundred codes
coloured by digit, with the digits' names over their peaks. The forward process noises
every code: the surface is p_t, the estimate of the noised codes' density at time t,
which melts into one Gaussian at t = 0 and rises back into the data at t = 1. Last,
the class-conditional latent diffusion model samples from noise, and its samples'
density rebuilds the same surface. The camera moves around it throughout.

Render with ``manim render scenes/latent_density_surface.py LatentDensitySurface``
(add ``-ql`` for a quick look). In a talk script its parameters are ``seed`` (the
forward noise and the model's samples), ``resolution`` (faces along each side of the
surface), ``dots_per_class`` and ``steps`` (of the model's DDIM sampler); its sections
(pause points) are "data", "noise", "rise" and "model".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator
from manim import (
    DEGREES,
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Mobject,
    Text,
    ThreeDAxes,
    ThreeDScene,
    ValueTracker,
    smooth,
)

from manim_diffusion import (
    MNIST_PALETTE,
    Cloud3D,
    DensitySurface,
    TimeBar,
    Trajectory,
    camera_pixels,
    forward_trajectory,
    load_latent_mnist,
)
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.talk import params

SEED = 0
RESOLUTION = 36
DOTS_PER_CLASS = 40
STEPS = 50
EXTENT = 4.0  # the latent plane shown: [-4, 4]^2 holds nearly all the codes
TOP = 0.15  # the highest density drawn (p_0's peak is 1 / (2 pi) = 0.16)
SAMPLES_PER_CLASS = 200  # the model's samples whose density is drawn
FORWARD_STEPS = 60


def subset(run: Trajectory, labels: np.ndarray, per_class: int) -> Trajectory:
    """The first ``per_class`` points of each class that end inside the plane shown."""
    inside = (np.abs(run.final) < EXTENT).all(axis=1)
    index = np.sort(np.concatenate([np.flatnonzero((labels == k) & inside)[:per_class]
                                    for k in range(10)]))
    return Trajectory(times=run.times, points=run.points[:, index], labels=labels[index])


def flat(text: Text) -> Text:
    """``text`` drawn as one path instead of one path per glyph (one colour): the camera
    draws a caption of a hundred glyphs at the cost of one."""
    glyphs = text.family_members_with_points()
    color, opacity = glyphs[0].get_fill_color(), glyphs[0].get_fill_opacity()
    points = np.concatenate([g.points for g in glyphs])
    text.submobjects = []
    text.set_points(points)
    text.set_fill(color, opacity).set_stroke(width=0)
    return text


def class_anchors(codes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Where each digit's name stands: the median of its codes, ``(10, 2)``."""
    return np.stack([np.median(codes[labels == k], axis=0) for k in range(10)])


class LatentDensitySurface(ThreeDScene):
    """The MNIST latent density as a surface, melted by noise and rebuilt by diffusion."""

    def fixed(self, *mobjects: Mobject) -> None:
        """Keep overlays (title, captions, names, time bar) flat on the screen."""
        self.camera.add_fixed_in_frame_mobjects(*mobjects)

    def screen_points(self, points: np.ndarray) -> np.ndarray:
        """Where fixed-in-frame mobjects must stand to sit on 3D scene points ``(N, 3)``."""
        cam = self.camera
        pixels = camera_pixels(cam, np.asarray(points, dtype=float))[0]
        out = np.zeros((len(pixels), 3))
        out[:, 0] = (pixels[:, 0] - cam.pixel_width / 2) * cam.frame_width / cam.pixel_width
        out[:, 1] = (cam.pixel_height / 2 - pixels[:, 1]) * cam.frame_height / cam.pixel_height
        return out + np.asarray(cam.frame_center, dtype=float) * [1, 1, 0]

    def digit_names(self, surface: DensitySurface, axes: ThreeDAxes, anchors: np.ndarray,
                    t: ValueTracker, shown: ValueTracker) -> Text:
        """The digits' names over their peaks, following the camera, shown near t = 1
        (times ``shown``)."""
        names = Text("0 1 2 3 4 5 6 7 8 9", font_size=24, weight="BOLD")  # one Text: ten glyphs
        for k, name in enumerate(names.submobjects):
            name.set_fill(MNIST_PALETTE[k])
        names.set_stroke("#000000", width=3, background=True)
        opacity = [-1.0]

        def follow(group: Mobject) -> None:
            alpha = float(np.clip((t.get_value() - 0.8) / 0.15, 0, 1) * shown.get_value())
            if alpha != opacity[0]:
                group.set_opacity(alpha)
                opacity[0] = alpha
            if alpha == 0:
                return
            tops = surface.surface_points(anchors)
            spots = self.screen_points(np.stack([axes.c2p(*p) for p in tops]))
            for name, spot in zip(group.submobjects, spots, strict=True):
                name.move_to(spot + 0.22 * UP)

        names.add_updater(follow)
        self.fixed(names)
        return names

    def construct(self) -> None:
        p = params({"seed": SEED, "resolution": RESOLUTION, "dots_per_class": DOTS_PER_CLASS,
                    "steps": STEPS})
        kit = load_latent_mnist()
        labels = np.asarray(kit.labels)
        wanted = np.repeat(np.arange(10), SAMPLES_PER_CLASS)
        model_run = kit.sample(wanted, guidance=1.0, sampler="ddim", steps=p["steps"],
                               seed=p["seed"], record_predictions=False)
        forward = forward_trajectory(kit.codes, kit.model.schedule, steps=FORWARD_STEPS,
                                     seed=p["seed"])
        t = ValueTracker(1.0)
        self.set_camera_orientation(phi=58 * DEGREES, theta=-100 * DEGREES, zoom=1.0)

        axes = ThreeDAxes(x_range=[-EXTENT, EXTENT], y_range=[-EXTENT, EXTENT],
                          z_range=[0, TOP], x_length=6.2, y_length=6.2, z_length=2.7)
        style = {"axes": axes, "camera": self.camera, "time": t, "scale": 1.0,
                 "resolution": p["resolution"], "value_range": (0.0, TOP)}
        surface = DensitySurface(forward, **style)
        # the model's samples are 2,000 points, not 10,000: a kernel as narrow as the data's
        model_surface = DensitySurface(model_run, bw_factor=(len(kit.codes) / len(wanted))
                                       ** (-1 / 6), **style)
        dots_style = {"camera": self.camera, "time": t, "axes": axes, "radius": 0.028,
                      "palette": MNIST_PALETTE, "depth_shading": 0.3}
        data_dots = subset(forward, labels, p["dots_per_class"])
        dots = Cloud3D(surface.lift(data_dots), labels=data_dots.labels, **dots_style)
        model_dots = subset(model_run, model_run.labels, p["dots_per_class"])
        model_cloud = Cloud3D(model_surface.lift(model_dots), labels=model_dots.labels,
                              **dots_style)
        shown = ValueTracker(0.0)
        names = self.digit_names(surface, axes, class_anchors(kit.codes, labels), t, shown)

        title = flat(Text("The MNIST latent density as a surface", font_size=28))
        title.to_corner(UP + LEFT, buff=0.3)
        bar = TimeBar(time=t, length=3.0, font_size=17).to_corner(DOWN + RIGHT, buff=0.5)
        self.fixed(title, bar)

        def place(words: Text) -> None:
            flat(words).to_edge(DOWN, buff=0.3).to_edge(LEFT, buff=0.4)
            self.fixed(words)

        narrator = Narrator(self, place, font_size=19, line_spacing=0.9)

        # ---- the data: a peak per digit
        self.next_section("data")
        words = narrator.first(f"The density of the {len(kit.codes):,} MNIST test digits' 2D "
                               "latent\ncodes (a kernel density estimate), drawn as a surface."
                               f"\nDots: {data_dots.n_points} of the codes, coloured by digit")
        self.add(surface, dots, names)  # names over dots over the surface
        surface.set_opacity(0.0)
        dots.set_opacity(0.0)
        self.play(FadeInPlace(title), FadeInPlace(words), FadeInPlace(bar),
                  surface.animate.set_opacity(1.0), dots.animate.set_opacity(1.0),
                  shown.animate.set_value(1.0), run_time=1.0)
        self.begin_ambient_camera_rotation(rate=0.07)
        self.wait(3.0)

        # ---- the forward process melts it
        self.next_section("noise")
        narrator.say("The forward process noises every code: the surface is p_t,\n"
                     "the density of the codes noised to time t. At t = 0 it is\n"
                     "one Gaussian, and the digits are mixed")
        self.play(t.animate.set_value(0.0), run_time=4.0, rate_func=smooth)
        self.wait(0.5)

        # ---- and rises back into the data
        self.next_section("rise")
        self.stop_ambient_camera_rotation()
        narrator.say("Run backwards, p_t rises from the Gaussian into a peak per\n"
                     "digit: the path a diffusion model learns to follow")
        self.move_camera(phi=52 * DEGREES, theta=-62 * DEGREES,
                         added_anims=[t.animate(rate_func=smooth).set_value(1.0)], run_time=6)
        self.wait(1.0)

        # ---- the model's samples rebuild it
        self.next_section("model")
        narrator.say(f"The latent model's own samples ({SAMPLES_PER_CLASS} per digit,\n"
                     f"DDIM in {p['steps']} steps) start from noise: their\n"
                     "density rebuilds the same surface")
        self.play(t.animate.set_value(0.0), run_time=1.2)
        self.remove(surface)
        self.add(model_surface, model_cloud)
        self.bring_to_front(dots, names)
        model_cloud.set_opacity(0.0)
        self.play(dots.animate.set_opacity(0.0), model_cloud.animate.set_opacity(1.0),
                  run_time=0.4)
        self.remove(dots)
        self.begin_ambient_camera_rotation(rate=-0.08)
        self.play(t.animate.set_value(1.0), run_time=5.0, rate_func=smooth)
        self.wait(1.5)
