"""A live progress bar per slide while a talk renders (rich), or plain lines without a terminal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from .render import SlideResult

__all__ = ["SlideProgress"]


def _head(r: SlideResult, total: int) -> str:
    return f"[{r.slide.number}/{total}] {r.slide.title}"


class SlideProgress:
    """Shows each slide's state as the talk renders: one bar per slide on a terminal.

    A slide's bar counts the frames Manim has written, against the frame count of that
    slide's previous render (remembered in the cache) or, for a first render, without a
    total. Cached slides show as done at once. Without a terminal (CI, a pipe) it prints
    one line per slide when it finishes, as before.

    Use as a context manager and pass :meth:`start`, :meth:`update` and :meth:`done` to
    :func:`~manim_diffusion.talk.render.render_talk` as ``on_start``, ``on_progress`` and
    ``on_done``.
    """

    def __init__(self, total: int, console: Console | None = None,
                 echo: Callable[[str], None] = print) -> None:
        self.total = total
        self.console = console or Console(stderr=False)
        self.live = self.console.is_terminal
        self.echo = echo
        self._lock = threading.Lock()
        self._tasks: dict[int, TaskID] = {}
        self._progress = Progress(
            TextColumn("{task.description}", justify="left"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("frames"),
            TextColumn("{task.fields[state]}"),
            TimeElapsedColumn(),
            console=self.console,
            refresh_per_second=8,
            transient=False,
            disable=not self.live,
        )

    def __enter__(self) -> SlideProgress:
        if self.live:
            self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.live:
            self._progress.stop()

    def start(self, results: list[SlideResult]) -> None:
        """Add one bar per slide, with last render's frame count as the total."""
        with self._lock:
            for r in results:
                self._tasks[r.slide.number] = self._progress.add_task(
                    _head(r, self.total), total=r.frames_expected, state="waiting",
                    start=False)

    def update(self, r: SlideResult) -> None:
        """A rendering slide wrote more frames or opened a section."""
        with self._lock:
            task = self._tasks.get(r.slide.number)
            if task is None:
                return
            self._progress.start_task(task)
            total = r.frames_expected
            if total is not None and r.frames > total:  # longer than last time
                total = r.frames
            self._progress.update(task, completed=r.frames, total=total,
                                  state=f"rendering {r.section}" if r.section else "starting")

    def done(self, r: SlideResult) -> None:
        """A slide finished: rendered, taken from the cache, or failed."""
        n = len(r.sections)
        sections = f"{n} section{'s' if n != 1 else ''}"
        if not r.ok:
            state, line = "[red]FAILED[/red]", f"FAILED after {r.seconds:.1f} s"
        elif r.cached:
            state, line = f"cached, {sections}", f"cached, {sections}"
        else:
            state = f"rendered {sections} in {r.seconds:.1f} s"
            line = state
        with self._lock:
            task = self._tasks.get(r.slide.number)
            if task is not None:
                self._progress.start_task(task)
                frames = max(r.frames, 1)
                self._progress.update(task, completed=frames if r.ok else r.frames,
                                      total=frames if r.ok else r.frames_expected, state=state)
                self._progress.stop_task(task)
        if not self.live:
            self.echo(f"  {_head(r, self.total)} ({r.slide.scene_class}): {line}")
