"""The ``*_config`` options of LatentMNISTPanel: their defaults, and the check of given ones."""

from __future__ import annotations

from typing import Any

from manim import BLACK, WHITE

__all__ = ["PANEL_OPTIONS", "panel_options"]

#: The keys and defaults of each ``*_config`` dict of :class:`LatentMNISTPanel`.
PANEL_OPTIONS: dict[str, dict[str, Any]] = {
    "scatter_config": {"radius": 0.025, "opacity": 0.55, "clip": True},
    "legend_config": {"font_size": 22, "buff": 0.18, "spacing": 0.22, "names": None},
    "point_config": {"radius": 0.07, "stroke_color": WHITE, "stroke_width": 2.0,
                     "trail_length": 0.3, "trail_width": 2.5, "color": WHITE,
                     "colors": None},
    "digit_config": {"height": None, "columns": None, "buff": 0.2, "colors": (BLACK, WHITE),
                     "frame": True, "frame_width": 2.5, "labels": None, "font_size": 18,
                     "gap": 0.5},
    "strip_config": {"times": (0.2, 0.4, 0.6, 0.8, 1.0), "index": 0, "height": 0.75,
                     "buff": 0.15, "font_size": 16, "reveal": True, "dim": 0.2},
    "manifold_config": {"tiles": 15, "opacity": 0.9, "color": WHITE, "layer": "over"},
}


def panel_options(name: str, given: dict[str, Any] | None) -> dict[str, Any]:
    """The defaults of a ``*_config`` dict updated with ``given``; unknown keys raise.

    Parameters
    ----------
    name
        One of the keys of :data:`PANEL_OPTIONS`, e.g. ``"digit_config"``.
    given
        The options the caller gave (``None``: none).
    """
    defaults = PANEL_OPTIONS[name]
    given = dict(given or {})
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(
            f"unknown {name} keys: {', '.join(unknown)} (known: {', '.join(defaults)})"
        )
    return {**defaults, **given}
