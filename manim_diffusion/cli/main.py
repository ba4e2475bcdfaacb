"""The click group of the `manim-diffusion` command and the options its commands share."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..apps.mnist.idx import MNIST_ENV

__all__ = ["COMMANDS", "LazyGroup", "PositiveInt", "device_option", "main", "mnist_dir_option",
           "out_dir_option"]

_F = TypeVar("_F", bound=Callable[..., Any])  # a click command function, decorated


class PositiveInt(click.IntRange):
    """An integer of at least 1; anything else is refused as "not a positive integer"."""

    def __init__(self) -> None:
        super().__init__(min=1)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        number = click.INT.convert(value, param, ctx)
        if number < 1:
            self.fail(f"must be a positive integer, got {number}", param, ctx)
        return number


#: Each command of `manim-diffusion` and where it lives ("module:attribute"); a command's
#: module is imported only when that command runs (or for --help), so `talk preview` of
#: a cached talk loads neither torch nor manim.
COMMANDS: dict[str, str] = {
    "list": "manim_diffusion.cli.models:list_cmd",
    "train": "manim_diffusion.cli.models:train_cmd",
    "sample": "manim_diffusion.cli.models:sample_cmd",
    "eval": "manim_diffusion.cli.models:eval_cmd",
    "mnist": "manim_diffusion.cli.mnist:mnist_group",
    "talk": "manim_diffusion.cli.talk:talk_group",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use (click's lazy-loading
    pattern): ``lazy`` maps a command name to ``"module:attribute"``."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attribute = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="manim-diffusion")
def main() -> None:
    """Train, sample and evaluate the diffusion models behind manim-diffusion."""


def mnist_dir_option(func: _F) -> _F:
    """The --mnist-dir option (also read from $MANIM_DIFFUSION_MNIST)."""
    return click.option(
        "--mnist-dir",
        envvar=MNIST_ENV,
        default=None,
        type=click.Path(file_okay=False, path_type=Path),
        help=f"Folder with the MNIST IDX files (.gz or not) or mnist.npz [env: {MNIST_ENV}].",
    )(func)


def device_option(func: _F) -> _F:
    """The --device option of the commands that train or sample (auto: CUDA when present)."""
    return click.option(
        "--device",
        default="auto",
        show_default=True,
        type=click.Choice(["auto", "cpu", "cuda", "mps"]),
        help="Where torch runs: auto takes CUDA, then MPS, then the CPU.",
    )(func)


def out_dir_option(func: _F) -> _F:
    """The required --out-dir option of the MNIST training commands."""
    return click.option(
        "--out-dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder to write to, with its manifest (pretrained for the shipped files).",
    )(func)
