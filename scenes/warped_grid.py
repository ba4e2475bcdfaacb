"""The flow map bending the plane: a grid of noise carried to the data by two samplers.

A 7 x 7 grid of lines over the noise at t = 0 goes through two deterministic maps side
by side, from the same starting grid: the flow matching smiley model (Euler steps on
its rectified-flow path) and DDIM on the smiley DDPM model. As one clock runs from
noise to data the lines bend and fold onto the smiley, a faint cloud of samples
landing with them; the clock runs back a little to show it is a map; then each piece
of line is coloured by how much the map squeezes or spreads area there (the Jacobian's
determinant).

Render with ``manim render scenes/warped_grid.py WarpedGridScene`` (add ``-ql`` for a
quick look). In a talk script its parameters are ``flow_model``, ``diffusion_model``,
``n_lines`` (lines per axis), ``steps``, ``n_points`` (the faint cloud) and ``seed``;
its sections (pause points) are "grid", "flow", "back" and "stretch".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator, faint_axes
from manim import (
    BLUE_B,
    GREY_A,
    GREY_B,
    TEAL_B,
    UP,
    Axes,
    FadeIn,
    Group,
    Scene,
    Text,
    ValueTracker,
    VGroup,
    smooth,
)

from manim_diffusion import (
    DistributionCloud,
    FlowMap,
    TimeBar,
    WarpedGrid,
    flow_map,
    grid_lines,
    load_pretrained,
    sample,
)
from manim_diffusion.mobjects import FadeInPlace, FadeOutPlace
from manim_diffusion.talk import params

FLOW_MODEL = "smiley_flow"
DIFFUSION_MODEL = "smiley_ddpm"
N_LINES = 7
STEPS = 50
N_POINTS = 1200
SEED = 0

GRID_EXTENT = 2.5  # the grid covers [-2.5, 2.5]^2 of the noise (99% of N(0, I) per axis)
DATA_RANGE = 3.0  # each panel shows [-3, 3] in x and y
PANEL_SIZE = 4.7

#: (model parameter, sampler, title, subtitle, cloud colour), left to right.
PANELS = (
    ("flow_model", "euler", "Flow matching", "smiley flow model, Euler steps", TEAL_B),
    ("diffusion_model", "ddim", "DDIM", "smiley DDPM model, eta = 0", BLUE_B),
)


def make_maps(p: dict) -> tuple[list[FlowMap], list]:
    """The flow map of the grid and a faint cloud's run for each panel, one noise for all."""
    grid = grid_lines(GRID_EXTENT, p["n_lines"], 9 * (p["n_lines"] - 1) + 1)
    noise = np.random.default_rng(p["seed"]).standard_normal((p["n_points"], 2))
    maps, clouds = [], []
    for key, sampler, *_ in PANELS:
        model = load_pretrained(p[key])
        maps.append(flow_map(model, grid, sampler, p["steps"]))
        clouds.append(sample(model, sampler, p["steps"], x_start=noise.astype(np.float32),
                             record_predictions=False))
    return maps, clouds


def panel(k: int, title: str, subtitle: str) -> tuple[Axes, VGroup]:
    """The k-th panel's faint axes and its heading."""
    axes = faint_axes(DATA_RANGE, PANEL_SIZE, opacity=0.2)
    axes.move_to([(2 * k - 1) * 3.45, 0.1, 0])
    name = Text(title, font_size=26, color=GREY_A)
    note = Text(subtitle, font_size=17, color=GREY_B)
    x, top = axes.get_center()[0], axes.get_top()[1]
    for text, height in ((note, 0.42), (name, 0.88)):  # placed by their tops: rows line up
        text.move_to([x, 0, 0]).shift((top + height - text.get_top()[1]) * UP)
    return axes, VGroup(name, note)


class WarpedGridScene(Scene):
    """Two flow maps bend one grid of noise into the smiley; then where they squeeze."""

    def construct(self) -> None:
        p = params({"flow_model": FLOW_MODEL, "diffusion_model": DIFFUSION_MODEL,
                    "n_lines": N_LINES, "steps": STEPS, "n_points": N_POINTS, "seed": SEED})
        maps, runs = make_maps(p)
        t = ValueTracker(0.0)
        title = Text("The flow map: one grid of noise, carried to the data",
                     font_size=28).to_edge(UP, buff=0.25)
        panels, plain, coloured = VGroup(), VGroup(), VGroup()
        clouds = Group()
        for k, ((_, _, name, subtitle, colour), fm, run) in enumerate(
                zip(PANELS, maps, runs, strict=True)):
            axes, heading = panel(k, name, subtitle)
            panels.add(axes, heading)
            clouds.add(DistributionCloud(run, time=t, axes=axes, radius=0.016, color=colour,
                                         opacity=0.35))
            plain.add(WarpedGrid(fm, time=t, axes=axes, color=GREY_A, stroke_width=1.6))
            coloured.add(WarpedGrid(fm, time=t, axes=axes, color_by="stretch", stroke_width=2.0,
                                    stretch_range=(1 / 16, 16)))
        bar = TimeBar(time=t, length=4.6, font_size=16).move_to([-3.45, -2.72, 0])
        legend = coloured[0].stretch_legend(length=3.6, font_size=16)
        legend.move_to([3.45, -2.72, 0])

        narrator = Narrator(self, lambda words: words.move_to([0, -3.45, 0]), font_size=18)
        words = narrator.first(f"A {p['n_lines']} x {p['n_lines']} grid of lines in the noise "
                               "at t = 0: the same grid in both panels")
        self.next_section("grid")
        self.play(FadeInPlace(title), FadeInPlace(panels), FadeInPlace(plain), FadeInPlace(bar),
                  FadeInPlace(words), run_time=1.0)
        self.bring_to_back(title, panels, words)  # the still text first: drawn once a play
        self.wait(0.6)

        self.next_section("flow")
        narrator.say("No noise is added on the way, so the grid is carried whole: it bends "
                     "and folds onto the smiley", FadeIn(clouds))
        self.bring_to_back(narrator.words)
        self.play(t.animate.set_value(1.0), run_time=5.0, rate_func=smooth)
        self.wait(0.4)

        self.next_section("back")
        narrator.say("Run the clock back and the grid unbends: at each t it is one map of "
                     "the plane")
        self.bring_to_back(narrator.words)
        self.play(t.animate.set_value(0.55), run_time=1.5, rate_func=smooth)
        self.play(t.animate.set_value(1.0), run_time=1.5, rate_func=smooth)

        self.next_section("stretch")
        coloured.update()  # drawn for the tracker's time before they fade in
        narrator.say("Colour: how much the map scales area there (its Jacobian's determinant):"
                     "\nblue is squeezed onto the strokes, red spread over the gaps",
                     FadeOutPlace(plain), FadeInPlace(coloured), FadeInPlace(legend),
                     run_time=0.8)
        self.bring_to_back(narrator.words, legend)
        self.wait(0.8)
        self.play(t.animate.set_value(0.6), run_time=1.3, rate_func=smooth)
        self.play(t.animate.set_value(1.0), run_time=1.3, rate_func=smooth)
        narrator.say("Flow matching moves the grid most in the first half; DDIM barely moves it "
                     "before t = 0.8,\nthen folds it in the last steps")
        self.wait(1.8)
