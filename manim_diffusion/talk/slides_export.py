"""The deck's sections as a manim-slides presentation (``slides/<name>.json``).

manim-slides presents a folder ``slides/`` of JSON files, one per presentation, whose
video paths are relative to the folder holding ``slides/``. Every deck gets one, so
``cd DECK && manim-slides present NAME`` (or ``manim-slides convert NAME talk.html``)
plays the talk in manim-slides' own player, with each section as one of its slides.

This writes that file directly from Manim's own sections and needs nothing from
manim-slides. Its ``Slide`` scene class cannot be used here: manim-slides 5.7.0 fails
on manim 0.22.0 when it renders (``ManimConfig`` has no ``write_to_movie``;
``max_files_cached=inf`` is refused; ``config.flush_cache`` is gone), while its
presentation format, player and converters do not touch manim and work as they are.
Reversed playback (manim-slides' "reverse" key) replays a section forwards: the deck
ships no reversed copies of the videos.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = ["SLIDES_FOLDER", "presentation_name", "write_manim_slides"]

#: The folder inside a deck that manim-slides reads.
SLIDES_FOLDER = "slides"


def presentation_name(name: str) -> str:
    """A file-safe presentation name: letters, digits and underscores."""
    cleaned = re.sub(r"\W+", "_", name).strip("_")
    return cleaned or "talk"


def write_manim_slides(deck: Path, name: str, slides: list[dict[str, Any]],
                       resolution: tuple[int, int] | None = None) -> Path:
    """Write ``deck/slides/<name>.json`` for the deck's ``slides``; returns its path.

    Parameters
    ----------
    deck
        The deck folder; the videos' ``src`` paths are relative to it.
    name
        The presentation's name (made file-safe), as given to ``manim-slides present``.
    slides
        The deck's slides: ``{title, notes, loop, sections: [{name, src}]}``.
    resolution
        The videos' size in pixels, if known (manim-slides' window size).
    """
    entries = []
    for slide in slides:
        count = len(slide["sections"])
        for k, section in enumerate(slide["sections"]):
            notes = f"{slide['title']} ({k + 1}/{count}: {section['name']})"
            if slide.get("notes"):
                notes += "\n\n" + slide["notes"]
            entries.append({"file": section["src"], "rev_file": section["src"],
                            "loop": bool(slide.get("loop", False)), "notes": notes})
    presentation: dict[str, Any] = {"slides": entries, "background_color": "black"}
    if resolution is not None:
        presentation["resolution"] = list(resolution)
    folder = deck / SLIDES_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{presentation_name(name)}.json"
    path.write_text(json.dumps(presentation, indent=2), encoding="utf-8")
    return path
