"""Paths not taken: one latent-MNIST sampling run, re-sampled from four moments.

A DDPM run in the 2D latent plane of the shipped VAE (the trunk) is branched at
t = 0.2, 0.5, 0.8 and 0.95: six fresh runs leave the trunk's point at each time with
new noise. Each cell of the grid is one branch's decoded digit, appearing when its
branch leaves and sharpening until t = 1. Asked for a 3 (classifier-free guidance),
every branch is a 3 and only the early ones differ in style; without a class, early
branches become other digits and only the late ones keep the trunk's. Last, one
early branch is promoted to be the trunk of a new tree.

Render with ``manim render scenes/diffusion_grid.py DiffusionGrid`` (add ``-ql`` for
a quick look). In a talk script its parameters are ``digit`` and ``seed`` (the guided
run's class and seed) and ``steps`` (of both runs); its sections (pause points) are
"guided", "free" and "promote".
"""

from __future__ import annotations

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
from manim_diffusion.apps.mnist.latent import load_latent_mnist
from manim_diffusion.mobjects import FadeInPlace, FadeOutPlace
from manim_diffusion.mobjects.timebar import TimeBar
from manim_diffusion.talk import params

SAMPLER = "ddpm"
STEPS = 150
BRANCH_TIMES = (0.2, 0.5, 0.8, 0.95)
K = 6
DIGIT = 3  # the class of the guided run
SEED_GUIDED = 0
SEED_FREE = 2  # an unconditional trunk that ends as a clear 9
PROMOTE = (0, 1)  # an early branch of the unconditional tree that became another digit


def a_digit(digit: int) -> str:
    """The digit with its article: "a 3", "an 8"."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


class DiffusionGrid(Scene):
    """Branches of one latent sampling run: early ones change the digit, late ones do not."""

    def construct(self) -> None:
        p = params({"digit": DIGIT, "steps": STEPS, "seed": SEED_GUIDED})
        digit = a_digit(p["digit"])
        kit = load_latent_mnist()
        guided = branch(kit.model, SAMPLER, p["steps"], branch_times=BRANCH_TIMES, k=K,
                        seed=p["seed"], labels=p["digit"], guidance=kit.guidance)
        free = branch(kit.model, SAMPLER, p["steps"], branch_times=BRANCH_TIMES, k=K,
                      seed=SEED_FREE)
        promoted = free.promote(*PROMOTE)
        new_digit = int(kit.classify(kit.decode(promoted.trunk_end[None]))[0])

        title = Text("Paths not taken: branching one sampling run", font_size=32)
        title.to_edge(UP, buff=0.3)
        self.next_section("guided")
        self.play(Write(title), run_time=1.0)

        t = ValueTracker(0.0)
        bar = TimeBar(time=t, length=5.0, font_size=18).to_edge(DOWN, buff=0.35)
        narrator = Narrator(self, lambda words: words.move_to([0.0, -2.35, 0.0]), font_size=22,
                            line_spacing=0.9)
        caption = narrator.first(f"A DDPM run in the VAE's latent plane, asked for {digit}.\n"
                                 f"At each branch time, {K} new runs leave it with fresh noise.")
        grid = self.grid(guided, kit.decode, t)
        self.play(FadeIn(grid), FadeInPlace(bar), FadeIn(caption), run_time=0.8)
        self.play(t.animate.set_value(1.0), run_time=6.0, rate_func=linear)
        narrator.say(f"Guided to {digit}, every branch is {digit}. Early branches\n"
                     "draw it in other styles; late ones, the trunk's own.")
        self.wait(2.5)

        # ---- no class: early branches become other digits
        self.next_section("free")
        t2 = ValueTracker(0.0)
        bar2 = TimeBar(time=t2, length=5.0, font_size=18).move_to(bar)
        grid2 = self.grid(free, kit.decode, t2)
        new = narrator.caption("Without a class: the same model, unconditional.")
        self.play(FadeOut(grid), FadeOutPlace(bar), FadeOutPlace(narrator.words), FadeIn(grid2),
                  FadeInPlace(bar2), FadeInPlace(new), run_time=0.8)
        narrator.words = new
        self.play(t2.animate.set_value(1.0), run_time=6.0, rate_func=linear)
        narrator.say("Branches that leave early end as other digits;\n"
                     "from t = 0.95 on, the digit is already decided.")
        self.wait(2.5)

        # ---- promote one early branch to a new trunk
        self.next_section("promote")
        b, k = PROMOTE
        box = grid2.cell_frame(b, k, color=YELLOW)
        narrator.say("Promote one early branch: it becomes the trunk\n"
                     "of a new tree, branched at the same times.")
        self.play(Create(box), run_time=0.6)
        grid2.highlight(b, k)
        self.remove(box)
        self.wait(1.5)
        t3 = ValueTracker(0.0)
        bar3 = TimeBar(time=t3, length=5.0, font_size=18).move_to(bar)
        grid3 = self.grid(promoted, kit.decode, t3, trunk_label="new trunk")
        trunk_box = grid3.trunk_frame(color=YELLOW)
        self.play(FadeOut(grid2), FadeOut(bar2), FadeIn(grid3), FadeIn(bar3),
                  FadeInPlace(trunk_box), run_time=0.8)
        self.play(t3.animate.set_value(1.0), run_time=5.0, rate_func=linear)
        narrator.say("Its early branches again become any digit;\n"
                     f"the late ones keep its {new_digit}.")
        self.wait(3.0)

    @staticmethod
    def grid(bs: BranchSet, decode, time: ValueTracker, trunk_label: str = "trunk"
             ) -> BranchingGrid:
        grid = BranchingGrid(bs, decode, time=time, tile_height=0.95, buff=0.12,
                             trunk_gap=0.7, font_size=22, trunk_label=trunk_label)
        return grid.move_to([0.0, 0.35, 0.0])
