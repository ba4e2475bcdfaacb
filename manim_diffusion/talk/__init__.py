"""Talks: a TOML script of scenes rendered into an offline, key-driven slide deck.

Scenes read their talk parameters with :func:`params`; the rest (loading the script,
rendering, writing the deck) lives in the submodules and needs neither manim nor torch.
"""

from __future__ import annotations

from .params import PARAMS_ENV, params
from .script import Slide, Talk, TalkError, load_talk

__all__ = ["PARAMS_ENV", "Slide", "Talk", "TalkError", "load_talk", "params"]
