"""Files on disk: hashes, atomic writes, checks, and where the shipped files are."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import IO

__all__ = [
    "PRETRAINED_ENV",
    "CheckpointError",
    "atomic_write",
    "check_file",
    "pretrained_dir",
    "sha256_of",
]

#: The environment variable that points to another folder of shipped files.
PRETRAINED_ENV = "MANIM_DIFFUSION_PRETRAINED"
_MANIFEST = "manifest.json"  # (io.manifest.MANIFEST; here to tell a real folder)


class CheckpointError(ValueError):
    """A checkpoint is unknown, missing, corrupt or does not match its hash."""


def pretrained_dir() -> Path:
    """Where the shipped checkpoints are.

    ``$MANIM_DIFFUSION_PRETRAINED`` if set, else the package data
    ``manim_diffusion/pretrained`` a wheel installs (found through
    :mod:`importlib.resources`), else the top-level ``pretrained/`` of a source
    checkout or an editable install (the folder the wheel's copy is built from).

    Returns
    -------
    Path
        The folder with ``manifest.json`` and the files it lists.
    """
    env = os.environ.get(PRETRAINED_ENV)
    if env:
        return Path(env)
    package = resources.files("manim_diffusion")
    shipped = package / "pretrained"
    if shipped.joinpath(_MANIFEST).is_file():
        return Path(str(shipped))
    return Path(str(package)).resolve().parent / "pretrained"


def sha256_of(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``path`` through ``write(file)`` so a half-written file never replaces it.

    The bytes go to a temporary file beside ``path`` (flushed and synced), which is
    renamed over it at the end; on any error the temporary file is removed.
    """
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
