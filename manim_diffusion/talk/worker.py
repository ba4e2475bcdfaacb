"""`manim render` for one slide, reporting its progress on standard output.

The talk renderer runs ``python -m manim_diffusion.talk.worker <manim render args>``
instead of ``python -m manim``. The worker counts the frames Manim writes and the
sections it opens, and prints them as lines starting with :data:`PROGRESS_PREFIX`
(at most ten a second, and at every new section and the end), which the parent reads
to draw a progress bar per slide. Everything else is Manim's own ``render`` command.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["PROGRESS_PREFIX", "parse_progress", "main"]

#: Lines the worker prints to report progress: the prefix, then a JSON object with
#: ``frames`` (written so far), ``section`` (its name) and ``sections`` (opened so far).
PROGRESS_PREFIX = "@manim-diffusion-progress "

_INTERVAL = 0.1


class _Reporter:
    def __init__(self) -> None:
        self.frames = 0
        self.sections = 0
        self.section = ""
        self._last = 0.0

    def emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < _INTERVAL:
            return
        self._last = now
        line = json.dumps({"frames": self.frames, "section": self.section,
                           "sections": self.sections})
        sys.stdout.write(f"{PROGRESS_PREFIX}{line}\n")
        sys.stdout.flush()


def parse_progress(line: str) -> dict[str, Any] | None:
    """The progress record in one line of the worker's output, or None if it is not one."""
    if not line.startswith(PROGRESS_PREFIX):
        return None
    try:
        record = json.loads(line[len(PROGRESS_PREFIX):])
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _install(reporter: _Reporter) -> None:
    """Wrap Manim's file writer so each written frame and opened section is counted."""
    from manim.scene.scene_file_writer import SceneFileWriter

    write_frame = SceneFileWriter.write_frame
    next_section = SceneFileWriter.next_section
    finish = SceneFileWriter.finish

    def counting_write_frame(self: SceneFileWriter, pixels: Any, *, repeat: int = 1) -> None:
        write_frame(self, pixels, repeat=repeat)
        reporter.frames += repeat
        reporter.emit()

    def counting_next_section(self: SceneFileWriter, name: str, type_: str,
                              skip_animations: bool) -> None:
        next_section(self, name, type_, skip_animations)
        reporter.sections = len(self.sections)
        reporter.section = name
        reporter.emit(force=True)

    def reporting_finish(self: SceneFileWriter) -> None:
        finish(self)
        reporter.emit(force=True)

    SceneFileWriter.write_frame = counting_write_frame  # type: ignore[method-assign]
    SceneFileWriter.next_section = counting_next_section  # type: ignore[method-assign]
    SceneFileWriter.finish = reporting_finish  # type: ignore[method-assign]


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``manim`` with ``argv`` (default: this process's arguments), reporting progress."""
    reporter = _Reporter()
    reporter.emit(force=True)  # started: Manim's import takes a few seconds
    _install(reporter)
    from manim.__main__ import main as manim_main

    args = list(sys.argv[1:] if argv is None else argv)
    manim_main(args=args, prog_name="manim")


if __name__ == "__main__":
    main()
