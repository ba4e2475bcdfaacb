"""Write a talk's deck: one folder with the section videos and a self-contained index.html.

The page needs nothing from the network: inline CSS and JavaScript, videos by relative
path, so it plays from ``file://``. The pages are the templates in ``templates/``
(package data). Keys: ArrowRight / Space / PageDown / click = next
section, ArrowLeft / PageUp = previous, ``n`` = speaker notes over the video, ``w`` =
speaker notes in a second window (``notes.html``: the current slide's notes, the next
step, a clock; its own arrow keys drive the deck), ``f`` = full screen.

The folder also holds ``slides/<name>.json``, the same sections as a manim-slides
presentation (see :mod:`manim_diffusion.talk.slides_export`).
"""

from __future__ import annotations

import html
import json
import os
import shutil
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from .render import SlideResult
from .script import Talk
from .slides_export import write_manim_slides

__all__ = [
    "DECK_MARKER",
    "DeckError",
    "check_out_dir",
    "deck_html",
    "notes_html",
    "template",
    "write_deck",
]

#: A file every deck folder holds, so an old deck may be replaced but nothing else.
DECK_MARKER = ".manim-diffusion-deck"


class DeckError(RuntimeError):
    """The deck cannot be written where asked."""


def check_out_dir(out: Path) -> None:
    """Raise DeckError if ``out`` exists and is not an empty folder or an earlier deck."""
    if out.exists() and not (out.is_dir() and (not any(out.iterdir())
                                                or (out / DECK_MARKER).exists())):
        raise DeckError(f"{out} exists and is not a deck written by manim-diffusion; "
                        "choose another --out")


def _place(src: Path, dst: Path) -> None:
    """Hard-link ``src`` to ``dst`` (instant, no extra space), else copy it."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def write_deck(talk: Talk, results: Sequence[SlideResult], out: Path) -> Path:
    """Write the deck for fully rendered ``results`` into ``out``, all or nothing.

    The folder is built beside ``out`` and renamed into place at the end; an earlier
    deck in ``out`` is replaced. Returns the path of ``index.html``.
    """
    failed = [r.slide.label for r in results if not r.ok or r.folder is None]
    if failed:
        raise DeckError(f"not writing the deck: {', '.join(failed)} did not render")
    out = Path(out)
    check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "videos").mkdir(parents=True)
    slides = []
    for result in results:
        slide = result.slide
        sections = []
        for i, section in enumerate(result.sections):
            name = f"{slide.number:02d}_{i:02d}.mp4"
            _place(result.folder / section["video"], staging / "videos" / name)
            sections.append({"name": section.get("name", f"section {i + 1}"),
                             "src": f"videos/{name}"})
        slides.append({"title": slide.title, "notes": slide.notes, "loop": slide.loop,
                       "sections": sections})
    (staging / "index.html").write_text(deck_html(talk.title, slides), encoding="utf-8")
    (staging / "notes.html").write_text(notes_html(talk.title), encoding="utf-8")
    write_manim_slides(staging, out.name, slides, _resolution(results))
    (staging / DECK_MARKER).write_text("written by manim-diffusion talk\n", encoding="utf-8")
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out)
    return out / "index.html"


def _resolution(results: Sequence[SlideResult]) -> tuple[int, int] | None:
    """The videos' pixel size, if Manim's section index records it."""
    for result in results:
        for section in result.sections:
            width, height = section.get("width"), section.get("height")
            if isinstance(width, int) and isinstance(height, int):
                return width, height
    return None


def template(name: str) -> str:
    """The text of the page template ``name`` shipped in ``talk/templates/``.

    The templates are package data, read through :mod:`importlib.resources`; the
    deck fills in ``%TITLE%`` (and ``%DATA%``, the slides as JSON).
    """
    page = resources.files("manim_diffusion.talk").joinpath("templates").joinpath(name)
    return page.read_text(encoding="utf-8")


def notes_html(title: str) -> str:
    """The speaker's second window: it shows what the deck that opened it sends."""
    return template("notes.html").replace("%TITLE%", html.escape(title))


def deck_html(title: str, slides: list[dict]) -> str:
    """The page: ``slides`` is a list of {title, notes, loop, sections: [{name, src}]}."""
    data = json.dumps(slides).replace("</", "<\\/")
    return template("deck.html").replace("%TITLE%", html.escape(title)).replace("%DATA%", data)
