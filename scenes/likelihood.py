"""Likelihood through the probability-flow ODE: a learned model's log p against the truth.

The shipped three-dots flow model's log-density at every point of the plane, found by
carrying each point back to the noise along the model's ODE and adding up the
divergence of its velocity on the way, beside the exact log-density of the Gaussian
mixture it learned, and their gap. Then the same at earlier times (a shorter path to
the noise), and last a cloud of samples flowing from noise to data, each point
coloured by its log-density at the moment (d/dt log p = -div v along its path).

Render with ``manim render scenes/likelihood.py Likelihood`` (add ``-ql`` for a quick
look). In a talk script its parameters are ``model`` (a shipped 2D three-dots model),
``steps`` (the ODE steps of each heat map), ``n_points`` and ``seed`` (the flowing
cloud); its sections (pause points) are "heatmap", "time" and "paths".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator, faint_axes
from manim import (
    UP,
    FadeIn,
    FadeOut,
    Group,
    Scene,
    Text,
    ValueTracker,
    VGroup,
    Write,
    linear,
    smooth,
)

from manim_diffusion import (
    DistributionCloud,
    GaussianMixture,
    LikelihoodHeatmap,
    TimeBar,
    load_pretrained,
    log_density_along,
    sample,
)
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.mobjects.palettes import INFERNO
from manim_diffusion.talk import params

MODEL = "three_dots_flow"
STEPS = 16
N_POINTS = 1200
SEED = 0
PATH_STEPS = 40  # Heun steps of the flowing cloud's run
RESOLUTION = 40
TIME_STEP = 0.2  # the heat maps' shown times: one ODE solve each
PANEL = 3.4  # side of a heat-map panel
DATA_RANGE = 3.0
PANEL_X = (-4.75, -0.3, 3.8)
PANEL_Y = 0.15
TIMES = (0.8, 0.6, 0.4)  # the earlier times of the "time" section
HEADINGS = ("learned flow, through its ODE", "exact mixture", "gap: |ODE - exact|")


def values_at(times: np.ndarray, rows: np.ndarray, t: float) -> np.ndarray:
    """``rows`` (one per time) interpolated linearly at ``t``, as the cloud moves."""
    i = int(np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2))
    w = float(np.clip((t - times[i]) / (times[i + 1] - times[i]), 0.0, 1.0))
    return (1.0 - w) * rows[i] + w * rows[i + 1]


class Likelihood(Scene):
    """A learned flow's ODE log-likelihood beside the exact one, then log p along paths."""

    def front(self, *moving: object) -> None:
        """Put the time-driven mobjects last, so the static ones are drawn once per play.

        Manim redraws every mobject from the first one with an updater onwards.
        """
        self.bring_to_front(*moving)

    def construct(self) -> None:
        p = params({"model": MODEL, "steps": STEPS, "n_points": N_POINTS, "seed": SEED})
        model = load_pretrained(p["model"])
        exact = GaussianMixture.three_dots(schedule=model.schedule)
        title = Text("Likelihood through the probability-flow ODE", font_size=32)
        title.to_edge(UP, buff=0.25)
        t = ValueTracker(1.0)
        axes = [faint_axes(DATA_RANGE, PANEL).move_to([x, PANEL_Y, 0]) for x in PANEL_X]
        bar_config = {"length": 2.4, "font_size": 16, "buff": 0.15}
        ode = LikelihoodHeatmap(model, time=t, axes=axes[0], exact=exact, steps=p["steps"],
                                resolution=RESOLUTION, time_step=TIME_STEP,
                                colorbar_config={**bar_config, "label": "log p"})
        panels = Group(ode, ode.companion("exact", axes=axes[1], colorbar=False),
                       ode.companion("error", axes=axes[2], value_range=(0.0, 2.0),
                                     colorbar_config={**bar_config, "label": "gap"}))
        headings = VGroup(*[Text(h, font_size=20).move_to(ax.get_top() + 0.32 * UP)
                            for h, ax in zip(HEADINGS, axes, strict=True)])
        narrator = Narrator(self, lambda words: words.move_to([0, -3.05, 0]), font_size=20)
        words = narrator.first("Carry each point back to the noise along the model's ODE, and add\n"
                               "up the divergence of its velocity on the way")

        self.next_section("heatmap")
        self.play(Write(title), FadeIn(panels), FadeInPlace(VGroup(headings, words)),
                  run_time=1.2)
        self.front(panels)
        self.wait(1.5)
        gap = np.abs(ode.log_prob() - panels[1].log_prob())
        near = panels[1].log_prob() > ode.value_range[1] - 5
        narrator.say(f"Where the data lies they agree (mean gap {gap[near].mean():.2f});\n"
                     "far from it, where the model saw no samples, they part")
        self.front(panels)
        self.wait(2.5)

        self.next_section("time")
        bar = TimeBar(time=t, length=4.0, font_size=16).move_to([0, -2.2, 0])
        narrator.say("At earlier times the density is blurred, the path to the\n"
                     "noise is shorter, and the learned log p is nearer the truth",
                     FadeInPlace(bar))
        self.front(panels, bar)
        for stop in TIMES:
            self.play(t.animate.set_value(stop), run_time=0.8, rate_func=smooth)
            self.wait(0.7)
        self.play(t.animate.set_value(1.0), run_time=0.8, rate_func=smooth)

        self.next_section("paths")
        self._paths(p, model, exact, narrator, ode, Group(panels[1:], headings[1:], bar))

    def _paths(self, p: dict, model: object, exact: GaussianMixture, narrator: Narrator,
               ode: LikelihoodHeatmap, leaving: Group) -> None:
        """Samples flowing from noise to data, coloured by their current log-density."""
        value_range = ode.value_range
        run = sample(model, "heun", PATH_STEPS, n=p["n_points"], seed=p["seed"],
                     record_predictions=False)
        rows = log_density_along(run, model, progress=False)
        axes = faint_axes(DATA_RANGE, 4.4).move_to([2.0, 0.4, 0])
        s = ValueTracker(0.0)
        cloud = DistributionCloud(run, time=s, axes=axes, radius=0.026, values=rows[0],
                                  colormap=INFERNO, value_range=value_range)
        cloud.add_updater(lambda c: c.set_values(values_at(run.times, rows, s.get_value()),
                                                 INFERNO, value_range))
        heading = Text("its samples, coloured by their log p now", font_size=20)
        heading.move_to(axes.get_top() + 0.3 * UP)
        bar = TimeBar(time=s, length=3.0, font_size=16).move_to([2.0, -2.2, 0])
        self.play(FadeOut(leaving), run_time=0.8)
        narrator.say("Along a path of the ODE, d/dt log p = -div v: each sample\n"
                     "carries its log-density with it as it flows",
                     FadeIn(axes), FadeInPlace(VGroup(heading, bar)), FadeIn(cloud))
        self.front(ode, cloud, bar)
        self.play(s.animate.set_value(1.0), run_time=6.0, rate_func=linear)
        final = exact.log_prob(run.final.astype(np.float64))
        narrator.say(f"At the data: mean log p {np.mean(rows[-1]):.2f} by the model's ODE,\n"
                     f"{np.mean(final):.2f} by the exact mixture")
        self.front(ode, cloud, bar)
        self.wait(2.5)
