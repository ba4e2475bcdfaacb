"""cli: the `manim-diffusion` command, one module per command group.

``main`` (the click group, which imports a command's module when it runs, and the shared
options), ``models`` (list, train, sample, eval), ``mnist`` (the mnist group) and
``talk`` (the talk group); each command parses its arguments and calls one library
function.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
