"""The click group of the `manim-diffusion` command and the options its commands share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..apps.mnist.idx import MNIST_ENV

__all__ = ["PositiveInt", "main", "mnist_dir_option", "out_dir_option"]

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


def out_dir_option(func: _F) -> _F:
    """The required --out-dir option of the MNIST training commands."""
    return click.option(
        "--out-dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder to write to, with its manifest (pretrained for the shipped files).",
    )(func)
