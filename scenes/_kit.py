"""What every shipped scene shares: the narrator's captions and faint axes.

A scene imports it as ``from _kit import Narrator, faint_axes`` (``manim render``
puts the scene's folder on ``sys.path``). Each scene keeps its own caption size,
place and pace, given to :class:`Narrator`; the kit only does the fading.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from manim import GREY_B, Animation, Axes, Scene, Text

from manim_diffusion.mobjects import FadeInPlace, FadeOutPlace

__all__ = ["LAYOUT_REPORT_ENV", "Narrator", "faint_axes", "report_layout"]

#: Set to a file path, every scene rendered in this process checks its layout at the end
#: of each section (:func:`~manim_diffusion.mobjects.layout.watch_layout`) and writes the
#: problems there as a JSON list: the scene tests read it from their own renders.
LAYOUT_REPORT_ENV = "MANIM_DIFFUSION_LAYOUT_REPORT"


def report_layout(path: str | os.PathLike[str]) -> None:
    """Make every ``Scene`` rendered from now on write its layout problems to ``path``."""
    from manim_diffusion.mobjects.layout import watch_layout

    setup = Scene.setup

    def checked_setup(scene: Scene) -> None:
        setup(scene)
        problems = watch_layout(scene)
        construct = scene.construct

        def construct_and_report() -> None:
            construct()
            Path(path).write_text(json.dumps([str(p) for p in problems]), encoding="utf-8")

        scene.construct = construct_and_report  # type: ignore[method-assign]

    Scene.setup = checked_setup  # type: ignore[method-assign]


if os.environ.get(LAYOUT_REPORT_ENV):
    report_layout(os.environ[LAYOUT_REPORT_ENV])


def faint_axes(extent: float, length: float, opacity: float = 0.25, **axis_config: Any) -> Axes:
    """Square axes from ``-extent`` to ``extent``, ``length`` long, faint and without ticks.

    ``axis_config`` adds to (or overrides) the faint style, e.g. ``stroke_width=1.5``.
    """
    return Axes(x_range=[-extent, extent, 1], y_range=[-extent, extent, 1], x_length=length,
                y_length=length, tips=False,
                axis_config={"stroke_opacity": opacity, "include_ticks": False, **axis_config})


class Narrator:
    """The scene's caption: one grey Text at a time, swapped with a fade.

    ``place(words)`` moves a new caption where the scene wants it (it may read the
    caption's own size, and take keywords that :meth:`caption` passes on);
    ``font_size`` and ``line_spacing`` shape it; ``run_time`` is the default length of
    a swap. ``words`` is the caption on screen (or about to be). Captions fade where
    they are (:class:`~manim_diffusion.mobjects.FadeInPlace`): the frames of ``FadeIn``
    and ``FadeOut`` without their deep copies of each caption.
    """

    def __init__(self, scene: Scene, place: Callable[..., Any], *, font_size: float,
                 line_spacing: float = 0.8, run_time: float = 0.6,
                 color: Any = GREY_B) -> None:
        self.scene = scene
        self.place = place
        self.font_size = font_size
        self.line_spacing = line_spacing
        self.run_time = run_time
        self.color = color
        self.words: Text | None = None

    def caption(self, text: str, **where: Any) -> Text:
        """A new caption, placed (``place(words, **where)``) but not shown, nor ``words``."""
        words = Text(text, font_size=self.font_size, color=self.color,
                     line_spacing=self.line_spacing)
        self.place(words, **where)
        return words

    def first(self, text: str) -> Text:
        """The first caption: placed and kept as ``words``, for the scene to fade in."""
        self.words = self.caption(text)
        return self.words

    def say(self, text: str | Text, *also: Animation, run_time: float | None = None) -> Text:
        """Fade the caption out and ``text`` (or a made caption) in, with ``also``."""
        new = self.caption(text) if isinstance(text, str) else text
        old = self.words
        assert old is not None, "say() before first()"
        self.scene.play(FadeOutPlace(old), FadeInPlace(new), *also,
                        run_time=self.run_time if run_time is None else run_time)
        self.words = new
        self._settle(new)
        return new

    def _settle(self, words: Text) -> None:
        """Put a shown caption first in the drawing order, under the moving mobjects.

        Manim draws the mobjects before the first moving one once per ``play`` and
        reuses that picture; a caption after a cloud would be drawn again on every
        frame, glyph by glyph.
        """
        self.scene.bring_to_back(words)

    def hide(self, run_time: float | None = None) -> None:
        """Fade the caption out (and show nothing until :meth:`show`)."""
        self.scene.play(FadeOutPlace(self.words),
                        run_time=self.run_time if run_time is None else run_time)

    def show(self, text: str, *also: Animation, run_time: float | None = None) -> Text:
        """Fade a new caption in where none is shown (after :meth:`hide`), with ``also``."""
        self.words = self.caption(text)
        self.scene.play(FadeInPlace(self.words), *also,
                        run_time=self.run_time if run_time is None else run_time)
        self._settle(self.words)
        return self.words
