"""`manim-diffusion talk preview|build TALK.toml`: render a talk script into a deck."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click

from .deck import DeckError, check_out_dir, write_deck
from .progress import SlideProgress
from .render import CACHE_ENV, render_talk
from .script import TalkError, load_talk
from .slides_export import presentation_name

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


def _run(mode: str, talk_file: Path, out: Path | None, cache_dir: Path | None,
         jobs: int | None) -> None:
    start = time.perf_counter()
    try:
        talk = load_talk(talk_file)
    except TalkError as err:
        raise click.ClickException(str(err)) from err
    out = out or Path("media") / "talks" / talk_file.stem
    try:
        check_out_dir(out)
    except DeckError as err:
        raise click.ClickException(str(err)) from err
    total = len(talk.slides)
    click.echo(f"{talk.title}: {total} slides, {mode} quality")

    with SlideProgress(total, echo=click.echo) as bars:
        results = render_talk(talk, mode, cache_dir=cache_dir, jobs=jobs, on_start=bars.start,
                              on_progress=bars.update, on_done=bars.done)
    failed = [r for r in results if not r.ok]
    elapsed = time.perf_counter() - start
    rendered = sum(1 for r in results if r.ok and not r.cached)
    if failed:
        for r in failed:
            click.echo(f"\n{r.slide.label} ({r.slide.file.name}:{r.slide.scene_class}) "
                       f"failed:\n{r.error}", err=True)
        raise click.ClickException(
            f"{len(failed)} of {total} slides failed after {elapsed:.1f} s; the deck was "
            "not written")
    try:
        index = write_deck(talk, results, out)
    except DeckError as err:
        raise click.ClickException(str(err)) from err
    elapsed = time.perf_counter() - start
    click.echo(f"{rendered} rendered, {total - rendered} cached in {elapsed:.1f} s; "
               f"deck: {index}")
    click.echo(f"  notes in a second window: press w in the deck; manim-slides: cd {out} && "
               f"manim-slides present {presentation_name(out.name)}")


@talk_group.command("preview")
@_talk_options
def preview_cmd(talk_file: Path, out: Path | None, cache_dir: Path | None,
                jobs: int | None) -> None:
    """Render TALK_FILE at preview quality (480p15) and write the deck."""
    _run("preview", talk_file, out, cache_dir, jobs)


@talk_group.command("build")
@_talk_options
def build_cmd(talk_file: Path, out: Path | None, cache_dir: Path | None,
              jobs: int | None) -> None:
    """Render TALK_FILE at full quality (1080p60) and write the deck."""
    _run("build", talk_file, out, cache_dir, jobs)
