"""io: checkpoints, the manifest and the shipped files (package data)."""

from __future__ import annotations

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
