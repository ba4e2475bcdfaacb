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
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from manim_diffusion._doc_examples import Example, examples_in, public_objects, render_example

PARAMETERS = re.compile(r"^Parameters\n-{3,}$", re.MULTILINE)
SKIPPED_PARAMETERS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def takes_parameters(obj: Any) -> bool:
    """Whether ``obj`` (for a class: its ``__init__``) has parameters worth documenting."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # a builtin without a signature
        return False
    return any(p.name not in ("self", "cls") and p.kind not in SKIPPED_PARAMETERS
               for p in signature.parameters.values())


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


@pytest.mark.slow
@pytest.mark.parametrize("example", all_examples(), ids=lambda e: e.scene)
def test_docstring_example_renders(example: Example, tmp_path: Path) -> None:
    frame, background = render_example(example, tmp_path)
    frame = frame.astype(np.int16)
    drawn = np.abs(frame[..., :3] - background).max(-1) > 8
    assert drawn.sum() > 50, f"{example.scene} ({example.owner}): the last frame is blank"


def test_every_public_mobject_has_its_still_in_the_readme() -> None:
    """media/make_mobject_stills.py's output is there for every mobject, and shown."""
    from manim_diffusion import mobjects

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name in public_objects(list(mobjects.__all__)):
        still = root / "media" / "gallery" / "mobjects" / f"{name}.png"
        assert still.is_file(), f"no still for {name}: run python media/make_mobject_stills.py"
        assert f"media/gallery/mobjects/{name}.png" in readme, f"the README does not show {name}"
