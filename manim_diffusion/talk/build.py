"""Build a talk's deck from its script: load, check, render (cached) and write it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .deck import check_out_dir, write_deck
from .progress import SlideProgress
from .render import SlideResult, render_talk
from .script import Talk, load_talk

__all__ = ["DeckBuild", "SlidesFailed", "build_deck", "render_slides"]


class SlidesFailed(RuntimeError):
    """Some slides did not render, so nothing was written; ``failed`` says why."""

    def __init__(self, message: str, failed: list[SlideResult]) -> None:
        super().__init__(message)
        self.failed = failed


@dataclass(frozen=True)
class DeckBuild:
    """A written deck: its index page, and how many slides rendered or came from the cache."""

    talk: Talk
    out: Path
    index: Path
    rendered: int
    cached: int
    seconds: float


def build_deck(talk_file: Path, mode: str, *, out: Path | None = None,
               cache_dir: Path | None = None, jobs: int | None = None,
               echo: Callable[[str], None] = print) -> DeckBuild:
    """Render the talk script ``talk_file`` in ``mode`` and write its deck to ``out``.

    Parameters
    ----------
    talk_file
        The talk script (TOML); TalkError if it does not check.
    mode
        ``"preview"`` (480p15) or ``"build"`` (1080p60).
    out
        The deck folder (default: ``media/talks/<talk file stem>``); DeckError if it
        holds anything but an earlier deck.
    cache_dir, jobs
        As for :func:`~manim_diffusion.talk.render.render_talk`.
    echo
        Where the progress lines go (a bar per slide on a terminal).

    Returns
    -------
    DeckBuild
        The deck; SlidesFailed (nothing written) if a slide did not render.
    """
    start = time.perf_counter()
    talk = load_talk(talk_file)
    out = out or Path("media") / "talks" / talk_file.stem
    check_out_dir(out)
    results = render_slides(talk, mode, cache_dir=cache_dir, jobs=jobs, echo=echo)
    rendered = sum(1 for r in results if not r.cached)
    index = write_deck(talk, results, out)
    return DeckBuild(talk, out, index, rendered, len(results) - rendered,
                     time.perf_counter() - start)


def render_slides(talk: Talk, mode: str, *, cache_dir: Path | None = None,
                  jobs: int | None = None, echo: Callable[[str], None] = print,
                  writes: str = "deck") -> list[SlideResult]:
    """Render every slide of ``talk`` (the cache first), with a progress bar per slide.

    Parameters
    ----------
    talk
        The loaded talk script.
    mode
        ``"preview"`` (480p15) or ``"build"`` (1080p60).
    cache_dir, jobs, echo
        As for :func:`build_deck`.
    writes
        What is not written when a slide fails (for the message): "deck", "handout".

    Returns
    -------
    list[SlideResult]
        Every slide, rendered; SlidesFailed if any did not render.
    """
    start = time.perf_counter()
    total = len(talk.slides)
    echo(f"{talk.title}: {total} slides, {mode} quality")
    with SlideProgress(total, echo=echo) as bars:
        results = render_talk(talk, mode, cache_dir=cache_dir, jobs=jobs, on_start=bars.start,
                              on_progress=bars.update, on_done=bars.done)
    failed = [r for r in results if not r.ok]
    if failed:
        raise SlidesFailed(
            f"{len(failed)} of {total} slides failed after {time.perf_counter() - start:.1f} s; "
            f"the {writes} was not written", failed)
    return results
