"""Classifier-free guidance: one noise, one requested class, guidance scales 0, 1, 3 and 7.

The shipped class-conditional three-dots model samples the same 2,000 Gaussian points
four times, always asking for class 0 (the top blob), with guidance scale w = 0, 1, 3
and 7: the guided prediction is ``w * conditional - (w - 1) * unconditional``. The top
row uses DDIM (deterministic), the bottom row DDPM from the same noise and the same
generator seed. Points are coloured by the class centre they end nearest to; the faint
contours are the three classes of the data set. Points that leave a panel are hidden,
and the share of them is printed under it.

Render with ``manim render scenes/guidance.py Guidance`` (add ``-ql`` for a quick look).
In a talk script its parameters are ``class`` (0 top, 1 or 2), ``max_guidance`` (the
fourth column's scale, 7 by default), ``n_points`` and ``seed`` (of the noise); its
sections (pause points) are "setup", "ddim" and "ddpm".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator, faint_axes
from manim import (
    DOWN,
    GREY_B,
    GREY_D,
    LEFT,
    RIGHT,
    UP,
    WHITE,
    FadeIn,
    Rectangle,
    Scene,
    Text,
    ValueTracker,
    VGroup,
    Write,
    smooth,
)

from manim_diffusion import (
    ContourField,
    DistributionCloud,
    TimeBar,
    Trajectory,
    TrajectoryTracer,
    load_pretrained,
    make_dataset,
    sample,
)
from manim_diffusion.mobjects import FadeInPlace
from manim_diffusion.talk import params

MODEL = "three_dots_cond"
N_POINTS = 2000
N_PATHS = 10
SEED = 0
CLASS = 0  # the class every panel asks for: the top blob
SCALES = (0.0, 1.0, 3.0)  # the guidance scales of the first three columns ...
MAX_GUIDANCE = 7.0  # ... and of the fourth
#: (sampler, steps, drawn every k-th row, row title, details): top row, bottom row.
ROWS = (
    ("ddim", 50, 1, "DDIM", "50 steps,\ndeterministic"),
    ("ddpm", 250, 5, "DDPM", "250 steps,\nstochastic"),
)
#: Colour of each class: blue (top, the one asked for), orange, lavender.
PALETTE = ("#58A6FF", "#FF9F1C", "#C3A6FF")
PALETTE_NAMES = ("blue", "orange", "lavender")
SUBTITLES = ("unconditional", "conditional", "guided", "strongly guided")

DATA_RANGE = 3.0  # each panel shows [-DATA_RANGE, DATA_RANGE] in x and y
PANEL_SIZE = 2.1
PANEL_GAP = 0.32


def nearest_class(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the class centre nearest to each point, shape ``(N,)``."""
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1)
    return np.argmin(d2, axis=1)


def clipped_to_panel(trajectory: Trajectory, labels: np.ndarray) -> Trajectory:
    """The run with points outside the panel's box made NaN (not drawn), and labels."""
    points = trajectory.points.copy()
    outside = (np.abs(points) > DATA_RANGE).any(axis=-1)
    points[outside] = np.nan
    return Trajectory(times=trajectory.times, points=points, steps=trajectory.steps,
                      labels=labels, sampler=trajectory.sampler)


def percent(share: float) -> str:
    """A share as a whole percentage, with "<1%" for small nonzero shares."""
    if 0 < share < 0.005:
        return "<1%"
    return f"{100 * share:.0f}%"


class Guidance(Scene):
    """The same noise sampled with guidance 0, 1, 3 and 7 towards one class, DDIM and DDPM."""

    def construct(self) -> None:
        p = params({"class": CLASS, "max_guidance": MAX_GUIDANCE, "n_points": N_POINTS,
                    "seed": SEED})
        asked, scales = p["class"], (*SCALES, float(p["max_guidance"]))
        model = load_pretrained(MODEL)
        data, data_labels = make_dataset("three_dots", 6000, seed=SEED, with_labels=True)
        centres = np.stack([data[data_labels == k].mean(axis=0) for k in range(3)])
        x_start = np.random.default_rng(p["seed"]).standard_normal(
            (p["n_points"], 2)).astype(np.float32)

        runs = []  # per row: per scale (display trajectory, share in class, share off panel)
        for sampler, steps, every, _, _ in ROWS:
            row = []
            for w in scales:
                # same x_start and, for DDPM, the same generator seed in every panel
                traj = sample(model, sampler, steps, x_start=x_start, seed=p["seed"] + 1,
                              labels=asked, guidance=w, record_predictions=False)
                final = traj.final
                near = nearest_class(final, centres)
                share = float(np.mean(near == asked))
                off = float(np.mean((np.abs(final) > DATA_RANGE).any(axis=1)))
                row.append((clipped_to_panel(traj.thin(every), near), share, off))
            runs.append(row)

        t = ValueTracker(0.0)
        title = Text(f"Classifier-free guidance: same noise, all asking for class {asked}",
                     font_size=28).to_edge(UP, buff=0.25)

        # ---- the grid of panels: axes, frame, class contours
        grid_left = -0.5 * (4 * PANEL_SIZE + 3 * PANEL_GAP) + 0.9
        row_y = (1.5, -1.3)
        panels = []  # (axes, frame) per row and column
        statics = VGroup()
        for r in range(len(ROWS)):
            row = []
            for c in range(len(scales)):
                axes = faint_axes(DATA_RANGE, PANEL_SIZE, opacity=0.18)
                x = grid_left + PANEL_SIZE / 2 + c * (PANEL_SIZE + PANEL_GAP)
                axes.move_to([x, row_y[r], 0])
                frame = Rectangle(width=PANEL_SIZE, height=PANEL_SIZE, stroke_color=GREY_D,
                                  stroke_width=1.5).move_to(axes)
                ghosts = VGroup(*[
                    ContourField(data[data_labels == k], axes=axes, masses=(0.5, 0.9),
                                 colors=[PALETTE[k]], stroke_width=1.3, stroke_opacity=0.45)
                    for k in range(3)
                ])
                statics.add(axes, frame, ghosts)
                row.append((axes, frame))
            panels.append(row)

        # headers: tops aligned (every line has a tall letter), so the baselines line up
        w_labels = [Text(f"w = {w:g}", font_size=26) for w in scales]
        subtitles = [Text(sub, font_size=18, color=GREY_B) for sub in SUBTITLES]
        sub_top = panels[0][0][1].get_top()[1] + 0.12 + max(m.height for m in subtitles)
        w_top = sub_top + 0.1 + max(m.height for m in w_labels)
        headers = VGroup()
        for c in range(len(scales)):
            x = panels[0][c][1].get_x()
            for mob, top in ((w_labels[c], w_top), (subtitles[c], sub_top)):
                mob.move_to([x, top - mob.height / 2, 0])
            headers.add(w_labels[c], subtitles[c])
        row_titles = VGroup(*[
            VGroup(
                Text(name, font_size=26, color=WHITE),
                Text(details, font_size=18, color=GREY_B, line_spacing=0.8),
            ).arrange(DOWN, buff=0.12, aligned_edge=LEFT)
            for _, _, _, name, details in ROWS
        ])
        left_edge = panels[0][0][1].get_left()[0] - 0.35 - max(m.width for m in row_titles)
        for r, label in enumerate(row_titles):  # left-aligned, centred on their rows
            label.next_to(panels[r][0][1], LEFT, buff=0.35)
            label.shift(RIGHT * (left_edge - label.get_left()[0]))

        def stats(r: int) -> VGroup:
            group = VGroup()
            for c in range(len(scales)):
                _, share, off = runs[r][c]
                lines = VGroup(Text(f"in class {asked}: {percent(share)}", font_size=16,
                                    color=GREY_B))
                if off > 0:
                    lines.add(Text(f"{percent(off)} off the panel", font_size=16, color=GREY_B))
                group.add(lines.arrange(DOWN, buff=0.06).next_to(panels[r][c][1], DOWN,
                                                                  buff=0.08))
            return group

        def row_mobjects(r: int, time: ValueTracker | float) -> tuple[VGroup, VGroup]:
            clouds, tracers = [], []
            for c in range(len(scales)):
                traj = runs[r][c][0]
                axes = panels[r][c][0]
                clouds.append(DistributionCloud(traj, time=time, axes=axes, radius=0.016,
                                                palette=PALETTE, opacity=0.8))
                tracers.append(TrajectoryTracer(traj, time=time, axes=axes, n_paths=N_PATHS,
                                                seed=p["seed"], palette=PALETTE, tail_length=0.4,
                                                stroke_width=1.4, stroke_opacity=0.9,
                                                head_radius=0.03))
            return clouds, tracers

        bar = TimeBar(time=t, length=2.6, font_size=20)
        bar.to_corner(DOWN + RIGHT, buff=0.3)

        narrator = Narrator(self, lambda words: words.to_corner(DOWN + LEFT, buff=0.35),
                            font_size=20)
        words = narrator.first(
            f"{p['n_points']:,} noise points, the same in every panel, all asking\n"
            f"for class {asked} ({PALETTE_NAMES[asked]}). Colour: the class each ends nearest to")

        self.next_section("setup")
        self.play(Write(title), FadeInPlace(statics), FadeInPlace(headers), run_time=1.5)
        self.play(FadeInPlace(words), FadeInPlace(bar), run_time=0.8)
        self.wait(1.5)

        # ---- top row: DDIM
        self.next_section("ddim")
        clouds, tracers = row_mobjects(0, t)
        self.play(FadeIn(row_titles[0]), *[FadeIn(m) for m in clouds], run_time=0.8)
        self.add(*tracers)
        narrator.say("guided = w · conditional − (w − 1) · unconditional\n"
                     "top row: DDIM, a deterministic sampler")
        self.play(t.animate.set_value(1.0), run_time=6.0, rate_func=smooth)
        top_stats = stats(0)
        self.play(FadeInPlace(top_stats), run_time=0.6)
        off7 = percent(runs[0][-1][2])
        narrator.say(f"w = 0 ignores the class: all three blobs. w = 1: class {asked}.\n"
                     f"w = 3, {scales[-1]:g} push past it, away from the others; {off7} fly off")
        self.wait(3.0)
        for m in (*clouds, *tracers):
            m.set_time(1.0)  # the top row stays at the end while the bottom row runs

        # ---- bottom row: DDPM from the same noise and generator seed
        self.next_section("ddpm")
        t.set_value(0.0)
        clouds2, tracers2 = row_mobjects(1, t)
        narrator.say("bottom row: DDPM, same noise and seed; its fresh noise\n"
                     "at every step pulls overshooting samples back")
        self.play(FadeIn(row_titles[1]), *[FadeIn(m) for m in clouds2], run_time=0.8)
        self.add(*tracers2)
        self.play(t.animate.set_value(1.0), run_time=6.0, rate_func=smooth)
        self.play(FadeInPlace(stats(1)), run_time=0.6)
        off7_ddpm = percent(runs[1][-1][2])
        narrator.say(f"DDPM stays on class {asked} at w = 3; at w = {scales[-1]:g}, "
                     f"{off7_ddpm} still fly off.\n"
                     "With strong guidance, deterministic DDIM overshoots")
        self.wait(3.0)
