"""`talk preview --watch`: re-render the slides whose scene or script changed, reload the deck.

The watcher polls the modification times of the talk script, the scene files its
slides use and the scene kit beside them (``_kit.py``). After a change it builds the
deck again through the render cache, so only slides whose cache key changed render,
and writes ``reload.js`` next to ``index.html``: a version counter and the slide to
show. The deck page, written with a small script added (:data:`RELOAD_SNIPPET`),
re-adds a ``<script src="reload.js">`` tag every half second (a plain file read that
works from ``file://``, where Chromium blocks XHR and fetch) and, when the version
grows, reloads itself at the first section of that slide.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .build import SlidesFailed, build_deck
from .deck import DeckError
from .render import cache_key, library_hash
from .script import Talk, TalkError, load_talk

__all__ = ["RELOAD_FILE", "RELOAD_SNIPPET", "WatchBuild", "changed_slides", "inject_reload",
           "watch_talk", "watched_files", "write_reload"]

#: The file the deck polls, beside ``index.html``.
RELOAD_FILE = "reload.js"

#: The deck-side script (added before ``</body>`` of ``index.html`` in watch mode).
#: ``%VERSION%`` is the version the page was written with.
RELOAD_SNIPPET = """<script>
"use strict";
(() => {  // manim-diffusion talk preview --watch: reload when reload.js says so
  const version = %VERSION%;
  const wanted = /[#&]slide=(\\d+)/.exec(location.hash);
  const slide = wanted ? Number(wanted[1]) : 0;
  const deck = window.deck, first = deck.steps.findIndex(s => s.slide === slide);
  deck.steps.forEach(s => { s.src += "?v=" + version; });  // not the old videos
  deck.index = Math.max(0, first) - 1;
  deck.next();  // the first section of the slide being edited
  window.manimDiffusionReload = (state) => {
    if (state && state.version > version) {
      location.hash = "slide=" + state.slide;
      location.reload();
    }
  };
  setInterval(() => {
    const tag = document.createElement("script");
    tag.src = "reload.js?t=" + Date.now();
    tag.onload = tag.onerror = () => tag.remove();
    document.head.appendChild(tag);
  }, 500);
})();
</script>
"""


def watched_files(talk: Talk) -> list[Path]:
    """The files whose change rebuilds the deck: the script, the scenes, their kits."""
    files = {talk.path.resolve()}
    for slide in talk.slides:
        files.add(slide.file.resolve())
        kit = slide.file.parent / "_kit.py"
        if kit.is_file():
            files.add(kit.resolve())
    return sorted(files)


def _mtimes(files: Iterable[Path]) -> dict[Path, int]:
    times: dict[Path, int] = {}
    for path in files:
        try:
            times[path] = path.stat().st_mtime_ns
        except OSError:  # being saved (removed and written again): look next time
            times[path] = -1
    return times


def _keys(talk: Talk, mode: str) -> list[str]:
    library_hash.cache_clear()  # a library edit re-renders every slide
    return [json.dumps([cache_key(s, mode), s.title, s.notes, s.loop]) for s in talk.slides]


def changed_slides(before: list[str], after: list[str]) -> list[int]:
    """The indexes (from 0) of the slides whose cache key is new or moved.

    Parameters
    ----------
    before, after
        The slides' cache keys before and after the change, in talk order.
    """
    return [i for i, key in enumerate(after) if i >= len(before) or before[i] != key]


def write_reload(out: Path, version: int, slide: int) -> Path:
    """Write ``out/reload.js``: the deck reloads at ``slide`` once it sees ``version``.

    Parameters
    ----------
    out
        The deck folder.
    version
        Grows by one with each rebuild.
    slide
        The slide (from 0) to show after the reload.
    """
    state = json.dumps({"version": int(version), "slide": int(slide)})
    path = Path(out) / RELOAD_FILE
    tmp = path.with_name(f".{RELOAD_FILE}.{os.getpid()}")
    tmp.write_text(f"window.manimDiffusionReload && window.manimDiffusionReload({state});\n",
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def inject_reload(index: Path, version: int) -> None:
    """Add :data:`RELOAD_SNIPPET` (at ``version``) before ``</body>`` of the deck page.

    Parameters
    ----------
    index
        The deck's ``index.html``.
    version
        The version the page is written at.
    """
    page = index.read_text(encoding="utf-8")
    cut = page.rfind("</body>")
    if cut < 0:
        raise DeckError(f"{index} has no </body>: not a deck page")
    snippet = RELOAD_SNIPPET.replace("%VERSION%", str(int(version)))
    index.write_text(page[:cut] + snippet + page[cut:], encoding="utf-8")


@dataclass(frozen=True)
class WatchBuild:
    """One rebuild of a watched deck: its version, the slides re-rendered and shown."""

    version: int
    changed: list[int]
    slide: int
    rendered: int
    error: str | None = None


def _rebuild(talk_file: Path, mode: str, version: int, keys: list[str], slide: int,
             build: Callable[..., object], **options: object) -> tuple[WatchBuild, list[str]]:
    """Build the deck once; on success inject the reload script and bump ``reload.js``."""
    try:
        talk = load_talk(talk_file)
        after = _keys(talk, mode)
        changed = changed_slides(keys, after)
        deck = build(talk_file, mode, **options)
    except (TalkError, DeckError, SlidesFailed, OSError) as err:
        return WatchBuild(version, [], slide, 0, error=str(err)), keys
    shown = changed[0] if changed else slide
    inject_reload(deck.index, version)  # type: ignore[attr-defined]
    write_reload(deck.out, version, shown)  # type: ignore[attr-defined]
    return WatchBuild(version, changed, shown, deck.rendered), after  # type: ignore[attr-defined]


def watch_talk(talk_file: Path, mode: str = "preview", *, out: Path | None = None,
               cache_dir: Path | None = None, jobs: int | None = None, interval: float = 0.5,
               echo: Callable[[str], None] = print, stop: threading.Event | None = None,
               on_build: Callable[[WatchBuild], None] | None = None,
               build: Callable[..., object] = build_deck) -> None:
    """Build the deck, then rebuild it whenever the script or a scene file changes.

    Runs until ``stop`` is set (or Ctrl-C). A rebuild re-renders only the slides whose
    cache key changed and makes an open deck reload at the first changed slide; a
    script that does not load or a slide that fails is reported and waited out.

    Parameters
    ----------
    talk_file
        The talk script (TOML).
    mode
        ``"preview"`` or ``"build"``.
    out, cache_dir, jobs
        As for :func:`~manim_diffusion.talk.build.build_deck`.
    interval
        Seconds between two looks at the files' modification times.
    echo
        Where the progress lines go.
    stop
        Set it to end the watch (from another thread).
    on_build
        Called with each build's :class:`WatchBuild` (the first has version 1).
    build
        The deck builder (``build_deck``; tests pass a counting one).
    """
    if not interval > 0:
        raise ValueError(f"interval must be positive seconds, got {interval}")
    stop = stop or threading.Event()
    options = {"out": out, "cache_dir": cache_dir, "jobs": jobs, "echo": echo}
    talk_file = Path(talk_file)
    version, slide = 0, 0
    keys: list[str] = []
    seen: dict[Path, int] = {}
    try:
        while not stop.is_set():
            files = _files(talk_file)
            now = _mtimes(files)
            if now != seen:
                if seen:  # let a save finish: wait until the times hold still
                    stop.wait(interval)
                    now = _mtimes(files)
                seen = now
                version += 1
                result, keys = _rebuild(talk_file, mode, version, keys, slide, build, **options)
                slide = result.slide
                _report(result, echo)
                if on_build:
                    on_build(result)
                echo(f"watching {len(files)} files; Ctrl-C to stop")
            stop.wait(interval)
    except KeyboardInterrupt:
        echo("stopped watching")


def _files(talk_file: Path) -> list[Path]:
    try:
        return watched_files(load_talk(talk_file))
    except TalkError:  # a script being edited: watch it alone until it loads
        return [talk_file.resolve()]


def _report(result: WatchBuild, echo: Callable[[str], None]) -> None:
    if result.error:
        echo(f"build {result.version} failed (fix it and save again):\n{result.error}")
    else:
        echo(f"build {result.version}: {result.rendered} slide(s) rendered, changed "
             f"{[i + 1 for i in result.changed]}; deck shows slide {result.slide + 1}")
