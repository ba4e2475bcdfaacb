"""`talk preview --watch`: changed slides re-render through the cache, the deck reloads."""

from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import manim_diffusion.talk.render as render
from manim_diffusion.cli.main import main
from manim_diffusion.talk.deck import DeckError
from manim_diffusion.talk.render import SlideResult
from manim_diffusion.talk.script import load_talk
from manim_diffusion.talk.watch import (
    RELOAD_FILE,
    WatchBuild,
    changed_slides,
    inject_reload,
    watch_talk,
    watched_files,
    write_reload,
)

SCENE = '''
from manim import BLUE, Create, FadeOut, Scene, Square


class Tiny(Scene):
    def construct(self):
        square = Square(side_length={side}, color=BLUE)
        self.next_section("appear")
        self.play(Create(square), run_time=0.2)
        self.next_section("vanish")
        self.play(FadeOut(square), run_time=0.2)
'''


def two_scene_talk(folder: Path) -> Path:
    """A talk of two slides, each its own scene file (a.py, b.py)."""
    for name, side in (("a", 1.0), ("b", 2.0)):
        (folder / f"{name}.py").write_text(SCENE.format(side=side), encoding="utf-8")
    talk = folder / "talk.toml"
    talk.write_text(textwrap.dedent('''\
        [talk]
        title = "Watched"
        [[slides]]
        scene = "a.py"
        class = "Tiny"
        title = "A"
        [[slides]]
        scene = "b.py"
        class = "Tiny"
        title = "B"
        '''), encoding="utf-8")
    return talk


def edit(path: Path, line: str = "# edited\n") -> None:
    """Change a file's content and move its mtime on (coarse clocks included)."""
    path.write_text(path.read_text(encoding="utf-8") + line, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def fake_render(calls: list[str]) -> Callable[..., SlideResult]:
    """A stand-in for one slide's manim render: two tiny 'videos' in the cache folder."""
    def render_one(result: SlideResult, mode: str, cache_dir: Path, *args: object,
                   **kwargs: object) -> SlideResult:
        calls.append(result.slide.title)
        folder = cache_dir / result.key
        folder.mkdir(parents=True, exist_ok=True)
        sections = [{"name": n, "video": f"{n}.mp4", "nb_frames": 3} for n in ("one", "two")]
        for s in sections:
            (folder / s["video"]).write_bytes(b"not a real video")
        (folder / "sections.json").write_text(json.dumps(sections), encoding="utf-8")
        result.folder, result.sections, result.frames = folder, sections, 6
        return result
    return render_one


class Watch:
    """watch_talk in a thread; ``wait(n)`` until n builds are done."""

    def __init__(self, talk: Path, out: Path, cache: Path) -> None:
        self.builds: list[WatchBuild] = []
        self.lines: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=watch_talk, args=(talk,), kwargs=dict(
            out=out, cache_dir=cache, jobs=1, interval=0.05, stop=self.stop,
            on_build=self.builds.append, echo=self.lines.append), daemon=True)
        self.thread.start()

    def wait(self, n: int, timeout: float = 120) -> WatchBuild:
        end = time.monotonic() + timeout
        while len(self.builds) < n:
            assert time.monotonic() < end, f"no build {n} in {timeout} s: {self.lines}"
            assert self.thread.is_alive(), self.lines
            time.sleep(0.02)
        return self.builds[n - 1]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def watch(tmp_path: Path) -> Iterator[Callable[[], Watch]]:
    started: list[Watch] = []

    def start() -> Watch:
        started.append(Watch(tmp_path / "talk.toml", tmp_path / "deck", tmp_path / "cache"))
        return started[-1]
    yield start
    for w in started:
        w.close()


def reload_state(out: Path) -> dict[str, int]:
    text = (out / RELOAD_FILE).read_text(encoding="utf-8")
    return json.loads(re.search(r"\((\{.*\})\)", text).group(1))


def test_an_edited_scene_re_renders_its_slide_only_and_reloads_the_deck_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, watch: Callable[[], Watch]) -> None:
    calls: list[str] = []
    monkeypatch.setattr(render, "_render_one", fake_render(calls))
    talk, out = two_scene_talk(tmp_path), tmp_path / "deck"
    w = watch()
    first = w.wait(1)
    assert (first.version, first.changed, first.slide, first.rendered) == (1, [0, 1], 0, 2)
    assert sorted(calls) == ["A", "B"] and reload_state(out) == {"version": 1, "slide": 0}
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count("const version = 1;") == 1 and page.index("reload.js") < page.index(
        "</body>")
    edit(tmp_path / "b.py")
    second = w.wait(2)
    assert (second.changed, second.slide, second.rendered) == ([1], 1, 1)
    assert calls[2:] == ["B"], "only the edited slide renders again"
    assert reload_state(out) == {"version": 2, "slide": 1}
    assert "const version = 2;" in (out / "index.html").read_text(encoding="utf-8")
    # An edit of the script: a new title for slide A (no render: the videos are the same).
    text = talk.read_text(encoding="utf-8").replace('title = "A"', 'title = "A, renamed"')
    talk.write_text(text, encoding="utf-8")
    edit(talk, "\n")
    third = w.wait(3)
    assert (third.changed, third.slide, third.rendered) == ([0], 0, 0) and len(calls) == 3
    assert reload_state(out) == {"version": 3, "slide": 0}
    # A broken script is reported and waited out; the deck stays as it was.
    talk.write_text(text + "[[slides]]\nscene = 3\n", encoding="utf-8")
    edit(talk, "\n")
    broken = w.wait(4)
    assert broken.error and "slide" in broken.error and reload_state(out)["version"] == 3
    talk.write_text(text, encoding="utf-8")
    edit(talk, "\n")
    assert w.wait(5).error is None and reload_state(out) == {"version": 5, "slide": 0}
    assert len(calls) == 3


@pytest.mark.slow
def test_a_real_render_re_renders_the_edited_slide(tmp_path: Path,
                                                  watch: Callable[[], Watch]) -> None:
    """The same with manim itself: slide B's side changes, slide A comes from the cache."""
    two_scene_talk(tmp_path)
    w = watch()
    first = w.wait(1)
    assert first.error is None and first.rendered == 2, w.lines
    videos = sorted(p.name for p in (tmp_path / "deck" / "videos").iterdir())
    assert videos == ["01_00.mp4", "01_01.mp4", "02_00.mp4", "02_01.mp4"]
    before = (tmp_path / "deck" / "videos" / "02_00.mp4").read_bytes()
    scene = tmp_path / "b.py"
    scene.write_text(scene.read_text(encoding="utf-8").replace("side_length=2.0",
                                                               "side_length=3.0"))
    edit(scene)
    second = w.wait(2)
    assert (second.error, second.changed, second.rendered) == (None, [1], 1), w.lines
    assert (tmp_path / "deck" / "videos" / "02_00.mp4").read_bytes() != before
    assert reload_state(tmp_path / "deck") == {"version": 2, "slide": 1}


def test_what_is_watched_and_what_changed(tmp_path: Path) -> None:
    talk = load_talk(two_scene_talk(tmp_path))
    (tmp_path / "_kit.py").write_text("", encoding="utf-8")
    assert [p.name for p in watched_files(talk)] == ["_kit.py", "a.py", "b.py", "talk.toml"]
    assert changed_slides(["k1", "k2"], ["k1", "k3", "k4"]) == [1, 2]
    assert changed_slides(["k1", "k2"], ["k1", "k2"]) == []
    assert changed_slides([], ["k1"]) == [0]


def test_the_reload_file_and_the_page_snippet(tmp_path: Path) -> None:
    write_reload(tmp_path, 7, 2)
    assert reload_state(tmp_path) == {"version": 7, "slide": 2}
    assert (tmp_path / RELOAD_FILE).read_text().startswith("window.manimDiffusionReload && ")
    page = tmp_path / "index.html"
    page.write_text("<html><body><p>deck</p></body></html>", encoding="utf-8")
    inject_reload(page, 7)
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<html><body><p>deck</p><script>") and text.endswith(
        "</script>\n</body></html>")
    assert "const version = 7;" in text and 'tag.src = "reload.js?t="' in text
    page.write_text("<html>no body</html>", encoding="utf-8")
    with pytest.raises(DeckError, match="no </body>"):
        inject_reload(page, 1)
    with pytest.raises(ValueError, match="interval must be positive"):
        watch_talk(tmp_path / "talk.toml", interval=0)


def test_the_cli_has_a_watch_flag() -> None:
    result = CliRunner().invoke(main, ["talk", "preview", "--help"])
    assert result.exit_code == 0 and "--watch" in result.output


def _chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser",
                                                         "google-chrome")) if p), None)


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="needs a chromium binary (Debian: apt-get "
                    "install -y chromium) to test the reload in a real browser")
def test_an_open_deck_reloads_at_the_edited_slide(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   watch: Callable[[], Watch]) -> None:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="needs playwright (pip install -e '.[test]') to drive "
        "chromium; it runs the system's chromium")
    monkeypatch.setattr(render, "_render_one", fake_render([]))
    two_scene_talk(tmp_path)
    w = watch()
    w.wait(1)
    index = tmp_path / "deck" / "index.html"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=["--no-sandbox",
                                     "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            page.goto(index.as_uri())
            page.wait_for_function("window.deck !== undefined && deck.index === 0")
            edit(tmp_path / "b.py")
            w.wait(2)
            # The page sees reload.js's new version, reloads itself at slide B's first
            # section, and asks for the new videos (not the cached old ones).
            page.wait_for_function("location.hash === '#slide=1' && window.deck && "
                                   "deck.index === 2")
            assert page.evaluate("deck.video.src").endswith("videos/02_00.mp4?v=2")
            assert "slide 2/2" in page.text_content("#counter")
        finally:
            browser.close()
