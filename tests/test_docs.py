"""The docs (docs/, ``python docs/build.py``) build without a warning, list every public
name, hold every example's rendered media, and a page looks right in a real browser.

The slow test builds a copy of docs/ in ``tmp_path`` in quick mode (the examples at
Manim's lowest quality, as CI builds them) with ``sphinx-build -W``. The fast tests
check how README.md is cut into pages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))

from readme_pages import PAGES, split_readme, write_readme_pages  # noqa: E402

#: Debian's chromium headless: no sandbox as root, no GPU, none of its own traffic.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def test_every_readme_section_is_on_a_page() -> None:
    _, sections = split_readme((ROOT / "README.md").read_text(encoding="utf-8"))
    placed = [name for _, names in PAGES.values() for name in names]
    assert sorted(placed) == sorted(sections)
    assert {"Gallery", "Talks", "How it is built"} <= set(placed)


def test_a_readme_is_cut_at_its_sections_but_not_in_code(tmp_path: Path) -> None:
    text = "# T\n\nIntro.\n\n## A\n\nText a.\n\n```sh\n## not a heading\n```\n\n### Sub\n\nb\n"
    intro, sections = split_readme(text)
    assert intro == "Intro.\n"
    assert list(sections) == ["A"] and "## not a heading" in sections["A"]
    (tmp_path / "README.md").write_text(text + "## Stray\n\nx\n")
    with pytest.raises(ValueError, match=r"\['A', 'Stray'\] are on no docs page"):
        write_readme_pages(tmp_path, tmp_path / "out")
    names = [name for _, names in PAGES.values() for name in names if name != "Talks"]
    (tmp_path / "README.md").write_text("# T\n" + "".join(f"## {n}\n\nx\n" for n in names))
    with pytest.raises(ValueError, match=r"README.md has no section \['Talks'\]"):
        write_readme_pages(tmp_path, tmp_path / "out")


def test_the_readme_pages_carry_their_images(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    out.mkdir()
    write_readme_pages(ROOT, out)
    gallery = (out / "gallery.md").read_text(encoding="utf-8")
    assert gallery.startswith("# Gallery\n")
    assert "![DDPM smiley, last frame](media/gallery/ddpm_smiley.png)" in gallery
    assert (out / "media" / "gallery" / "ddpm_smiley.png").is_file()
    guide = (out / "guide.md").read_text(encoding="utf-8")
    assert '<img src="../_static/readme/media/gallery/mobjects/TimeBar.png"' in guide
    assert (out / "static" / "readme" / "media" / "gallery" / "mobjects" / "TimeBar.png").is_file()


def _chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser",
                                                         "google-chrome")) if p), None)


def _build(tmp_path: Path) -> tuple[Path, str]:
    """A copy of docs/ built in quick mode: the HTML folder and the build's output."""
    pytest.importorskip("sphinx", reason="the docs extras: pip install -e '.[docs]'")
    pytest.importorskip("myst_parser", reason="the docs extras: pip install -e '.[docs]'")
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs,
                    ignore=shutil.ignore_patterns("_build", "media", "generated", "__pycache__"))
    env = {**os.environ, "MANIM_DIFFUSION_ROOT": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(docs / "build.py"), "--quick"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=3600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "WARNING:" not in output and "ERROR:" not in output, output[-4000:]
    return docs / "_build" / "html", output


def _check_api_pages(html: Path) -> None:
    from manim_diffusion import engine, mobjects

    for short, module in (("engine", engine), ("mobjects", mobjects)):
        page = (html / "generated" / f"api_{short}.html").read_text(encoding="utf-8")
        missing = [name for name in module.__all__
                   if f'id="manim_diffusion.{short}.{name}"' not in page]
        assert not missing, f"api_{short}.html does not document {missing}"


def _check_example_media(html: Path) -> None:
    """Every public example is shown, as an MP4 next to its page or a still in _images,
    and every video and image a page links exists."""
    import inspect

    import av

    from manim_diffusion._doc_examples import examples_in, public_objects

    scenes = [example.scene for name, obj in public_objects().items()
              for example in examples_in(inspect.getdoc(obj) or "", name)]
    api = html / "generated"
    media = {p.name for p in api.glob("*.mp4")} | {p.name for p in (html / "_images").glob("*")}
    unshown = [s for s in scenes if f"{s}-1.mp4" not in media and f"{s}-1.png" not in media]
    assert not unshown, f"examples without a video or a still: {unshown}"
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        links = re.findall(r'<video[^>]*src="([^"]+)"', text, re.S)
        links += [src for src in re.findall(r'<img[^>]*src="([^"]+)"', text)
                  if "://" not in src and not src.startswith("data:")]
        broken = [src for src in links if not (page.parent / src).resolve().is_file()]
        assert not broken, f"{page.relative_to(html)} links missing files: {broken[:5]}"
    video = next(api.glob("*.mp4"))
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        assert (stream.height, stream.average_rate) == (480, 15)  # quick: Manim's -ql


def _screenshot(page: Path, out: Path) -> np.ndarray:
    chromium = _chromium()
    assert chromium is not None
    done = subprocess.run([chromium, *CHROMIUM_ARGS, f"--screenshot={out}",
                           "--window-size=1280,1400", "--virtual-time-budget=5000",
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    assert out.is_file(), done.stderr[-2000:]
    return np.asarray(Image.open(out).convert("RGB")).astype(int)


@pytest.mark.slow
def test_the_docs_build_in_quick_mode(tmp_path: Path) -> None:
    html, _ = _build(tmp_path)
    assert (html / "index.html").is_file()
    for page in PAGES:
        assert (html / "generated" / f"{page}.html").is_file()
    _check_api_pages(html)
    _check_example_media(html)
    if _chromium() is None:
        pytest.skip("no chromium (Debian: apt-get install -y chromium) for the screenshot; "
                    "the build itself passed")
    shot = _screenshot(html / "generated" / "gallery.html", tmp_path / "gallery.png")
    assert shot.shape[:2] == (1400, 1280)
    assert (np.abs(shot - shot[0, 0]).max(-1) > 40).mean() > 0.05, "the page looks blank"
    # the gallery's first picture (dark, as the scenes are) was loaded and drawn
    assert (shot.max(-1) < 60).mean() > 0.05, "no gallery image on the page"
