"""Save, load and list checkpoints; every shipped file is checked against its sha256."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from ..core.model import DiffusionModel
from ..core.nets import MLPDenoiser
from ..training.train import TrainConfig, build_model

__all__ = [
    "CheckpointError",
    "pretrained_dir",
    "read_manifest",
    "list_pretrained",
    "load_pretrained",
    "load_checkpoint",
    "save_checkpoint",
    "add_to_manifest",
    "sha256_of",
    "check_file",
    "shipped_file",
    "save_weights",
    "load_weights",
    "save_arrays",
    "load_arrays",
]

FORMAT = "manim-diffusion/1"
#: The format of files that hold other networks' weights (the MNIST VAE, the classifier).
WEIGHTS_FORMAT = "manim-diffusion-weights/1"
MANIFEST = "manifest.json"
#: The manifest's sections: "models" holds the 2D diffusion checkpoints (each with an
#: energy distance), "files" everything else (kind "vae", "classifier", "diffusion"
#: for the MNIST latent model, "arrays" for npz data).
SECTIONS = ("models", "files")


class CheckpointError(ValueError):
    """A checkpoint is unknown, missing, corrupt or does not match its hash."""


def pretrained_dir() -> Path:
    """Where the shipped checkpoints are.

    ``$MANIM_DIFFUSION_PRETRAINED`` if set, else ``pretrained/`` of a source checkout
    (or an editable install), else the copy a wheel installs under
    ``<prefix>/share/manim-diffusion/pretrained``.
    """
    env = os.environ.get("MANIM_DIFFUSION_PRETRAINED")
    if env:
        return Path(env)
    source = Path(__file__).resolve().parents[2] / "pretrained"
    if (source / MANIFEST).exists():
        return source
    return Path(sys.prefix) / "share" / "manim-diffusion" / "pretrained"


def sha256_of(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_sections(directory: Path | None) -> dict[str, list[dict[str, Any]]]:
    path = (directory or pretrained_dir()) / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        sections = {key: list(data.get(key, [])) for key in SECTIONS}
        unnamed = [e for entries in sections.values() for e in entries if "name" not in e]
        if unnamed:
            raise KeyError(f"an entry has no name: {unnamed[0]}")
        return sections
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
        raise CheckpointError(f"{path} is not a valid manifest ({err})") from err


def read_manifest(
    directory: Path | None = None, section: str = "models"
) -> dict[str, dict[str, Any]]:
    """The entries of one manifest section by name (empty if there is no manifest).

    ``section`` is "models" (the 2D checkpoints) or "files" (the MNIST VAE,
    classifier, latent model and latent codes).
    """
    if section not in SECTIONS:
        raise ValueError(f"unknown manifest section {section!r}; choose one of {SECTIONS}")
    return {e["name"]: e for e in _read_sections(directory).get(section, [])}


def list_pretrained(directory: Path | None = None, section: str = "models") -> list[dict[str, Any]]:
    """The manifest entries of the shipped checkpoints (or other files), sorted by name.

    Each entry is a dict with the ``name``, ``file``, ``sha256`` and, for the 2D models,
    ``dataset``, ``objective``, ``schedule``, ``network``, ``training`` and ``metric``
    (the energy distance reached and its floor).

    Parameters
    ----------
    directory
        The folder with ``manifest.json``; by default the shipped ``pretrained/``.
    section
        ``"models"`` (the 2D diffusion checkpoints) or ``"files"`` (the MNIST VAE,
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
                self.add(bars.arrange(RIGHT, buff=0.8, aligned_edge=DOWN).move_to(ORIGIN),
                         Text("energy distance (blue) and its floor (yellow)", font_size=26)
                         .to_edge(UP))
    """
    return [e for _, e in sorted(read_manifest(directory, section).items())]


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_checkpoint(
    model: DiffusionModel,
    config: TrainConfig,
    path: str | os.PathLike[str],
    extra: dict | None = None,
) -> str:
    """Write ``model`` atomically (a half-written file never replaces a good one).

    The file holds only tensors, numbers and strings, so it loads with
    ``torch.load(weights_only=True)``. Returns its sha256.

    Parameters
    ----------
    model
        The model to save (its net must be an
        :class:`~manim_diffusion.core.nets.MLPDenoiser`).
    config
        The :class:`~manim_diffusion.training.train.TrainConfig` it was trained with;
        :func:`load_checkpoint` rebuilds the net from it.
    path
        The file to write (its folder is made if missing).
    extra
        Plain data stored beside the weights (e.g. ``{"dataset": "smiley"}``, which
        :func:`load_checkpoint` puts back as ``model.dataset``).

    Returns
    -------
    str
        The file's sha256 (hex), for :func:`load_checkpoint` or a manifest.

    Examples
    --------
    A tiny model trained, saved and loaded back (its hash checked):

    .. manim:: SaveCheckpointExample
        :save_last_frame:

        import tempfile
        from pathlib import Path
        from manim_diffusion import (DistributionCloud, TrainConfig, load_checkpoint,
                                     make_dataset, sample, save_checkpoint, train)

        class SaveCheckpointExample(Scene):
            def construct(self):
                config = TrainConfig(steps=300, batch_size=128, lr=0.02, ema_decay=0.9,
                                     hidden=64, layers=2, objective="flow", schedule="flow",
                                     threads=1)
                result = train(make_dataset("three_dots", 2000, seed=0), config,
                               progress=False)
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "three_dots_tiny.pt"
                    digest = save_checkpoint(result.model, config, path,
                                             extra={"dataset": "three_dots"})
                    size = path.stat().st_size
                    model = load_checkpoint(path, sha256=digest)
                points = sample(model, "euler", steps=20, n=2000, seed=0).final
                self.add(DistributionCloud(points, radius=0.02),
                         Paragraph(f"{path.name}: {size // 1024} KB",
                                   f"sha256 {digest[:16]}...", font_size=24).to_corner(UL))
    """
    path = Path(path)
    payload = {
        "format": FORMAT,
        "config": config.to_dict(),
        # checkpoints hold an MLPDenoiser (load_checkpoint rebuilds one from the config)
        "dim": int(cast(MLPDenoiser, model.net).config["dim"]),
        "extra": dict(extra or {}),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
    }
    _atomic_write(path, lambda f: torch.save(payload, f))
    return sha256_of(path)


def check_file(
    path: str | os.PathLike[str],
    sha256: str | None = None,
    what: str = "checkpoint",
    make: str = "`manim-diffusion train` to make one",
) -> Path:
    """``path``, once it is known to exist and (when ``sha256`` is given) to match it.

    Raises :class:`CheckpointError` with a one-line fix otherwise.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"{what} {path} does not exist; run `manim-diffusion list` for the shipped "
            f"ones or {make}"
        )
    if sha256 is not None and (actual := sha256_of(path)) != sha256:
        raise CheckpointError(
            f"{what} {path} does not match its manifest hash (sha256 {actual[:12]}... "
            f"expected {sha256[:12]}...); the file is damaged or was replaced: restore it "
            "from the repository (git checkout -- pretrained/)"
        )
    return path


def load_checkpoint(path: str | os.PathLike[str], sha256: str | None = None) -> DiffusionModel:
    """Load a checkpoint file, checking its hash when one is given.

    Only tensors and plain data are read (``weights_only=True``): a file that
    carries pickled code is refused.

    Parameters
    ----------
    path
        A file written by :func:`save_checkpoint`.
    sha256
        Its expected hash (hex); a file that does not match raises
        :class:`CheckpointError`. ``None`` skips the check.

    Returns
    -------
    DiffusionModel
        The model in eval mode, without gradients; ``model.dataset`` is the
        ``"dataset"`` of the checkpoint's ``extra`` (or ``None``).

    Examples
    --------
    A trained model and its copy loaded from disk sample the same points from the
    same noise:

    .. manim:: LoadCheckpointExample
        :save_last_frame:

        import tempfile
        from pathlib import Path
        from manim_diffusion import (DistributionCloud, TrainConfig, load_checkpoint,
                                     make_dataset, sample, save_checkpoint, train)

        class LoadCheckpointExample(Scene):
            def construct(self):
                config = TrainConfig(steps=300, batch_size=128, lr=0.02, ema_decay=0.9,
                                     hidden=64, layers=2, objective="flow", schedule="flow",
                                     threads=1)
                data = make_dataset("three_dots", 2000, seed=0)
                trained = train(data, config, progress=False).model
                with tempfile.TemporaryDirectory() as folder:
                    digest = save_checkpoint(trained, config, Path(folder) / "tiny.pt")
                    loaded = load_checkpoint(Path(folder) / "tiny.pt", sha256=digest)
                for model, side, title in [(trained, LEFT, "trained"), (loaded, RIGHT, "loaded")]:
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=5.5,
                                y_length=5.5, tips=False).shift(3.4 * side + 0.4 * DOWN)
                    points = sample(model, "euler", steps=20, n=1500, seed=0).final
                    self.add(axes, DistributionCloud(points, axes=axes, radius=0.02),
                             Text(title, font_size=26).next_to(axes, UP))
    """
    path = check_file(path, sha256)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError("not a manim-diffusion checkpoint")
        config = TrainConfig(**payload["config"])
        model = build_model(config, dim=int(payload["dim"]))
        model.load_state_dict(payload["state_dict"])
        model.dataset = payload.get("extra", {}).get("dataset")
    except CheckpointError:
        raise
    except Exception as err:  # torch raises many kinds for a bad file
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise CheckpointError(
            f"{path} is not a valid manim-diffusion checkpoint ({reason}); "
            "train one with `manim-diffusion train`"
        ) from err
    return model.eval().requires_grad_(False)


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
    Samples of every shipped 2D model:

    .. manim:: LoadPretrainedExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, list_pretrained, load_pretrained, sample

        class LoadPretrainedExample(Scene):
            def construct(self):
                names = [entry["name"] for entry in list_pretrained()]
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


def add_to_manifest(entry: dict[str, Any], directory: Path, section: str = "models") -> None:
    """Add or replace ``entry`` (by its name) in a section of ``directory``'s manifest,
    atomically; the other sections are kept as they are."""
    if section not in SECTIONS:
        raise ValueError(f"unknown manifest section {section!r}; choose one of {SECTIONS}")
    sections = _read_sections(directory)
    entries = {e["name"]: e for e in sections.get(section, [])}
    entries[entry["name"]] = entry
    sections[section] = [entries[k] for k in sorted(entries)]
    data = {"models": sections.get("models", [])}
    if sections.get("files"):
        data["files"] = sections["files"]
    text = json.dumps(data, indent=2) + "\n"
    _atomic_write(directory / MANIFEST, lambda f: f.write(text.encode()))


def save_weights(
    state_dict: dict[str, torch.Tensor],
    path: str | os.PathLike[str],
    kind: str,
    meta: dict[str, Any] | None = None,
    dtype: torch.dtype | None = None,
) -> str:
    """Write a network's weights (any kind but a DiffusionModel) atomically.

    ``meta`` holds what rebuilds the network (its config) and what it scored, as
    plain numbers, strings, lists and dicts; ``dtype`` (e.g. ``torch.float16``)
    stores the floating-point tensors smaller. The file loads with
    ``torch.load(weights_only=True)``. Returns its sha256.
    """
    def cast(v: torch.Tensor) -> torch.Tensor:
        v = v.detach().cpu().clone()
        return v.to(dtype) if dtype is not None and v.is_floating_point() else v

    payload = {
        "format": WEIGHTS_FORMAT,
        "kind": str(kind),
        "meta": dict(meta or {}),
        "state_dict": {k: cast(v) for k, v in state_dict.items()},
    }
    path = Path(path)
    _atomic_write(path, lambda f: torch.save(payload, f))
    return sha256_of(path)


def load_weights(
    path: str | os.PathLike[str], sha256: str | None = None, kind: str | None = None
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The state dict (float tensors as float32) and metadata of a :func:`save_weights` file.

    The hash is checked when given, and the file is read with ``weights_only=True``.
    """
    path = check_file(path, sha256, what="weights file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(payload, dict) or payload.get("format") != WEIGHTS_FORMAT:
            raise ValueError("not a manim-diffusion weights file")
        state = {
            k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()
        }
        found, meta = payload.get("kind"), dict(payload.get("meta", {}))
    except Exception as err:  # torch raises many kinds for a bad file
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise CheckpointError(
            f"{path} is not a valid manim-diffusion weights file ({reason}); "
            "make it again with `manim-diffusion mnist`"
        ) from err
    if kind is not None and found != kind:
        raise CheckpointError(f"{path} holds a {found!r}, not a {kind!r}; check the file name")
    return state, meta


def save_arrays(path: str | os.PathLike[str], **arrays: np.ndarray) -> str:
    """Write numpy arrays to a compressed ``.npz`` atomically; returns its sha256.

    Object arrays are refused (the file must load with ``allow_pickle=False``), and
    the zip entries carry a fixed date, so the same arrays give the same bytes.
    """
    def write(f: Any) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for key, value in arrays.items():
                value = np.asarray(value)
                if value.dtype.hasobject:
                    raise ValueError(f"array {key!r} holds Python objects; store numbers only")
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, value, allow_pickle=False)
                info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, buffer.getvalue())

    path = Path(path)
    _atomic_write(path, write)
    return sha256_of(path)


def load_arrays(path: str | os.PathLike[str], sha256: str | None = None) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file, its hash checked when given (no pickles read)."""
    path = check_file(path, sha256, what="data file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise CheckpointError(
            f"{path} is not a readable npz file ({err}); make it again with "
            "`manim-diffusion mnist train-vae`"
        ) from err
