"""Write a talk's deck: one folder with the section videos and a self-contained index.html.

The page needs nothing from the network: inline CSS and JavaScript, videos by relative
path, so it plays from ``file://``. Keys: ArrowRight / Space / PageDown / click = next
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
from pathlib import Path

from .render import SlideResult
from .script import Talk
from .slides_export import write_manim_slides

__all__ = ["DECK_MARKER", "DeckError", "check_out_dir", "write_deck"]

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


def notes_html(title: str) -> str:
    """The speaker's second window: it shows what the deck that opened it sends."""
    return _NOTES_PAGE.replace("%TITLE%", html.escape(title))


def deck_html(title: str, slides: list[dict]) -> str:
    """The page: ``slides`` is a list of {title, notes, loop, sections: [{name, src}]}."""
    data = json.dumps(slides).replace("</", "<\\/")
    return _PAGE.replace("%TITLE%", html.escape(title)).replace("%DATA%", data)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%TITLE%</title>
<style>
  html, body { margin: 0; height: 100%; background: #000; color: #ddd;
               font: 16px/1.4 system-ui, sans-serif; overflow: hidden; }
  #stage { position: absolute; inset: 0; display: flex; align-items: center;
           justify-content: center; cursor: pointer; }
  video { max-width: 100%; max-height: 100%; }
  #bar { position: absolute; left: 0; right: 0; bottom: 0; padding: 6px 12px;
         display: flex; justify-content: space-between; background: rgba(0,0,0,.55);
         font-size: 14px; opacity: .8; }
  #notes { position: absolute; left: 0; right: 0; bottom: 32px; max-height: 40%;
           overflow: auto; padding: 12px 18px; background: rgba(20,20,20,.92);
           white-space: pre-wrap; display: none; font-size: 18px; }
  #notes.shown { display: block; }
  #notes h2 { margin: 0 0 6px; font-size: 15px; color: #9ab; }
</style>
</head>
<body>
<div id="stage"><video id="video" muted playsinline preload="auto"></video></div>
<div id="notes"><h2 id="notes-title"></h2><div id="notes-text"></div></div>
<div id="bar"><span id="slide-title"></span><span id="counter"></span></div>
<script>
"use strict";
const SLIDES = %DATA%;
const STEPS = [];
SLIDES.forEach((slide, s) => slide.sections.forEach((section, k) =>
  STEPS.push({slide: s, section: k, src: section.src, name: section.name})));
const video = document.getElementById("video");
const preload = document.createElement("video");
preload.muted = true; preload.preload = "auto";
const deck = { index: 0, steps: STEPS, slides: SLIDES, video: video };
window.deck = deck;

function show(i) {
  if (i < 0 || i >= STEPS.length) return;
  deck.index = i;
  const step = STEPS[i], slide = SLIDES[step.slide];
  video.loop = !!slide.loop;
  video.src = step.src;
  video.play().catch(() => {});
  if (i + 1 < STEPS.length) preload.src = STEPS[i + 1].src;
  document.getElementById("slide-title").textContent = slide.title;
  document.getElementById("counter").textContent =
    "slide " + (step.slide + 1) + "/" + SLIDES.length + " \\u00b7 section " +
    (step.section + 1) + "/" + slide.sections.length + " (" + step.name + ")";
  document.getElementById("notes-title").textContent = slide.title;
  document.getElementById("notes-text").textContent = slide.notes || "(no notes)";
  document.title = slide.title + " \\u2013 %TITLE%";
  sendNotes();
}
deck.next = () => show(deck.index + 1);
deck.previous = () => show(deck.index - 1);
deck.toggleNotes = () => document.getElementById("notes").classList.toggle("shown");

// Speaker notes in a second window (notes.html), kept in step by postMessage, which
// works between file:// pages; its arrow keys drive this deck.
deck.notesWindow = null;
function sendNotes() {
  const w = deck.notesWindow;
  if (!w || w.closed) return;
  const step = STEPS[deck.index], slide = SLIDES[step.slide], next = STEPS[deck.index + 1];
  w.postMessage({type: "state", title: slide.title, notes: slide.notes || "(no notes)",
                 counter: document.getElementById("counter").textContent,
                 next: next ? SLIDES[next.slide].title + " \u00b7 " + next.name : "(end of talk)"},
                "*");
}
deck.openNotesWindow = () => {
  if (deck.notesWindow && !deck.notesWindow.closed) { deck.notesWindow.focus(); return; }
  deck.notesWindow = window.open("notes.html", "manim-diffusion-notes",
                                 "popup,width=720,height=480");
};
window.addEventListener("message", (e) => {
  if (!deck.notesWindow || e.source !== deck.notesWindow || !e.data) return;
  if (e.data.type === "hello") sendNotes();
  else if (e.data.type === "next") deck.next();
  else if (e.data.type === "previous") deck.previous();
});

document.addEventListener("keydown", (e) => {
  if (e.key === "ArrowRight" || e.key === " " || e.key === "PageDown") deck.next();
  else if (e.key === "ArrowLeft" || e.key === "PageUp") deck.previous();
  else if (e.key === "n" || e.key === "N") deck.toggleNotes();
  else if (e.key === "w" || e.key === "W") deck.openNotesWindow();
  else if (e.key === "f" && document.documentElement.requestFullscreen)
    document.documentElement.requestFullscreen().catch(() => {});
  else return;
  e.preventDefault();
});
document.getElementById("stage").addEventListener("click", () => deck.next());
show(0);
</script>
</body>
</html>
"""

_NOTES_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Notes \u2013 %TITLE%</title>
<style>
  html, body { margin: 0; background: #111; color: #eee; font: 20px/1.45 system-ui, sans-serif; }
  header { display: flex; justify-content: space-between; padding: 10px 16px;
           background: #222; color: #9ab; font-size: 16px; }
  #clock { font-variant-numeric: tabular-nums; }
  main { padding: 12px 18px; }
  h1 { margin: 0 0 10px; font-size: 24px; }
  #notes { white-space: pre-wrap; }
  footer { position: fixed; bottom: 0; left: 0; right: 0; padding: 8px 16px;
           background: #222; font-size: 16px; color: #bbb; }
</style>
</head>
<body>
<header><span id="counter">waiting for the deck\u2026</span><span id="clock">0:00</span></header>
<main><h1 id="title"></h1><div id="notes">Open this page with the key w in the deck.</div></main>
<footer>next: <span id="next"></span> \u00b7 keys here: \u2190 \u2192 space</footer>
<script>
"use strict";
const started = Date.now();
function tick() {
  const s = Math.floor((Date.now() - started) / 1000);
  document.getElementById("clock").textContent =
    Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
}
setInterval(tick, 1000);
window.addEventListener("message", (e) => {
  if (e.source !== window.opener || !e.data || e.data.type !== "state") return;
  for (const id of ["title", "notes", "counter", "next"])
    document.getElementById(id).textContent = e.data[id];
});
function send(type) { if (window.opener) window.opener.postMessage({type: type}, "*"); }
document.addEventListener("keydown", (e) => {
  if (e.key === "ArrowRight" || e.key === " " || e.key === "PageDown") send("next");
  else if (e.key === "ArrowLeft" || e.key === "PageUp") send("previous");
  else return;
  e.preventDefault();
});
send("hello");
</script>
</body>
</html>
"""
