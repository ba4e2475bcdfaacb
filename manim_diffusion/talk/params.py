"""How a scene reads the parameters a talk script gives it."""

from __future__ import annotations

import json
import os
from typing import Any

__all__ = ["PARAMS_ENV", "params"]

#: Environment variable holding the slide's parameters as a JSON object; the talk
#: renderer sets it for each scene's own `manim render` process.
PARAMS_ENV = "MANIM_DIFFUSION_PARAMS"


def params(defaults: dict[str, Any]) -> dict[str, Any]:
    """The scene's parameters: ``defaults`` updated by the talk script, if any.

    Rendered alone (``manim render scenes/x.py X``) a scene gets ``defaults``; rendered
    by ``manim-diffusion talk`` it gets the slide's ``params`` on top. A name the scene
    does not declare in ``defaults`` raises ``KeyError``, so a typo never passes silently.
    Returns a new dict; ``defaults`` is not changed.
    """
    raw = os.environ.get(PARAMS_ENV, "").strip()
    given = json.loads(raw) if raw else {}
    if not isinstance(given, dict):
        raise ValueError(f"${PARAMS_ENV} must hold a JSON object, got {raw[:80]!r}")
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise KeyError(f"unknown scene parameter(s) {unknown}; this scene takes "
                       f"{sorted(defaults)}")
    return {**defaults, **given}
