"""A talk's handout: a PDF with one page per section, its last frame above the notes.

The lecturer's fallback when a projector plays no video: every pause point of the deck
as a still (the last frame of the section's video, read with PyAV, which Manim already
needs), under the slide's title and section name, with the slide's speaker notes below.
The pages are A4 portrait images drawn with Pillow (the notes in a TrueType font of the
machine, else Pillow's own) and written as one multi-page PDF, atomically.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from .build import render_slides
from .render import SlideResult
from .script import Talk, load_talk

__all__ = ["DPI", "PAGE_SIZE", "HandoutBuild", "HandoutError", "HandoutPage", "build_handout",
           "handout_pages", "image_box", "last_frame", "page_image", "write_handout"]

#: Pages are A4 portrait at this resolution (pdftoppm -r 150 gives the same pixels back).
DPI = 150
PAGE_SIZE = (1240, 1754)
_MARGIN = 90
_HEAD = 240  # pixels above the frame: talk line, slide title, section name
_INK, _GREY, _RULE = (20, 20, 20), (110, 110, 110), (190, 190, 190)
_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans{}.ttf",
          "/usr/share/fonts/truetype/liberation/LiberationSans-{}.ttf")
_NOTE_SIZES = (30, 26, 22, 19, 16)

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


class HandoutError(ValueError):
    """The handout cannot be written where asked."""


@dataclass(frozen=True)
class HandoutPage:
    """One page: a section's last frame and the notes of its slide."""

    slide_title: str
    section: str  #: the section's name
    place: str  #: e.g. "slide 1/3 · section 2/2"
    notes: str
    frame: Image.Image


@dataclass(frozen=True)
class HandoutBuild:
    """A written handout: its path, its pages, and how many slides rendered or were cached."""

    talk: Talk
    out: Path
    pages: int
    rendered: int
    cached: int


def last_frame(video: Path) -> Image.Image:
    """The last frame of ``video`` as an RGB image (seek near the end, decode the rest).

    Parameters
    ----------
    video
        A video file PyAV can read (a section video Manim wrote).
    """
    import av

    frame = None
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        if container.duration:
            container.seek(container.duration, backward=True, any_frame=False)
        frame = _last(container.decode(stream))
        if frame is None:  # the seek went past every key frame: decode from the start
            container.seek(0)
            frame = _last(container.decode(stream))
    if frame is None:
        raise HandoutError(f"{video} holds no video frame; render the talk again")
    return frame.to_image().convert("RGB")


def _last(frames: Iterator[Any]) -> Any:
    """The last item of ``frames`` (None if there is none)."""
    last = None
    for last in frames:  # noqa: B007 (only the last one is kept)
        pass
    return last


def handout_pages(results: Sequence[SlideResult]) -> list[HandoutPage]:
    """The pages of rendered ``results``: one per section, in the deck's order.

    Parameters
    ----------
    results
        Every slide's :class:`~manim_diffusion.talk.render.SlideResult`, all rendered.
    """
    pages = []
    for result in results:
        if not result.ok or result.folder is None:
            raise HandoutError(f"not writing the handout: {result.slide.label} did not render")
        total = len(result.sections)
        for i, section in enumerate(result.sections):
            place = f"slide {result.slide.number}/{len(results)} · section {i + 1}/{total}"
            pages.append(HandoutPage(result.slide.title, section.get("name", f"section {i + 1}"),
                                     place, result.slide.notes,
                                     last_frame(result.folder / section["video"])))
    return pages


def _font(size: int, bold: bool = False) -> FontType:
    """DejaVu Sans (or Liberation Sans) at ``size`` pixels; Pillow's own font without them."""
    for pattern in _FONTS:
        path = pattern.format(("-Bold" if bold else "") if "dejavu" in pattern
                              else ("Bold" if bold else "Regular"))
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: FontType, width: int) -> list[str]:
    """``text`` reflowed into lines no wider than ``width``.

    A single line break of the script is a space (TOML notes are wrapped by hand); a
    blank line starts a new paragraph, after an empty line.
    """
    lines: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        if lines:
            lines.append("")
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and draw.textlength(candidate, font=font) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _fit(draw: ImageDraw.ImageDraw, text: str, sizes: Sequence[int], width: int,
         bold: bool = False) -> tuple[str, FontType]:
    """``text`` in the largest of ``sizes`` that fits ``width``; cut with "…" if none does."""
    for size in sizes:
        font = _font(size, bold)
        if draw.textlength(text, font=font) <= width:
            return text, font
    while len(text) > 1 and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…", font


def image_box(frame_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Where a frame of ``frame_size`` lands on a page: (left, top, right, bottom) pixels.

    Parameters
    ----------
    frame_size
        The frame's (width, height) in pixels; it is scaled to the page's text width.
    """
    width = PAGE_SIZE[0] - 2 * _MARGIN
    height = round(width * frame_size[1] / frame_size[0])
    return _MARGIN, _HEAD, _MARGIN + width, _HEAD + height


def _draw_notes(draw: ImageDraw.ImageDraw, notes: str, top: int, bottom: int) -> None:
    """The notes between ``top`` and ``bottom``, in the largest size that fits them."""
    width = PAGE_SIZE[0] - 2 * _MARGIN
    text = notes.strip() or "(no notes)"
    for size in _NOTE_SIZES:
        font = _font(size)
        lines = _wrap(draw, text, font, width)
        step = round(size * 1.4)
        if len(lines) * step <= bottom - top:
            break
    fit = max(1, (bottom - top) // step)
    if len(lines) > fit:  # still too long at the smallest size: cut, and say so
        lines = lines[:fit - 1] + [lines[fit - 1] + " …"]
    for i, line in enumerate(lines):
        draw.text((_MARGIN, top + i * step), line, font=font, fill=_INK)


def page_image(page: HandoutPage, talk_title: str, number: int, total: int) -> Image.Image:
    """One page drawn as an A4 image: headings, the frame with a thin rule, the notes.

    Parameters
    ----------
    page
        The section's frame and its slide's notes.
    talk_title
        Printed at the top of every page.
    number, total
        The page number and the page count, printed at the foot.
    """
    image = Image.new("RGB", PAGE_SIZE, "white")
    draw = ImageDraw.Draw(image)
    right = PAGE_SIZE[0] - _MARGIN
    width = right - _MARGIN
    small = _font(20)
    draw.text((right, 60), page.place, font=small, fill=_GREY, anchor="ra")
    room = width - draw.textlength(page.place, font=small) - 40
    for top, text, sizes, bold, fill in (
            (60, talk_title, (20,), False, _GREY),
            (105, page.slide_title, (44, 38, 32), True, _INK),
            (170, page.section, (28,), False, _GREY)):
        text, font = _fit(draw, text, sizes, int(room) if top == 60 else width, bold)
        draw.text((_MARGIN, top), text, font=font, fill=fill)
    box = image_box(page.frame.size)
    size = (box[2] - box[0], box[3] - box[1])
    image.paste(page.frame.resize(size, Image.Resampling.LANCZOS), box[:2])
    draw.rectangle((box[0] - 1, box[1] - 1, box[2], box[3]), outline=_RULE, width=1)
    draw.text((_MARGIN, box[3] + 40), "Notes", font=_font(24, bold=True), fill=_GREY)
    foot = PAGE_SIZE[1] - 70
    _draw_notes(draw, page.notes, box[3] + 85, foot - 30)
    draw.text((right, foot), f"{number}/{total}", font=small, fill=_GREY, anchor="ra")
    return image


def write_handout(talk: Talk, results: Sequence[SlideResult], out: Path) -> int:
    """Write the handout of fully rendered ``results`` to the PDF ``out``, all or nothing.

    The PDF is written beside ``out`` and renamed into place. Returns the page count.

    Parameters
    ----------
    talk
        The talk (its title heads every page).
    results
        Every slide, rendered (see :func:`handout_pages`).
    out
        The PDF to write (its folders are made); HandoutError if it is a folder or does
        not end in ``.pdf``.
    """
    out = Path(out)
    if out.suffix.lower() != ".pdf" or out.is_dir():
        raise HandoutError(f"{out} is not a .pdf file name; choose another --out")
    pages = handout_pages(results)
    images = [page_image(p, talk.title, i + 1, len(pages)) for i, p in enumerate(pages)]
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    try:
        images[0].save(partial, "PDF", save_all=True, append_images=images[1:],
                       resolution=float(DPI), quality=90, title=f"{talk.title}: handout",
                       producer="manim-diffusion talk handout")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return len(images)


def build_handout(talk_file: Path, mode: str, *, out: Path | None = None,
                  cache_dir: Path | None = None, jobs: int | None = None,
                  echo: Callable[[str], None] = print) -> HandoutBuild:
    """Render (or take from the cache) the talk ``talk_file`` and write its handout PDF.

    Parameters
    ----------
    talk_file
        The talk script (TOML); TalkError if it does not check.
    mode
        ``"build"`` (1080p60, the frames of a deck from ``talk build``) or ``"preview"``.
    out
        The PDF (default: ``media/talks/<talk file stem>-handout.pdf``).
    cache_dir, jobs, echo
        As for :func:`~manim_diffusion.talk.build.build_deck`.
    """
    talk = load_talk(talk_file)
    out = out or Path("media") / "talks" / f"{talk_file.stem}-handout.pdf"
    if out.suffix.lower() != ".pdf" or out.is_dir():
        raise HandoutError(f"{out} is not a .pdf file name; choose another --out")
    results = render_slides(talk, mode, cache_dir=cache_dir, jobs=jobs, echo=echo,
                            writes="handout")
    pages = write_handout(talk, results, out)
    rendered = sum(1 for r in results if not r.cached)
    return HandoutBuild(talk, out, pages, rendered, len(results) - rendered)
