"""manim-diffusion: Manim mobjects that explain diffusion models, and the engine behind them.

The engine (``manim_diffusion.engine``) trains and samples with PyTorch and never
imports manim; the mobjects (``manim_diffusion.mobjects``) only read its arrays.
Names from both are available here, each loaded on first use (see
:mod:`manim_diffusion.names`): ``import manim_diffusion`` alone loads neither torch
nor manim.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .names import ENGINE_NAMES, MOBJECT_NAMES

if TYPE_CHECKING:  # type checkers and editors see every name with its type
    from .engine import *  # noqa: F403
    from .mobjects import *  # noqa: F403

__version__ = "0.1.0"

__all__ = [*ENGINE_NAMES, *MOBJECT_NAMES]

_HOME = {**dict.fromkeys(ENGINE_NAMES, ".engine"), **dict.fromkeys(MOBJECT_NAMES, ".mobjects")}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
