"""Save, load and list checkpoints; every shipped file is checked against its sha256."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import torch

from .objectives import DiffusionModel
from .train import TrainConfig, build_model

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
]

FORMAT = "manim-diffusion/1"
MANIFEST = "manifest.json"


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


def read_manifest(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """The manifest's entries by model name (empty if there is no manifest)."""
    path = (directory or pretrained_dir()) / MANIFEST
    if not path.exists():
        return {}
    try:
        entries = json.loads(path.read_text())["models"]
        return {e["name"]: e for e in entries}
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise CheckpointError(f"{path} is not a valid manifest ({err})") from err


def list_pretrained(directory: Path | None = None) -> list[dict[str, Any]]:
    """The manifest entries of the shipped checkpoints, sorted by name."""
    return [e for _, e in sorted(read_manifest(directory).items())]


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
    """
    path = Path(path)
    payload = {
        "format": FORMAT,
        "config": config.to_dict(),
        "dim": int(model.net.config["dim"]),
        "extra": dict(extra or {}),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
    }
    _atomic_write(path, lambda f: torch.save(payload, f))
    return sha256_of(path)


def load_checkpoint(path: str | os.PathLike[str], sha256: str | None = None) -> DiffusionModel:
    """Load a checkpoint file, checking its hash when one is given.

    Only tensors and plain data are read (``weights_only=True``): a file that
    carries pickled code is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"checkpoint {path} does not exist; run `manim-diffusion list` for the shipped "
            "ones or `manim-diffusion train` to make one"
        )
    if sha256 is not None and (actual := sha256_of(path)) != sha256:
        raise CheckpointError(
            f"checkpoint {path} does not match its manifest hash (sha256 {actual[:12]}... "
            f"expected {sha256[:12]}...); the file is damaged or was replaced: restore it "
            "from the repository (git checkout -- pretrained/)"
        )
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
    """Load a checkpoint by its manifest name (hash checked) or by file path."""
    directory = directory or pretrained_dir()
    manifest = read_manifest(directory)
    if name in manifest:
        entry = manifest[name]
        return load_checkpoint(directory / entry["file"], sha256=entry["sha256"])
    if Path(name).suffix == ".pt" or os.sep in name:
        return load_checkpoint(name)
    known = ", ".join(manifest) or "none (pretrained/manifest.json is missing)"
    raise CheckpointError(f"unknown model {name!r}; shipped models: {known}")


def add_to_manifest(entry: dict[str, Any], directory: Path) -> None:
    """Add or replace ``entry`` (by its name) in ``directory``'s manifest, atomically."""
    entries = read_manifest(directory)
    entries[entry["name"]] = entry
    text = json.dumps({"models": [entries[k] for k in sorted(entries)]}, indent=2) + "\n"
    _atomic_write(directory / MANIFEST, lambda f: f.write(text.encode()))
