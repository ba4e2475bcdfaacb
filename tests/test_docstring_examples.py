"""Every public class and function is documented, and every ``.. manim::`` example runs.

The public names are those of ``manim_diffusion.__all__`` that are callable and not
exceptions (constants and palettes need no example). Each needs a numpy-style docstring
with a ``Parameters`` section (when it takes parameters) and a ``.. manim:: <Scene>``
example; the slow test runs every example as Manim's Sphinx directive would (the block's
code after ``from manim import *``), at low quality, and checks its last frame.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from manim import Scene, tempconfig

import manim_diffusion

DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. manim::[ \t]*(?P<scene>\w+)[ \t]*$")
OPTION = re.compile(r"^[ \t]*:[\w-]+:")
PARAMETERS = re.compile(r"^Parameters\n-{3,}$", re.MULTILINE)
SKIPPED_PARAMETERS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


@dataclass(frozen=True)
class Example:
    """One ``.. manim::`` block: its scene name, its code, and whose docstring holds it."""

    scene: str
    code: str
    owner: str


def public_objects() -> dict[str, Any]:
    """The public classes and functions (not constants, not exceptions) by name."""
    objects = {}
    for name in manim_diffusion.__all__:
        obj = getattr(manim_diffusion, name)  # loads the mobjects (and manim) lazily
        if not callable(obj):
            continue
        if inspect.isclass(obj) and issubclass(obj, Exception):
            continue
        objects[name] = obj
    return objects


def takes_parameters(obj: Any) -> bool:
    """Whether ``obj`` (for a class: its ``__init__``) has parameters worth documenting."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # a builtin without a signature
        return False
    return any(p.name not in ("self", "cls") and p.kind not in SKIPPED_PARAMETERS
               for p in signature.parameters.values())


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


def all_examples() -> list[Example]:
    """Every example block of the public docstrings, in ``__all__`` order."""
    examples = []
    for name, obj in public_objects().items():
        examples.extend(examples_in(inspect.getdoc(obj) or "", name))
    return examples


def test_every_public_name_has_parameters_and_a_manim_example() -> None:
    missing_example, missing_parameters = [], []
    for name, obj in public_objects().items():
        doc = inspect.getdoc(obj) or ""
        if not examples_in(doc, name):
            missing_example.append(name)
        if takes_parameters(obj) and not PARAMETERS.search(doc):
            missing_parameters.append(name)
    assert not missing_example and not missing_parameters, (
        f"no '.. manim:: <Scene>' example: {', '.join(missing_example) or '-'}\n"
        f"no 'Parameters' section: {', '.join(missing_parameters) or '-'}"
    )


def test_every_example_names_its_own_scene() -> None:
    """Scene names are unique, each block defines its scene, and it is a Scene."""
    owners: dict[str, list[str]] = {}
    for example in all_examples():
        owners.setdefault(example.scene, []).append(example.owner)
        assert example.code.strip(), f"{example.owner}: the {example.scene} block is empty"
        assert re.search(rf"^class {example.scene}\(", example.code, re.MULTILINE), (
            f"{example.owner}: the block does not define class {example.scene}")
    shared = {scene: names for scene, names in owners.items() if len(names) > 1}
    assert not shared, f"scene names used by more than one docstring: {shared}"


def render_example(example: Example, media_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Run the block as Manim's directive does: the scene's last frame (RGBA) and the
    camera's background colour (RGB, 0-255)."""
    namespace: dict[str, Any] = {"__name__": f"docstring_{example.scene}"}
    settings = {
        "quality": "low_quality", "save_last_frame": True, "write_to_movie": False,
        "format": "png", "media_dir": str(media_dir), "disable_caching": True,
        "preview": False, "verbosity": "WARNING", "progress_bar": "none",
        "output_file": example.scene,
    }
    with tempconfig(settings):
        exec("from manim import *", namespace)
        exec(compile(example.code, f"<{example.owner} docstring>", "exec"), namespace)
        scene_class = namespace[example.scene]
        assert issubclass(scene_class, Scene)
        scene = scene_class()
        scene.render()
        background = np.asarray(scene.camera.background_color.to_int_rgb())
        return np.asarray(scene.renderer.get_frame()), background


@pytest.mark.slow
@pytest.mark.parametrize("example", all_examples(), ids=lambda e: e.scene)
def test_docstring_example_renders(example: Example, tmp_path: Path) -> None:
    frame, background = render_example(example, tmp_path)
    frame = frame.astype(np.int16)
    drawn = np.abs(frame[..., :3] - background).max(-1) > 8
    assert drawn.sum() > 50, f"{example.scene} ({example.owner}): the last frame is blank"
