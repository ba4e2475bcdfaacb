"""`manim-diffusion talk preview|build|handout TALK.toml`: a talk script into a deck or a PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ..talk.build import SlidesFailed, build_deck
from ..talk.deck import DeckError
from ..talk.render import CACHE_ENV
from ..talk.script import TalkError
from ..talk.slides_export import presentation_name
from ..talk.watch import watch_talk

__all__ = ["talk_group"]


@click.group("talk")
def talk_group() -> None:
    """Render a talk script (TOML) into an offline slide deck of scene sections."""


def _talk_options(func: Callable[..., None]) -> Callable[..., None]:
    func = click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="Deck folder to write (default: media/talks/<talk name>).")(func)
    func = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, envvar=CACHE_ENV, show_envvar=True,
                        help="Where rendered slides are kept (default: media/talks/.cache).")(
                            func)
    func = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                        help="Slides rendered at once (default: the number of cores).")(func)
    return click.argument("talk_file", type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path))(func)


def _report(err: Exception) -> click.ClickException:
    """The one-line error of a failed build, after each failed slide's own error."""
    if isinstance(err, SlidesFailed):
        for r in err.failed:
            click.echo(f"\n{r.slide.label} ({r.slide.file.name}:{r.slide.scene_class}) "
                       f"failed:\n{r.error}", err=True)
    return click.ClickException(str(err))


def _run(mode: str, talk_file: Path, out: Path | None, cache_dir: Path | None,
         jobs: int | None) -> None:
    try:
        deck = build_deck(talk_file, mode, out=out, cache_dir=cache_dir, jobs=jobs,
                          echo=click.echo)
    except (TalkError, DeckError, SlidesFailed) as err:
        raise _report(err) from err
    click.echo(f"{deck.rendered} rendered, {deck.cached} cached in {deck.seconds:.1f} s; "
               f"deck: {deck.index}")
    click.echo(f"  notes in a second window: press w in the deck; manim-slides: cd {deck.out} "
               f"&& manim-slides present {presentation_name(deck.out.name)}")


@talk_group.command("preview")
@_talk_options
@click.option("--watch", is_flag=True, help="Keep watching the script and its scenes: "
              "re-render changed slides and reload an open deck at the slide edited.")
def preview_cmd(talk_file: Path, out: Path | None, cache_dir: Path | None,
                jobs: int | None, watch: bool) -> None:
    """Render TALK_FILE at preview quality (480p15) and write the deck."""
    if watch:
        watch_talk(talk_file, "preview", out=out, cache_dir=cache_dir, jobs=jobs,
                   echo=click.echo)
    else:
        _run("preview", talk_file, out, cache_dir, jobs)


@talk_group.command("build")
@_talk_options
def build_cmd(talk_file: Path, out: Path | None, cache_dir: Path | None,
              jobs: int | None) -> None:
    """Render TALK_FILE at full quality (1080p60) and write the deck."""
    _run("build", talk_file, out, cache_dir, jobs)


@talk_group.command("handout")
@click.argument("talk_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PDF to write (default: media/talks/<talk name>-handout.pdf).")
@click.option("--quality", type=click.Choice(["build", "preview"]), default="build",
              show_default=True, help="The frames of `talk build` (1080p) or `talk preview`.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar=CACHE_ENV, show_envvar=True,
              help="Where rendered slides are kept (default: media/talks/.cache).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Slides rendered at once (default: the number of cores).")
def handout_cmd(talk_file: Path, out: Path | None, quality: str, cache_dir: Path | None,
                jobs: int | None) -> None:
    """Write a PDF of TALK_FILE: each section's last frame above its slide's notes.

    Slides come from the render cache of `talk build` (or `talk preview` with
    --quality preview); those not there yet are rendered first.
    """
    from ..talk.handout import HandoutError, build_handout  # Pillow, only when asked

    try:
        handout = build_handout(talk_file, quality, out=out, cache_dir=cache_dir, jobs=jobs,
                                echo=click.echo)
    except (TalkError, HandoutError, SlidesFailed) as err:
        raise _report(err) from err
    click.echo(f"{handout.rendered} rendered, {handout.cached} cached; "
               f"handout: {handout.out} ({handout.pages} pages)")
