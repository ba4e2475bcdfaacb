"""Text that changes every frame, composed from cached glyph outlines (one Text per shape).

Building a Manim ``Text`` costs about 60 ms (Pango writes an SVG, svgelements parses it,
VMobjects are made): a frame's whole budget at 15 fps. A counter such as ``t = 0.27``
or ``step 734 / 1000`` shows a new string nearly every frame. :class:`GlyphCache` lays
out each *shape* of string once (its digits replaced by ``0``: ``t = 0.00``), and the
ten digit glyphs once, then places the digits of any string of that shape into the
slots of its layout. Where the font's digits are tabular (all of one advance, as in
every usual sans font) the result is the outline Pango gives for the whole string, to
float precision; with proportional digits it falls back to one ``Text`` per string.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
from manim import WHITE, ParsableManimColor, Text

from .renderer import VPath, is_opengl

__all__ = ["GlyphCache", "LiveText"]

_DIGITS = "0123456789"
_TABULAR_TOLERANCE = 1e-6  # scene units: digit advances this close count as equal


class GlyphCache:
    """Outlines of strings in one text style, built from a few cached ``Text`` layouts.

    Parameters
    ----------
    font_size
        Font size of the text, as for :class:`~manim.Text`.
    text_config
        Any other keyword arguments of :class:`~manim.Text` (``font``, ``weight``,
        ``slant``...). Colour is not part of the outline: give it to the mobject
        that shows the points.

    Examples
    --------
    .. manim:: GlyphCacheExample
        :save_last_frame:

        from manim_diffusion.mobjects import GlyphCache
        from manim_diffusion.mobjects.renderer import VPath

        class GlyphCacheExample(Scene):
            def construct(self):
                glyphs = GlyphCache(font_size=48)
                rows = VGroup(*[
                    VPath(fill_color=WHITE, fill_opacity=1, stroke_width=0)
                    .set_points(glyphs.outline(f"t = {t:.2f}"))
                    for t in (0.05, 0.27, 0.42, 0.76, 0.97)
                ]).arrange(DOWN)
                note = Text(f"{glyphs.texts_built} Text layouts for 5 labels", font_size=24)
                self.add(rows, note.to_edge(DOWN))
    """

    def __init__(self, font_size: float = 24, text_config: dict[str, Any] | None = None) -> None:
        self.font_size = float(font_size)
        self.text_config = dict(text_config or {})
        #: How many ``Text`` mobjects this cache has built so far.
        self.texts_built = 0
        self._shapes: dict[str, list[np.ndarray] | None] = {}
        self._outlines: dict[str, np.ndarray] = {}
        self._digits: list[np.ndarray] | None = None  # digit glyphs, origin at their cell
        self._tabular: bool | None = None

    def _glyphs(self, s: str) -> list[np.ndarray]:
        """The Bezier points of each glyph of ``s`` (spaces have none), as Pango lays it."""
        self.texts_built += 1
        text = Text(s, font_size=self.font_size, **self.text_config)
        return [np.array(g.points) for g in text.submobjects]

    def _load_digits(self) -> bool:
        """Cache the ten digit glyphs relative to their cell; say whether they are tabular."""
        if self._tabular is None:
            zeros, digits = self._glyphs("0" * 10), self._glyphs(_DIGITS)
            lefts = np.array([g[:, 0].min() for g in zeros]) if len(zeros) == 10 else None
            steps = None if lefts is None else np.diff(lefts)
            self._tabular = bool(
                steps is not None and len(digits) == 10 and np.ptp(steps) < _TABULAR_TOLERANCE
            )
            if self._tabular and steps is not None:
                advance = float(steps.mean())
                origin = np.array([digits[0][:, 0].min(), digits[0][:, 1].min(), 0.0])
                self._digits = [
                    g - origin - np.array([k * advance, 0.0, 0.0]) for k, g in enumerate(digits)
                ]
        return bool(self._tabular)

    def _shape(self, shape: str) -> list[np.ndarray] | None:
        """The glyphs of a shape (digits all ``0``), or None where they cannot be slotted."""
        if shape not in self._shapes:
            glyphs = self._glyphs(shape)
            visible = [c for c in shape if not c.isspace()]
            self._shapes[shape] = glyphs if len(glyphs) == len(visible) else None
        return self._shapes[shape]

    def _compose(self, s: str) -> np.ndarray | None:
        shape = re.sub(r"[0-9]", "0", s)
        has_digits = "0" in shape
        if has_digits and not self._load_digits():
            return None
        glyphs = self._shape(shape)
        if glyphs is None or (has_digits and self._digits is None):
            return None
        visible = [c for c in s if not c.isspace()]
        parts = []
        for char, glyph in zip(visible, glyphs, strict=True):
            if char in _DIGITS and self._digits is not None:
                slot = np.array([glyph[:, 0].min(), glyph[:, 1].min(), 0.0])
                parts.append(self._digits[int(char)] + slot)
            else:
                parts.append(glyph)
        return np.concatenate(parts) if parts else np.zeros((0, 3))

    def outline(self, s: str) -> np.ndarray:
        """Bezier points ``(K, 3)`` of the text ``s``, centred at the origin.

        Parameters
        ----------
        s
            The text. Strings that differ only in their digits share one layout.
        """
        if s not in self._outlines:
            points = self._compose(s)
            if points is None:
                glyphs = self._glyphs(s) if s.strip() else []
                points = np.concatenate(glyphs) if glyphs else np.zeros((0, 3))
            if len(points):
                points = points - (points.min(axis=0) + points.max(axis=0)) / 2
            if is_opengl():  # Pango's outlines run clockwise, which OpenGL's fill of one
                points = points[::-1].copy()  # path of many glyphs breaks (issue 17)
            self._outlines[s] = points
        return self._outlines[s]


class LiveText(VPath):
    """A label whose text is read anew every frame, drawn from a :class:`GlyphCache`.

    Parameters
    ----------
    text
        A function returning the text to show now (called on every update), or a
        fixed string.
    font_size
        Font size, as for :class:`~manim.Text`.
    color
        Fill colour of the text.
    cache
        A :class:`GlyphCache` to share between labels of one style (one is made from
        ``font_size`` and ``text_config`` otherwise).
    text_config
        Other keyword arguments of :class:`~manim.Text` (``font``, ``weight``...).
    kwargs
        Passed to :class:`~manim.VMobject`.

    Examples
    --------
    .. manim:: LiveTextExample

        from manim_diffusion.mobjects import LiveText

        class LiveTextExample(Scene):
            def construct(self):
                k = ValueTracker(1000)
                label = LiveText(lambda: f"step {int(k.get_value())} / 1000", font_size=36)
                self.add(label)
                self.play(k.animate.set_value(0), run_time=2)
    """

    def __init__(
        self,
        text: Callable[[], str] | str,
        font_size: float = 24,
        color: ParsableManimColor = WHITE,
        cache: GlyphCache | None = None,
        text_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(fill_color=color, fill_opacity=1.0, stroke_width=0, **kwargs)
        self.cache = cache if cache is not None else GlyphCache(font_size, text_config)
        self.text_source = text
        self.shown = ""
        self._unscaled_height = 1.0
        self.refresh()
        self.add_updater(lambda m: m.refresh())

    def current_text(self) -> str:
        """The text the label shows now."""
        source = self.text_source
        return source() if callable(source) else str(source)

    def refresh(self) -> LiveText:
        """Show the current text, keeping the label's centre and scale."""
        text = self.current_text()
        if text == self.shown and len(self.points):
            return self
        centre = self.get_center() if len(self.points) else np.zeros(3)
        scale = self.height / self._unscaled_height if len(self.points) else 1.0
        self.shown = text
        points = self.cache.outline(text)
        self._unscaled_height = float(np.ptp(points[:, 1])) if len(points) else 1.0
        self.set_points(points * scale + centre)
        return self
