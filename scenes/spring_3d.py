"""A flow in three dimensions: 3D Gaussian noise flows onto a coil spring while the camera orbits.

The shipped 3D flow-matching model (``spring_flow``, trained on the ``spring`` data set
with the same code as the 2D models) carries 2,000 points from a 3D Gaussian onto a
helix. The points are coloured by the height where each one will land, so the colours
sort themselves into bands as the spring forms; arrows show the model's velocity field
at the current time, turning to face the camera as it orbits, and a few paths are traced.

Render with ``manim render scenes/spring_3d.py Spring3D`` (add ``-ql`` for a quick look).
In a talk script its parameters are ``model``, ``n_points``, ``steps`` and ``seed``; its
sections (pause points) are "noise", "flow" and "spring".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _kit import Narrator
from manim import (
    BLUE,
    DEGREES,
    DL,
    DR,
    GREY_B,
    TEAL,
    UP,
    WHITE,
    YELLOW,
    FadeIn,
    FadeOut,
    Line,
    Mobject,
    Text,
    ThreeDAxes,
    ThreeDScene,
    ValueTracker,
    VGroup,
    linear,
    smooth,
)

from manim_diffusion import (
    Cloud3D,
    DriftField3D,
    TimeBar,
    TrajectoryTracer,
    grid_points_3d,
    load_pretrained,
    sample,
)
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.talk import params

MODEL = "spring_flow"
N_POINTS = 2000
STEPS = 40
SEED = 0
N_PATHS = 8
EXTENT = 2.5  # the axes show [-EXTENT, EXTENT] on every side


def landing_heights(run: Any) -> np.ndarray:
    """Where each point ends, up the spring's axis: the colour it carries all along."""
    return np.asarray(run.final[:, 2], dtype=np.float64)


def far_travellers(run: Any, n: int) -> np.ndarray:
    """``n`` points whose paths are long, spread over the landing heights."""
    heights = landing_heights(run)
    length = np.linalg.norm(np.diff(run.points, axis=0), axis=2).sum(axis=0)
    start = np.linalg.norm(run.points[0], axis=1)
    length = np.where((start > 0.8) & (start < 1.8), length, -1.0)  # paths that stay in view
    bands = np.digitize(heights, np.quantile(heights, np.linspace(0, 1, n + 1)[1:-1]))
    return np.array([np.argmax(np.where(bands == k, length, -1.0)) for k in range(n)])


class Spring3D(ThreeDScene):
    """3D noise flowing onto a spring, drift arrows facing the orbiting camera."""

    def fixed(self, *mobjects: Mobject) -> None:
        """Keep overlays (title, captions, time bar) flat on the screen."""
        self.camera.add_fixed_in_frame_mobjects(*mobjects)

    def construct(self) -> None:
        p = params({"model": MODEL, "n_points": N_POINTS, "steps": STEPS, "seed": SEED})
        model = load_pretrained(p["model"])
        run = sample(model, "euler", p["steps"], n=p["n_points"], seed=p["seed"],
                     record_predictions=False)
        t = ValueTracker(0.0)
        self.set_camera_orientation(phi=72 * DEGREES, theta=-50 * DEGREES, zoom=0.95)

        # ThreeDAxes places the data; three plain lines draw it (the axes' own shaded
        # pieces cost a third of a second per frame in Cairo).
        axes = ThreeDAxes(x_range=[-EXTENT, EXTENT, 1], y_range=[-EXTENT, EXTENT, 1],
                          z_range=[-EXTENT, EXTENT, 1], x_length=4.6, y_length=4.6,
                          z_length=4.6)
        frame = VGroup(*(Line(axes.c2p(*(-EXTENT * e)), axes.c2p(*(EXTENT * e)),
                              stroke_width=1.5, stroke_opacity=0.35) for e in np.eye(3)))
        cloud = Cloud3D(run, camera=self.camera, time=t, axes=axes, radius=0.028,
                        values=landing_heights(run), colormap=[BLUE, TEAL, YELLOW])
        arrows = DriftField3D(model, camera=self.camera, time=t, axes=axes,
                              points=grid_points_3d(2.0, 4), max_length=0.8,
                              stroke_width=1.5, stroke_opacity=0.55)
        paths = TrajectoryTracer(run, time=t, axes=axes, indices=far_travellers(run, N_PATHS),
                                 color=WHITE, stroke_width=1.6, stroke_opacity=0.8)

        title = Text("A flow in 3D: noise onto a spring", font_size=30).to_edge(UP, buff=0.25)
        bar = TimeBar(time=t, length=3.4, font_size=18).to_corner(DR, buff=0.5)
        self.fixed(title, bar)

        def place(words: Text) -> None:
            words.to_corner(DL, buff=0.4)
            self.fixed(words)

        narrator = Narrator(self, place, font_size=18, color=GREY_B)
        words = narrator.first(f"{p['n_points']:,} points of 3D Gaussian\nnoise, coloured by "
                               "where\neach one will land")

        self.next_section("noise")
        self.play(FadeInPlace(title), FadeIn(frame), FadeIn(cloud), FadeInPlace(bar),
                  FadeInPlace(words), run_time=1.0)
        self.begin_ambient_camera_rotation(rate=0.18)
        self.wait(1.5)

        self.next_section("flow")
        narrator.say("Arrows: the model's velocity\nat this time. Same training\n"
                     "and sampling code as in 2D")
        self.add(arrows, paths)
        self.play(t.animate.set_value(0.55), run_time=4.0, rate_func=smooth)
        self.play(t.animate.set_value(1.0), run_time=3.5, rate_func=linear)

        self.next_section("spring")
        narrator.say("On the spring, in bands of\ncolour: neighbours in the noise\n"
                     "land as neighbours on the coil")
        self.play(FadeOut(arrows), run_time=0.8)
        self.stop_ambient_camera_rotation()
        self.move_camera(phi=40 * DEGREES, theta=-100 * DEGREES, zoom=1.3, run_time=3.0)
        self.wait(1.0)
