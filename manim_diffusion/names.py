"""The public names of ``manim_diffusion`` and the module that holds each, importing nothing.

``import manim_diffusion`` loads neither torch nor manim: a name is imported from
:mod:`manim_diffusion.engine` (torch) or :mod:`manim_diffusion.mobjects` (manim) when it
is first used, so a command that needs neither (``manim-diffusion talk preview`` of a
cached talk) starts in a fraction of a second. The names are the literal ``__all__``
lists of those two facades, read from their source (parsed, not imported), so each list
is written once.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["ENGINE_NAMES", "MOBJECT_NAMES"]

_PACKAGE = Path(__file__).resolve().parent


def declared_names(facade: str) -> tuple[str, ...]:
    """The literal ``__all__`` of ``manim_diffusion.<facade>``, read without importing it.

    Raises ``RuntimeError`` if the facade's ``__init__.py`` has no ``__all__ = [...]``
    of string literals (the lazy top level could not know its names).
    """
    source = (_PACKAGE / facade / "__init__.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            try:
                return tuple(str(name) for name in ast.literal_eval(node.value))
            except ValueError:
                break
    raise RuntimeError(f"manim_diffusion/{facade}/__init__.py needs a literal __all__ list")


#: The engine's names: ``manim_diffusion.engine.__all__``.
ENGINE_NAMES: tuple[str, ...] = declared_names("engine")

#: The mobjects' names: ``manim_diffusion.mobjects.__all__``.
MOBJECT_NAMES: tuple[str, ...] = declared_names("mobjects")
