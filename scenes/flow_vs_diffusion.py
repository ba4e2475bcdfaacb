"""Flow matching against diffusion: the paths that DDPM, DDIM and a flow model take from one noise.

The same 1,500 Gaussian points are sampled three ways: DDPM (stochastic, jagged paths),
DDIM (a deterministic ODE, smooth curves) and a flow matching model (rectified-flow path,
Euler steps). Ten traced paths per panel (points that travel far), kept whole, show
the shape of each; a dashed straight line from each path's start to its end is the
yardstick.

Render with ``manim render scenes/flow_vs_diffusion.py FlowVsDiffusion`` (add ``-ql``
for a quick look). In a talk script its parameters are ``diffusion_model`` (DDPM and
DDIM panels), ``flow_model``, ``n_points`` and ``seed``; its sections (pause points) are
"noise", "paths" and "chords".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator, faint_axes
from manim import (
    BLUE,
    DOWN,
    GREY_B,
    RED,
    TEAL,
    UP,
    WHITE,
    YELLOW,
    Circle,
    Create,
    DashedLine,
    FadeIn,
    Group,
    Scene,
    Text,
    ValueTracker,
    VGroup,
    Write,
    smooth,
)

from manim_diffusion import (
    DistributionCloud,
    TimeBar,
    TrajectoryTracer,
    load_pretrained,
    sample,
)
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.talk import params

DIFFUSION_MODEL = "smiley_ddpm"
FLOW_MODEL = "smiley_flow"
N_POINTS = 1500
N_PATHS = 10
SEED = 0

#: (model parameter, sampler, steps, drawn every k-th row, title, subtitle, colour), in
#: panel order.
PANELS = (
    ("diffusion_model", "ddpm", 1000, 20, "DDPM", "1000 steps, every 20th drawn", RED),
    ("diffusion_model", "ddim", 50, 1, "DDIM", "50 steps", BLUE),
    ("flow_model", "euler", 50, 1, "Flow matching", "rectified flow, 50 Euler steps", TEAL),
)
#: What each panel's paths look like, shown under it once they are drawn.
VERDICTS = (
    "jagged: fresh noise\nat every step",
    "smooth curves:\na deterministic ODE",
    "smooth, but bent: in\ntoward the middle, then out",
)

PANEL_SIZE = 3.7
DATA_RANGE = 2.7  # each panel shows [-DATA_RANGE, DATA_RANGE] in x and y


def traced_indices(x_start: np.ndarray, runs: list, n: int) -> np.ndarray:
    """``n`` samples spread round the origin whose paths are long: one per angle sector.

    In each of ``n`` sectors of the starting angle, the sample whose DDIM and flow paths
    are longest together, among those starting at radius 1 to 2.4 (the centre's points
    all run to the mouth, and far ones could leave the panel). Short paths would hide
    their shape.
    """
    radius = np.linalg.norm(x_start, axis=1)
    sector = np.floor((np.arctan2(x_start[:, 1], x_start[:, 0]) + np.pi) / (2 * np.pi) * n)
    length = sum(np.linalg.norm(np.diff(r.points, axis=0), axis=2).sum(axis=0) for r in runs)
    length = np.where((radius > 1.0) & (radius < 2.4), length, -1.0)
    return np.array([np.argmax(np.where(sector == k, length, -2.0)) for k in range(n)])


def run_samplers(p: dict, x_start: np.ndarray) -> list:
    """One trajectory per panel, all from ``x_start``, with the models named in ``p``."""
    models = {key: load_pretrained(p[key]) for key in ("diffusion_model", "flow_model")}
    return [sample(models[key], sampler, steps, x_start=x_start, seed=p["seed"],
                   record_predictions=False)
            for key, sampler, steps, *_ in PANELS]


class FlowVsDiffusion(Scene):
    """DDPM's jagged paths, DDIM's smooth curves and a flow model's paths, from one noise."""

    def construct(self) -> None:
        p = params({"diffusion_model": DIFFUSION_MODEL, "flow_model": FLOW_MODEL,
                    "n_points": N_POINTS, "seed": SEED})
        x_start = np.random.default_rng(p["seed"]).standard_normal(
            (p["n_points"], 2)).astype(np.float32)
        runs = run_samplers(p, x_start)
        traced = traced_indices(x_start, runs[1:], N_PATHS)  # by the DDIM and flow paths
        t = ValueTracker(0.0)

        title = Text("Diffusion against flow matching: one noise, three paths to data",
                     font_size=30).to_edge(UP, buff=0.25)
        panels, tracers, starts, chords, verdicts = (VGroup() for _ in range(5))
        clouds = Group()  # the clouds are image mobjects
        for k, ((_, _, _, every, label, subtitle, colour), traj) in enumerate(
                zip(PANELS, runs, strict=True)):
            axes = faint_axes(DATA_RANGE, PANEL_SIZE)
            axes.move_to([(k - 1) * (PANEL_SIZE + 0.65), 0.6, 0])
            heading = VGroup(
                Text(label, font_size=24, color=colour),
                Text(subtitle, font_size=16, color=GREY_B),
            ).arrange(DOWN, buff=0.08).next_to(axes, UP, buff=0.25)
            panels.add(VGroup(axes, heading))
            clouds.add(DistributionCloud(traj, time=t, axes=axes, radius=0.018, color=colour,
                                         opacity=0.6))
            tracers.add(TrajectoryTracer(traj.thin(every), time=t, axes=axes, indices=traced,
                                         tail_length=0.6 if every > 1 else 1.0, color=WHITE,
                                         stroke_width=1.4 if every > 1 else 1.8,
                                         stroke_opacity=0.6 if every > 1 else 1.0,
                                         head_radius=0.045))
            first, last = traj.points[0, traced], traj.final[traced]
            starts.add(*[Circle(radius=0.06, color=WHITE, stroke_width=1.5)
                         .move_to(axes.c2p(*p)) for p in first])
            chords.add(*[DashedLine(axes.c2p(*a), axes.c2p(*b), color=YELLOW,
                                    stroke_width=2.0, dash_length=0.07)
                         for a, b in zip(first, last, strict=True)])
            verdicts.add(Text(VERDICTS[k], font_size=17, color=colour, line_spacing=0.8)
                         .next_to(axes, DOWN, buff=0.1))

        bar = TimeBar(time=t, length=5.0, font_size=18).move_to([0, -2.55, 0])

        narrator = Narrator(self, lambda words: words.move_to([0, -3.4, 0]), font_size=18)
        words = narrator.first(
            f"The same {p['n_points']:,} points of Gaussian noise start in all three panels;\n"
            f"circles mark {N_PATHS} points that travel far; their paths are traced")

        self.next_section("noise")
        self.play(Write(title), FadeInPlace(panels), run_time=1.2)
        self.play(FadeIn(clouds), FadeIn(starts), FadeInPlace(bar), FadeInPlace(words),
                  run_time=1.0)
        self.add(tracers)
        self.wait(1.5)

        self.next_section("paths")
        narrator.say("One clock for all three, t = 0 noise to t = 1 data. The diffusion\n"
                     "samplers barely move until halfway; the flow moves from the start")
        self.play(t.animate.set_value(1.0), run_time=10.0, rate_func=smooth)
        self.play(FadeInPlace(verdicts), run_time=0.8)
        self.wait(2.0)

        self.next_section("chords")
        narrator.say("Yellow dashes: the straight line from each start to its end. Flow matching\n"
                     "trains on straight lines, but random noise-data pairs cross, so the\n"
                     "learned flow first pulls every point toward the middle")
        self.play(Create(chords), run_time=1.5)
        self.wait(2.5)
        narrator.say("DDIM and the flow end each path at nearly the same point: both\n"
                     "follow the same deterministic map, on different schedules")
        self.wait(3.0)
