"""Layout checks: no text or plot outside the frame's safe margin, no two labels overlapping."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import (
    CoordinateSystem,
    MarkupText,
    Mobject,
    NumberPlane,
    Paragraph,
    ParametricFunction,
    Scene,
    SingleStringMathTex,
    Text,
    ThreeDScene,
    VMobject,
    config,
    tempconfig,
)

from .glyphs import LiveText
from .timebar import TimeBar

__all__ = ["SAFE_MARGIN", "LayoutProblem", "check_layout", "check_scene", "watch_layout"]

#: The safe margin, in scene units, from each edge of the frame: about 22 pixels of
#: 1280 (1.8 %); every text and plot must lie inside it.
SAFE_MARGIN = 0.25

#: Mobjects checked as one text each (their sub-parts are not checked on their own).
TEXT_TYPES: tuple[type, ...] = (Text, MarkupText, Paragraph, SingleStringMathTex, LiveText)

#: Opacity at or below which a mobject counts as not seen.
_INVISIBLE = 0.01
#: Overlap (scene units, in both directions) that two labels' boxes may share.
_TOLERANCE = 0.01


@dataclass(frozen=True)
class LayoutProblem:
    """One layout problem found by :func:`check_layout`.

    Parameters
    ----------
    kind
        ``"margin"`` (a text or plot leaves the safe margin) or ``"overlap"``.
    section
        The scene's section at whose end it was seen ("" when checked directly).
    message
        What is wrong, with the mobjects' descriptions and boxes (scene units).
    """

    kind: str
    section: str
    message: str

    def __str__(self) -> str:
        where = f"[{self.section}] " if self.section else ""
        return f"{where}{self.kind}: {self.message}"


@dataclass(frozen=True)
class _Item:
    what: str
    box: np.ndarray  # [[xmin, ymin], [xmax, ymax]] in frame coordinates (centre 0)
    is_text: bool


def _opacity(mob: Mobject) -> float:
    """The largest fill or stroke opacity in the family of ``mob`` (1 for non-vector ones)."""
    best = 0.0
    for m in mob.family_members_with_points():
        if not isinstance(m, VMobject):
            return 1.0
        fill = np.asarray(m.fill_rgbas)[:, 3].max(initial=0.0)
        stroke = np.asarray(m.stroke_rgbas)[:, 3].max(initial=0.0) if m.stroke_width else 0.0
        best = max(best, float(fill), float(stroke))
    return best


def _describe(mob: Mobject) -> str:
    text = getattr(mob, "original_text", None) or getattr(mob, "shown", None)
    if isinstance(mob, LiveText):
        text = mob.current_text()
    return f"{type(mob).__name__} {text!r}" if text else type(mob).__name__


def _parts(mob: Mobject, text_types: tuple[type, ...]) -> Iterator[tuple[Mobject, bool, str]]:
    """The texts (True) and plots (False) in the family of ``mob``, outermost first."""
    if isinstance(mob, text_types):
        yield mob, True, _describe(mob)
        return
    if isinstance(mob, TimeBar):
        yield mob.bar, False, "TimeBar's bar"
        for text in mob.end_labels:
            yield text, True, f"TimeBar's {_describe(text)}"
        yield mob.value_label, True, f"TimeBar's label {mob.value_text()!r}"
        yield mob.step_label, True, f"TimeBar's label {mob.step_text()!r}"
        return
    if isinstance(mob, (CoordinateSystem, ParametricFunction)) and not isinstance(
            mob, NumberPlane):
        yield mob, False, type(mob).__name__
    for sub in mob.submobjects:
        yield from _parts(sub, text_types)


def _projector(scene: Scene) -> Callable[[Mobject, np.ndarray], np.ndarray]:
    """Maps a mobject's points to frame coordinates (the frame centred at the origin)."""
    camera: Any = scene.camera
    if isinstance(scene, ThreeDScene):
        fixed = camera.fixed_in_frame_mobjects

        def project(mob: Mobject, points: np.ndarray) -> np.ndarray:
            return points if mob in fixed else camera.project_points(points)
        return project
    centre = np.asarray(getattr(camera, "frame_center", np.zeros(3)))
    return lambda mob, points: points - centre


def _items(scene: Scene, text_types: tuple[type, ...]) -> list[_Item]:
    project = _projector(scene)
    seen: set[int] = set()
    items = []
    for top in [*scene.mobjects, *getattr(scene, "foreground_mobjects", [])]:
        for mob, is_text, what in _parts(top, text_types):
            if id(mob) in seen or _opacity(mob) <= _INVISIBLE:
                continue
            seen.add(id(mob))
            members = mob.family_members_with_points()
            if not members:
                continue
            points = np.concatenate([project(m, m.points) for m in members])[:, :2]
            items.append(_Item(what, np.array([points.min(0), points.max(0)]), is_text))
    return items


def _box(box: np.ndarray) -> str:
    (x0, y0), (x1, y1) = box
    return f"x {x0:.2f}..{x1:.2f}, y {y0:.2f}..{y1:.2f}"


def check_layout(scene: Scene, margin: float = SAFE_MARGIN, section: str = "",
                 text_types: Iterable[type] = TEXT_TYPES) -> list[LayoutProblem]:
    """The layout problems of what ``scene`` shows now.

    Every text (``Text``, ``MarkupText``, ``Paragraph``, glyph labels such as
    :class:`~manim_diffusion.mobjects.glyphs.LiveText` and the labels of a
    :class:`~manim_diffusion.mobjects.TimeBar`) and every plot (axes but not a
    background ``NumberPlane``, graphs, a time bar's bar) must lie ``margin`` or more
    inside the frame's edges, and no two texts' bounding boxes may overlap. Mobjects
    faded out (opacity 0) and mobjects wholly off the frame are not checked; a text's
    own sub-parts are one text. In a ``ThreeDScene`` fixed-in-frame mobjects are taken
    as they are and the others through the camera's projection.

    Parameters
    ----------
    scene
        The scene, at the moment to check (e.g. the end of a section).
    margin
        The safe margin in scene units (:data:`SAFE_MARGIN`).
    section
        A name recorded in each problem (the section just ended).
    text_types
        The mobject classes that count as one text each.

    Returns
    -------
    list[LayoutProblem]
        Empty when the layout is clean.

    Examples
    --------
    .. manim:: CheckLayoutExample
        :save_last_frame:

        from manim_diffusion.mobjects.layout import check_layout

        class CheckLayoutExample(Scene):
            def construct(self):
                self.add(Text("data", font_size=30).to_edge(RIGHT, buff=0.05),
                         Text("noise", font_size=30).to_edge(LEFT))
                found = check_layout(self)
                lines = [p.message.split(" leaves")[0] for p in found]
                self.add(Paragraph(*lines or ["clean"], font_size=20).shift(DOWN))
    """
    if margin < 0:
        raise ValueError(f"margin must be >= 0 scene units, got {margin}")
    half = np.array([config.frame_width, config.frame_height]) / 2
    items = [i for i in _items(scene, tuple(text_types))
             if np.all(i.box[0] < half) and np.all(i.box[1] > -half)]  # on the frame
    inner = half - margin + _TOLERANCE  # a text placed with buff=margin is inside
    problems = [
        LayoutProblem("margin", section, f"{i.what} at {_box(i.box)} leaves the frame's "
                      f"{margin} safe margin (|x| <= {half[0] - margin:.2f}, |y| <= "
                      f"{half[1] - margin:.2f})")
        for i in items if np.any(i.box[1] > inner) or np.any(i.box[0] < -inner)
    ]
    texts = [i for i in items if i.is_text]
    for k, a in enumerate(texts):
        for b in texts[k + 1:]:
            shared = np.minimum(a.box[1], b.box[1]) - np.maximum(a.box[0], b.box[0])
            if np.all(shared > _TOLERANCE):
                problems.append(LayoutProblem(
                    "overlap", section,
                    f"{a.what} at {_box(a.box)} overlaps {b.what} at {_box(b.box)}"))
    return problems


def watch_layout(scene: Scene, margin: float = SAFE_MARGIN) -> list[LayoutProblem]:
    """Check ``scene``'s layout at the end of each section and of ``construct``.

    Wraps the instance's ``next_section`` and ``construct``: before each new section
    starts, and when ``construct`` returns, :func:`check_layout` runs and its problems
    are appended to the returned list (which fills as the scene renders).

    Parameters
    ----------
    scene
        A scene not yet rendered.
    margin
        The safe margin in scene units.
    """
    problems: list[LayoutProblem] = []
    current = ["(first section)"]
    next_section, construct = scene.next_section, scene.construct

    def checked_next_section(name: str = "unnamed", *args: Any, **kwargs: Any) -> None:
        problems.extend(check_layout(scene, margin, current[0]))
        current[0] = name
        next_section(name, *args, **kwargs)

    def checked_construct() -> None:
        construct()
        problems.extend(check_layout(scene, margin, current[0]))

    scene.next_section = checked_next_section  # type: ignore[method-assign]
    scene.construct = checked_construct  # type: ignore[method-assign]
    return problems


def check_scene(scene_class: type[Scene], margin: float = SAFE_MARGIN,
                **config_options: Any) -> list[LayoutProblem]:
    """Run ``scene_class`` without rendering its frames and return its layout problems.

    Animations are skipped (as ``manim render -s`` skips them): each one jumps to its
    end, so only the states at the ends of sections are computed, and no file is
    written. ``config_options`` are more manim settings for the run.

    Parameters
    ----------
    scene_class
        The scene to check.
    margin
        The safe margin in scene units.
    **config_options
        Manim config settings (e.g. ``quality="low_quality"``).

    Examples
    --------
    .. manim:: CheckSceneExample
        :save_last_frame:

        from manim_diffusion.mobjects.layout import check_scene

        class Crowded(Scene):
            def construct(self):
                self.next_section("labels")
                self.add(Text("one label", font_size=40),
                         Text("another", font_size=40).shift(0.2 * UP))
                self.next_section("clean")
                self.play(FadeOut(*self.mobjects), run_time=5)

        class CheckSceneExample(Scene):
            def construct(self):
                found = check_scene(Crowded)
                self.add(Text(f"{len(found)} problem, in section {found[0].section!r}",
                              font_size=30).shift(UP),
                         Text(found[0].kind, font_size=30).shift(DOWN))
    """
    if not (isinstance(scene_class, type) and issubclass(scene_class, Scene)):
        raise TypeError(f"check_scene takes a Scene class, got {scene_class!r}")
    options = {"dry_run": True, "skip_animations": True, "disable_caching": True,
               "quality": "low_quality", "verbosity": "WARNING", "progress_bar": "none",
               **config_options}
    with tempconfig(options):
        scene = scene_class()
        problems = watch_layout(scene, margin)
        scene.render()
    return problems
