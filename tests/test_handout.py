"""`manim-diffusion talk handout`: a PDF page per section, its last frame above the notes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from test_talk import tiny_talk

from manim_diffusion.cli.main import main
from manim_diffusion.talk.handout import (
    PAGE_SIZE,
    HandoutError,
    HandoutPage,
    image_box,
    page_image,
    write_handout,
)
from manim_diffusion.talk.render import render_talk
from manim_diffusion.talk.script import load_talk

NOTES_TOP = 110  # the notes start this far below the frame (past the "Notes" heading)


def frames_of(video: Path) -> list[np.ndarray]:
    """Every frame of ``video``, decoded from the start (the known answer for the last)."""
    import av

    with av.open(str(video)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def pdf_pages(pdf: Path, folder: Path) -> list[np.ndarray]:
    """The PDF's pages as RGB arrays: pdftoppm (Debian's poppler-utils) at 150 dpi, the
    pages' own pixel size."""
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(folder / "page")],
                   check=True)
    return [np.asarray(Image.open(p).convert("RGB"))
            for p in sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem[5:]))]


def embedded_pages(pdf: Path) -> list[np.ndarray]:
    """The pure-Python route: each page of the handout is one full-page JPEG stream."""
    from io import BytesIO

    data = pdf.read_bytes()
    starts = [m.end() for m in re.finditer(rb"/Filter /DCTDecode.*?stream\n", data, re.S)]
    images = []
    for start in starts:
        end = data.index(b"\xff\xd9", start) + 2  # a baseline JPEG's end marker
        images.append(np.asarray(Image.open(BytesIO(data[start:end])).convert("RGB")))
    return images


def region(page: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    left, top, right, bottom = box
    return page[top:bottom, left:right].astype(float)


def mean_difference(shown: np.ndarray, frame: np.ndarray) -> float:
    """How far a page's picture is from ``frame`` scaled to it (mean over pixels, 0-255)."""
    size = (shown.shape[1], shown.shape[0])
    scaled = np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.LANCZOS))
    return float(np.abs(shown - scaled.astype(float)).mean())


def where_they_differ(shown: np.ndarray, frame: np.ndarray,
                      rival: np.ndarray) -> tuple[float | None, float]:
    """The picture's mean distance to ``frame`` and to ``rival`` where those two differ."""
    size = (shown.shape[1], shown.shape[0])
    a, b = (np.asarray(Image.fromarray(f).resize(size, Image.Resampling.LANCZOS)).astype(float)
            for f in (frame, rival))
    mask = np.abs(a - b).max(axis=2) > 100
    if mask.sum() < 20:  # the same picture (the black "vanish" frames)
        return None, 0.0
    return (float(np.abs(shown - a)[mask].mean()), float(np.abs(shown - b)[mask].mean()))


def ink(page: np.ndarray, top: int, bottom: int) -> float:
    """The share of dark pixels (text) between rows ``top`` and ``bottom``."""
    return float((page[top:bottom].mean(axis=2) < 128).mean())


@pytest.mark.slow
def test_the_handout_of_a_tiny_talk(tmp_path: Path) -> None:
    talk_file = tiny_talk(tmp_path, (1.0, 2.0))
    cache, out = tmp_path / "cache", tmp_path / "out" / "tiny.pdf"
    result = CliRunner().invoke(main, ["talk", "handout", str(talk_file), "--quality",
                                       "preview", "--cache-dir", str(cache), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 rendered, 0 cached" in result.output and "(4 pages)" in result.output
    assert not list(out.parent.glob(".*partial*")), "no partial file is left behind"
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/Count 4" in data
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", data)) == 4  # one per section

    # The pages as PNGs: pdftoppm (a real PDF reader) when it is there, else the pure
    # Python route; with both, the two agree.
    embedded = embedded_pages(out)
    pages = pdf_pages(out, tmp_path) if shutil.which("pdftoppm") else embedded
    assert len(pages) == len(embedded) == 4
    assert all(p.shape == (PAGE_SIZE[1], PAGE_SIZE[0], 3) for p in pages)
    assert all(np.abs(a.astype(float) - b).mean() < 2 for a, b in zip(pages, embedded, strict=True))

    # Each page's picture is its section's last frame: closer to it than to the frame
    # before it, or to any other section's last frame.
    talk = load_talk(talk_file)
    results = render_talk(talk, "preview", cache_dir=cache)
    assert all(r.cached for r in results)
    lasts, befores = [], []
    for r in results:
        for section in r.sections:
            frames = frames_of(r.folder / section["video"])
            lasts.append(frames[-1])
            befores.append(frames[-2])
    box = image_box((lasts[0].shape[1], lasts[0].shape[0]))
    for i, page in enumerate(pages):
        shown = region(page, box)
        assert mean_difference(shown, lasts[i]) < 1.5, i
        # Where the last frame differs from the one before it (the square is still being
        # drawn in "appear") or from another section's, the page shows the last frame.
        rivals = [befores[i]] + [f for j, f in enumerate(lasts) if j != i]
        for rival in rivals:
            own, other = where_they_differ(shown, lasts[i], rival)
            assert own is None or own < other / 3, (i, own, other)
        # The notes below the frame are text, and the same on both pages of a slide.
        assert 0.002 < ink(page, box[3] + NOTES_TOP, box[3] + NOTES_TOP + 60) < 0.3
    notes = [p[box[3] + NOTES_TOP:box[3] + NOTES_TOP + 60].astype(float) for p in pages]
    assert np.abs(notes[0] - notes[1]).mean() < 1 and np.abs(notes[2] - notes[3]).mean() < 1
    assert np.abs(notes[0] - notes[2]).max() > 100  # "tiny 0" against "tiny 1"

    # Warm: nothing renders again, and the handout is rewritten in place.
    again = CliRunner().invoke(main, ["talk", "handout", str(talk_file), "--quality", "preview",
                                      "--cache-dir", str(cache), "--out", str(out)])
    assert again.exit_code == 0 and "0 rendered, 2 cached" in again.output, again.output


def frame(color: tuple[int, int, int]) -> Image.Image:
    return Image.new("RGB", (854, 480), color)


def test_long_notes_and_titles_stay_inside_the_margins_and_stop_at_the_foot() -> None:
    words = "The reverse process denoises step by step toward the data. "
    short = page_image(HandoutPage("T", "s", "slide 1/1", words, frame((0, 90, 200))),
                       "Talk", 1, 1)
    long = page_image(HandoutPage("T", "s", "slide 1/1", words * 12, frame((0, 90, 200))),
                      "Talk", 1, 1)
    endless = page_image(HandoutPage("A slide title far too long for one line " * 3,
                                     "a section name just as long " * 5, "slide 1/1",
                                     words * 400, frame((0, 90, 200))), "Talk " * 40, 1, 1)
    box = image_box((854, 480))
    for page in (short, long, endless):
        array = np.asarray(page)
        assert array.shape == (PAGE_SIZE[1], PAGE_SIZE[0], 3)
        # The frame is pasted where image_box says.
        assert np.abs(region(array, box) - np.array([0, 90, 200])).mean() < 1
        # Nothing is drawn in the side margins.
        assert (array[:, :80] == 255).all() and (array[:, -80:] == 255).all()

    def text_rows(page: Image.Image) -> int:
        dark = (np.asarray(page)[box[3] + NOTES_TOP:PAGE_SIZE[1] - 100].mean(axis=(1, 2))
                < 250)
        return int(dark.sum())

    assert text_rows(short) < text_rows(long) < text_rows(endless)
    # The endless notes are cut before the page number at the foot.
    assert (np.asarray(endless)[PAGE_SIZE[1] - 100:PAGE_SIZE[1] - 75, :1000] == 255).all()


def test_a_page_without_notes_says_so() -> None:
    empty = page_image(HandoutPage("T", "s", "p", "", frame((0, 0, 0))), "Talk", 1, 1)
    box = image_box((854, 480))
    assert ink(np.asarray(empty), box[3] + NOTES_TOP, box[3] + NOTES_TOP + 60) > 0.002


def test_the_handout_must_be_a_pdf_file(tmp_path: Path) -> None:
    talk = load_talk(tiny_talk(tmp_path, (1.0,)))
    for bad in (tmp_path / "handout.png", tmp_path):
        with pytest.raises(HandoutError, match="not a .pdf file name"):
            write_handout(talk, [], bad)
    result = CliRunner().invoke(main, ["talk", "handout", str(talk.path), "--out",
                                       str(tmp_path / "x.txt"), "--cache-dir",
                                       str(tmp_path / "cache")])
    assert result.exit_code == 1 and "not a .pdf file name" in result.output
    assert not (tmp_path / "cache").exists(), "nothing renders before the check"


@pytest.mark.slow
def test_a_failing_slide_writes_no_handout(tmp_path: Path) -> None:
    talk_file = tiny_talk(tmp_path, (1.0, 2.0), fail=True)
    out = tmp_path / "tiny.pdf"
    result = CliRunner().invoke(main, ["talk", "handout", str(talk_file), "--quality",
                                       "preview", "--cache-dir", str(tmp_path / "cache"),
                                       "--out", str(out)])
    assert result.exit_code == 1
    assert "tiny scene asked to fail" in result.output
    assert "1 of 2 slides failed" in result.output
    assert "the handout was not written" in result.output
    assert not out.exists() and not list(tmp_path.glob(".tiny.pdf*"))
