"""The shipped files: list them, find one (hash checked), load a shipped model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..core.model import DiffusionModel
from .checkpoints import load_checkpoint
from .files import CheckpointError, check_file, pretrained_dir
from .manifest import MANIFEST, read_manifest

__all__ = ["list_pretrained", "load_pretrained", "shipped_file"]


def list_pretrained(directory: Path | None = None, section: str = "models") -> list[dict[str, Any]]:
    """The manifest entries of the shipped checkpoints (or other files), sorted by name.

    Each entry is a dict with the ``name``, ``file``, ``sha256`` and, for the point
    models, ``dataset``, ``objective``, ``schedule``, ``network`` (with ``"dim": 3`` for
    a 3D model), ``training`` and ``metric`` (the energy distance reached and its floor).

    Parameters
    ----------
    directory
        The folder with ``manifest.json``; by default the shipped ``pretrained/``.
    section
        ``"models"`` (the 2D and 3D point checkpoints) or ``"files"`` (the MNIST VAE,
        classifier, latent model and latent codes).

    Examples
    --------
    .. manim:: ListPretrainedExample
        :save_last_frame:

        from manim_diffusion import list_pretrained

        class ListPretrainedExample(Scene):
            def construct(self):
                bars = VGroup()
                for entry in list_pretrained():
                    metric = entry["metric"]
                    bar = Rectangle(width=1.2, height=1200 * metric["energy_distance"],
                                    fill_opacity=0.8, color=BLUE)
                    floor = Line(0.8 * LEFT, 0.8 * RIGHT, color=YELLOW, stroke_width=6)
                    floor.move_to(bar.get_bottom() + 1200 * metric["floor"] * UP)
                    name = Text(entry["name"], font_size=20).next_to(bar, DOWN)
                    bars.add(VGroup(bar, floor, name))
                bars.arrange(RIGHT, buff=0.6, aligned_edge=DOWN).scale_to_fit_width(13)
                self.add(bars.move_to(0.3 * DOWN),
                         Text("energy distance (blue) and its floor (yellow)", font_size=26)
                         .to_edge(UP))
    """
    return [e for _, e in sorted(read_manifest(directory, section).items())]


def load_pretrained(name: str, directory: Path | None = None) -> DiffusionModel:
    """Load a checkpoint by its manifest name (hash checked) or by file path.

    Names of the "models" section and the diffusion models of the "files" section
    (the MNIST latent model) both work.

    Parameters
    ----------
    name
        A name of :func:`list_pretrained` (e.g. ``"smiley_ddpm"``; see
        ``manim-diffusion list``), or the path of a ``.pt`` file.
    directory
        The folder with ``manifest.json``; by default the shipped ``pretrained/``.

    Returns
    -------
    DiffusionModel
        The model in eval mode, without gradients.

    Examples
    --------
    Samples of every shipped 2D model (a 3D one's network says ``"dim": 3``):

    .. manim:: LoadPretrainedExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, list_pretrained, load_pretrained, sample

        class LoadPretrainedExample(Scene):
            def construct(self):
                names = [entry["name"] for entry in list_pretrained()
                         if entry["network"].get("dim", 2) == 2]
                for col, name in enumerate(names):
                    model = load_pretrained(name)
                    points = sample(model, "ddim", steps=20, n=1000, seed=0).final
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=2.6,
                                y_length=2.6).set_opacity(0)
                    axes.move_to((col - (len(names) - 1) / 2) * 2.8 * RIGHT)
                    self.add(DistributionCloud(points, axes=axes, radius=0.012),
                             Text(name, font_size=18).next_to(axes, UP))
    """
    directory = directory or pretrained_dir()
    manifest = read_manifest(directory)
    manifest.update(
        (k, e) for k, e in read_manifest(directory, "files").items() if e.get("kind") == "diffusion"
    )
    if name in manifest:
        entry = manifest[name]
        return load_checkpoint(directory / entry["file"], sha256=entry["sha256"])
    if Path(name).suffix == ".pt" or os.sep in name:
        return load_checkpoint(name)
    known = ", ".join(manifest) or "none (pretrained/manifest.json is missing)"
    raise CheckpointError(f"unknown model {name!r}; shipped models: {known}")


def shipped_file(name: str, directory: Path | None = None, kind: str | None = None) -> Path:
    """The path of the shipped file ``name`` (any manifest section), its hash checked.

    ``kind``, when given, must match the entry's kind (e.g. "vae", "arrays").
    """
    directory = directory or pretrained_dir()
    entries = {**read_manifest(directory), **read_manifest(directory, "files")}
    if name not in entries:
        known = ", ".join(sorted(entries)) or f"none ({directory / MANIFEST} is missing)"
        raise CheckpointError(
            f"unknown file {name!r} in {directory}; shipped files: {known}; "
            "`manim-diffusion mnist --help` says how to make the MNIST ones"
        )
    entry = entries[name]
    if kind is not None and entry.get("kind", "diffusion") != kind:
        raise CheckpointError(
            f"{name!r} in {directory} is a {entry.get('kind', 'diffusion')!r}, not a {kind!r}"
        )
    return check_file(directory / entry["file"], entry["sha256"], what="file")
