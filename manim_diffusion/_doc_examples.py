"""The ``.. manim::`` examples in the library's docstrings: found, run and rendered.

The tests run every example (``tests/test_docstring_examples.py``) and
``media/make_mobject_stills.py`` saves each public mobject's example as the still the
README shows, both through these functions.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Example", "examples_in", "public_objects", "render_example"]

DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. manim::[ \t]*(?P<scene>\w+)[ \t]*$")
OPTION = re.compile(r"^[ \t]*:[\w-]+:")


@dataclass(frozen=True)
class Example:
    """One ``.. manim::`` block: its scene name, its code, and whose docstring holds it."""

    scene: str
    code: str
    owner: str


def public_objects(names: list[str] | None = None) -> dict[str, Any]:
    """The public classes and functions (not constants, not exceptions) by name."""
    import manim_diffusion

    objects = {}
    for name in manim_diffusion.__all__ if names is None else names:
        obj = getattr(manim_diffusion, name)  # loads the mobjects (and manim) lazily
        if not callable(obj):
            continue
        if inspect.isclass(obj) and issubclass(obj, Exception):
            continue
        objects[name] = obj
    return objects


def examples_in(doc: str, owner: str) -> list[Example]:
    """The ``.. manim::`` blocks of a docstring: the indented body after the directive
    and its ``:option:`` lines, dedented."""
    lines = doc.splitlines()
    found = []
    for i, line in enumerate(lines):
        match = DIRECTIVE.match(line)
        if match is None:
            continue
        depth = len(match["indent"].expandtabs())
        body = []
        j = i + 1
        while j < len(lines) and OPTION.match(lines[j]):
            j += 1
        for following in lines[j:]:
            if following.strip() and len(following) - len(following.lstrip()) <= depth:
                break
            body.append(following)
        code = textwrap.dedent("\n".join(body)).strip("\n")
        found.append(Example(match["scene"], code + "\n", owner))
    return found


def render_example(example: Example, media_dir: Path,
                   quality: str = "low_quality") -> tuple[np.ndarray, np.ndarray]:
    """Run the block as Manim's directive does: the scene's last frame (RGBA) and the
    camera's background colour (RGB, 0-255)."""
    from manim import Scene, config, tempconfig

    namespace: dict[str, Any] = {"__name__": f"docstring_{example.scene}"}
    settings = {
        "quality": quality, "save_last_frame": True, "write_to_movie": False,
        "format": "png", "media_dir": str(media_dir), "disable_caching": True,
        "preview": False, "verbosity": "WARNING", "progress_bar": "none",
        "output_file": example.scene,
    }
    with tempconfig(settings):
        exec("from manim import *", namespace)
        exec(compile(example.code, f"<{example.owner} docstring>", "exec"), namespace)
        scene_class = namespace[example.scene]
        if not (isinstance(scene_class, type) and issubclass(scene_class, Scene)):
            raise TypeError(f"{example.owner}: {example.scene} is not a Scene")
        scene = scene_class()
        scene.render()
        background = np.asarray(config.background_color.to_int_rgb())
        return np.asarray(scene.renderer.get_frame()), background
