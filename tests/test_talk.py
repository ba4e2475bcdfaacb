"""Talk scripts: the schema, the parameters, the render cache and the deck."""

from __future__ import annotations

import json
import re
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from manim_diffusion.cli.main import main
from manim_diffusion.talk import PARAMS_ENV, TalkError, load_talk, params
from manim_diffusion.talk.deck import DECK_MARKER, DeckError, write_deck
from manim_diffusion.talk.render import render_talk

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_TALK = ROOT / "talks" / "diffusion_in_ten_minutes.toml"

TINY_SCENE = '''
from manim import BLUE, Create, FadeOut, Scene, Square

from manim_diffusion.talk import params


class Tiny(Scene):
    def construct(self):
        p = params({"side": 1.0, "fail": False})
        if p["fail"]:
            raise RuntimeError("tiny scene asked to fail")
        square = Square(side_length=p["side"], color=BLUE)
        self.next_section("appear")
        self.play(Create(square), run_time=0.2)
        self.next_section("vanish")
        self.play(FadeOut(square), run_time=0.2)
'''

GOOD_SLIDE = '''
[[slides]]
scene = "ddpm_smiley.py"
class = "DDPMSmiley"
title = "First"
notes = "fine"
params = { n_points = 500, seed = 3, model = "smiley_ddpm" }
'''


def write_talk(folder: Path, slides: str, header: str = '[talk]\ntitle = "T"\n') -> Path:
    path = folder / "talk.toml"
    path.write_text(header + textwrap.dedent(slides), encoding="utf-8")
    return path


# --- the schema -------------------------------------------------------------------------

def test_the_shipped_talk_loads() -> None:
    talk = load_talk(SHIPPED_TALK)
    assert talk.title == "Diffusion in ten minutes"
    assert 3 <= len(talk.slides) <= 6
    assert all(s.file.is_file() and s.title and s.notes for s in talk.slides)
    smiley = next(s for s in talk.slides if s.scene_class == "DDPMSmiley")
    assert smiley.params["n_points"] == 2000


def test_a_good_talk_and_a_module_class_scene(tmp_path: Path) -> None:
    (tmp_path / "my_scenes.py").write_text(TINY_SCENE, encoding="utf-8")
    talk = load_talk(write_talk(tmp_path, GOOD_SLIDE + '''
        [[slides]]
        scene = "my_scenes:Tiny"
        title = "Second"
        params = { side = 2 }
        loop = true
    '''))
    first, second = talk.slides
    assert (first.scene_class, first.params["n_points"], first.loop) == ("DDPMSmiley", 500, False)
    assert second.file == (tmp_path / "my_scenes.py").resolve()
    assert (second.scene_class, second.params, second.loop, second.notes) == (
        "Tiny", {"side": 2}, True, "")


BAD_SLIDES = {
    "unknown scene file": ('scene = "nope.py"\nclass = "Nope"', "'scene'", "nope.py"),
    "missing class": ('scene = "ddpm_smiley.py"', "'class'", "missing"),
    "class not in the file": ('scene = "ddpm_smiley.py"\nclass = "DDPMSmily"', "'class'",
                              "DDPMSmily"),
    "unknown module": ('scene = "no_such_module_xyz:Scene"', "'scene'", "no_such_module_xyz"),
    "unknown key": ('scene = "ddpm_smiley.py"\nclass = "DDPMSmiley"\ncolour = "red"',
                    "'colour'", "unknown key"),
    "bad notes type": ('scene = "ddpm_smiley.py"\nclass = "DDPMSmiley"\nnotes = 3', "'notes'",
                       "str"),
    "bad loop type": ('scene = "ddpm_smiley.py"\nclass = "DDPMSmiley"\nloop = "yes"', "'loop'",
                      "bool"),
    "bad parameter type": ('scene = "ddpm_smiley.py"\nclass = "DDPMSmiley"\n'
                           'params = { n_points = "many" }', "'params.n_points'", "int"),
    "float for an int": ('scene = "ddpm_smiley.py"\nclass = "DDPMSmiley"\n'
                         'params = { seed = 1.5 }', "'params.seed'", "int"),
    "unknown parameter": ('scene = "ddpm_smiley.py"\nclass = "DDPMSmiley"\n'
                          'params = { n_pts = 5 }', "'params.n_pts'", "n_points"),
    "parameter of a list": ('scene = "ddpm_smiley.py"\nclass = "DDPMSmiley"\n'
                            'params = { seed = [1] }', "'params.seed'", "list"),
    "scene without parameters": ('scene = "plain_scene.py"\nclass = "Plain"\n'
                                 'params = { seed = 1 }', "'params.seed'", "takes no parameters"),
}


@pytest.mark.parametrize("case", sorted(BAD_SLIDES))
def test_a_bad_slide_is_named_with_its_key(tmp_path: Path, case: str) -> None:
    body, key, detail = BAD_SLIDES[case]
    (tmp_path / "plain_scene.py").write_text(
        "from manim import Scene\n\n\nclass Plain(Scene):\n    def construct(self):\n"
        "        self.wait(0.1)\n", encoding="utf-8")
    path = write_talk(tmp_path, GOOD_SLIDE + f'\n[[slides]]\ntitle = "Second"\n{body}\n')
    with pytest.raises(TalkError) as err:
        load_talk(path)
    message = str(err.value)
    assert 'slide 2 ("Second")' in message, message
    assert key in message and detail in message, message
    assert str(path) in message


def test_a_slide_without_a_title_is_named_by_number(tmp_path: Path) -> None:
    path = write_talk(tmp_path, GOOD_SLIDE + '[[slides]]\nscene = "ddpm_smiley.py"\n')
    with pytest.raises(TalkError, match=r"slide 2: key 'title'"):
        load_talk(path)


@pytest.mark.parametrize("header,match", [
    ("", r"key 'talk'"),
    ('[talk]\ntitle = "T"\nauthor = "me"\n', r"\[talk\]: unknown key 'author'"),
    ('[talk]\ntitle = ""\n', r"\[talk\]: key 'title'"),
    ('slide = 1\n[talk]\ntitle = "T"\n', r"unknown top-level key 'slide'"),
])
def test_a_bad_talk_table(tmp_path: Path, header: str, match: str) -> None:
    with pytest.raises(TalkError, match=match):
        load_talk(write_talk(tmp_path, GOOD_SLIDE, header=header))


def test_bad_toml_and_no_slides(tmp_path: Path) -> None:
    with pytest.raises(TalkError, match="not valid TOML"):
        load_talk(write_talk(tmp_path, "[[slides]\n"))
    with pytest.raises(TalkError, match="key 'slides'"):
        load_talk(write_talk(tmp_path, ""))


def test_the_cli_reports_a_bad_script_before_rendering(tmp_path: Path) -> None:
    path = write_talk(tmp_path, GOOD_SLIDE.replace("seed = 3", 'seed = "x"'))
    out = tmp_path / "deck"
    result = CliRunner().invoke(main, ["talk", "preview", str(path), "--out", str(out),
                                       "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 1
    assert "slide 1 (\"First\"): key 'params.seed'" in result.output
    assert not out.exists() and not (tmp_path / "cache").exists()


# --- parameters -------------------------------------------------------------------------

def test_params_fall_back_to_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PARAMS_ENV, raising=False)
    defaults = {"n": 3, "name": "x"}
    assert params(defaults) == defaults
    monkeypatch.setenv(PARAMS_ENV, json.dumps({"n": 5}))
    assert params(defaults) == {"n": 5, "name": "x"}
    assert defaults == {"n": 3, "name": "x"}
    monkeypatch.setenv(PARAMS_ENV, json.dumps({"m": 5}))
    with pytest.raises(KeyError, match="'m'"):
        params(defaults)


# --- rendering, the cache and the deck --------------------------------------------------

def tiny_talk(folder: Path, sides: tuple[float, float], fail: bool = False) -> Path:
    (folder / "tiny_scene.py").write_text(TINY_SCENE, encoding="utf-8")
    slides = ""
    for i, side in enumerate(sides):
        extra = ", fail = true" if fail and i == 1 else ""
        slides += (f'[[slides]]\nscene = "tiny_scene.py"\nclass = "Tiny"\ntitle = "Tiny {i}"\n'
                   f'notes = "notes of tiny {i}"\nparams = {{ side = {side}{extra} }}\n'
                   f"loop = {'true' if i == 0 else 'false'}\n")
    return write_talk(folder, slides, header='[talk]\ntitle = "Tiny talk"\n')


def check_deck(out: Path, n_videos: int) -> str:
    page = (out / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://", page), "the deck must not fetch anything"
    sources = re.findall(r'"src": "([^"]+)"', page)
    assert len(sources) == n_videos
    assert all((out / s).is_file() and (out / s).stat().st_size > 0 for s in sources)
    assert (out / DECK_MARKER).exists()
    return page


def test_the_cache_renders_only_changed_slides(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    cache, out = tmp_path / "cache", tmp_path / "deck"
    talk = load_talk(tiny_talk(tmp_path, (1.0, 2.0)))
    progress: list[tuple[int, int, str]] = []
    cold = render_talk(talk, "preview", cache_dir=cache, on_progress=lambda r: progress.append(
        (r.slide.number, r.frames, r.section)))
    assert all(r.ok for r in cold), [r.error for r in cold]
    assert [r.cached for r in cold] == [False, False]
    assert [[s["name"] for s in r.sections] for r in cold] == [["appear", "vanish"]] * 2
    # Progress: each slide's frame count only grows, passes through both sections and
    # ends at the frames Manim wrote; a first render has no expected total.
    written = [sum(int(s["nb_frames"]) for s in r.sections) for r in cold]
    for number in (1, 2):
        frames = [f for n, f, _ in progress if n == number]
        assert frames == sorted(frames) and frames[-1] == written[number - 1] == 6
        assert {"appear", "vanish"} <= {sec for n, _, sec in progress if n == number}
    assert [r.frames for r in cold] == written
    assert [r.frames_expected for r in cold] == [None, None]
    write_deck(talk, cold, out)
    page = check_deck(out, 4)
    assert "notes of tiny 1" in page and '"loop": true' in page

    start = time.perf_counter()
    warm = render_talk(load_talk(talk.path), "preview", cache_dir=cache)
    write_deck(talk, warm, out)
    assert time.perf_counter() - start < 5
    assert [r.cached for r in warm] == [True, True]
    assert [r.key for r in warm] == [r.key for r in cold]

    changed = load_talk(tiny_talk(tmp_path, (1.0, 1.5)))
    monkeypatch.chdir(tmp_path)  # a relative cache folder works as well
    third = render_talk(changed, "preview", cache_dir=Path("cache"))
    assert [r.cached for r in third] == [True, False]
    assert all(r.ok for r in third)
    # The changed slide's progress bar had its last render's frame count as its total.
    assert third[1].frames_expected == written[1]

    # The command line, warm: a progress line per slide, the deck replaced.
    result = CliRunner().invoke(main, ["talk", "preview", str(changed.path), "--out", str(out),
                                       "--cache-dir", "cache"])
    assert result.exit_code == 0, result.output
    assert result.output.count(": cached, 2 sections") == 2
    assert "0 rendered, 2 cached" in result.output
    check_deck(out, 4)
    assert not list(tmp_path.glob(".deck.*")), "no staging folder is left behind"


def test_a_failing_slide_lets_the_others_finish_and_writes_no_deck(tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "deck"
    talk = load_talk(tiny_talk(tmp_path, (1.0, 2.0), fail=True))
    result = CliRunner().invoke(main, ["talk", "preview", str(talk.path), "--out", str(out),
                                       "--cache-dir", str(cache)])
    assert result.exit_code == 1
    assert "tiny scene asked to fail" in result.output  # the scene's own error
    assert 'slide 2 ("Tiny 1")' in result.output and "the deck was not written" in result.output
    assert not out.exists()
    results = render_talk(talk, "preview", cache_dir=cache)
    assert [r.ok for r in results] == [True, False]
    assert results[0].cached  # slide 1 finished in the failed run and was kept
    with pytest.raises(DeckError, match="did not render"):
        write_deck(talk, results, out)
    assert not out.exists()


def test_the_live_progress_bars_draw_one_bar_per_slide(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from manim_diffusion.talk.progress import SlideProgress
    from manim_diffusion.talk.render import SlideResult

    talk = load_talk(tiny_talk(tmp_path, (1.0, 2.0)))
    results = [SlideResult(s, key=str(s.number)) for s in talk.slides]
    results[0].frames_expected = 40
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120, color_system=None)
    with SlideProgress(2, console=console) as bars:
        assert bars.live
        bars.start(results)
        results[0].frames, results[0].section = 10, "appear"
        bars.update(results[0])
        results[1].cached, results[1].sections = True, [{}, {}]
        bars.done(results[1])
        bars._progress.refresh()
        shown = screen.getvalue()
        assert "[1/2] Tiny 0" in shown and "10/40" in shown and "rendering appear" in shown
        assert "[2/2] Tiny 1" in shown and "cached, 2 sections" in shown
    # Without a terminal: one plain line per finished slide.
    lines: list[str] = []
    plain = Console(file=io.StringIO(), force_terminal=False)
    with SlideProgress(2, console=plain, echo=lines.append) as bars:
        assert not bars.live
        bars.start(results)
        bars.done(results[1])
    assert lines == ["  [2/2] Tiny 1 (Tiny): cached, 2 sections"]


def test_the_deck_is_also_a_manim_slides_presentation(tmp_path: Path) -> None:
    """manim-slides reads the deck's slides/<name>.json: every section, its notes, loops."""
    config = pytest.importorskip("manim_slides.config")
    talk = load_talk(tiny_talk(tmp_path, (1.0, 2.0)))
    results = render_talk(talk, "preview", cache_dir=tmp_path / "cache")
    write_deck(talk, results, tmp_path / "my talk")
    path = tmp_path / "my talk" / "slides" / "my_talk.json"
    presentation = config.PresentationConfig.from_file(path)
    assert len(presentation.slides) == 4
    assert tuple(presentation.resolution) == (854, 480)
    assert [s.loop for s in presentation.slides] == [True, True, False, False]
    assert all(Path(s.file).is_file() and Path(s.file).stat().st_size > 0
               for s in presentation.slides)
    assert Path(presentation.slides[2].file).name == "02_00.mp4"
    assert "notes of tiny 1" in presentation.slides[3].notes
    assert "Tiny 1 (2/2: vanish)" in presentation.slides[3].notes


# --- the deck in a real headless browser ------------------------------------------------

#: How Debian's chromium runs here: no sandbox as root, no GPU, and none of its own
#: network traffic (updates, sync, QUIC), so nothing but the deck's own requests is made.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


def _chromium() -> str | None:
    import shutil

    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser",
                                                         "google-chrome")) if p), None)


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="needs a chromium binary (Debian: apt-get "
                    "install -y chromium) to test the deck in a real browser")
def test_the_deck_plays_in_a_headless_browser(tmp_path: Path) -> None:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="needs playwright (pip install -e '.[test]') to drive "
        "chromium; no browser download is needed, it runs the system's chromium")
    talk = load_talk(tiny_talk(tmp_path, (1.0, 2.0)))
    results = render_talk(talk, "preview", cache_dir=tmp_path / "cache")
    index = write_deck(talk, results, tmp_path / "deck")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            _drive_the_deck(browser.new_context(), index)
        finally:
            browser.close()


def _drive_the_deck(context, index: Path) -> None:  # noqa: ANN001 (a playwright context)
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    deck = context.new_page()
    deck.set_default_timeout(20_000)
    deck.goto(index.as_uri())
    deck.wait_for_function("window.deck !== undefined")
    # The first section plays.
    deck.wait_for_function("deck.video.currentTime > 0.05 && deck.video.readyState >= 2")
    assert deck.evaluate("deck.video.src").endswith("videos/01_00.mp4")
    assert deck.evaluate("deck.video.loop") is True  # slide 1 loops
    assert "slide 1/2" in deck.text_content("#counter")
    # The right arrow advances to the next section.
    deck.keyboard.press("ArrowRight")
    deck.wait_for_function("deck.index === 1")
    assert deck.evaluate("deck.video.src").endswith("videos/01_01.mp4")
    assert "section 2/2" in deck.text_content("#counter")
    deck.keyboard.press("ArrowRight")
    deck.wait_for_function("deck.index === 2 && deck.video.loop === false")
    assert deck.evaluate("deck.video.src").endswith("videos/02_00.mp4")
    deck.keyboard.press("ArrowLeft")
    deck.wait_for_function("deck.index === 1")
    # n shows the speaker notes over the video.
    assert not deck.is_visible("#notes")
    deck.keyboard.press("n")
    deck.wait_for_selector("#notes", state="visible")
    assert "notes of tiny 0" in deck.inner_text("#notes")
    # w opens the notes in a second window: the current slide's notes, then they follow
    # the deck, and the window's own arrow keys drive the deck.
    with context.expect_page() as opened:
        deck.keyboard.press("w")
    notes = opened.value
    notes.set_default_timeout(20_000)
    assert notes.url.endswith("/deck/notes.html")
    notes.wait_for_function("document.getElementById('notes').textContent"
                            ".includes('notes of tiny 0')")
    assert notes.text_content("#title") == "Tiny 0"
    assert "section 2/2" in notes.text_content("#counter")
    assert notes.text_content("#next").startswith("Tiny 1")
    notes.keyboard.press("ArrowRight")
    deck.wait_for_function("deck.index === 2")
    notes.wait_for_function("document.getElementById('notes').textContent"
                            ".includes('notes of tiny 1')")
    assert notes.text_content("#title") == "Tiny 1"
    assert "notes of tiny 1" in deck.inner_text("#notes")  # the overlay followed too
    deck.keyboard.press("ArrowLeft")
    notes.wait_for_function("document.getElementById('notes').textContent"
                            ".includes('notes of tiny 0')")
    deck.wait_for_function("deck.index === 1")
    # Every request, from both windows, stayed on file:// (the page, notes.html and the
    # section videos); nothing was fetched from the network.
    assert all(u.startswith(("file://", "data:", "blob:")) for u in urls), urls
    fetched = {u.rsplit("/deck/", 1)[-1] for u in urls}
    assert {"index.html", "notes.html", "videos/01_00.mp4", "videos/02_00.mp4"} <= fetched, urls


def test_the_cache_key_covers_the_library_sources(monkeypatch) -> None:
    """A change to a mobject or a sampler must re-render the slides that use it."""
    from manim_diffusion.talk import render

    slide = load_talk(Path(__file__).parents[1] / "talks" / "diffusion_in_ten_minutes.toml"
                      ).slides[0]
    assert re.fullmatch(r"[0-9a-f]{64}", render.library_hash())
    before = render.cache_key(slide, "preview", {})
    assert render.cache_key(slide, "preview", {}) == before
    monkeypatch.setattr(render, "library_hash", lambda: "another library")
    assert render.cache_key(slide, "preview", {}) != before


def test_the_cache_key_covers_the_scene_kit(tmp_path: Path) -> None:
    """The shipped scenes import scenes/_kit.py: a change to it re-renders them."""
    from manim_diffusion.talk import render

    (tmp_path / "plain_scene.py").write_text(
        "from manim import Scene\n\n\nclass Plain(Scene):\n    def construct(self):\n"
        "        self.wait(0.1)\n", encoding="utf-8")
    path = write_talk(tmp_path, '[[slides]]\ntitle = "One"\nscene = "plain_scene.py"\n'
                                'class = "Plain"\n')
    slide = load_talk(path, scenes_dir=tmp_path).slides[0]
    without = render.cache_key(slide, "preview", {})
    (tmp_path / "_kit.py").write_text("CAPTION = 24\n", encoding="utf-8")
    with_kit = render.cache_key(slide, "preview", {})
    (tmp_path / "_kit.py").write_text("CAPTION = 22\n", encoding="utf-8")
    assert len({without, with_kit, render.cache_key(slide, "preview", {})}) == 3
