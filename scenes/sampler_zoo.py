"""Sampler zoo: one model, the same starting noise, five samplers side by side, then their cost.

DDPM, DDIM, Heun's ODE solver, DPM-Solver++(2M) and the reverse SDE turn the same 2,000
Gaussian points into a smiley under one clock; a last panel plots each sampler's sample
error (energy distance to fresh data) against the number of network evaluations (NFE).

Render with ``manim render scenes/sampler_zoo.py SamplerZoo`` (add ``-ql`` for a quick look).
In a talk script its parameters are ``model``, ``dataset`` (the data the errors are
measured against), ``n_points`` and ``seed``; its sections (pause points) are "noise",
"sample" and "cost".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator, faint_axes
from manim import (
    BLUE,
    DOWN,
    GREEN,
    GREY_B,
    LEFT,
    ORIGIN,
    PINK,
    RED,
    RIGHT,
    UP,
    WHITE,
    YELLOW,
    Axes,
    Circle,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    Line,
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
    energy_distance,
    energy_distance_floor,
    load_pretrained,
    make_dataset,
    sample,
)
from manim_diffusion.analysis.evaluate import EVAL_DATA_SEED
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.mobjects.renderer import VPath
from manim_diffusion.talk import params

MODEL = "smiley_ddpm"
DATASET = "smiley"
N_POINTS = 2000
SEED = 0

#: (sampler, label, steps in its panel, colour), in panel order.
PANELS = (
    ("ddpm", "DDPM", 1000, RED),
    ("ddim", "DDIM", 50, BLUE),
    ("heun", "Heun ODE", 25, GREEN),
    ("dpm++2m", "DPM-Solver++", 20, YELLOW),
    ("sde", "Reverse SDE", 1000, PINK),
)
#: Step counts of each sampler in the error-against-cost panel.
SWEEP = {
    "ddpm": (10, 25, 100, 250, 1000),
    "ddim": (5, 10, 20, 50, 100),
    "heun": (3, 5, 10, 25, 50),
    "dpm++2m": (5, 10, 20, 50),
    "sde": (10, 25, 100, 250, 1000),
}
FLOOR_DRAWS = 8  # the floor is the mean energy distance between pairs of real-data draws

PANEL_SIZE = 2.3  # side of a sampler panel, scene units
LOG_NFE = (0.4, 3.15)  # x range of the cost plot: log10 of the number of evaluations
LOG_ED = (-3.25, -1.15)  # y range: log10 of the energy distance


def run_samplers(model, x_start: np.ndarray, dataset: str, seed: int) -> tuple[dict, dict, float]:
    """The panels' trajectories, the sweep's (NFE, energy distance) pairs and the floor."""
    n_points = len(x_start)
    ref = make_dataset(dataset, n_points, seed=EVAL_DATA_SEED)
    panels = {name: sample(model, name, steps, x_start=x_start, seed=seed)
              for name, _, steps, _ in PANELS}
    sweep = {}
    for name, counts in SWEEP.items():
        rows = []
        for steps in counts:
            traj = panels[name] if steps == panels[name].n_steps else sample(
                model, name, steps, x_start=x_start, seed=seed, record_predictions=False)
            rows.append((traj.nfe, energy_distance(traj.final, ref)))
        sweep[name] = rows
    floor = float(np.mean([
        energy_distance_floor(lambda n, s: make_dataset(dataset, n, s), n_points, seed=k)
        for k in range(FLOOR_DRAWS)]))
    return panels, sweep, floor


class SamplerZoo(Scene):
    """Five samplers of one DDPM model, on one clock, and their error against their cost."""

    def construct(self) -> None:
        p = params({"model": MODEL, "dataset": DATASET, "n_points": N_POINTS, "seed": SEED})
        x_start = np.random.default_rng(p["seed"]).standard_normal(
            (p["n_points"], 2)).astype(np.float32)
        panels, sweep, floor = run_samplers(load_pretrained(p["model"]), x_start, p["dataset"],
                                            p["seed"])
        t = ValueTracker(0.0)

        title = Text("Sampler zoo: one model, the same noise, five samplers",
                     font_size=30).to_edge(UP, buff=0.25)

        # ---- five sampler panels, a 3 + 2 grid on the left
        centres = [(-5.45, 1.5), (-2.7, 1.5), (0.05, 1.5), (-5.45, -1.75), (-2.7, -1.75)]
        cells, clouds, tracers = VGroup(), [], []
        for (name, label, steps, colour), (cx, cy) in zip(PANELS, centres, strict=True):
            traj = panels[name]
            axes = faint_axes(3.2, PANEL_SIZE, stroke_width=1.5)
            axes.move_to([cx, cy, 0])
            name_text = Text(label, font_size=20, color=colour)
            cost = Text(f"{steps} steps · {traj.nfe} NFE", font_size=15, color=GREY_B)
            heading = VGroup(name_text, cost).arrange(DOWN, buff=0.08)
            heading.next_to(axes, UP, buff=0.08)
            cells.add(VGroup(axes, heading))
            clouds.append(DistributionCloud(traj, time=t, axes=axes, radius=0.016,
                                            color=colour, opacity=0.85))
            thin = max(1, traj.n_steps // 100)  # ~100 rows per path keep DDPM's jitter
            tracers.append(TrajectoryTracer(traj.thin(thin), time=t, axes=axes, n_paths=6,
                                            seed=p["seed"], tail_length=0.5, stroke_width=1.3,
                                            color=WHITE, head_radius=0.03))

        bar = TimeBar(time=t, length=5.2, font_size=18)
        bar.move_to([-2.7, -3.45, 0])

        narrator = Narrator(  # in the free sixth cell of the grid
            self, lambda words: words.move_to([0.0, -1.45, 0], aligned_edge=LEFT).shift(
                LEFT * 1.15), font_size=17, line_spacing=0.9)
        words = narrator.first(f"The same {p['n_points']:,} points\nof Gaussian noise\n"
                               "start in every panel")

        self.next_section("noise")
        self.play(Write(title), FadeInPlace(cells), run_time=1.2)
        self.play(*[FadeIn(c) for c in clouds], FadeInPlace(bar), FadeInPlace(words), run_time=1.0)
        self.add(*tracers)
        self.wait(1.0)

        self.next_section("sample")
        narrator.say("One clock for all five:\nt runs from 0 (noise)\nto 1 (data)")
        self.play(t.animate.set_value(1.0), run_time=9.0, rate_func=smooth)
        narrator.say("DDPM and the SDE add\nfresh noise at every\nstep: jagged paths.\n"
                     "DDIM, Heun and\nDPM-Solver++ solve an\nODE: smooth paths")
        self.wait(2.0)

        # ---- error against cost
        self.next_section("cost")
        plot = self.cost_plot(sweep, floor)
        self.play(FadeInPlace(plot["frame"]), run_time=1.0)
        self.play(Create(plot["floor"]), FadeInPlace(plot["floor_label"]), run_time=0.8)
        for name, *_ in PANELS:
            self.play(Create(plot["curves"][name]), FadeInPlace(plot["dots"][name]), run_time=0.7)
        narrator.say("Rings: the runs in\nthe panels. Lower is\nbetter, left is cheaper")
        self.play(FadeInPlace(plot["rings"]), run_time=0.8)
        self.wait(1.5)
        narrator.say("DPM-Solver++ is close\nafter 10 evaluations,\nDDPM needs hundreds.\n"
                     "Near the floor, the\ngaps are within the\nmetric's noise at\n"
                     f"{p['n_points']:,} samples")
        self.wait(3.0)

    def cost_plot(self, sweep: dict, floor: float) -> dict:
        """Energy distance against NFE on log-log axes, with Text tick labels (no LaTeX)."""
        # the axes run over offsets from the lower-left corner, so both axis lines sit
        # at the corner (manim puts an axis at the other's zero)
        x0, y0 = LOG_NFE[0], LOG_ED[0]
        axes = Axes(x_range=[0, LOG_NFE[1] - x0, 1], y_range=[0, LOG_ED[1] - y0, 1],
                    x_length=4.25, y_length=4.5, tips=False,
                    axis_config={"include_ticks": False, "stroke_width": 2, "color": GREY_B})
        axes.move_to([4.7, 0.45, 0])

        def at(log_nfe: float, log_ed: float) -> np.ndarray:
            return axes.c2p(log_nfe - x0, log_ed - y0)

        ticks = VGroup()
        for decade in (1, 10, 100, 1000):
            for k in range(1, 10):
                v = np.log10(decade * k)
                if not LOG_NFE[0] <= v <= LOG_NFE[1]:
                    continue
                p = at(v, y0)
                ticks.add(Line(p, p + UP * (0.12 if k == 1 else 0.06), color=GREY_B,
                               stroke_width=1.5))
                if k == 1:
                    ticks.add(Text(f"{decade}", font_size=15, color=GREY_B)
                              .next_to(p, DOWN, buff=0.1))
        for value in (0.001, 0.003, 0.01, 0.03):
            p = at(x0, np.log10(value))
            ticks.add(Line(p, p + RIGHT * 0.1, color=GREY_B, stroke_width=1.5))
            ticks.add(Text(f"{value:g}", font_size=15, color=GREY_B)
                      .next_to(p, LEFT, buff=0.1))
        x_label = Text("network evaluations (NFE)", font_size=17, color=GREY_B)
        x_label.next_to(axes, DOWN, buff=0.42)
        heading = Text("sample error: energy distance to data", font_size=17)
        heading.next_to(axes, UP, buff=0.15).set_x(VGroup(axes, ticks).get_x())

        legend = VGroup()
        for _, label, _, colour in PANELS:
            legend.add(VGroup(Line(ORIGIN, RIGHT * 0.3, color=colour, stroke_width=3),
                              Text(label, font_size=15, color=colour)).arrange(RIGHT, buff=0.1))
        legend.arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        legend.next_to(at(*LOG_NFE[1:], *LOG_ED[1:]), DOWN + LEFT, buff=0.12)

        y_floor = np.log10(floor)
        floor_line = DashedLine(at(x0, y_floor), at(LOG_NFE[1], y_floor),
                                color=WHITE, stroke_width=2, dash_length=0.08)
        floor_label = Text("floor: real data against real data", font_size=13, color=WHITE)
        floor_label.next_to(at(x0, y_floor), DOWN, buff=0.08, aligned_edge=LEFT)
        floor_label.shift(RIGHT * 0.15)

        curves, dots, rings = {}, {}, VGroup()
        panel_steps = {name: steps for name, _, steps, _ in PANELS}
        colours = {name: colour for name, _, _, colour in PANELS}
        for i, (name, rows) in enumerate(sweep.items()):
            pts = [at(np.log10(nfe), np.log10(ed)) for nfe, ed in rows]
            curves[name] = VPath(stroke_color=colours[name], stroke_width=2.5)
            curves[name].set_points_as_corners(pts)
            dots[name] = VGroup(*[Dot(p, radius=0.04, color=colours[name]) for p in pts])
            k = SWEEP[name].index(panel_steps[name])
            ring = Circle(radius=0.09 + 0.035 * i, color=colours[name], stroke_width=2)
            rings.add(ring.move_to(pts[k]))  # nested radii: rings at one spot stay apart
        frame = VGroup(axes, ticks, x_label, heading, legend)
        return {"frame": frame, "floor": floor_line, "floor_label": floor_label,
                "curves": curves, "dots": dots, "rings": rings}
