"""io: checkpoints, the manifest and the shipped files (package data)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .files import (
    PRETRAINED_ENV,
    CheckpointError,
    atomic_write,
    check_file,
    pretrained_dir,
    sha256_of,
)
from .manifest import (
    ENTRY_KEYS,
    MANIFEST,
    SECTIONS,
    add_to_manifest,
    manifest_entry,
    mlp_network,
    read_manifest,
    read_sections,
)

if TYPE_CHECKING:  # type checkers see the names loaded on first use with their types
    from .checkpoints import (
        FORMAT,
        WEIGHTS_FORMAT,
        load_arrays,
        load_checkpoint,
        load_weights,
        save_arrays,
        save_checkpoint,
        save_weights,
    )
    from .pretrained import list_pretrained, load_pretrained, shipped_file

__all__ = [
    "ENTRY_KEYS",
    "FORMAT",
    "MANIFEST",
    "PRETRAINED_ENV",
    "SECTIONS",
    "WEIGHTS_FORMAT",
    "CheckpointError",
    "add_to_manifest",
    "atomic_write",
    "check_file",
    "list_pretrained",
    "load_arrays",
    "load_checkpoint",
    "load_pretrained",
    "load_weights",
    "manifest_entry",
    "mlp_network",
    "pretrained_dir",
    "read_manifest",
    "read_sections",
    "save_arrays",
    "save_checkpoint",
    "save_weights",
    "sha256_of",
    "shipped_file",
]

#: Names that need torch, from the modules that hold them, imported on first use: the
#: files and the manifest (what ``manim-diffusion talk`` reads) load without torch.
_TORCH_NAMES = {
    **dict.fromkeys(("FORMAT", "WEIGHTS_FORMAT", "load_arrays", "load_checkpoint",
                     "load_weights", "save_arrays", "save_checkpoint", "save_weights"),
                    ".checkpoints"),
    **dict.fromkeys(("list_pretrained", "load_pretrained", "shipped_file"), ".pretrained"),
}


def __getattr__(name: str) -> Any:
    home = _TORCH_NAMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value
