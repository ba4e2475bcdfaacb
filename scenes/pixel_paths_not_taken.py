"""Paths not taken in pixel space: the Diffusion Grid picture on digits.

One unconditional sampling run of the pixel model (DDIM with eta = 1, 60 steps) is the
trunk; at t = 0.2, 0.5, 0.8 and 0.95 five fresh runs leave its image with new noise.
Each cell is one branch's image, appearing when its branch leaves and sharpening until
t = 1, coloured by the digit the classifier reads in its end. Early branches become
other digits; late ones keep the trunk's. Last, an early branch is promoted to be the
trunk of a new tree.

Render with ``manim render scenes/pixel_paths_not_taken.py PixelPathsNotTaken`` (add
``-ql`` for a quick look). In a talk script its parameters are ``seed`` (of the trunk)
and ``eta`` (DDIM's noise, above 0); its sections (pause points) are "branches" and
"promote".
"""

from __future__ import annotations

import numpy as np
from _kit import Narrator
from manim import (
    DOWN,
    UP,
    YELLOW,
    Create,
    FadeIn,
    FadeOut,
    Scene,
    Text,
    ValueTracker,
    Write,
    linear,
)

from manim_diffusion.analysis.branching import BranchSet, branch
from manim_diffusion.apps.mnist.branching_grid import BranchingGrid
from manim_diffusion.apps.mnist.pixel_kit import PixelMNIST, load_pixel_mnist
from manim_diffusion.apps.mnist.pixel_metrics import confidences
from manim_diffusion.mobjects import MNIST_PALETTE, FadeInPlace, TimeBar
from manim_diffusion.talk import params

STEPS = 60
BRANCH_TIMES = (0.2, 0.5, 0.8, 0.95)
K = 5
SEED = 10  # a trunk that ends as a clear 7, its t = 0.2 branches as five other digits
ETA = 1.0


def _images(kit: PixelMNIST):  # the grid's "decode": model space to [0, 1] pixels
    return lambda x: kit.to_unit(x)[:, 0]


def _colours(kit: PixelMNIST, tree: BranchSet) -> list[list[str]]:
    """Each cell's ink: the colour of the digit the classifier reads in its branch's end."""
    ends = kit.to_unit(tree.ends.reshape(-1, 1, 28, 28))[:, 0]
    read = kit.classify(ends).reshape(tree.ends.shape[:2])
    return [[MNIST_PALETTE[int(d)] for d in row] for row in read]


def _clearest_other(kit: PixelMNIST, tree: BranchSet, digit: int) -> int:
    """The t = 0.2 branch read most confidently as a digit other than the trunk's."""
    ends = kit.to_unit(tree.ends[0])[:, 0]
    read = kit.classify(ends)
    confidence = confidences(kit.classifier, ends)
    return int(np.argmax(np.where(read != digit, confidence, -1.0)))


class PixelPathsNotTaken(Scene):
    """Branches of one pixel-space sampling run: early ones change the digit, late ones not."""

    def construct(self) -> None:
        p = params({"seed": SEED, "eta": ETA})
        kit = load_pixel_mnist()
        tree = branch(kit.model, "ddim", STEPS, branch_times=BRANCH_TIMES, k=K,
                      seed=int(p["seed"]), eta=float(p["eta"]))
        trunk_digit = int(kit.classify(kit.to_unit(tree.trunk_end[None])[:, 0])[0])
        b_promote, k_promote = 0, _clearest_other(kit, tree, trunk_digit)
        promoted = tree.promote(b_promote, k_promote)

        title = Text("Paths not taken, in pixel space", font_size=32).to_edge(UP, buff=0.3)
        t = ValueTracker(0.0)
        bar = TimeBar(time=t, trajectory=tree.trunk, length=5.0, font_size=18)
        bar.to_edge(DOWN, buff=0.3)
        narrator = Narrator(self, lambda words: words.next_to(bar, UP, buff=0.25),
                            font_size=21, line_spacing=0.9, run_time=0.4)

        self.next_section("branches")
        grid = self.grid(kit, tree, t)
        words = narrator.first(f"One run of the pixel model (DDIM, eta = {float(p['eta']):g}); "
                               f"at each branch time\n{K} new runs leave it with fresh noise. "
                               "Colour: the digit read at the end")
        self.play(Write(title), run_time=0.8)
        self.play(FadeIn(grid), FadeInPlace(bar), FadeInPlace(words), run_time=0.6)
        self.play(t.animate.set_value(1.0), run_time=6.0, rate_func=linear)
        narrator.say("Branches that leave early become other digits;\n"
                     f"by t = 0.95 the trunk's {trunk_digit} is decided")
        self.wait(2.0)

        self.next_section("promote")
        box = grid.cell_frame(b_promote, k_promote, color=YELLOW)
        narrator.say("Promote an early branch (it became another digit):\n"
                     "it is the trunk of a new tree, branched at the same times")
        self.play(Create(box), run_time=0.5)
        self.wait(0.8)
        t2 = ValueTracker(0.0)
        bar2 = TimeBar(time=t2, trajectory=promoted.trunk, length=5.0, font_size=18).move_to(bar)
        grid2 = self.grid(kit, promoted, t2, trunk_label="new trunk")
        trunk_box = grid2.trunk_frame(color=YELLOW)
        self.play(FadeOut(grid), FadeOut(box), FadeOut(bar), FadeIn(grid2), FadeIn(bar2),
                  FadeInPlace(trunk_box), run_time=0.6)
        self.play(t2.animate.set_value(1.0), run_time=5.0, rate_func=linear)
        new_digit = int(kit.classify(kit.to_unit(promoted.trunk_end[None])[:, 0])[0])
        narrator.say(f"Its early branches again go anywhere;\nthe late ones keep its {new_digit}")
        self.wait(2.0)

    @staticmethod
    def grid(kit: PixelMNIST, tree: BranchSet, time: ValueTracker,
             trunk_label: str = "trunk") -> BranchingGrid:
        grid = BranchingGrid(tree, _images(kit), time=time, tile_height=0.95, buff=0.12,
                             trunk_gap=0.7, font_size=22, trunk_label=trunk_label,
                             cell_colors=_colours(kit, tree))
        return grid.move_to([0.0, 0.45, 0.0])

