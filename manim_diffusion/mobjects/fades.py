"""Fades that change a mobject's opacity where it is, without copying it.

Manim's :class:`~manim.FadeIn` and :class:`~manim.FadeOut` are transforms: each one deep
copies its mobject twice when it begins (a faded start and a target), and the cache key
of the ``play`` call serialises those copies again. For a caption (a ``Text`` of 60
glyphs: about 80 ms a copy) or anything that holds a whole sampling run, that costs more
than the frames. :class:`FadeInPlace` and :class:`FadeOutPlace` draw the same frames as
``FadeIn(m)`` and ``FadeOut(m)`` without a shift or a scale (the opacity of every fill
and stroke goes from 0 to its own value along the rate function), and copy nothing but
the colour arrays they scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import Animation, Group, Mobject, VMobject
from manim.mobject.opengl.opengl_vectorized_mobject import OpenGLVMobject

__all__ = ["FadeInPlace", "FadeOutPlace"]

#: The colour arrays of a VMobject that a fade scales (their last column is opacity).
_RGBA_ATTRIBUTES = ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas")
_OPENGL_RGBA_ATTRIBUTES = ("fill_rgba", "stroke_rgba")  # OpenGLVMobject's colour arrays


def _rgba_attributes(m: object) -> tuple[str, ...]:
    """The colour arrays of a vectorised mobject of either renderer (empty for others)."""
    if isinstance(m, OpenGLVMobject):
        return _OPENGL_RGBA_ATTRIBUTES
    return _RGBA_ATTRIBUTES if isinstance(m, VMobject) else ()


class _OpacityFade(Animation):
    """Scale the opacities of ``mobject``'s family from ``start`` to ``end`` times their own."""

    def __init__(self, mobject: Mobject, start: float, end: float, **kwargs: Any) -> None:
        self._start, self._end = start, end
        self._saved: list[tuple[Any, tuple[str, ...], tuple[np.ndarray, ...]]] = []
        super().__init__(mobject, **kwargs)

    def create_starting_mobject(self) -> Mobject:
        # The fade keeps its own copies of the colour arrays: no copy of the mobject.
        return Group()  # a Group follows the renderer (a bare Mobject is Cairo's)

    def begin(self) -> None:
        self._saved = []
        for m in self.mobject.get_family():
            names = _rgba_attributes(m)
            if not names and m.has_points():
                raise TypeError(
                    f"{type(self).__name__} fades vectorised mobjects (VMobject) only, and "
                    f"{type(m).__name__} is not one: use FadeIn / FadeOut for it"
                )
            if names:
                arrays = tuple(np.array(getattr(m, name), dtype=float) for name in names)
                self._saved.append((m, names, arrays))
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        a = self.rate_func(alpha)
        scale = (1.0 - a) * self._start + a * self._end
        for m, names, arrays in self._saved:
            for name, saved in zip(names, arrays, strict=True):
                scaled = saved.copy()
                scaled[:, 3] *= scale
                setattr(m, name, scaled)

    def _restore(self) -> None:
        for m, names, arrays in self._saved:
            for name, saved in zip(names, arrays, strict=True):
                setattr(m, name, saved.copy())


class FadeInPlace(_OpacityFade):
    """Fade a mobject in where it is: :class:`~manim.FadeIn`'s frames, with no copy of it.

    Every fill and stroke of the mobject's family rises from opacity 0 to its own
    opacity along ``rate_func``. The mobject is added to the scene when the animation
    begins. For a shift or a scale on the way in, use :class:`~manim.FadeIn`.

    Parameters
    ----------
    mobject
        What to fade in: a VMobject or a group of them (an image raises ``TypeError``:
        use :class:`~manim.FadeIn` for it).
    **kwargs
        Any :class:`~manim.Animation` argument (``run_time``, ``rate_func``...).

    Examples
    --------
    .. manim:: FadeInPlaceExample
        :save_last_frame:

        from manim_diffusion.mobjects import FadeInPlace

        class FadeInPlaceExample(Scene):
            def construct(self):
                alphas = (0.1, 0.3, 0.5, 0.7, 0.9)
                stages = VGroup(*[Text(f"{a:.1f}", font_size=44) for a in alphas])
                stages.arrange(RIGHT, buff=0.7)
                for stage, alpha in zip(stages, alphas):  # the fade, stopped at alpha
                    fade = FadeInPlace(stage, rate_func=linear)
                    fade.begin()
                    fade.interpolate(alpha)
                note = Text("FadeInPlace at these alphas: no copy made", font_size=26)
                self.add(stages, note.to_edge(DOWN))
                self.play(FadeInPlace(Text("a new caption", font_size=36).to_edge(UP)))
    """

    def __init__(self, mobject: Mobject, **kwargs: Any) -> None:
        super().__init__(mobject, 0.0, 1.0, introducer=True, **kwargs)


class FadeOutPlace(_OpacityFade):
    """Fade a mobject out where it is: :class:`~manim.FadeOut`'s frames, with no copy of it.

    Every fill and stroke of the mobject's family falls from its own opacity to 0 along
    ``rate_func``; at the end the mobject leaves the scene and gets its opacities back
    (as after ``FadeOut``), so it can be shown again.

    Parameters
    ----------
    mobject
        What to fade out: a VMobject or a group of them (an image raises ``TypeError``:
        use :class:`~manim.FadeOut` for it).
    **kwargs
        Any :class:`~manim.Animation` argument (``run_time``, ``rate_func``...).

    Examples
    --------
    .. manim:: FadeOutPlaceExample
        :save_last_frame:

        from manim_diffusion.mobjects import FadeOutPlace

        class FadeOutPlaceExample(Scene):
            def construct(self):
                alphas = (0.1, 0.3, 0.5, 0.7, 0.9)
                stages = VGroup(*[Square(0.9, fill_color=BLUE, fill_opacity=0.8)
                                  for _ in alphas]).arrange(RIGHT, buff=0.5)
                for stage, alpha in zip(stages, alphas):  # the fade, stopped at alpha
                    fade = FadeOutPlace(stage, rate_func=linear)
                    fade.begin()
                    fade.interpolate(alpha)
                note = Text("FadeOutPlace at alpha = 0.1 ... 0.9", font_size=26)
                old = Text("an old caption", font_size=36).to_edge(UP)
                self.add(stages, note.to_edge(DOWN), old)
                self.play(FadeOutPlace(old))
    """

    def __init__(self, mobject: Mobject, **kwargs: Any) -> None:
        super().__init__(mobject, 1.0, 0.0, remover=True, **kwargs)

    def clean_up_from_scene(self, scene: Any) -> None:
        super().clean_up_from_scene(scene)
        self._restore()
