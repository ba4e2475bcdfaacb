"""``manim`` with every scene stopped at its second section: its first section only.

Run it as ``python .ci/first_section.py render -ql scenes/x.py X`` (the arguments of
``manim``). The second ``next_section`` call raises Manim's own
``EndSceneEarlyException``, the one ``-n`` uses to end a scene at an animation number,
so Manim closes the scene as usual: the first section's video, the section index and
the last frame are written. Stopping at a section (not an animation number) needs no
per-scene numbers, and skips everything the scene does after it.
"""

from __future__ import annotations

import sys
from typing import Any

from manim import Scene
from manim.__main__ import main
from manim.utils.exceptions import EndSceneEarlyException

_next_section = Scene.next_section
_sections_started = 0


def first_section_only(self: Scene, *args: Any, **kwargs: Any) -> None:
    """Start the first section as Manim does; end the scene at the second."""
    global _sections_started
    _sections_started += 1
    if _sections_started > 1:
        raise EndSceneEarlyException()
    _next_section(self, *args, **kwargs)


if __name__ == "__main__":
    Scene.next_section = first_section_only  # type: ignore[method-assign]
    sys.exit(main(prog_name="manim"))
